import { createHash, randomInt } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import type { ChatAddress, Platform } from "../../core/chat.ts";
import { resolveRecipient } from "../../core/outbox.ts";
import type { Db } from "../../db/client.ts";
import type { ChatIdentity, Staff } from "../../generated/prisma/client.ts";

/** Platforms a person can bind and receive reminders on (the terminal is bound by start-up). */
export const BINDABLE_PLATFORMS = ["telegram", "lark", "wechat"] as const;
export type TBindablePlatform = (typeof BINDABLE_PLATFORMS)[number];

export const BIND_CODE_TTL_MS = 24 * 3600_000;
/** No 0/O, 1/I/L: codes are read off one screen and typed on another. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 8;

/**
 * Failed /bind attempts allowed per window, stored in BindAttempt so a restart does not reset them.
 * - Per chat account, 5 an hour: room for typos, useless for guessing.
 * - Across everyone, 100 an hour: the cap that matters, because fresh chat accounts cost an
 *   attacker nothing. 31^8 ≈ 8.5·10¹¹ codes; even with 300 live codes, 2,400 guesses a day find one
 *   with a chance of about 1 in 1.2 million. The price: during an attack, honest people wait too
 *   (they are told until when).
 * Attempts refused by a limit are not recorded, so hammering does not push the window forward.
 */
export const BIND_LIMITS = { accountFailures: 5, globalFailures: 100, windowMs: 3600_000 } as const;
export type TBindLimits = { accountFailures: number; globalFailures: number; windowMs: number };
/** How long an account bound to someone else has to confirm switching to the code's owner. */
export const BIND_SWITCH_TTL_MS = 10 * 60_000;
/** Attempt rows are kept a week (what an admin may want to look at), then pruned on the next attempt. */
const ATTEMPT_RETENTION_MS = 7 * 24 * 3600_000;

export function normaliseBindCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

/**
 * What is stored instead of the code: hex SHA-256 of the normalised code. No pepper: the point is
 * that a database copy (a backup, a support bundle) holds no code that can be typed in. A plain
 * hash of a 40-bit code can be brute-forced offline by someone who has the file, but codes are
 * single-use and die within 24 hours by default (and a new code revokes the old), and whoever can
 * read the file can usually write it too, which no pepper stops.
 */
export function hashBindCode(code: string): string {
  return createHash("sha256").update(normaliseBindCode(code)).digest("hex");
}

/** A chat id as shown to people and admins: enough to tell two accounts apart, not to contact one. */
export function maskAccountId(id: string): string {
  if (id.length >= 8) return `…${id.slice(-4)}`;
  if (id.length >= 4) return `…${id.slice(-2)}`;
  return "…";
}

/** Whatever people call the platform, in either language. */
export function parsePlatformName(input: string): TBindablePlatform | null {
  const s = input.trim().toLowerCase();
  if (["telegram", "tg", "电报"].includes(s)) return "telegram";
  if (["lark", "feishu", "飞书"].includes(s)) return "lark";
  if (["wechat", "weixin", "wx", "微信"].includes(s)) return "wechat";
  return null;
}

/**
 * A fresh one-time code for a staff member, valid for 24 hours. The person's older unused codes
 * are revoked and a switch still waiting on one of them is dropped: a new code means the admin
 * wants the old ones dead (lost, sent to the wrong chat). Only the code's hash is stored; the
 * plain code is returned once, for the admin to pass on.
 */
