import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { ChatAddress, ChatPort, InboundMessage, Reply, ReplyAddress } from "../core/chat.ts";
import { isDbFault } from "../core/db-faults.ts";
import { inboundLimiter, senderKey, type Admission, type InboundLimiter } from "../core/inbound-limit.ts";
import { enqueueReplies, toSendError } from "../core/outbox.ts";
import { errorSummary } from "../core/logger.ts";
import { isEventProcessed, markEventProcessed } from "../core/processed-events.ts";
import { findStaffByIdentity, marksEvent, policyTranslator, type AppDeps, type Router } from "../core/router.ts";
import { isLocale } from "../i18n/i18n.ts";
import { KeyedQueue } from "./keyed-queue.ts";

/**
 * How a running adapter tells its supervisor what the connection really is: the supervisor's
 * status (visitmate status, /healthz) and its "ready" line come from these, not from run() having
 * been called.
 */
export interface RunContext {
  /** Really connected: logged in, long connection open, polling started or webhook set. */
  up(): void;
  /** Connection lost while the SDK reconnects by itself (run() goes on); up() again when it is back. */
  down(error: unknown): void;
}

/** A chat platform the process connects to: a ChatPort that also receives. */
export interface PlatformAdapter extends ChatPort {
  /**
   * Connects and receives until `stop()`: resolves when stopped, rejects when the connection fails
   * or is not made in time (bad token, network down, puppet service unreachable, login lost); the
   * supervisor then retries with backoff.
   */
  run(ctx?: RunContext): Promise<void>;
  /** Ends the current run (also called by the supervisor after a failed run, before the next). */
  stop(): Promise<void>;
  /** Final teardown after the last stop(): what outlives single runs (a webhook route answering URL checks). */
  close?(): Promise<void>;
}

