import type { ChatPort } from "../core/chat.ts";
import { Dispatcher, newInstanceId } from "../core/outbox.ts";
import type { AppDeps } from "../core/router.ts";
import { Scheduler, type Job } from "../core/scheduler.ts";
import { allJobs } from "./registry.ts";
import { errorSummary } from "../core/logger.ts";
import { InstanceRegistry, type InstanceRegistryOptions } from "../core/instances.ts";

export interface Scheduling {
  scheduler: Scheduler;
  dispatcher: Dispatcher;
  instances: InstanceRegistry;
  /** Resolves once the start-up catch-up has run and the triggers are set (tests wait on it). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Background side of the bot: the outbox dispatcher (through the given platform ports), the
 * start-up catch-up, then node-cron triggers. Everything starts after the current tick so the chat
 * channels never wait for it; `stop()` ends the triggers, lets a run in progress stop between
 * managers and hands unsent claimed messages back to the queue.
 */
export function startScheduling(opts: {
  deps: AppDeps;
  ports: ReadonlyMap<string, ChatPort>;
  jobs?: Job[];
  /** The process's dispatcher (the chat platforms'), shared rather than a second one; its owner stops it. */
  dispatcher?: Dispatcher;
  /** Heartbeat period and staleness (defaults 10 s / 30 s). */
  instances?: Pick<InstanceRegistryOptions, "heartbeatMs" | "staleAfterMs">;
}): Scheduling {
  const { deps } = opts;
  const shared = opts.dispatcher;
  const dispatcher = shared ?? new Dispatcher({ db: deps.db, ports: opts.ports, clock: deps.clock, log: deps.log, instanceId: newInstanceId() });
  if (shared) for (const port of opts.ports.values()) shared.addPort(port);
  const instanceId = dispatcher.instanceId;
  const scheduler = new Scheduler({ deps, jobs: opts.jobs ?? allJobs(), instanceId, onRunFinished: () => dispatcher.wake() });
  // Claims of a dead instance are freed as soon as it is known dead: send and run them now.
  const instances = new InstanceRegistry({ db: deps.db, clock: deps.clock, log: deps.log, instanceId, ...opts.instances, onTakeover: () => (dispatcher.wake(), void scheduler.sweep()) });
  let stopped = false;
  const ready = (async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stopped) return;
    // First: free what a crashed process on this host left claimed, so the catch-up and the
    // dispatcher see it at once instead of after the claims expire.
    await instances.register().catch((err) => deps.log.error("instance registration failed; claims of crashed instances expire instead", { error: errorSummary(err) }));
    instances.start();
    dispatcher.start();
    await scheduler.runDue();
    if (!stopped) scheduler.start();
  })().catch((err) => deps.log.error("scheduler start-up failed", { error: errorSummary(err) }));
  return {
    scheduler,
    dispatcher,
    instances,
    ready,
    async stop() {
      stopped = true;
      await scheduler.stop();
      await ready;
      await scheduler.stop();
      if (!shared) await dispatcher.stop();
      await instances.stop().catch((err) => deps.log.error("instance row not removed; it goes stale and is pruned", { error: errorSummary(err) }));
    },
  };
}