export async function createBindCode(opts: {
  db: Db;
  clock: Clock;
  staffCode: string;
  ttlMs?: number;
}): Promise<{ code: string; expiresAt: Date; staff: Staff; revoked: number } | null> {
  const staff = await opts.db.staff.findUnique({ where: { code: opts.staffCode.trim() } });
  if (!staff || !staff.active) return null;
  const now = opts.clock.now();
  const expiresAt = new Date(now.getTime() + (opts.ttlMs ?? BIND_CODE_TTL_MS));
  for (let attempt = 0; ; attempt++) {
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    try {
      const revoked = await opts.db.$transaction(async (tx) => {
        const r = await tx.bindCode.updateMany({ where: { staffId: staff.id, usedAt: null, revokedAt: null, expiresAt: { gt: now } }, data: { revokedAt: now } });
        await tx.bindSwitch.deleteMany({ where: { toStaffId: staff.id } });
        await tx.bindCode.create({ data: { codeHash: hashBindCode(code), staffId: staff.id, expiresAt, createdAt: now } });
        return r.count;
      });
      return { code, expiresAt, staff, revoked };
    } catch (err) {
      // A collision in 31^8 codes is rare; try another rather than fail.
      if ((err as { code?: unknown }).code !== "P2002" || attempt >= 4) throw err;
    }
  }
}

/** Why a code was refused. Kept for logs and tests only: the person sees one reply for all. */
export type TBindRefusal = "invalid" | "used" | "expired" | "revoked" | "inactive";

export type TRedeemResult =
  /** The account was not bound: it now is. */
  | { ok: true; kind: "bound"; staff: Staff; identity: ChatIdentity }
  /** The account was already bound to the code's owner (the code is spent all the same). */
  | { ok: true; kind: "already"; staff: Staff }
  /** The account is bound to `current`: the switch to `staff` waits for confirmation until `expiresAt`. */
  | { ok: true; kind: "confirm"; staff: Staff; current: Staff; expiresAt: Date }
  /** `limitReached`: this failure used up the account's or everyone's allowance (worth a log line). */
  | { ok: false; kind: "refused"; reason: TBindRefusal; limitReached: "account" | "global" | null }
  | { ok: false; kind: "limited"; scope: "account" | "global"; retryAt: Date };

/**
 * Redeems a code for a chat account, in one transaction (the client begins them IMMEDIATE, so
 * attempts from every process are serialised and the limits are exact): refuses while the account
 * or everyone is over the failure limit, records the attempt, spends the code, then binds the
 * account, or — when it is bound to someone else — stores a switch that waits for confirmation.
 */
export async function redeemBindCode(opts: {
  db: Db;
  clock: Clock;
  code: string;
  platform: string;
  platformUserId: string;
  limits?: TBindLimits;
}): Promise<TRedeemResult> {
  const now = opts.clock.now();
  const limits = opts.limits ?? BIND_LIMITS;
  const since = new Date(now.getTime() - limits.windowMs);
  const who = { platform: opts.platform, platformUserId: opts.platformUserId };
  return opts.db.$transaction(async (tx): Promise<TRedeemResult> => {
    // The time at which the oldest failure that still counts leaves the window.
    const retryAt = async (where: { platform?: string; platformUserId?: string }, max: number): Promise<Date | null> => {
      const filter = { ...where, ok: false, at: { gt: since } };
      const count = await tx.bindAttempt.count({ where: filter });
      if (count < max) return null;
      const [freeing] = await tx.bindAttempt.findMany({ where: filter, orderBy: [{ at: "asc" }, { id: "asc" }], skip: count - max, take: 1 });
      return new Date(freeing!.at.getTime() + limits.windowMs);
    };
    const accountRetry = await retryAt(who, limits.accountFailures);
    const globalRetry = await retryAt({}, limits.globalFailures);
    if (accountRetry || globalRetry) {
      const scope = accountRetry && (!globalRetry || accountRetry >= globalRetry) ? "account" : "global";
      return { ok: false, kind: "limited", scope, retryAt: (scope === "account" ? accountRetry : globalRetry)! };
    }

    await tx.bindAttempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - ATTEMPT_RETENTION_MS) } } });
    await tx.bindSwitch.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - ATTEMPT_RETENTION_MS) } } });

    const refuse = async (reason: TBindRefusal): Promise<TRedeemResult> => {
      await tx.bindAttempt.create({ data: { ...who, at: now, ok: false } });
      const account = await tx.bindAttempt.count({ where: { ...who, ok: false, at: { gt: since } } });
      const global = await tx.bindAttempt.count({ where: { ok: false, at: { gt: since } } });
      const limitReached = global === limits.globalFailures ? "global" : account === limits.accountFailures ? "account" : null;
      return { ok: false, kind: "refused", reason, limitReached };
    };

    const row = await tx.bindCode.findUnique({ where: { codeHash: hashBindCode(opts.code) }, include: { staff: true } });
    if (!row) return refuse("invalid");
    if (row.usedAt) return refuse("used");
    if (row.revokedAt) return refuse("revoked");
    if (row.expiresAt.getTime() <= now.getTime()) return refuse("expired");
    if (!row.staff.active) return refuse("inactive");
    const claimed = await tx.bindCode.updateMany({ where: { id: row.id, usedAt: null, revokedAt: null }, data: { usedAt: now } });
    if (claimed.count === 0) return refuse("used");
    await tx.bindAttempt.create({ data: { ...who, at: now, ok: true } });

    const existing = await tx.chatIdentity.findUnique({ where: { platform_platformUserId: who }, include: { staff: true } });
    if (!existing) {
      const identity = await tx.chatIdentity.create({ data: { ...who, staffId: row.staffId, createdAt: now } });
      return { ok: true, kind: "bound", staff: row.staff, identity };
    }
    if (existing.staffId === row.staffId) return { ok: true, kind: "already", staff: row.staff };
    const expiresAt = new Date(now.getTime() + BIND_SWITCH_TTL_MS);
    const pending = { fromStaffId: existing.staffId, toStaffId: row.staffId, expiresAt, createdAt: now };
    await tx.bindSwitch.upsert({ where: { platform_platformUserId: who }, create: { ...who, ...pending }, update: pending });
    return { ok: true, kind: "confirm", staff: row.staff, current: existing.staff, expiresAt };
  });
}

