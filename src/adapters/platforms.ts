import { hostname } from "node:os";
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
import type { PlatformAdapter, RunContext } from "./platform.ts";
import { systemClock, type Clock } from "../core/clock.ts";
import { savePlatformState, type TPlatformStatus } from "../modules/ops/platform-state.service.ts";
import { pruneSentCards } from "../modules/ops/sent-cards.service.ts";

export interface SupervisorOptions {
  log: Logger;
  /** First retry delay; doubles per failure up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A run that lasted this long counts as healthy: the next failure starts from minDelayMs again. */
  healthyAfterMs?: number;
  /** How long stop() waits for a run that does not end (an SDK stuck in its own retries). */
  stopTimeoutMs?: number;
  /** Timestamps of the status (default the system clock). */
  clock?: Clock;
  /** Called on each change of state (not per message): the runtime stores it for `visitmate status`. */
  onChange?: (status: TPlatformStatus) => void;
}

export interface Supervised {
  readonly platform: Platform;
  /** Runs (including restarts) so far. */
  readonly attempts: number;
  /** What the platform is now: up, starting, retrying (since, last error) or stopped. */
  readonly status: TPlatformStatus;
  stop(): Promise<void>;
}

/** A failure as the status shows it: its summary without our stack frames (and, like every log line, without secrets). */
export function statusError(err: unknown): string {
  return errorSummary(err, 1).slice(0, 300);
}

/**
 * Keeps one platform running: a run that fails (bad token, network down) or ends unexpectedly is
 * logged and started again after a growing delay. Platforms are supervised one by one, so one
 * failing never stops the others. The adapter reports through its RunContext when it is really
 * connected (up) and when its SDK lost the connection (down); only then is the platform "up".
 */
export function supervise(adapter: PlatformAdapter, opts: SupervisorOptions): Supervised {
  const min = opts.minDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 5 * 60_000;
  const healthy = opts.healthyAfterMs ?? 60_000;
  const clock = opts.clock ?? systemClock;
  let stopping = false;
  let attempts = 0;
  let wake: (() => void) | null = null;
  let status: TPlatformStatus = { platform: adapter.platform, state: "starting", since: clock.now(), lastError: null, attempts: 0 };
  const change = (next: Partial<TPlatformStatus>) => {
    const state = next.state ?? status.state;
    // "Retrying since" is the start of the trouble: failing again while retrying keeps the date.
    const since = state === status.state ? status.since : clock.now();
    status = { ...status, ...next, state, since, attempts };
    opts.onChange?.(status);
  };
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
  opts.onChange?.(status);
  const loop = (async () => {
    let delay = min;
    while (!stopping) {
      const startedAt = Date.now();
      attempts++;
      let wasUp = false;
      // A run belongs to its attempt: a late callback of an earlier run changes nothing.
      const run = attempts;
      const ctx: RunContext = {
        up: () => {
          if (stopping || run !== attempts || status.state === "up") return;
          wasUp = true;
          const back = status.state === "retrying";
          change({ state: "up" });
          // The adapter logs its own "ready" line (with what it connected as); this says it recovered.
          if (back) opts.log.info(`${adapter.platform} back up`, { attempts });
        },
        down: (err) => {
          if (stopping || run !== attempts) return;
          const lastError = statusError(err);
          if (status.state === "retrying" && status.lastError === lastError) return;
          change({ state: "retrying", lastError });
          opts.log.warn(`${adapter.platform} connection lost; the SDK is reconnecting`, { error: lastError });
        },
      };
      if (status.state !== "retrying") change({ state: "starting" });
      else change({});
      try {
        await adapter.run(ctx);
        if (stopping) break;
        change({ state: "retrying", lastError: "stopped unexpectedly" });
        opts.log.warn(`${adapter.platform} stopped unexpectedly; restarting`, { inMs: delay });
      } catch (err) {
        if (stopping) break;
        change({ state: "retrying", lastError: statusError(err) });
        opts.log.error(`${adapter.platform} failed; retrying`, { inMs: delay, error: errorSummary(err) });
        // Whatever the failed run left behind (SDK loops, a half-open connection) goes before the next one.
        await adapter.stop().catch(() => undefined);
      }
      if (wasUp || Date.now() - startedAt >= healthy) delay = min;
      await pause(delay);
      delay = Math.min(delay * 2, max);
    }
  })();
  return {
    platform: adapter.platform,
    get attempts() {
      return attempts;
    },
    get status() {
      return status;
    },
    async stop() {
      stopping = true;
      wake?.();
      await adapter.stop().catch((err) => opts.log.warn(`${adapter.platform} stop failed`, { error: errorSummary(err) }));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, opts.stopTimeoutMs ?? 5000).unref());
      await Promise.race([loop, timeout]);
      await adapter.close?.().catch(() => undefined);
      status = { ...status, state: "stopped", since: clock.now(), attempts };
      opts.onChange?.(status);
    },
  };
}

