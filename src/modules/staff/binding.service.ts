import { randomInt } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../db/client.ts";
import type { ChatIdentity, Staff } from "../../generated/prisma/client.ts";

/** Platforms a person can bind and receive reminders on (the terminal is bound by start-up). */
export const BINDABLE_PLATFORMS = ["telegram", "lark", "wechat"] as const;
export type TBindablePlatform = (typeof BINDABLE_PLATFORMS)[number];

export const BIND_CODE_TTL_MS = 24 * 3600_000;
/** No 0/O, 1/I/L: codes are read off one screen and typed on another. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 8;

export function normaliseBindCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

/** Whatever people call the platform, in either language. */
export function parsePlatformName(input: string): TBindablePlatform | null {
  const s = input.trim().toLowerCase();
  if (["telegram", "tg", "电报"].includes(s)) return "telegram";
  if (["lark", "feishu", "飞书"].includes(s)) return "lark";
  if (["wechat", "weixin", "wx", "微信"].includes(s)) return "wechat";
  return null;
}

/** A fresh one-time code for a staff member, valid for 24 hours. */
export async function createBindCode(opts: { db: Db; clock: Clock; staffCode: string; ttlMs?: number }): Promise<{ code: string; expiresAt: Date; staff: Staff } | null> {
  const staff = await opts.db.staff.findUnique({ where: { code: opts.staffCode.trim() } });
  if (!staff || !staff.active) return null;
  const expiresAt = new Date(opts.clock.now().getTime() + (opts.ttlMs ?? BIND_CODE_TTL_MS));
  for (let attempt = 0; ; attempt++) {
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    try {
      await opts.db.bindCode.create({ data: { code, staffId: staff.id, expiresAt } });
      return { code, expiresAt, staff };
    } catch (err) {
      // A collision in 31^8 codes is rare; try another rather than fail.
      if ((err as { code?: unknown }).code !== "P2002" || attempt >= 4) throw err;
    }
  }
}

export type TRedeemResult =
  | { ok: true; staff: Staff; alreadyBound: boolean }
  | { ok: false; reason: "invalid" | "expired" | "used" | "inactive" };

/**
 * Links the chat account to the code's staff member and spends the code, in one transaction. The
 * claim is a conditional update, so two people racing with one code cannot both win.
 */
export async function redeemBindCode(opts: { db: Db; clock: Clock; code: string; platform: string; platformUserId: string }): Promise<TRedeemResult> {
  const now = opts.clock.now();
  const code = normaliseBindCode(opts.code);
  return opts.db.$transaction(async (tx) => {
    const row = await tx.bindCode.findUnique({ where: { code }, include: { staff: true } });
    if (!row) return { ok: false, reason: "invalid" } as const;
    if (row.usedAt) return { ok: false, reason: "used" } as const;
    if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" } as const;
    if (!row.staff.active) return { ok: false, reason: "inactive" } as const;
    const claimed = await tx.bindCode.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
    if (claimed.count === 0) return { ok: false, reason: "used" } as const;
    const key = { platform_platformUserId: { platform: opts.platform, platformUserId: opts.platformUserId } };
    const existing = await tx.chatIdentity.findUnique({ where: key });
    await tx.chatIdentity.upsert({
      where: key,
      create: { platform: opts.platform, platformUserId: opts.platformUserId, staffId: row.staffId },
      update: { staffId: row.staffId },
    });
    return { ok: true, staff: row.staff, alreadyBound: existing?.staffId === row.staffId } as const;
  });
}

/** Removes this chat account's binding. Reminders stop going to a platform left without one. */
export async function unbindIdentity(opts: { db: Db; platform: string; platformUserId: string }): Promise<Staff | null> {
  const key = { platform_platformUserId: { platform: opts.platform, platformUserId: opts.platformUserId } };
  const identity = await opts.db.chatIdentity.findUnique({ where: key, include: { staff: true } });
  if (!identity) return null;
  await opts.db.chatIdentity.delete({ where: key });
  const left = await opts.db.chatIdentity.count({ where: { staffId: identity.staffId, platform: opts.platform } });
  if (!left && identity.staff.notifyPlatform === opts.platform) {
    await opts.db.staff.update({ where: { id: identity.staffId }, data: { notifyPlatform: null } });
  }
  return identity.staff;
}

export async function listBindings(db: Db, staffId: number): Promise<ChatIdentity[]> {
  return db.chatIdentity.findMany({ where: { staffId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/** Where reminders go; only a platform the person has bound. */
export async function setNotifyPlatform(opts: { db: Db; staffId: number; platform: TBindablePlatform }): Promise<"ok" | "not-bound"> {
  const bound = await opts.db.chatIdentity.count({ where: { staffId: opts.staffId, platform: opts.platform } });
  if (!bound) return "not-bound";
  await opts.db.staff.update({ where: { id: opts.staffId }, data: { notifyPlatform: opts.platform } });
  return "ok";
}
