import type { Writable } from "node:stream";
import type { TPlatformsConfig } from "../config/env.ts";
import type { ChatPort, Platform } from "../core/chat.ts";
import { AppError } from "../core/errors.ts";
import { errorSummary, type Logger } from "../core/logger.ts";
import { addDays, localDate } from "../core/dates.ts";
import { Dispatcher } from "../core/outbox.ts";
import { pruneProcessedEvents } from "../core/processed-events.ts";
import { pruneStrangerNotices } from "../modules/staff/strangers.service.ts";
import type { AppDeps, Router } from "../core/router.ts";
import { WebhookServer } from "./http-server.ts";
import type { PlatformAdapter } from "./platform.ts";

export interface SupervisorOptions {
  log: Logger;
  /** First retry delay; doubles per failure up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A run that lasted this long counts as healthy: the next failure starts from minDelayMs again. */
  healthyAfterMs?: number;
  /** How long stop() waits for a run that does not end (an SDK stuck in its own retries). */
  stopTimeoutMs?: number;
}

export interface Supervised {
  readonly platform: Platform;
  /** Runs (including restarts) so far. */
  readonly attempts: number;
  stop(): Promise<void>;
}

/**
 * Keeps one platform running: a run that fails (bad token, network down) or ends unexpectedly is
 * logged and started again after a growing delay. Platforms are supervised one by one, so one
 * failing never stops the others.
 */
export function supervise(adapter: PlatformAdapter, opts: SupervisorOptions): Supervised {
  const min = opts.minDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 5 * 60_000;
  const healthy = opts.healthyAfterMs ?? 60_000;
  let stopping = false;
  let attempts = 0;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  const loop = (async () => {
    let delay = min;
    while (!stopping) {
      const startedAt = Date.now();
      attempts++;
      try {
        await adapter.run();
        if (stopping) break;
        opts.log.warn(`${adapter.platform} stopped unexpectedly; restarting`, { inMs: delay });
      } catch (err) {
        if (stopping) break;
        opts.log.error(`${adapter.platform} failed; retrying`, { inMs: delay, error: errorSummary(err) });
        // Whatever the failed run left behind (webhook route, SDK loops) goes before the next one.
        await adapter.stop().catch(() => undefined);
      }
      if (Date.now() - startedAt >= healthy) delay = min;
      await pause(delay);
      delay = Math.min(delay * 2, max);
    }
  })();
  return {
    platform: adapter.platform,
    get attempts() {
      return attempts;
    },
    async stop() {
      stopping = true;
      wake?.();
      await adapter.stop().catch((err) => opts.log.warn(`${adapter.platform} stop failed`, { error: errorSummary(err) }));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, opts.stopTimeoutMs ?? 5000).unref());
      await Promise.race([loop, timeout]);
    },
  };
}

