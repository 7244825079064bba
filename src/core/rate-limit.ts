import type { Platform } from "./chat.ts";

/**
 * Send-rate limits per platform. Every figure is a ceiling the dispatcher never exceeds; the
 * platform's own answer (429 + retry-after) still wins when it disagrees.
 */
export interface PlatformLimit {
  /** Messages per second for the whole bot/app. */
  globalPerSecond?: number;
  /** Messages per second to one chat/user. */
  perChatPerSecond?: number;
}

export type PlatformLimits = Partial<Record<Platform, PlatformLimit>>;

export const DEFAULT_LIMITS: PlatformLimits = {
  // Bot API: about 30 messages/s in bulk, 1 message/s per chat; 25/s keeps a margin.
  telegram: { globalPerSecond: 25, perChatPerSecond: 1 },
  // Lark open platform: at most 15 messages/s per app and 5/s per user.
  lark: { globalPerSecond: 15, perChatPerSecond: 5 },
  // Personal WeChat (wechaty): at least a second between any two sends, or the account gets flagged.
  wechat: { globalPerSecond: 1 },
  console: {},
};

/** Margin of the one-second window guard: the platform's clock may read a millisecond later than ours. */
const WINDOW_SAFETY_MS = 2;

/**
 * Strict spacing ("virtual scheduling", GCRA with no burst): at most one send per interval per
 * key, so any window of one second holds at most `rate` sends. A send reserves its slot
 * synchronously, so concurrent senders never share one.
 */
export class SendSpacer {
  private readonly nextFree = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly limits: PlatformLimits) {}

  private intervals(platform: Platform): { global: number; chat: number } {
    const l = this.limits[platform] ?? {};
    return {
      global: l.globalPerSecond ? 1000 / l.globalPerSecond : 0,
      chat: l.perChatPerSecond ? 1000 / l.perChatPerSecond : 0,
    };
  }

  /** Earliest time (ms) a message to the chat may go, ignoring the platform-wide limit. */
  chatReadyAt(platform: Platform, chatId: string): number {
    return this.nextFree.get(`${platform}\u0000${chatId}`) ?? 0;
  }

  /** Reserves the next free slot for (platform, chat) at or after `now`; returns its time (ms). */
  reserve(platform: Platform, chatId: string, now: number): number {
    const iv = this.intervals(platform);
    const gKey = platform;
    const cKey = `${platform}\u0000${chatId}`;
    const at = Math.max(now, this.nextFree.get(gKey) ?? 0, this.nextFree.get(cKey) ?? 0);
    if (iv.global) this.nextFree.set(gKey, at + iv.global);
    if (iv.chat) this.nextFree.set(cKey, at + iv.chat);
    return at;
  }

  /**
   * Final check right before a send, on actual send times: how long to wait so that no window of
   * one second holds more than the limit (0 = go now). Reserved slots are exact in virtual time,
   * but real timers fire late by a millisecond or two, which can squeeze two sends closer than
   * their slots; this guard absorbs that. Call `record` in the same tick when it returns 0.
   */
  windowWait(platform: Platform, chatId: string, now: number): number {
    const l = this.limits[platform] ?? {};
    let wait = 0;
    for (const [key, perSecond] of [
      [platform, l.globalPerSecond],
      [`${platform}\u0000${chatId}`, l.perChatPerSecond],
    ] as const) {
      const n = perSecond ? Math.floor(perSecond) : 0;
      if (n < 1) continue;
      const times = this.recent.get(key);
      if (!times) continue;
      while (times.length && times[0]! <= now - 1000 - WINDOW_SAFETY_MS) times.shift();
      if (times.length >= n) wait = Math.max(wait, times[times.length - n]! + 1000 + WINDOW_SAFETY_MS - now);
    }
    return wait;
  }

  /** Notes an actual send (see `windowWait`). */
  record(platform: Platform, chatId: string, now: number): void {
    for (const key of [platform, `${platform}\u0000${chatId}`]) {
      const times = this.recent.get(key);
      if (times) times.push(now);
      else this.recent.set(key, [now]);
    }
  }

  /** The platform said "retry after": nothing more to this chat (or to anyone) before then. */
  pause(platform: Platform, chatId: string | null, until: number): void {
    const key = chatId === null ? platform : `${platform}\u0000${chatId}`;
    this.nextFree.set(key, Math.max(this.nextFree.get(key) ?? 0, until));
  }
}
