// One VisitMate instance in its own process (for the two-instance test): run due jobs and drain
// the outbox a few times against a shared SQLite file, print what this instance sent as JSON.
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/core/logger.ts";
import { Dispatcher } from "../../src/core/outbox.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { openDb } from "../../src/db/client.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { FakeChatPort, virtualSleep } from "./fake-chat.ts";

const [url, instanceId, at, rounds] = process.argv.slice(2) as [string, string, string, string];
const db = await openDb(url);
const clock = new FakeClock(at);
const log = createLogger("warn");
const deps = { db, policy: loadPolicy(), clock, log };
const port = new FakeChatPort("telegram", clock);
const scheduler = new Scheduler({ deps, jobs: allJobs(), instanceId });
const dispatcher = new Dispatcher({ db, ports: new Map([["telegram", port]]), clock, log, instanceId, sleep: virtualSleep(clock), batchSize: 10, maxQueued: 20 });
const reports = [];
for (let i = 0; i < Number(rounds); i++) {
  reports.push(...(await scheduler.runDue()).filter((r) => r.outcome === "ran" || r.outcome === "failed").map((r) => `${r.jobId}:${r.outcome}`));
  await dispatcher.drainAll();
  await new Promise((r) => setTimeout(r, 20));
}
await db.$disconnect();
process.stdout.write(JSON.stringify({ instanceId, ran: reports, sent: port.sent.map((m) => ({ chatId: m.to.chatId, text: m.reply.text })) }));
