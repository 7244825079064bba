import { normalizeInput, parseTimeOfDay } from "../../core/forms/form-input.ts";
import type { TPolicy, TServiceClass } from "../../config/policy.ts";
import type { Reply } from "../../core/chat.ts";
import { addDays, addInterval, localParts, startOfWeek, zonedInstant } from "../../core/dates.ts";
import { enqueue, resolveRecipient, staffMessageKey } from "../../core/outbox.ts";
import { policyTranslator, type AppDeps, type CommandContext } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { Customer, Staff } from "../../generated/prisma/client.ts";
import { listCustomersOfClasses } from "../customers/customers.service.ts";
import { findLastCounted } from "../visits/visits.service.ts";
import { isLocale, t, translator, type Locale } from "../../i18n/i18n.ts";

/** The reminders the product knows, in the order /reminders lists them (ids as in the policy). */
export const REMINDER_IDS = [
  "morningList",
  "appointments",
  "unloggedVisits",
  "weeklyPhoneContacts",
  "dailyPhoneMinimum",
  "monthEnd",
  "purchasePlans",
  "creditFollowUp",
  "weeklySummary",
  "classChanges",
  "infoPoints",
  "supervisorDigest",
  "weeklyReport",
  "monthlyReport",
  "weeklyMinimumAlert",
  "overdueAlert",
] as const;
export type ReminderId = (typeof REMINDER_IDS)[number];

/** Reminders that go to supervisors (about their team); the others go to managers. */
export const SUPERVISOR_REMINDER_IDS: ReadonlySet<string> = new Set(["supervisorDigest", "weeklyReport", "monthlyReport", "weeklyMinimumAlert", "overdueAlert"]);

export function reminderSetting(policy: TPolicy, id: string) {
  return policy.reminders[id];
}

export function isEnabled(policy: TPolicy, id: string): boolean {
  return Boolean(policy.reminders[id]?.enabled);
}

