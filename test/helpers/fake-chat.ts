import { SendError, type ChatAddress, type ChatPort, type Platform, type Reply } from "../../src/core/chat.ts";
import type { Clock } from "../../src/core/clock.ts";

export interface SentMessage {
  at: number;
  to: ChatAddress;
  reply: Reply;
}

export type FailureMode =
  | { kind: "rate-limit"; retryAfterMs: number; times: number; scope?: "chat" | "global" }
  | { kind: "server-error"; status?: number; times: number }
  | { kind: "permanent"; status?: number; message?: string };

/**
 * A platform port that records what it was asked to send. Scripted failures per chat: answer 429
 * with a retry-after, fail with 5xx, or refuse for good. Optional platform limits: a send over
 * the per-chat or global rate is answered with 429, like the real API.
 */
export class FakeChatPort implements ChatPort {
  readonly sent: SentMessage[] = [];
  readonly attempts: SentMessage[] = [];
  readonly rejected: { at: number; to: ChatAddress; status: number }[] = [];
  private readonly failures = new Map<string, FailureMode>();
  private readonly globalTimes: number[] = [];
  private readonly chatLast = new Map<string, number[]>();

  constructor(
    readonly platform: Platform,
    private readonly clock: Clock,
    private readonly limits: { globalPerSecond?: number; perChatPerSecond?: number; retryAfterMs?: number } = {},
  ) {}

  /** Script the next answers for one chat. */
  failFor(chatId: string, mode: FailureMode): void {
    this.failures.set(chatId, { ...mode });
  }

  async send(to: ChatAddress, reply: Reply): Promise<void> {
    const at = this.clock.now().getTime();
    this.attempts.push({ at, to, reply });
    const f = this.failures.get(to.chatId);
    if (f) {
      if (f.kind === "permanent") {
        this.rejected.push({ at, to, status: f.status ?? 403 });
        throw new SendError(f.message ?? "Forbidden: bot was blocked by the user", { status: f.status ?? 403, permanent: true });
      }
      if (f.times > 0) {
        f.times--;
        if (f.kind === "rate-limit") {
          this.rejected.push({ at, to, status: 429 });
          throw new SendError(`Too Many Requests: retry after ${Math.ceil(f.retryAfterMs / 1000)}`, { status: 429, retryAfterMs: f.retryAfterMs, scope: f.scope });
        }
        this.rejected.push({ at, to, status: f.status ?? 502 });
        throw new SendError("Bad Gateway", { status: f.status ?? 502 });
      }
    }
    // Sliding one-second windows, as a platform would count them.
    const { globalPerSecond, perChatPerSecond } = this.limits;
    while (this.globalTimes.length && this.globalTimes[0]! <= at - 1000) this.globalTimes.shift();
    const chat = this.chatLast.get(to.chatId) ?? [];
    while (chat.length && chat[0]! <= at - 1000) chat.shift();
    const overGlobal = globalPerSecond !== undefined && this.globalTimes.length >= globalPerSecond;
    const overChat = perChatPerSecond !== undefined && chat.length >= perChatPerSecond;
    if (overGlobal || overChat) {
      this.rejected.push({ at, to, status: 429 });
      throw new SendError("Too Many Requests", { status: 429, retryAfterMs: this.limits.retryAfterMs ?? 1000, scope: overGlobal ? "global" : "chat" });
    }
    this.globalTimes.push(at);
    chat.push(at);
    this.chatLast.set(to.chatId, chat);
    this.sent.push({ at, to, reply });
  }

  /** Most messages accepted in any one-second window (globally, and to a single chat). */
  peakRates(): { global: number; perChat: number } {
    const peak = (times: number[]) => {
      let best = 0;
      let lo = 0;
      for (let hi = 0; hi < times.length; hi++) {
        while (times[lo]! <= times[hi]! - 1000) lo++;
        best = Math.max(best, hi - lo + 1);
      }
      return best;
    };
    const all = this.sent.map((s) => s.at).sort((a, b) => a - b);
    const byChat = new Map<string, number[]>();
    for (const s of this.sent) byChat.set(s.to.chatId, [...(byChat.get(s.to.chatId) ?? []), s.at]);
    let perChat = 0;
    for (const times of byChat.values()) perChat = Math.max(perChat, peak(times.sort((a, b) => a - b)));
    return { global: peak(all), perChat };
  }
}

/** A sleep that moves a fake clock instead of waiting: virtual time for the dispatcher. */
export function virtualSleep(clock: { now(): Date; set(d: Date): void }): (ms: number) => Promise<void> {
  return async (ms) => {
    const target = clock.now().getTime() + ms;
    if (target > clock.now().getTime()) clock.set(new Date(target));
  };
}
