import { keysetPages } from "../../core/batch.ts";
import type { TPolicy } from "../../config/policy.ts";
import { addDays, isoWeekday } from "../../core/dates.ts";
import type { Db } from "../../db/client.ts";
import type { Staff } from "../../generated/prisma/client.ts";

/** The staff member's own visit days, or the policy's when none are set. */
export function visitDaysOf(staff: Pick<Staff, "visitDays">, policy: TPolicy): number[] {
  const own = staff.visitDays
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 7);
  return own.length ? own : policy.visitDays;
}

export async function daysOffOf(opts: { db: Db; staffId: number; from: string; to: string }): Promise<Set<string>> {
  const rows = await opts.db.dayOff.findMany({ where: { staffId: opts.staffId, date: { gte: opts.from, lte: opts.to } } });
  return new Set(rows.map((r) => r.date));
}

/** Whether `date` is a working visit day for the staff member (weekday and no leave). */
export async function isVisitDay(opts: { db: Db; policy: TPolicy; staff: Staff; date: string }): Promise<boolean> {
  if (!visitDaysOf(opts.staff, opts.policy).includes(isoWeekday(opts.date))) return false;
  const off = await daysOffOf({ db: opts.db, staffId: opts.staff.id, from: opts.date, to: opts.date });
  return !off.has(opts.date);
}

/** The first visit day strictly after `date` (within 60 days), or null. */
export async function nextVisitDay(opts: { db: Db; policy: TPolicy; staff: Staff; date: string }): Promise<string | null> {
  const days = visitDaysOf(opts.staff, opts.policy);
  const off = await daysOffOf({ db: opts.db, staffId: opts.staff.id, from: addDays(opts.date, 1), to: addDays(opts.date, 60) });
  for (let i = 1; i <= 60; i++) {
    const d = addDays(opts.date, i);
    if (days.includes(isoWeekday(d)) && !off.has(d)) return d;
  }
  return null;
}

export async function findStaffByCode(db: Db, code: string): Promise<Staff | null> {
  return db.staff.findUnique({ where: { code: code.trim() } });
}

export async function findStaffById(db: Db, id: number): Promise<Staff | null> {
  return db.staff.findUnique({ where: { id } });
}

/** The first active manager by code (whom the terminal acts as by default). */
export async function firstActiveManager(db: Db): Promise<Staff | null> {
  return db.staff.findFirst({ where: { role: "manager", active: true }, orderBy: { code: "asc" } });
}

/** Active staff by code, at most `take` (the terminal's /as list). */
export async function listActiveStaff(db: Db, take: number): Promise<Staff[]> {
  return db.staff.findMany({ where: { active: true }, orderBy: { code: "asc" }, take });
}

/** Active people reporting directly to this staff member. */
export async function countDirectReports(db: Db, supervisorId: number): Promise<number> {
  return db.staff.count({ where: { supervisorId, active: true } });
}

/** The language this person chose (/lang). */
export async function setStaffLocale(db: Db, staffId: number, locale: "zh-CN" | "en"): Promise<void> {
  await db.staff.update({ where: { id: staffId }, data: { locale } });
}

/** Binds a chat identity to a staff member, moving it if it was bound to someone else. */
export async function bindIdentity(opts: { db: Db; platform: string; platformUserId: string; staffId: number }): Promise<void> {
  await opts.db.chatIdentity.upsert({
    where: { platform_platformUserId: { platform: opts.platform, platformUserId: opts.platformUserId } },
    create: { platform: opts.platform, platformUserId: opts.platformUserId, staffId: opts.staffId },
    update: { staffId: opts.staffId },
  });
}

/** Whether anyone reports to this staff member (they see the team side of the product). */
export async function hasTeam(opts: { db: Db; staffId: number }): Promise<boolean> {
  return (await opts.db.staff.count({ where: { supervisorId: opts.staffId } })) > 0;
}

/** Rows per page when a job or command walks through all staff (never all of them at once). */
export const STAFF_PAGE = 200;

/**
 * One page of the people manager reminders are for: active staff who own active customers, in id
 * order after `afterId`. Jobs walk the company page by page, so 10,000 managers cost the memory
 * and the bound parameters of 200.
 */
export async function listManagersWithCustomers(opts: { db: Db; afterId?: number; take?: number }): Promise<Staff[]> {
  return opts.db.staff.findMany({
    where: { active: true, id: { gt: opts.afterId ?? 0 }, customers: { some: { active: true } } },
    orderBy: { id: "asc" },
    take: opts.take ?? STAFF_PAGE,
  });
}

/** One page of staff with a role (optionally only active ones), in code order after `afterCode`: what the CLI prints. */
export async function listStaffByCode(opts: { db: Db; role: string; activeOnly?: boolean; afterCode?: string; take?: number }): Promise<Staff[]> {
  return opts.db.staff.findMany({
    where: { role: opts.role, ...(opts.activeOnly ? { active: true } : {}), ...(opts.afterCode !== undefined ? { code: { gt: opts.afterCode } } : {}) },
    orderBy: { code: "asc" },
    take: opts.take ?? STAFF_PAGE,
  });
}

/** Walks `listStaffByCode` page by page, so a caller iterating the whole company never holds it all. */
export function staffByCodePages(opts: { db: Db; role: string; activeOnly?: boolean; take?: number }): AsyncGenerator<Staff[]> {
  return keysetPages<Staff, string>((afterCode) => listStaffByCode({ ...opts, afterCode }), (s) => s.code, opts.take ?? STAFF_PAGE);
}

/** Walks `listManagersWithCustomers` page by page (id order). */
export function managersWithCustomersPages(opts: { db: Db; take?: number }): AsyncGenerator<Staff[]> {
  const take = opts.take ?? STAFF_PAGE;
  return keysetPages<Staff, number>((afterId) => listManagersWithCustomers({ db: opts.db, afterId, take }), (s) => s.id, take);
}
