import type { TPolicy } from "../config/policy.ts";
import type { InboundMessage } from "./chat.ts";

/** What to do with one incoming message under the sender's rate limit. */
export type Admission = "ok" | "notice" | "drop";

export interface InboundLimiterOptions {
  /** Messages per window one sender may send. */
  limit: number;
  /** Window length (default one minute). */
  windowMs?: number;
  /** Senders remembered at most; beyond it the oldest windows are forgotten. */
  maxKeys?: number;
}

interface Window {
  start: number;
  count: number;
  noticed: boolean;
}

/**
 * Per-sender inbound rate limit, decided in memory before any database work or queueing: a flood
 * costs a map lookup per message. A fixed window opens with the sender's first message; within it
 * the first `limit` messages are handled, the next one gets ONE "slow down" notice, the rest are
 * dropped silently until the window ends. Time comes from the caller (the app's clock), so tests
 * drive it.
 */
export class InboundLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(private readonly opts: InboundLimiterOptions) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 20_000;
  }

  admit(key: string, now: number): Admission {
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.windowMs || now < w.start) {
      // Re-inserted, so the map's order is the order windows opened in (oldest first).
      this.windows.delete(key);
      w = { start: now, count: 0, noticed: false };
      this.windows.set(key, w);
      if (this.windows.size > this.maxKeys) this.evict();
    }
    w.count++;
    if (w.count <= this.opts.limit) return "ok";
    if (!w.noticed) {
      w.noticed = true;
      return "notice";
    }
    return "drop";
  }

  /** Senders currently remembered (tests, to see memory stays bounded). */
  get size(): number {
    return this.windows.size;
  }

  private evict(): void {
    // The map holds windows in the order they opened: the oldest are finished, or closest to it.
    for (const k of this.windows.keys()) {
      if (this.windows.size <= this.maxKeys) return;
      this.windows.delete(k);
    }
  }
}

/** The rate limiter of one adapter, under the company's policy. */
export function inboundLimiter(policy: TPolicy): InboundLimiter {
  return new InboundLimiter({ limit: policy.inbound.messagesPerMinute });
}

/** The limiter's key: one chat account on one platform (a person, whichever chat they write in). */
export function senderKey(msg: Pick<InboundMessage, "platform" | "userId">): string {
  return `${msg.platform}\u0000${msg.userId}`;
}