export interface PlatformRuntime {
  adapters: PlatformAdapter[];
  /** Every running platform by name, for the outbox dispatcher. */
  ports: Map<Platform, ChatPort>;
  server: WebhookServer | null;
  /**
   * The process's one outbox dispatcher: it sends every chat reply (and, given to
   * `startScheduling`, the scheduled messages), running whenever a platform runs.
   */
  dispatcher: Dispatcher;
  /** Resolves on SIGINT/SIGTERM (or when `signal` aborts): a bot without a terminal runs until then. */
  untilShutdown(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPlatformsOptions {
  config: TPlatformsConfig;
  deps: AppDeps;
  router: Router;
  /** Where the WeChat login QR code is printed. */
  output?: Writable;
  supervisor?: Omit<SupervisorOptions, "log">;
  /** The dispatcher to send replies through (default: a new one, stopped with the platforms). */
  dispatcher?: Dispatcher;
}

/**
 * Builds the adapters of every enabled platform (SDKs are loaded only for those) and starts each
 * under its own supervisor. Returns at once: connecting happens in the background.
 */
export async function startPlatforms(opts: StartPlatformsOptions): Promise<PlatformRuntime> {
  const { config, router } = opts;
  const dispatcher = opts.dispatcher ?? new Dispatcher({ db: opts.deps.db, ports: new Map(), clock: opts.deps.clock, log: opts.deps.log });
  // Replies are queued in the outbox and sent by the dispatcher, also with the scheduler off.
  const deps: AppDeps = { ...opts.deps, replies: { ...opts.deps.replies, dispatcher } };
  const adapters: PlatformAdapter[] = [];
  const usesWebhook = Boolean(config.telegram?.webhook) || config.lark?.connection === "webhook";
  const server = usesWebhook ? new WebhookServer({ host: config.http.host, port: config.http.port, log: deps.log }) : null;

  if (config.wechat) {
    try {
      await import(config.wechat.puppet);
    } catch (err) {
      throw new AppError("config.invalid", {
        message: `Invalid configuration:\n  WECHATY_PUPPET: cannot load ${config.wechat.puppet} (${(err as Error).message.split("\n")[0]}); install it with npm install ${config.wechat.puppet}`,
      });
    }
  }
  if (config.telegram) {
    const { TelegramAdapter } = await import("./telegram/telegram.adapter.ts");
    const { token, apiRoot, webhook } = config.telegram;
    adapters.push(new TelegramAdapter({ token, apiRoot, router, deps, ...(webhook ? { webhook: { ...webhook, server: server! } } : {}) }));
  }
  if (config.lark) {
    const { LarkAdapter } = await import("./lark/lark.adapter.ts");
    const l = config.lark;
    adapters.push(
      new LarkAdapter({
        appId: l.appId,
        appSecret: l.appSecret,
        domain: l.domain,
        connection: l.connection,
        encryptKey: l.encryptKey,
        verificationToken: l.verificationToken,
        router,
        deps,
        ...(l.connection === "webhook" ? { webhook: { server: server!, path: l.webhookPath } } : {}),
      }),
    );
  }
  if (config.wechat) {
    const { WechatAdapter } = await import("./wechat/wechat.adapter.ts");
    adapters.push(new WechatAdapter({ puppet: config.wechat.puppet, puppetToken: config.wechat.token, name: config.wechat.name, router, deps, output: opts.output }));
  }

  // Redeliveries stop within hours; a week of event ids is plenty to recognise them. Stranger
  // notices decide only today (yesterday's kept for a process near midnight).
  const prune = async () => {
    const now = deps.clock.now();
    await pruneProcessedEvents(deps.db, new Date(now.getTime() - 7 * 24 * 3600_000)).catch(() => 0);
    await pruneStrangerNotices(deps.db, addDays(localDate(now, deps.policy.timeZone), -1)).catch(() => 0);
  };
  let pruneTimer: NodeJS.Timeout | null = null;
  if (adapters.length) {
    await prune();
    pruneTimer = setInterval(() => void prune(), 6 * 3600_000).unref();
    deps.log.info("chat platforms", { enabled: adapters.map((a) => a.platform) });
  }
  for (const a of adapters) dispatcher.addPort(a);
  if (adapters.length) dispatcher.start();
  const supervised = adapters.map((a) => supervise(a, { log: deps.log, ...opts.supervisor }));
  return {
    adapters,
    ports: new Map(adapters.map((a) => [a.platform, a as ChatPort])),
    server,
    dispatcher,
    untilShutdown(signal) {
      return new Promise<void>((resolve) => {
        const done = () => {
          process.off("SIGINT", done);
          process.off("SIGTERM", done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
        if (signal?.aborted) done();
        else signal?.addEventListener("abort", done);
      });
    },
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      await Promise.all(supervised.map((s) => s.stop()));
      // After the adapters: replies of messages handled while stopping are queued, sent at the next start.
      if (!opts.dispatcher) await dispatcher.stop();
      await server?.close();
    },
  };
}