export type TSwitchResult =
  | { ok: true; staff: Staff; previous: Staff; identity: ChatIdentity }
  /** none: nothing waiting (never asked, cancelled, or older than 10 minutes); stale: things changed since. */
  | { ok: false; reason: "none" | "stale" };

/**
 * Moves the account to the person whose code it redeemed, if the question is still open and
 * nothing changed meanwhile (the account still bound to the same person, the new one active).
 * The question is taken with a conditional delete, so a double tap switches once.
 */
export async function confirmBindSwitch(opts: { db: Db; clock: Clock; platform: string; platformUserId: string }): Promise<TSwitchResult> {
  const now = opts.clock.now();
  const who = { platform: opts.platform, platformUserId: opts.platformUserId };
  return opts.db.$transaction(async (tx): Promise<TSwitchResult> => {
    const pending = await tx.bindSwitch.findUnique({ where: { platform_platformUserId: who } });
    if (!pending) return { ok: false, reason: "none" };
    const taken = await tx.bindSwitch.deleteMany({ where: { id: pending.id, expiresAt: { gt: now } } });
    if (taken.count === 0) return { ok: false, reason: "none" };
    const identity = await tx.chatIdentity.findUnique({ where: { platform_platformUserId: who } });
    const previous = await tx.staff.findUnique({ where: { id: pending.fromStaffId } });
    const staff = await tx.staff.findUnique({ where: { id: pending.toStaffId } });
    if (!identity || identity.staffId !== pending.fromStaffId || !previous || !staff || !staff.active) return { ok: false, reason: "stale" };
    // createdAt is "bound at": reminders without a chosen platform follow the latest binding.
    const moved = await tx.chatIdentity.update({ where: { id: identity.id }, data: { staffId: staff.id, createdAt: now } });
    const left = await tx.chatIdentity.count({ where: { staffId: previous.id, platform: opts.platform } });
    if (!left && previous.notifyPlatform === opts.platform) await tx.staff.update({ where: { id: previous.id }, data: { notifyPlatform: null } });
    return { ok: true, staff, previous, identity: moved };
  });
}

