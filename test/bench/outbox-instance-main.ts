// One instance's outbox dispatcher in its own process, for the engines bench's one-vs-two-instances
// run: its own connection pool, sending over HTTP to the parent's fake platform. Prints "ready"
// once connected, drains everything on "go" from stdin, then prints its figures as JSON.
import { createInterface } from "node:readline";
import { systemClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Dispatcher } from "../../src/core/outbox.ts";
import { openDb } from "../../src/db/client.ts";
import { HttpChatPort } from "../helpers/fake-send-server.ts";

const [url, platformPort, instanceId] = process.argv.slice(2) as [string, string, string];
const db = await openDb(url);
const port = new HttpChatPort("telegram", Number(platformPort));
// No platform rate limit: the run measures what the database and claims sustain, not Telegram's 25/s.
const dispatcher = new Dispatcher({ db, ports: new Map([["telegram", port]]), clock: systemClock, log: silentLogger, instanceId, limits: { telegram: {} } });
await db.outbox.count(); // the pool's first connection is open before the clock starts
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;
const started = performance.now();
const stats = await dispatcher.drainAll();
const ms = performance.now() - started;
await db.$disconnect();
process.stdout.write(JSON.stringify({ instanceId, ms, stats }) + "\n");
process.exit(0);
