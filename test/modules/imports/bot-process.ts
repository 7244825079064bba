// The live bot's writes, in their own process, beside an import: per message what the bot writes
// (the event marked processed, the reply in the outbox, the chat's form state), in one write
// transaction through the app's db client (production busy timeout, IMMEDIATE transactions), at a
// steady rate. Used by the import-beside-the-bot test and `npm run bench -- import`.
//
//   node --import tsx test/modules/imports/bot-process.ts <DATABASE_URL> <prefix> [messagesPerSecond]
//
// Prints "ready" once its first message is stored, keeps going until a line arrives on stdin (or
// stdin closes), then prints one JSON line: messages stored, errors, and each message's latency.
import { createInterface } from "node:readline";
import { enqueue } from "../../../src/core/outbox.ts";
import { openDb } from "../../../src/db/client.ts";

export interface BotResult {
  messages: number;
  eventIds: string[];
  errors: string[];
  /** Milliseconds from the start of each message's transaction to its commit, in order. */
  latenciesMs: number[];
}

const [url, prefix = "bot", rateArg = "3"] = process.argv.slice(2);
if (!url) throw new Error("usage: bot-process.ts <DATABASE_URL> <prefix> [messagesPerSecond]");
const intervalMs = 1000 / Number(rateArg);

const db = await openDb(url);
let stop = false;
const lines = createInterface({ input: process.stdin });
lines.on("line", () => (stop = true));
lines.on("close", () => (stop = true));

const result: BotResult = { messages: 0, eventIds: [], errors: [], latenciesMs: [] };
let announced = false;
for (let n = 0; !stop; n++) {
  const eventId = `${prefix}:${n}`;
  const started = performance.now();
  try {
    await db.$transaction(async (tx) => {
      await tx.processedEvent.create({ data: { platform: "telegram", eventId } });
      await enqueue({ db: tx as typeof db, key: `reply:${eventId}`, kind: "bench-bot", platform: "telegram", chatId: "c1", reply: { text: eventId } });
      const state = JSON.stringify({ step: n });
      await tx.formSession.upsert({
        where: { platform_chatId_userId: { platform: "telegram", chatId: "c1", userId: "u1" } },
        create: { platform: "telegram", chatId: "c1", userId: "u1", formId: "visit", formVersion: 1, stepId: "notes", state, expiresAt: new Date(Date.now() + 3600_000) },
        update: { state, stepId: "notes" },
      });
    });
    result.messages++;
    result.eventIds.push(eventId);
  } catch (err) {
    result.errors.push(`${eventId}: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`);
  }
  const took = performance.now() - started;
  result.latenciesMs.push(took);
  if (!announced && result.messages > 0) {
    announced = true;
    process.stdout.write("ready\n");
  }
  // A steady rate like a chat's: a message that waited for the lock does not make the next one wait less.
  await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - took)));
}
await db.$disconnect();
process.stdout.write(JSON.stringify(result) + "\n");
lines.close();
process.exit(0);