/** How hard `answer` tries to deliver a reply before giving up (and logging it). */
export interface DeliveryPolicy {
  /** Attempts per reply, the first included. */
  attempts: number;
  /** Backoff before the 2nd attempt; doubles each time. */
  backoffMs: number;
  /** Longest single wait (a platform's retry-after above this is cut to it). */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = {
  attempts: 6,
  backoffMs: 500,
  maxWaitMs: 30_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Sends one reply, retrying what can succeed later: a network error (a keep-alive socket the
 * server closed while we were busy answers ECONNRESET), a 5xx, or a rate limit after its
 * retry-after. A refusal (blocked, chat gone, bad request) is final. The key stays the same for
 * every attempt, so platforms that deduplicate sends show the reply once.
 */
export async function deliver(port: ChatPort, to: ChatAddress, reply: Reply, opts: { key?: string; policy?: DeliveryPolicy; address?: ReplyAddress } = {}): Promise<void> {
  const policy = opts.policy ?? DEFAULT_DELIVERY;
  for (let attempt = 1; ; attempt++) {
    try {
      await port.send(to, reply, { key: opts.key, ...(opts.address ? { address: opts.address } : {}) });
      return;
    } catch (raw) {
      const err = toSendError(raw);
      if (err.permanent || attempt >= policy.attempts) throw err;
      const backoff = policy.backoffMs * 2 ** (attempt - 1);
      await policy.sleep(Math.min(err.retryAfterMs ?? backoff, policy.maxWaitMs));
    }
  }
}

/** Default waits before the local retries of a message hit by a database fault; the last repeats. */
export const DEFAULT_INBOUND_RETRY_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000];

/** Events being handled in this process now (platform + event id): a second delivery meanwhile is dropped. */
const handling = new Set<string>();

export interface AnswerOptions {
  router: Router;
  /** The adapter: the outbox sends through it later; the busy notice goes through it at once. */
  port: ChatPort;
  msg: InboundMessage;
  deps: AppDeps;
  /** Whom the reply answers (buttons, options, @mention), stored with the queued replies. */
  address?: ReplyAddress;
}

/**
 * The one catch boundary of an adapter: route the message, queue its replies in the outbox (the
 * process's dispatcher sends them, in order, retrying 429s and errors), log what fails. Nothing
 * thrown here may reach the SDK (grammY would stop polling, wechaty would emit `error`, Lark would
 * see a 500 and redeliver).
 *
 * Once-only: an event already recorded, or being handled in this process right now, is dropped.
 * The event is recorded only in the transaction that queues its replies, after handling. A
 * database fault while handling (lock timeout, disk full) tells the user once that the system is
 * busy, sent directly without the database, and handles the message again later in its chat's
 * turn until it succeeds. At least once, not exactly once: a crash (or a fault) after a command's
 * own writes but before that transaction runs the command again when the message is retried or
 * the platform redelivers it; commands that write keep their own keys (form sessions, visit
 * dedup) so a second run is harmless.
 *
 * Resolves true once the message is dealt with (answered, dropped as a repeat, or failed for good),
 * false when it was given up at stop: an adapter that can leave it unconfirmed with the platform
 * (Telegram polling) then gets it again after the restart.
 */
export async function answer(opts: AnswerOptions): Promise<boolean> {
  const { msg, deps } = opts;
  const log = deps.log;
  const eventKey = msg.eventId ? `${msg.platform}\u0000${msg.eventId}` : null;
  if (eventKey) {
    if (handling.has(eventKey)) return true;
    handling.add(eventKey);
  }
  try {
    const delays = deps.replies?.retryDelaysMs?.length ? deps.replies.retryDelaysMs : DEFAULT_INBOUND_RETRY_MS;
    const sleep = deps.replies?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    // The adapter is stopping (restart or shutdown): one last try at once, then the message is given up.
    const stopping = inboundStop.getStore();
    for (let attempt = 0; ; attempt++) {
      try {
        await answerOnce(opts);
        if (attempt) log.info("message handled after a database fault", { platform: msg.platform, attempts: attempt + 1 });
        return true;
      } catch (err) {
        if (!isDbFault(err)) {
          log.error("router failed", { platform: msg.platform, error: errorSummary(err) });
          return true;
        }
        if (stopping?.aborted) {
          // Nowhere to keep it: the database is what fails. An unconfirmed event comes again from the platform.
          log.error("message given up at stop after a database fault", { platform: msg.platform, attempts: attempt + 1, error: errorSummary(err) });
          return false;
        }
        const wait = delays[Math.min(attempt, delays.length - 1)]!;
        log.warn("database fault while handling a message; retrying", { platform: msg.platform, attempt: attempt + 1, inMs: wait, error: errorSummary(err) });
        if (attempt === 0) await busyNotice(opts);
        await abortableSleep(sleep, wait, stopping);
      }
    }
  } finally {
    if (eventKey) handling.delete(eventKey);
  }
}

async function answerOnce(opts: AnswerOptions): Promise<void> {
  const { router, port, msg, deps } = opts;
  const event = msg.eventId ? { platform: msg.platform, eventId: msg.eventId } : null;
  if (event && (await isEventProcessed(deps.db, event.platform, event.eventId))) return;
  const replies = await router.handle(msg);
  const mark = event && marksEvent(replies) ? event : null;
  const to: ChatAddress = { platform: msg.platform, chatId: msg.chatId };
  const channel = deps.replies;
  if (!channel) {
    // No dispatcher (an embedder, a test without one): mark, then send inline as before.
    if (mark && !(await markEventProcessed(deps.db, mark.platform, mark.eventId, deps.clock.now()))) return;
    for (const [i, r] of replies.entries()) {
      try {
        await deliver(port, to, r, { key: msg.eventId ? `reply:${msg.platform}:${msg.eventId}:${i}` : undefined, address: opts.address });
      } catch (err) {
        deps.log.error("reply failed", { platform: msg.platform, error: errorSummary(err) });
        return;
      }
    }
    return;
  }
  if (!mark && !replies.length) return;
  const staff = replies.length ? await findStaffByIdentity(deps.db, msg.platform, msg.userId) : null;
  // Without an event id the keys only need to be unique: the platform will not deliver it again.
  const base = msg.eventId ? `reply:${msg.platform}:${msg.eventId}` : `reply:${msg.platform}:${randomUUID()}`;
  const queued = await enqueueReplies({
    db: deps.db,
    event: mark,
    clock: deps.clock,
    replies: replies.map((reply, i) => ({ key: `${base}:${i}`, kind: "reply", staffId: staff?.id ?? null, platform: msg.platform, chatId: msg.chatId, reply, address: opts.address })),
  });
  if (!queued) deps.log.info("event handled twice; the second answer is dropped", { platform: msg.platform });
  channel.dispatcher.wake();
}

/** Set by the inbound queue around each task: aborted when its adapter stops. */
const inboundStop = new AsyncLocalStorage<AbortSignal>();

function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done);
    void sleep(ms).then(done);
  });
}

/** "Busy, send again later", in the company's language, straight through the port: the database is what fails. */
async function busyNotice(opts: AnswerOptions): Promise<void> {
  const { deps, port, msg } = opts;
  const t = policyTranslator(deps.policy, deps.policy.locale);
  await port
    .send({ platform: msg.platform, chatId: msg.chatId }, { text: t("inbound.busy") }, opts.address ? { address: opts.address } : {})
    .catch((err) => deps.log.warn("busy notice failed", { platform: msg.platform, error: errorSummary(err) }));
}

/**
 * Where an adapter puts what arrives. Admission comes first, in memory, before any database work
 * or queueing: over the sender's rate limit a message is dropped (the first one over gets one
 * "slow down" notice per window). Admitted work then runs one at a time per chat, in arrival
 * order, while different chats run side by side: one person's flood never delays anyone else's
 * answer.
 */
