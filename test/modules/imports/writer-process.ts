// A second process writing to the same database while an import runs, the way the live bot does:
// one small write transaction after another through the app's own db client (busy timeout,
// IMMEDIATE transactions). Used by the import concurrency test and `npm run bench -- import`.
//
//   node --import tsx test/modules/imports/writer-process.ts <DATABASE_URL> <key-prefix> [pauseMs]
//
// Prints "ready" once its first row is committed, keeps writing until a line arrives on stdin
// (or stdin closes), then prints one JSON line: rows written, errors, the longest single write.
import { createInterface } from "node:readline";
import { enqueue } from "../../../src/core/outbox.ts";
import { openDb } from "../../../src/db/client.ts";

export interface WriterResult {
  written: number;
  keys: string[];
  errors: string[];
  maxWriteMs: number;
}

const [url, prefix = "writer", pauseArg = "5"] = process.argv.slice(2);
if (!url) throw new Error("usage: writer-process.ts <DATABASE_URL> <key-prefix> [pauseMs]");
const pauseMs = Number(pauseArg);

const db = await openDb(url);
let stop = false;
const lines = createInterface({ input: process.stdin });
lines.on("line", () => (stop = true));
lines.on("close", () => (stop = true));

const result: WriterResult = { written: 0, keys: [], errors: [], maxWriteMs: 0 };
let announced = false;
while (!stop) {
  const key = `${prefix}:${result.written + result.errors.length}`;
  const started = performance.now();
  try {
    // Its own write transaction, as the bot's handlers write: it must wait for the import's lock, not fail.
    await db.$transaction(async (tx) => {
      await enqueue({ db: tx as typeof db, key, kind: "bench-writer", platform: "console", chatId: "writer", reply: { text: key } });
    });
    result.written++;
    result.keys.push(key);
  } catch (err) {
    result.errors.push(`${key}: ${(err as Error).message.split("\n")[0]}`);
  }
  result.maxWriteMs = Math.max(result.maxWriteMs, performance.now() - started);
  if (!announced && result.written > 0) {
    announced = true;
    process.stdout.write("ready\n");
  }
  // Always through the event loop: the driver is synchronous, so without this stdin is never read.
  await new Promise((r) => (pauseMs > 0 ? setTimeout(r, pauseMs) : setImmediate(r)));
}
await db.$disconnect();
process.stdout.write(JSON.stringify(result) + "\n");
lines.close();
process.exit(0);