export interface PlatformRuntime {
  adapters: PlatformAdapter[];
  /** Every running platform by name, for the outbox dispatcher. */
  ports: Map<Platform, ChatPort>;
  server: WebhookServer | null;
  /** Each platform's state now (this process), as /healthz answers it. */
  status(): TPlatformStatus[];
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
  supervisor?: Omit<SupervisorOptions, "log" | "clock" | "onChange">;
  /**
   * Name of this instance in the stored platform states (default the host name, see instanceName):
   * a restart of the same instance overwrites its rows. Two instances on one host set
   * VISITMATE_INSTANCE.
   */
  instance?: string;
  /** How long a WeChat run may wait for login (or a QR code) before it counts as failed. */
  wechatLoginTimeoutMs?: number;
  /** How long a Lark long connection may take to open before the run counts as failed. */
  larkConnectTimeoutMs?: number;
  /** The dispatcher to send replies through (default: a new one, stopped with the platforms). */
  dispatcher?: Dispatcher;
}

/** This process's name in the stored platform states: VISITMATE_INSTANCE, else the host name. */
export function instanceName(env: { VISITMATE_INSTANCE?: string | undefined }): string {
  return env.VISITMATE_INSTANCE ?? hostname();
}

/**
 * Builds the adapters of every enabled platform (SDKs are loaded only for those) and starts each
 * under its own supervisor. Returns at once: connecting happens in the background, except that the
 * HTTP server listens first, so no platform registers a webhook for a port that is not open yet and
 * a port in use is one clear start-up error.
 */
