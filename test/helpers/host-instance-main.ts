// One VisitMate instance on its own "host" (a network namespace, see test/helpers/netns.ts) for
// the multi-host test: the production composition (app context, Telegram webhook on this host's
// address, the process's one dispatcher, startScheduling with its instance registry) against a
// PostgreSQL reached over the bridge. Prints JSON lines on stdout: `ready`, `drill` (the drill job
// started/ran here), `takeover` (this instance freed a dead one's claims, with its clock's time).
import { existsSync } from "node:fs";
import { loadEnv, platformsFromEnv } from "../../src/config/env.ts";
import { createAppContext, createAppRouter, appForms } from "../../src/app.ts";
import { startPlatforms } from "../../src/adapters/platforms.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createLogger, type Logger } from "../../src/core/logger.ts";
import { Dispatcher, newInstanceId } from "../../src/core/outbox.ts";
import type { Job } from "../../src/core/scheduler.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { startScheduling } from "../../src/jobs/runtime.ts";

const env = process.env;
const offsetMs = Number(env.VM_CLOCK_OFFSET_MS ?? 0);
// Real time shifted to the test's day: heartbeats age as they would, and every instance agrees on "now".
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + "\n");

const base = createLogger((env.LOG_LEVEL as "warn" | undefined) ?? "warn");
const log: Logger = {
  info: base.info,
  error: base.error,
  warn(msg, extra) {
    base.warn(msg, extra);
    if (msg === "took over the claims of dead instances") emit({ takeover: extra, at: clock.now().toISOString() });
  },
};

/**
 * A job the test can catch holding its lease: whoever claims it first keeps it running until the
 * test creates VM_DRILL_RELEASE (after killing that instance); the instance that takes the slot
 * over then finishes it at once.
 */
const drill: Job = {
  id: "drill",
  cron: () => "0 7 * * *",
  catchUpUntil: () => "12:00",
  async run(ctx) {
    const release = env.VM_DRILL_RELEASE;
    emit({ drill: release && !existsSync(release) ? "holding" : "ran", slot: ctx.slot.toISOString() });
    while (release && !existsSync(release) && !ctx.aborted()) await new Promise((r) => setTimeout(r, 50));
  },
};

const ctx = await createAppContext({ env, clock, log });
ctx.forms = appForms(ctx);
const router = createAppRouter(ctx);
const instanceId = newInstanceId();
const dispatcher = new Dispatcher({
  db: ctx.db,
  ports: new Map(),
  clock,
  log,
  instanceId,
  pollMs: 200,
  batchSize: Number(env.VM_BATCH ?? 5),
  maxQueued: Number(env.VM_MAX_QUEUED ?? 10),
  maxInFlight: Number(env.VM_IN_FLIGHT ?? 4),
  limits: { telegram: { globalPerSecond: 200, perChatPerSecond: 50 } },
});
const platforms = await startPlatforms({ config: platformsFromEnv(loadEnv(env)), deps: ctx, router, dispatcher, instance: instanceId });
const scheduling = startScheduling({
  deps: ctx,
  ports: platforms.ports,
  dispatcher,
  jobs: [...allJobs(), drill],
  instances: { heartbeatMs: Number(env.VM_HEARTBEAT_MS), staleAfterMs: Number(env.VM_STALE_MS) },
});
// Not after `scheduling.ready`: on the instance that claims the drill, the catch-up holds there.
emit({ ready: true, instanceId, pid: process.pid, webhookPort: platforms.server?.port ?? null });

const stop = async () => {
  await platforms.stop();
  await scheduling.stop();
  await dispatcher.stop();
  await ctx.db.$disconnect();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
