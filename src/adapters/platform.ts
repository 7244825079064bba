import type { ChatAddress, ChatPort, InboundMessage, Reply } from "../core/chat.ts";
import { inboundLimiter, senderKey, type Admission, type InboundLimiter } from "../core/inbound-limit.ts";
import { toSendError } from "../core/outbox.ts";
import { errorSummary, type Logger } from "../core/logger.ts";
import { findStaffByIdentity, policyTranslator, type AppDeps, type Router } from "../core/router.ts";
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
export async function deliver(port: ChatPort, to: ChatAddress, reply: Reply, opts: { key?: string; policy?: DeliveryPolicy } = {}): Promise<void> {
  const policy = opts.policy ?? DEFAULT_DELIVERY;
  for (let attempt = 1; ; attempt++) {
    try {
      await port.send(to, reply, { key: opts.key });
      return;
    } catch (raw) {
      const err = toSendError(raw);
      if (err.permanent || attempt >= policy.attempts) throw err;
      const backoff = policy.backoffMs * 2 ** (attempt - 1);
      await policy.sleep(Math.min(err.retryAfterMs ?? backoff, policy.maxWaitMs));
    }
  }
}

/**
 * The one catch boundary of an adapter: route the message, send every reply in order, log what
 * fails. Nothing thrown here may reach the SDK (grammY would stop polling, wechaty would emit
 * `error`, Lark would see a 500 and redeliver).
 */
export async function answer(opts: { router: Router; port: ChatPort; msg: InboundMessage; log: Logger; delivery?: DeliveryPolicy }): Promise<void> {
  const { router, port, msg, log } = opts;
  let replies: Reply[];
  try {
    replies = await router.handle(msg);
  } catch (err) {
    log.error("router failed", { platform: msg.platform, error: errorSummary(err) });
    return;
  }
  const to: ChatAddress = { platform: msg.platform, chatId: msg.chatId };
  for (const [i, r] of replies.entries()) {
    try {
      await deliver(port, to, r, { key: msg.eventId ? `reply:${msg.platform}:${msg.eventId}:${i}` : undefined, policy: opts.delivery });
    } catch (err) {
      // Later replies would read out of context without this one.
      log.error("reply failed", { platform: msg.platform, error: errorSummary(err) });
      return;
    }
  }
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

  constructor(private readonly opts: { deps: AppDeps; port: ChatPort }) {
    this.limiter = inboundLimiter(opts.deps.policy);
  }

  /** Counts the message against its sender and, unless over the limit, queues `task` in the chat's turn. */
  submit(msg: Pick<InboundMessage, "platform" | "chatId" | "userId">, task: () => Promise<void>): Admission {
    const verdict = this.admit(msg);
    if (verdict === "ok") this.enqueue(msg.chatId, task);
    return verdict;
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
  enqueue(chatId: string, task: () => Promise<void>): void {
    void this.queue.run(chatId, task).catch((err) => this.opts.deps.log.error(`${this.opts.port.platform} inbound failed`, { error: errorSummary(err) }));
  }

  /** Runs `task` in the chat's turn and resolves with it. */
  run<T>(chatId: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(chatId, task);
  }

  /** Resolves when everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
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
  await deliver(port, { platform: msg.platform, chatId: msg.chatId }, { text: t("inbound.slow-down") }).catch((err) =>
    deps.log.warn("slow-down notice failed", { platform: msg.platform, error: errorSummary(err) }),
  );
}