/** Drops the open question; returns whom the account stays bound to, or null when nothing was open. */
export async function cancelBindSwitch(opts: { db: Db; clock: Clock; platform: string; platformUserId: string }): Promise<Staff | null> {
  const who = { platform: opts.platform, platformUserId: opts.platformUserId };
  const pending = await opts.db.bindSwitch.findUnique({ where: { platform_platformUserId: who } });
  if (!pending) return null;
  const taken = await opts.db.bindSwitch.deleteMany({ where: { id: pending.id, expiresAt: { gt: opts.clock.now() } } });
  if (taken.count === 0) return null;
  const identity = await opts.db.chatIdentity.findUnique({ where: { platform_platformUserId: who }, include: { staff: true } });
  return identity?.staff ?? null;
}

/**
 * Where to tell a staff member about a change to one of their chat accounts, other than that
 * account itself (whoever holds it already sees the reply): their reminder recipient, or else
 * their most recent other binding. Null: they cannot be reached anywhere else.
 */
export async function recipientOtherThan(db: Db, staff: Pick<Staff, "id" | "notifyPlatform">, account: { platform: string; platformUserId: string }): Promise<ChatAddress | null> {
  const usual = await resolveRecipient(db, staff);
  if (usual && !(usual.platform === account.platform && usual.chatId === account.platformUserId)) return usual;
  const other = await db.chatIdentity.findFirst({
    where: { staffId: staff.id, NOT: { platform: account.platform, platformUserId: account.platformUserId } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return other ? { platform: other.platform as Platform, chatId: other.platformUserId } : null;
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

/** The admin removes every binding a staff member has on one platform; returns what was removed. */
export async function unbindStaffPlatform(opts: { db: Db; staffId: number; platform: string }): Promise<ChatIdentity[]> {
  return opts.db.$transaction(async (tx) => {
    const removed = await tx.chatIdentity.findMany({ where: { staffId: opts.staffId, platform: opts.platform }, orderBy: { id: "asc" } });
    if (!removed.length) return [];
    await tx.chatIdentity.deleteMany({ where: { id: { in: removed.map((r) => r.id) } } });
    await tx.staff.updateMany({ where: { id: opts.staffId, notifyPlatform: opts.platform }, data: { notifyPlatform: null } });
    return removed;
  });
}

export async function listBindings(db: Db, staffId: number): Promise<ChatIdentity[]> {
  return db.chatIdentity.findMany({ where: { staffId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export type TBindingRow = { staffCode: string; staffName: string; active: boolean; platform: string; platformUserId: string; boundAt: Date };

/** Every binding (or one person's), by staff code, read a page at a time for the admin's table. */
export async function* eachBinding(opts: { db: Db; staffId?: number; pageSize?: number }): AsyncGenerator<TBindingRow> {
  const take = opts.pageSize ?? 500;
  for (let skip = 0; ; skip += take) {
    const page = await opts.db.chatIdentity.findMany({
      where: opts.staffId === undefined ? {} : { staffId: opts.staffId },
      include: { staff: { select: { code: true, name: true, active: true } } },
      orderBy: [{ staff: { code: "asc" } }, { platform: "asc" }, { id: "asc" }],
      skip,
      take,
    });
    for (const i of page) yield { staffCode: i.staff.code, staffName: i.staff.name, active: i.staff.active, platform: i.platform, platformUserId: i.platformUserId, boundAt: i.createdAt };
    if (page.length < take) return;
  }
}

/** Where reminders go; only a platform the person has bound. */
export async function setNotifyPlatform(opts: { db: Db; staffId: number; platform: TBindablePlatform }): Promise<"ok" | "not-bound"> {
  const bound = await opts.db.chatIdentity.count({ where: { staffId: opts.staffId, platform: opts.platform } });
  if (!bound) return "not-bound";
  await opts.db.staff.update({ where: { id: opts.staffId }, data: { notifyPlatform: opts.platform } });
  return "ok";
}