export function mutedOf(staff: Pick<Staff, "mutedReminders">): Set<string> {
  return new Set(
    staff.mutedReminders
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Whether the staff member gets this reminder: enabled by the policy and not muted (if mutable). */
export function wantsReminder(policy: TPolicy, staff: Pick<Staff, "mutedReminders">, id: string): boolean {
  const setting = policy.reminders[id];
  if (!setting?.enabled) return false;
  return !(setting.optional && mutedOf(staff).has(id));
}

/** Days the company works (follow-up days included), for "the working day before". */
export function workingDaysOf(policy: TPolicy): number[] {
  return policy.complaint.businessHours?.workingDays ?? [1, 2, 3, 4, 5];
}

const kebab = (id: string) => id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Maps what a manager typed (id, kebab-case id, or the reminder's name in any locale) to an id. */
export function resolveReminderName(policy: TPolicy, input: string): string | null {
  const n = input.trim().toLowerCase().replace(/^[“"']|[”"']$/g, "");
  if (!n) return null;
  const ids = [...new Set([...REMINDER_IDS, ...Object.keys(policy.reminders)])];
  for (const id of ids) {
    const names = [id, kebab(id), translator("zh-CN")(`reminder.${id}`), translator("en")(`reminder.${id}`)].map((s) => s.toLowerCase());
    for (const locale of ["zh-CN", "en"] as const) {
      const aliases = t(locale, `reminder.${id}.aliases`);
      if (aliases !== `reminder.${id}.aliases`) names.push(...aliases.split("|").map((s) => s.toLowerCase()));
    }
    if (names.includes(n)) return id;
  }
  return null;
}

export async function setMuted(opts: { db: Db; staff: Staff; ids: string[]; muted: boolean }): Promise<Set<string>> {
  const set = mutedOf(opts.staff);
  for (const id of opts.ids) {
    if (opts.muted) set.add(id);
    else set.delete(id);
  }
  const mutedReminders = [...set].sort().join(",");
  await opts.db.staff.update({ where: { id: opts.staff.id }, data: { mutedReminders } });
  opts.staff.mutedReminders = mutedReminders;
  return set;
}

/** "22:00-07:30" (also "22:00 07:30", "22:00～7:30") → { start, end }; null when not understood. */
export function parseQuietHours(text: string): { start: string; end: string } | null {
  // Full-width digits and colons as a Chinese keyboard types them: ２２：００－０７：３０.
  const parts = normalizeInput(text)
    .split(/\s*(?:-|–|—|~|～|至|到|\s)\s*/)
    .filter(Boolean);
  if (parts.length !== 2) return null;
  const start = parseTimeOfDay(parts[0]!);
  const end = parseTimeOfDay(parts[1]!);
  if (!start || !end || start === end) return null;
  return { start, end };
}

export async function setQuietHours(opts: { db: Db; staff: Staff; start: string; end: string }): Promise<void> {
  await opts.db.staff.update({ where: { id: opts.staff.id }, data: { quietStart: opts.start, quietEnd: opts.end } });
  opts.staff.quietStart = opts.start;
  opts.staff.quietEnd = opts.end;
}

/**
 * When `at` falls inside the staff member's quiet hours [start, end) — which may span midnight —
 * the instant they end; otherwise null. Messages are deferred to it, never dropped.
 */
export function quietHoursEnd(staff: Pick<Staff, "quietStart" | "quietEnd">, at: Date, timeZone: string): Date | null {
  if (!staff.quietStart || !staff.quietEnd) return null;
  const toMin = (s: string) => {
    const [h, m] = s.split(":").map(Number) as [number, number];
    return h * 60 + m;
  };
  const start = toMin(staff.quietStart);
  const end = toMin(staff.quietEnd);
  const local = localParts(at, timeZone);
  const now = local.hour * 60 + local.minute;
  if (start < end) {
    return now >= start && now < end ? zonedInstant(local.date, staff.quietEnd, timeZone) : null;
  }
  // Spans midnight, e.g. 22:00–07:30.
  if (now >= start) return zonedInstant(addDays(local.date, 1), staff.quietEnd, timeZone);
  if (now < end) return zonedInstant(local.date, staff.quietEnd, timeZone);
  return null;
}

export function localeOf(staff: Pick<Staff, "locale">, policy: TPolicy): Locale {
  return isLocale(staff.locale) ? staff.locale : policy.locale;
}

/**
 * A command context for rendering as this staff member would see it in chat (their locale), so a
 * scheduled message reads exactly like the command's answer.
 */
export function renderContextFor(deps: AppDeps, staff: Staff): CommandContext {
  const locale = localeOf(staff, deps.policy);
  return {
    deps,
    staff,
    locale,
    t: policyTranslator(deps.policy, locale),
    msg: { platform: "console", chatId: "", userId: "", text: "" },
    args: [],
    rest: "",
    commands: [],
  };
}

export type NotifyOutcome = "queued" | "duplicate" | "muted" | "unbound";

/**
 * Queues one reminder for one staff member: respects mutes (optional reminders only) and quiet
 * hours (deferred to their end), resolves the chat, and relies on the outbox key for once-only.
 */
export async function notifyStaff(opts: {
  deps: AppDeps;
  staff: Staff;
  reminder: string;
  kind: string;
  /** Subject + date part of the key, e.g. "2026-11-23". */
  subject: string;
  reply: Reply;
}): Promise<NotifyOutcome> {
  const { deps, staff } = opts;
  if (!wantsReminder(deps.policy, staff, opts.reminder)) return "muted";
  const to = await resolveRecipient(deps.db, staff);
  if (!to) {
    deps.log.info("reminder not queued: staff member has no chat binding", { staff: staff.code, kind: opts.kind });
    return "unbound";
  }
  const now = deps.clock.now();
  const notBefore = quietHoursEnd(staff, now, deps.policy.timeZone) ?? now;
  const queued = await enqueue({
    db: deps.db,
    key: staffMessageKey(opts.kind, staff.id, opts.subject),
    kind: opts.kind,
    staffId: staff.id,
    platform: to.platform,
    chatId: to.chatId,
    reply: opts.reply,
    notBefore,
  });
  return queued ? "queued" : "duplicate";
}

export interface PhoneDue {
  customer: Customer;
  cls: TServiceClass;
  last: string | null;
}

/**
 * Customers of classes with a phone-contact frequency (key-account A/B weekly) who are due by the
 * end of the week of `date`: never contacted, or last contact + interval falls in this week.
 * Most valuable class first, then the longest without contact.
 */
export async function listPhoneContactsDue(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<PhoneDue[]> {
  const { db, policy } = opts;
  const classes = policy.classes.filter((c) => c.phoneEvery);
  if (!classes.length) return [];
  const customers = await listCustomersOfClasses({ db, managerId: opts.managerId, classIds: classes.map((c) => c.id) });
  const last = await findLastCounted({ db, policy, duty: "phoneContact", customerIds: customers.map((c) => c.id) });
  const weekEnd = addDays(startOfWeek(opts.date), 6);
  const due: PhoneDue[] = [];
  for (const customer of customers) {
    const cls = classes.find((c) => c.id === customer.serviceClass)!;
    const l = last.get(customer.id) ?? null;
    if (l === opts.date) continue; // already talked to today
    if (!l || addInterval(l, cls.phoneEvery!) <= weekEnd) due.push({ customer, cls, last: l });
  }
  return due.sort((a, b) => a.cls.priority - b.cls.priority || (a.last ?? "").localeCompare(b.last ?? "") || a.customer.id - b.customer.id);
}

export interface WeeklyPhoneEntry {
  /** "P3": the entry's number all week, distinct from the day list's stop numbers. */
  ref: string;
  customer: Customer;
  cls: TServiceClass;
  /** Last contact before the week began (what made the customer due). */
  last: string | null;
  /** Contacted since Monday. */
  done: boolean;
}

/** Entries of the weekly phone list per page (one chat message). */
export const PHONE_LIST_PAGE = 15;

/**
 * This week's phone list (the week of `date`), numbered P1, P2, … as it stood on Monday: who was due
 * is decided from the contacts before Monday, so a call logged on Wednesday marks its entry done
 * instead of renumbering the rest, and `/call P7` means the same customer all week.
 */
export async function listWeeklyPhoneList(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<WeeklyPhoneEntry[]> {
  const { db, policy } = opts;
  const classes = policy.classes.filter((c) => c.phoneEvery);
  if (!classes.length) return [];
  const monday = startOfWeek(opts.date);
  const weekEnd = addDays(monday, 6);
  const customers = await listCustomersOfClasses({ db, managerId: opts.managerId, classIds: classes.map((c) => c.id) });
  const latest = await findLastCounted({ db, policy, duty: "phoneContact", customerIds: customers.map((c) => c.id) });
  // Only those contacted since Monday need a second look for their contact before it (on the
  // Monday run: nobody yet, so the reminder costs one query as before).
  const thisWeek = customers.filter((c) => (latest.get(c.id) ?? "") >= monday).map((c) => c.id);
  const earlier = thisWeek.length ? await findLastCounted({ db, policy, duty: "phoneContact", customerIds: thisWeek, before: zonedInstant(monday, "00:00", policy.timeZone) }) : new Map<number, string>();
  const due: Omit<WeeklyPhoneEntry, "ref">[] = [];
  for (const customer of customers) {
    const cls = classes.find((c) => c.id === customer.serviceClass)!;
    const l = latest.get(customer.id) ?? null;
    const done = l !== null && l >= monday;
    const last = done ? (earlier.get(customer.id) ?? null) : l;
    if (last && addInterval(last, cls.phoneEvery!) > weekEnd) continue;
    due.push({ customer, cls, last, done });
  }
  due.sort((a, b) => a.cls.priority - b.cls.priority || (a.last ?? "").localeCompare(b.last ?? "") || a.customer.id - b.customer.id);
  return due.map((d, i) => ({ ...d, ref: `P${i + 1}` }));
}

/** One page (1-based) of the weekly phone list; `pages` is at least 1. */
export function phoneListPage(list: WeeklyPhoneEntry[], page: number): { entries: WeeklyPhoneEntry[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(list.length / PHONE_LIST_PAGE));
  return { entries: list.slice((page - 1) * PHONE_LIST_PAGE, page * PHONE_LIST_PAGE), page, pages };
}
