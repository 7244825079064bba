// One VisitMate instance in its own process for the crash test: registers itself (heartbeat row),
// then dispatches the outbox to a fake platform on 127.0.0.1 until the test kills it with -9.
import { systemClock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/core/logger.ts";
import { InstanceRegistry } from "../../src/core/instances.ts";
import { Dispatcher, newInstanceId } from "../../src/core/outbox.ts";
import { openDb } from "../../src/db/client.ts";
import { HttpChatPort } from "./fake-send-server.ts";

const [url, port, inFlight] = process.argv.slice(2) as [string, string, string];
const db = await openDb(url);
const log = createLogger("warn");
const instanceId = newInstanceId();
const instances = new InstanceRegistry({ db, clock: systemClock, log, instanceId });
await instances.register();
instances.start();
const dispatcher = new Dispatcher({
  db,
  ports: new Map([["telegram", new HttpChatPort("telegram", Number(port))]]),
  clock: systemClock,
  log,
  instanceId,
  maxInFlight: Number(inFlight),
  batchSize: 20,
  maxQueued: 60,
  // Fast enough that a few hundred messages are mid-way when the test kills us.
  limits: { telegram: { globalPerSecond: 500, perChatPerSecond: 100 } },
});
process.stdout.write(JSON.stringify({ instanceId, pid: process.pid }) + "\n");
dispatcher.start();