export class InboundQueue {
  private readonly queue = new KeyedQueue();
  private readonly limiter: InboundLimiter;
  /** Aborted by `stop()`: messages waiting out a database fault try once more instead of waiting on. */
  private stopping = new AbortController();

  constructor(private readonly opts: { deps: AppDeps; port: ChatPort }) {
    this.limiter = inboundLimiter(opts.deps.policy);
  }

  /** Counts the message against its sender and, unless over the limit, queues `task` in the chat's turn. */
  submit(msg: Pick<InboundMessage, "platform" | "chatId" | "userId">, task: () => Promise<unknown>): Admission {
    return this.submitTracked(msg, task).admission;
  }

  /**
   * As submit, with `done`: resolves when the message is dealt with, false when its task gave it up
   * (`answer` at stop) and it should stay unconfirmed with the platform. Never rejects. A message
   * over the rate limit is dealt with (dropped on purpose).
   */
  submitTracked(msg: Pick<InboundMessage, "platform" | "chatId" | "userId">, task: () => Promise<unknown>): { admission: Admission; done: Promise<boolean> } {
    const admission = this.admit(msg);
    if (admission !== "ok") return { admission, done: Promise.resolve(true) };
    return { admission, done: this.enqueueTracked(msg.chatId, task) };
  }

  /**
   * Counts the message against its sender: "ok" to handle it; "notice" when it is the first over
   * the limit (the notice is queued here); "drop" for the rest of the window.
   */
  admit(msg: Pick<InboundMessage, "platform" | "chatId" | "userId">): Admission {
    const verdict = this.limiter.admit(senderKey(msg), this.opts.deps.clock.now().getTime());
    if (verdict === "notice") this.enqueue(msg.chatId, () => slowDown({ ...this.opts, msg }));
    return verdict;
  }

  /** Queues work in the chat's turn without counting it (counted already). */
  enqueue(chatId: string, task: () => Promise<unknown>): void {
    void this.enqueueTracked(chatId, task);
  }

  /** As enqueue, resolving as submitTracked's `done` does: false when the task gave its work up. */
  enqueueTracked(chatId: string, task: () => Promise<unknown>): Promise<boolean> {
    const signal = this.stopping.signal;
    return this.queue.run(chatId, () => inboundStop.run(signal, task)).then(
      (result) => result !== false,
      (err) => {
        this.opts.deps.log.error(`${this.opts.port.platform} inbound failed`, { error: errorSummary(err) });
        return true;
      },
    );
  }

  /** Runs `task` in the chat's turn and resolves with it. */
  run<T>(chatId: string, task: () => Promise<T>): Promise<T> {
    const signal = this.stopping.signal;
    return this.queue.run(chatId, () => inboundStop.run(signal, task));
  }

  /** Resolves when everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Lets everything queued finish, without waiting out database-fault retries (they try once more
   * at once), so an adapter's stop never hangs on a database that stays down. The queue takes
   * messages again afterwards (a restarted run).
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    try {
      await this.queue.idle();
    } finally {
      this.stopping = new AbortController();
    }
  }
}

/**
 * The one notice of a rate-limit window, in the sender's language. A stranger gets none: they
 * were refused once today already (a second answer is what the limit prevents).
 */
async function slowDown(opts: { deps: AppDeps; port: ChatPort; msg: Pick<InboundMessage, "platform" | "chatId" | "userId"> }): Promise<void> {
  const { deps, port, msg } = opts;
  const staff = await findStaffByIdentity(deps.db, msg.platform, msg.userId).catch(() => null);
  if (!staff) return;
  const t = policyTranslator(deps.policy, isLocale(staff.locale) ? staff.locale : deps.policy.locale);
  deps.log.info("inbound rate limit reached", { platform: msg.platform });
  const notice = { text: t("inbound.slow-down") };
  if (deps.replies) {
    // Through the outbox like every reply, so it comes after the answers queued before it.
    await enqueueReplies({ db: deps.db, clock: deps.clock, replies: [{ key: `reply:${msg.platform}:${randomUUID()}:0`, kind: "reply", staffId: staff.id, platform: msg.platform, chatId: msg.chatId, reply: notice, address: { askedTo: msg.userId } }] })
      .then(() => deps.replies!.dispatcher.wake())
      .catch((err) => deps.log.warn("slow-down notice failed", { platform: msg.platform, error: errorSummary(err) }));
    return;
  }
  await deliver(port, { platform: msg.platform, chatId: msg.chatId }, notice).catch((err) =>
    deps.log.warn("slow-down notice failed", { platform: msg.platform, error: errorSummary(err) }),
  );
}