export async function startPlatforms(opts: StartPlatformsOptions): Promise<PlatformRuntime> {
  const { config, router } = opts;
  const dispatcher = opts.dispatcher ?? new Dispatcher({ db: opts.deps.db, ports: new Map(), clock: opts.deps.clock, log: opts.deps.log });
  // Replies are queued in the outbox and sent by the dispatcher, also with the scheduler off.
  const deps: AppDeps = { ...opts.deps, replies: { ...opts.deps.replies, dispatcher } };
  const adapters: PlatformAdapter[] = [];
  const usesWebhook = Boolean(config.telegram?.webhook) || config.lark?.connection === "webhook";
  const enabled = Boolean(config.telegram || config.lark || config.wechat);
  // Webhooks need the server; /healthz needs it too, so it also starts when a port was set explicitly.
  const server = enabled && (usesWebhook || config.http.explicit) ? new WebhookServer({ host: config.http.host, port: config.http.port, log: deps.log }) : null;

  if (config.wechat) {
    try {
      await import(config.wechat.puppet);
    } catch (err) {
      throw new AppError("config.invalid", {
        message: `Invalid configuration:\n  WECHATY_PUPPET: cannot load ${config.wechat.puppet} (${(err as Error).message.split("\n")[0]}); install it with npm install ${config.wechat.puppet}`,
      });
    }
  }
  if (server) {
    try {
      await server.listen();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new AppError("config.invalid", {
        message:
          code === "EADDRINUSE"
            ? `Invalid configuration:\n  VISITMATE_HTTP_PORT: port ${config.http.port} on ${config.http.host} is in use by another program (another VisitMate?); stop it or choose another port`
            : `Invalid configuration:\n  VISITMATE_HTTP_HOST / VISITMATE_HTTP_PORT: cannot listen on ${config.http.host}:${config.http.port} (${errorSummary(err, 1)})`,
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
        connectTimeoutMs: opts.larkConnectTimeoutMs,
        ...(l.connection === "webhook" ? { webhook: { server: server!, path: l.webhookPath } } : {}),
      }),
    );
  }
  if (config.wechat) {
    const { WechatAdapter } = await import("./wechat/wechat.adapter.ts");
    adapters.push(
      new WechatAdapter({ puppet: config.wechat.puppet, puppetToken: config.wechat.token, name: config.wechat.name, router, deps, output: opts.output, loginTimeoutMs: opts.wechatLoginTimeoutMs }),
    );
  }

  // Redeliveries stop within hours; a week of event ids is plenty to recognise them. Stranger
  // notices decide only today (yesterday's kept for a process near midnight). A card older than
  // its form's longest life answers nothing anyway: 30 days of them is plenty.
  const prune = async () => {
    const now = deps.clock.now();
    await pruneProcessedEvents(deps.db, new Date(now.getTime() - 7 * 24 * 3600_000)).catch(() => 0);
    await pruneStrangerNotices(deps.db, addDays(localDate(now, deps.policy.timeZone), -1)).catch(() => 0);
    await pruneSentCards({ db: deps.db, before: new Date(now.getTime() - 30 * 24 * 3600_000) }).catch(() => 0);
  };
  let pruneTimer: NodeJS.Timeout | null = null;
  if (adapters.length) {
    await prune();
    pruneTimer = setInterval(() => void prune(), 6 * 3600_000).unref();
    deps.log.info("chat platforms", { enabled: adapters.map((a) => a.platform) });
  }
  for (const a of adapters) dispatcher.addPort(a);
  if (adapters.length) dispatcher.start();
  const store = platformStateWriter({ deps, instance: opts.instance ?? instanceName({}) });
  const supervised = adapters.map((a) => supervise(a, { log: deps.log, clock: deps.clock, onChange: store.write, ...opts.supervisor }));
  const status = () => supervised.map((s) => s.status);
  const unhealth = server?.get("/healthz", (_req, res) => {
    const platforms = status();
    const ok = platforms.every((p) => p.state === "up");
    res
      .writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" })
      .end(JSON.stringify({ status: ok ? "ok" : "degraded", platforms: Object.fromEntries(platforms.map((p) => [p.platform, { state: p.state, since: p.since.toISOString(), attempts: p.attempts, lastError: p.lastError }])) }));
  });
  return {
    adapters,
    ports: new Map(adapters.map((a) => [a.platform, a as ChatPort])),
    server,
    status,
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
      unhealth?.();
      await store.flush();
      // After the adapters: replies of messages handled while stopping are queued, sent at the next start.
      if (!opts.dispatcher) await dispatcher.stop();
      await server?.close();
    },
  };
}

/**
 * Writes each change of a platform's state to the database, in order per platform and off the
 * supervisor's path: a database that is busy or full delays the status, never a reconnect. A write
 * that fails is logged once until one succeeds again.
 */
function platformStateWriter(opts: { deps: AppDeps; instance: string }): { write(status: TPlatformStatus): void; flush(): Promise<void> } {
  const { deps, instance } = opts;
  let tail: Promise<void> = Promise.resolve();
  let failing = false;
  return {
    write(status) {
      const snapshot = { ...status };
      tail = tail.then(async () => {
        try {
          await savePlatformState({ db: deps.db, instance, status: snapshot, at: deps.clock.now() });
          failing = false;
        } catch (err) {
          if (!failing) deps.log.warn("platform state not stored", { platform: snapshot.platform, error: errorSummary(err) });
          failing = true;
        }
      });
    },
    flush: () => tail,
  };
}
