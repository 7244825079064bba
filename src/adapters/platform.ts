import type { ChatAddress, ChatPort, InboundMessage, Reply } from "../core/chat.ts";
import { toSendError } from "../core/outbox.ts";
import { errorSummary, type Logger } from "../core/logger.ts";
import type { Router } from "../core/router.ts";

/** A chat platform the process connects to: a ChatPort that also receives. */
export interface PlatformAdapter extends ChatPort {
  /**
   * Connects and receives until `stop()`: resolves when stopped, rejects when the connection fails
   * (bad token, network down); the supervisor then retries with backoff.
   */
  run(): Promise<void>;
  stop(): Promise<void>;
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
