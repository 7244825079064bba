import { hasOutstandingReceivables } from "../customers/customer-file.ts";
import type { TPolicy, TServiceClass } from "../../config/policy.ts";
import { chunks, inChunks, keysetPages } from "../../core/batch.ts";
import { addDays, addInterval, daysBetween, endOfMonth, isoWeekday, localDate, localParts, rangeBounds as bounds, startOfMonth, startOfWeek, zonedInstant, clockTime } from "../../core/dates.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { teamIds } from "../complaints/complaints.service.ts";
import { workingDaysOf } from "../reminders/reminders.service.ts";
import { visitDaysOf } from "../staff/staff.service.ts";
import { NOT_A_CALL, parseDetails } from "../visits/visits.service.ts";
import { countedWhere, counts, phoneContactsPerDay } from "../visits/counting.ts";
import { nextPlannedVisits } from "../planning/planning.service.ts";
import { dayEvidenceOf, evidenceCountsOf, sumEvidence, type EvidenceCounts, type VisitEvidence } from "../evidence/evidence-report.service.ts";

/**
 * Every supervisor view, digest and export is computed here from the stored visits, plans, calls,
 * complaints, leave and summaries: no second bookkeeping, and nothing here writes.
 *
 * Access is decided here too: a manager sees themself, a supervisor their team and the teams of the
 * supervisors below them, an admin everyone. Callers pass the viewer, never a list of ids.
 */

function groupBy<T>(xs: T[], key: (x: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

const pct = (n: number, d: number): number | null => (d > 0 ? Math.round((1000 * n) / d) / 10 : null);
const ratio = (n: number, d: number): number | null => (d > 0 ? Math.round((10 * n) / d) / 10 : null);

// ───────────────────────────── scope ─────────────────────────────

/** What a viewer may see: `all` (admin), a team (supervisor, transitively), or only themself. */
export type ReportScope = { kind: "all" } | { kind: "team"; ids: number[] } | { kind: "self"; id: number };

/** `null` is the operator at the command line, who sees everyone (like an admin). */
export type Viewer = Staff | null;

export async function reportScope(db: Db, viewer: Viewer): Promise<ReportScope> {
  if (!viewer || viewer.role === "admin") return { kind: "all" };
  const ids = await teamIds(db, viewer.id);
  if (ids.length) return { kind: "team", ids };
  return { kind: "self", id: viewer.id };
}

/** Whether the viewer has anyone to report on besides themself (admins and supervisors). */
export function seesTeam(scope: ReportScope): boolean {
  return scope.kind !== "self";
}

/**
 * The managers a viewer reports on, in code order: staff with the manager role (or anyone who owns
 * customers) inside the scope. A manager's own scope is themself.
 */
export async function managersInScope(db: Db, scope: ReportScope): Promise<Staff[]> {
  if (scope.kind === "self") {
    const me = await db.staff.findUnique({ where: { id: scope.id } });
    return me ? [me] : [];
  }
  const where = { active: true, OR: [{ role: "manager" }, { customers: { some: { active: true } } }] };
  if (scope.kind === "all") {
    // The whole company is the answer here, but read in keyset pages rather than one result of any size.
    const out: Staff[] = [];
    const pages = keysetPages<Staff, string>((after) => db.staff.findMany({ where: { ...where, ...(after !== undefined ? { code: { gt: after } } : {}) }, orderBy: { code: "asc" }, take: 1000 }), (s) => s.code, 1000);
    for await (const page of pages) out.push(...page);
    return out;
  }
  const rows = await inChunks(scope.ids, (ids) => db.staff.findMany({ where: { ...where, id: { in: ids } } }));
  return rows.sort((a, b) => a.code.localeCompare(b.code));
}

/**
 * The first `take` managers of a viewer's scope in code order (the viewer left out) and how many
 * there are, for a hint that names a few: a team is read whole (it is small), the whole company
 * (an admin) only `take` rows and a count.
 */
export async function scopePreview(db: Db, viewer: Staff, take: number): Promise<{ scope: ReportScope; members: Staff[]; total: number }> {
  const scope = await reportScope(db, viewer);
  if (scope.kind === "all") {
    const where = { active: true, id: { not: viewer.id }, OR: [{ role: "manager" }, { customers: { some: { active: true } } }] };
    const [members, total] = await Promise.all([db.staff.findMany({ where, orderBy: { code: "asc" }, take }), db.staff.count({ where })]);
    return { scope, members, total };
  }
  const all = (await managersInScope(db, scope)).filter((m) => m.id !== viewer.id);
  return { scope, members: all.slice(0, take), total: all.length };
}

/**
 * One manager by code, if the viewer may see them. Outside the scope reads exactly like a code
 * that does not exist, so nobody learns who works in another team.
 */
export async function findManagerInScope(db: Db, viewer: Viewer, code: string): Promise<Staff | null> {
  const c = code.trim();
  const m = (await db.staff.findUnique({ where: { code: c } })) ?? (await db.staff.findUnique({ where: { code: c.toUpperCase() } }));
  if (!m || !m.active) return null;
  if (m.id === viewer?.id) return m;
  const scope = await reportScope(db, viewer);
  if (scope.kind === "all") return m;
  if (scope.kind === "team" && scope.ids.includes(m.id)) return m;
  return null;
}

// ───────────────────────────── the day ─────────────────────────────

export type AttentionFlag = "breached" | "due-soon" | "unbound" | "unlogged" | "below-minimum" | "not-started" | "moved";

export interface TeamDayRow {
  manager: Staff;
  visitDay: boolean;
  onLeave: boolean;
  /** Stops on today's list (done + still to do; moved ones are counted apart). */
  planned: number;
  done: number;
  moved: number;
  remaining: number;
  /** Stops still to do once the working day is over (the evening reminder's time). */
  unlogged: number;
  /** Visits logged today (any visit mode; phone contacts apart). */
  visits: number;
  /** Customers phoned today (policy.counting.phoneContact, distinct). */
  calls: number;
  openComplaints: number;
  breachedComplaints: number;
  /** Earliest deadline among open complaints not breached yet. */
  nextDeadline: Date | null;
  /** Bound to at least one chat (a supervisor can reach them through the bot). */
  bound: boolean;
  flags: AttentionFlag[];
}

export interface TeamDay {
  date: string;
  /** The working day is over: stops still to do are unlogged. */
  dayOver: boolean;
  rows: TeamDayRow[];
}

const FLAG_WEIGHT: Record<AttentionFlag, number> = {
  breached: 1000,
  "due-soon": 500,
  unbound: 300,
  unlogged: 100,
  "below-minimum": 60,
  "not-started": 40,
  moved: 10,
};

function attentionOf(r: TeamDayRow): number {
  return r.flags.reduce((s, f) => s + FLAG_WEIGHT[f], 0) + r.unlogged + r.remaining / 100;
}

/** When the day counts as over: the time of the evening "visits not logged" reminder. */
function dayOverAt(policy: TPolicy, date: string): Date {
  return zonedInstant(date, policy.reminders.unloggedVisits?.time ?? "18:30", policy.timeZone);
}

/** Today for everyone in the scope, most in need of attention first. */
export async function teamDay(opts: { deps: AppDeps; viewer: Viewer; date?: string }): Promise<TeamDay> {
  const { deps } = opts;
  const scope = await reportScope(deps.db, opts.viewer);
  const managers = await managersInScope(deps.db, scope);
  return teamDayOf({ deps, managers, date: opts.date });
}

export async function teamDayOf(opts: { deps: AppDeps; managers: Staff[]; date?: string }): Promise<TeamDay> {
  const { deps, managers } = opts;
  const { db, policy } = deps;
  const now = deps.clock.now();
  const date = opts.date ?? localDate(now, policy.timeZone);
  const dayOver = now >= dayOverAt(policy, date);
  const ids = managers.map((m) => m.id);
  const tz = policy.timeZone;
  const [plans, logs, leave, complaints, identities] = await Promise.all([
    inChunks(ids, (part) => db.plannedVisit.groupBy({ by: ["managerId", "status"], where: { managerId: { in: part }, date }, _count: { _all: true } })),
    inChunks(ids, (part) =>
      db.visit.findMany({ where: { managerId: { in: part }, visitedAt: bounds(date, date, tz) }, select: { managerId: true, customerId: true, mode: true, details: true } }),
    ),
    inChunks(ids, (part) => db.dayOff.findMany({ where: { staffId: { in: part }, date }, select: { staffId: true } })),
    inChunks(ids, (part) =>
      db.complaint.findMany({ where: { managerId: { in: part }, status: "open" }, select: { managerId: true, deadlineAt: true, breached: true, openedAt: true } }),
    ),
    inChunks(ids, (part) => db.chatIdentity.groupBy({ by: ["staffId"], where: { staffId: { in: part } }, _count: { _all: true } })),
  ]);
  const off = new Set(leave.map((l) => l.staffId));
  const bound = new Set(identities.map((i) => i.staffId));
  // Grouped once: a company-wide view has a thousand managers and tens of thousands of rows.
  const planCount = new Map(plans.map((p) => [`${p.managerId}:${p.status}`, p._count._all]));
  const logsOf = groupBy(logs, (l) => l.managerId);
  const complaintsOf = groupBy(complaints, (c) => c.managerId);
  const warnShare = policy.complaint.supervisorWarnAt;
  const rows: TeamDayRow[] = managers.map((m) => {
    const count = (s: string) => planCount.get(`${m.id}:${s}`) ?? 0;
    const done = count("done");
    const remaining = count("planned");
    const mine = logsOf.get(m.id) ?? [];
    const visits = mine.filter((l) => parseDetails(l).kind !== "call").length;
    // Customers phoned, as the daily minimum counts them.
    const calls = new Set(mine.filter((l) => counts(policy, "phoneContact", l)).map((l) => l.customerId)).size;
    const open = complaintsOf.get(m.id) ?? [];
    const breachedOpen = open.filter((c) => c.breached || (c.deadlineAt && c.deadlineAt <= now));
    const pending = open.filter((c) => c.deadlineAt && c.deadlineAt > now).sort((a, b) => a.deadlineAt!.getTime() - b.deadlineAt!.getTime());
    const visitDay = visitDaysOf(m, policy).includes(isoWeekday(date));
    const onLeave = off.has(m.id);
    const row: TeamDayRow = {
      manager: m,
      visitDay,
      onLeave,
      planned: done + remaining,
      done,
      moved: count("skipped"),
      remaining,
      unlogged: dayOver && visitDay && !onLeave ? remaining : 0,
      visits,
      calls,
      openComplaints: open.length,
      breachedComplaints: breachedOpen.length,
      nextDeadline: pending[0]?.deadlineAt ?? null,
      bound: bound.has(m.id),
      flags: [],
    };
    if (row.breachedComplaints) row.flags.push("breached");
    const soon = pending.some((c) => {
      const total = c.deadlineAt!.getTime() - c.openedAt.getTime();
      return total > 0 && (now.getTime() - c.openedAt.getTime()) / total >= warnShare;
    });
    if (soon) row.flags.push("due-soon");
    if (!row.bound) row.flags.push("unbound");
    if (row.unlogged) row.flags.push("unlogged");
    const working = visitDay && !onLeave;
    if (working && dayOver && visits < policy.dailyMinimum) row.flags.push("below-minimum");
    if (working && !dayOver && row.planned > 0 && row.done === 0 && visits === 0 && localParts(now, tz).hour >= 11) row.flags.push("not-started");
    if (row.moved >= 3) row.flags.push("moved");
    return row;
  });
  rows.sort((a, b) => attentionOf(b) - attentionOf(a) || a.manager.code.localeCompare(b.manager.code));
  return { date, dayOver, rows };
}

// ───────────────────────────── a period ─────────────────────────────

export interface PeriodFigures {
  from: string;
  /** Last day counted (the period's end, or today while it runs). */
  to: string;
  /** Visits (any visit mode), phone contacts apart. */
  visits: number;
  fieldVisits: number;
  /** Days with at least one field visit. */
  visitDays: number;
  /** Field visits per visit day (customers per outing). */
  visitsPerVisitDay: number | null;
  /** Visit days with fewer customers than the daily minimum (today only once it is over). */
  daysBelowMinimum: number;
  /**
   * Today while it is not over (before the evening "not logged" time), when it has field visits:
   * 1 and its field visits; it counts in visitDays and fieldVisits but is not judged yet against
   * the daily, per-outing or phone minimum. 0 and 0 otherwise.
   */
  openDays: number;
  openDayVisits: number;
  /** Visit days with fewer customers than the per-outing minimum (0 when the policy has none). */
  outingsBelowMinimum: number;
  /** ISO weeks touched by the period, and those meeting the weekly visit-day minimum. */
  weeks: number;
  weeksMet: number;
  /** Visit days required over the period (weekly minimum, less leave and days not yet come). */
  visitDaysRequired: number;
  phoneContacts: number;
  /** Working days with the daily phone minimum met, out of the working days counted. */
  phoneDaysMet: number;
  phoneDays: number;
  skipped: number;
  leaveDays: number;
  complaints: number;
  complaintsOnTime: number;
  complaintsBreached: number;
  complaintsOpen: number;
  complaintsOnTimePct: number | null;
  /** Average logged minutes of field visits, and the visits that had a duration. */
  avgMinutes: number | null;
  byClassMinutes: { classId: string; avg: number; visits: number; min: number; max: number }[];
  summaries: number;
}

/** An overdue customer a report names; `next` (looked up for the few shown) is their next planned visit, null when none. */
export interface OverdueCustomer {
  id: number;
  code: string;
  name: string;
  classId: string;
  last: string | null;
  daysOverdue: number;
  next?: string | null;
}

export interface CoverageFigures {
  asOf: string;
  /** Customers of classes with a visit frequency. */
  eligible: number;
  /** Visited within their class's frequency. */
  covered: number;
  coveragePct: number | null;
  /** Past their due date (visited before, or never and on the books longer than one interval). */
  overdue: number;
  never: number;
  byClass: { classId: string; customers: number; covered: number; overdue: number; never: number; maxDaysOverdue: number }[];
  /** The most overdue customers (up to `top`), longest first. */
  worst: OverdueCustomer[];
  /** Key-account A/B: customers phoned (any contact) this week, out of those due weekly. */
  phone: { due: number; done: number; pct: number | null } | null;
  /** Credit customers followed up at least twice this month. */
  credit: { customers: number; required: number; done: number; met: number } | null;
}

export interface ManagerPeriodRow {
  manager: Staff;
  figures: PeriodFigures;
  coverage: CoverageFigures;
}

export interface TeamPeriod {
  kind: "week" | "month" | "range";
  from: string;
  to: string;
  /** Last day with figures (today while the period runs). */
  through: string;
  rows: ManagerPeriodRow[];
  /** A manager's own figures (/me week), not a team's. */
  self?: boolean;
  totals: PeriodFigures & { coveragePct: number | null; overdue: number; never: number; managers: number };
  /** Check-in and photo counts (issue #16) per manager id and in total; null when the policy asks for no check-in. */
  evidence?: { byManager: Map<number, EvidenceCounts>; total: EvidenceCounts } | null;
}

/** This week (Mon–Sun) or month of `date`, or the one before ("last"). */
export function periodOf(kind: "week" | "month", date: string, offset: 0 | -1 = 0): { from: string; to: string } {
  if (kind === "week") {
    const from = addDays(startOfWeek(date), 7 * offset);
    return { from, to: addDays(from, 6) };
  }
  const from = offset ? startOfMonth(addDays(startOfMonth(date), -1)) : startOfMonth(date);
  return { from, to: endOfMonth(from) };
}

interface LogRow {
  managerId: number;
  customerId: number;
  visitedAt: Date;
  mode: string;
  durationMin: number | null;
  call: boolean;
}

async function logsOf(db: Db, ids: number[], from: string, to: string, tz: string): Promise<LogRow[]> {
  const rows = await inChunks(ids, (part) =>
    db.visit.findMany({
      where: { managerId: { in: part }, visitedAt: bounds(from, to, tz) },
      select: { managerId: true, customerId: true, visitedAt: true, mode: true, durationMin: true, details: true },
    }),
  );
  return rows.map((r) => ({ managerId: r.managerId, customerId: r.customerId, visitedAt: r.visitedAt, mode: r.mode, durationMin: r.durationMin, call: parseDetails(r).kind === "call" }));
}

function figuresOf(opts: {
  policy: TPolicy;
  manager: Staff;
  from: string;
  through: string;
  logs: LogRow[];
  classOf: Map<number, string>;
  leave: Set<string>;
  skipped: number;
  complaints: { deadlineAt: Date | null; breached: boolean; status: string; resolvedAt: Date | null }[];
  now: Date;
  summaries: number;
}): PeriodFigures {
  const { policy, from, through } = opts;
  const tz = policy.timeZone;
  const visits = opts.logs.filter((l) => !l.call);
  const field = opts.logs.filter((l) => counts(policy, "fieldVisit", l));
  const perDay = new Map<string, number>();
  for (const v of field) {
    const d = localDate(v.visitedAt, tz);
    perDay.set(d, (perDay.get(d) ?? 0) + 1);
  }
  const phonePerDay = phoneContactsPerDay(policy, opts.logs);
  // Today is judged against the daily minimums only once it is over: at 14:00 one visit is not "a day under 15".
  const today = localDate(opts.now, tz);
  const todayOpen = today >= from && today <= through && opts.now < dayOverAt(policy, today);
  const judged = [...perDay].filter(([d]) => !(todayOpen && d === today)).map(([, n]) => n);
  const ownDays = visitDaysOf(opts.manager, policy);
  const workDays = workingDaysOf(policy);
  let weeks = 0;
  let weeksMet = 0;
  let required = 0;
  let phoneDays = 0;
  let phoneDaysMet = 0;
  const last = through < from ? from : through;
  for (let w = startOfWeek(from); w <= last; w = addDays(w, 7)) {
    weeks++;
    let done = 0;
    let possible = 0;
    for (let i = 0; i < 7; i++) {
      const d = addDays(w, i);
      if (d < from || d > through) continue;
      done += perDay.has(d) ? 1 : 0;
      // Today, still running, is a required visit day only once visited or over.
      if (todayOpen && d === today && !perDay.has(d)) continue;
      if (ownDays.includes(isoWeekday(d)) && !opts.leave.has(d)) possible++;
    }
    const need = Math.min(policy.minVisitDaysPerWeek, possible);
    required += need;
    if (done >= need) weeksMet++;
  }
  if (policy.phoneContactsPerDay > 0) {
    for (let d = from; d <= through; d = addDays(d, 1)) {
      if (!workDays.includes(isoWeekday(d)) || opts.leave.has(d)) continue;
      const met = (phonePerDay.get(d) ?? 0) >= policy.phoneContactsPerDay;
      // Today still running and not yet met: not a missed day (yet).
      if (todayOpen && d === today && !met) continue;
      phoneDays++;
      if (met) phoneDaysMet++;
    }
  }
  const leaveDays = [...opts.leave].filter((d) => d >= from && d <= through).length;
  const timed = field.filter((v) => v.durationMin !== null && v.durationMin > 0);
  const byClass = new Map<string, number[]>();
  for (const v of timed) {
    const c = opts.classOf.get(v.customerId) ?? "?";
    byClass.set(c, [...(byClass.get(c) ?? []), v.durationMin!]);
  }
  const onTime = opts.complaints.filter((c) => c.status !== "open" && !c.breached).length;
  const breached = opts.complaints.filter((c) => c.breached || (c.status === "open" && c.deadlineAt && c.deadlineAt <= opts.now)).length;
  const open = opts.complaints.filter((c) => c.status === "open").length;
  return {
    from,
    to: through,
    visits: visits.length,
    fieldVisits: field.length,
    visitDays: perDay.size,
    visitsPerVisitDay: ratio(field.length, perDay.size),
    daysBelowMinimum: judged.filter((n) => n < policy.dailyMinimum).length,
    outingsBelowMinimum: policy.minCustomersPerOuting > 0 ? judged.filter((n) => n < policy.minCustomersPerOuting).length : 0,
    openDays: todayOpen && perDay.has(today) ? 1 : 0,
    openDayVisits: todayOpen ? (perDay.get(today) ?? 0) : 0,
    weeks,
    weeksMet,
    visitDaysRequired: required,
    phoneContacts: [...phonePerDay.values()].reduce((s, n) => s + n, 0),
    phoneDaysMet,
    phoneDays,
    skipped: opts.skipped,
    leaveDays,
    complaints: opts.complaints.length,
    complaintsOnTime: onTime,
    complaintsBreached: breached,
    complaintsOpen: open,
    complaintsOnTimePct: pct(onTime, onTime + breached),
    avgMinutes: timed.length ? Math.round(timed.reduce((s, v) => s + v.durationMin!, 0) / timed.length) : null,
    byClassMinutes: policy.classes
      .filter((c) => byClass.has(c.id))
      .map((c) => {
        const xs = byClass.get(c.id)!;
        return { classId: c.id, avg: Math.round(xs.reduce((s, x) => s + x, 0) / xs.length), visits: xs.length, min: c.visitMinutes.min, max: c.visitMinutes.max };
      }),
    summaries: opts.summaries,
  };
}

/**
 * Customer id → local date of the last class visit (policy.counting.classVisit) before `end`, for the customers
 * of the given managers or the given customers.
 */
async function lastVisitsBefore(db: Db, policy: TPolicy, end: Date, ids: number[], by: "managerId" | "customerId"): Promise<Map<number, string>> {
  const tz = policy.timeZone;
  const groups = await inChunks(ids, (part) => db.visit.groupBy({ by: ["customerId"], where: { [by]: { in: part }, visitedAt: { lt: end }, ...countedWhere(policy, "classVisit") }, _max: { visitedAt: true } }));
  const out = new Map<number, string>();
  for (const g of groups) if (g._max.visitedAt) out.set(g.customerId, localDate(g._max.visitedAt, tz));
  return out;
}

/** How many most-overdue customers a coverage keeps by name. */
const WORST = 10;

/**
 * Coverage of the cycle on `asOf`: every customer of a class with a visit frequency is covered
 * when their last visit (phone contacts apart) is no older than the frequency. Last visits are read
 * from the visit log, so a past date gives that day's picture.
 */
async function coverageOf(db: Db, policy: TPolicy, managers: Staff[], asOf: string): Promise<Map<number, CoverageFigures>> {
  const tz = policy.timeZone;
  const ids = managers.map((m) => m.id);
  const end = zonedInstant(addDays(asOf, 1), "00:00", tz);
  const customers = await inChunks(ids, (part) =>
    db.customer.findMany({
      where: { managerId: { in: part }, active: true },
      select: { id: true, code: true, name: true, managerId: true, serviceClass: true, credit: true, receivables: true, createdAt: true },
    }),
  );
  const customersOf = groupBy(customers, (c) => c.managerId);
  const lastVisit = await lastVisitsBefore(db, policy, end, ids, "managerId");

  const weekFrom = startOfWeek(asOf);
  const monthFrom = startOfMonth(asOf);
  const phoneClasses = new Set(policy.classes.filter((c) => c.phoneEvery).map((c) => c.id));
  const wantsCredit = Boolean(policy.reminders.creditFollowUp?.enabled);
  const contacts = phoneClasses.size || wantsCredit
    ? await inChunks(ids, (part) =>
        db.visit.findMany({ where: { managerId: { in: part }, visitedAt: { gte: zonedInstant(weekFrom < monthFrom ? weekFrom : monthFrom, "00:00", tz), lt: end } }, select: { customerId: true, visitedAt: true, mode: true, details: true } }),
      )
    : [];
  const contactedWeek = new Set<number>();
  const contactsMonth = new Map<number, number>();
  for (const c of contacts) {
    const d = localDate(c.visitedAt, tz);
    // The weekly A/B call is met by a phone contact only (policy.counting), not by a visit.
    if (d >= weekFrom && counts(policy, "phoneContact", c)) contactedWeek.add(c.customerId);
    if (d >= monthFrom) contactsMonth.set(c.customerId, (contactsMonth.get(c.customerId) ?? 0) + 1);
  }

  const out = new Map<number, CoverageFigures>();
  const classes = new Map<string, TServiceClass>(policy.classes.map((c) => [c.id, c]));
  for (const m of managers) {
    const mine = customersOf.get(m.id) ?? [];
    const byClass = new Map<string, CoverageFigures["byClass"][number]>();
    const worst: CoverageFigures["worst"] = [];
    let eligible = 0;
    let covered = 0;
    let overdue = 0;
    let never = 0;
    for (const c of mine) {
      const cls = classes.get(c.serviceClass);
      if (!cls?.visitEvery) continue;
      eligible++;
      const row = byClass.get(cls.id) ?? { classId: cls.id, customers: 0, covered: 0, overdue: 0, never: 0, maxDaysOverdue: 0 };
      byClass.set(cls.id, row);
      row.customers++;
      const last = lastVisit.get(c.id) ?? null;
      // A customer never visited is due one interval after they joined the books.
      const due = last ? addInterval(last, cls.visitEvery) : addInterval(localDate(c.createdAt, tz), cls.visitEvery);
      if (!last) {
        never++;
        row.never++;
      }
      if (last && due >= asOf) {
        covered++;
        row.covered++;
      } else if (due < asOf) {
        overdue++;
        row.overdue++;
        const days = daysBetween(due, asOf);
        row.maxDaysOverdue = Math.max(row.maxDaysOverdue, days);
        worst.push({ id: c.id, code: c.code, name: c.name, classId: cls.id, last, daysOverdue: days });
      }
    }
    worst.sort((a, b) => b.daysOverdue - a.daysOverdue || a.code.localeCompare(b.code));
    const phoneDue = mine.filter((c) => phoneClasses.has(c.serviceClass));
    // Collected receivables (0) end the twice-a-month follow-up duty.
    const credit = mine.filter(hasOutstandingReceivables);
    out.set(m.id, {
      asOf,
      eligible,
      covered,
      coveragePct: pct(covered, eligible),
      overdue,
      never,
      byClass: policy.classes.filter((c) => byClass.has(c.id)).map((c) => byClass.get(c.id)!),
      worst: worst.slice(0, WORST),
      phone: phoneClasses.size ? { due: phoneDue.length, done: phoneDue.filter((c) => contactedWeek.has(c.id)).length, pct: pct(phoneDue.filter((c) => contactedWeek.has(c.id)).length, phoneDue.length) } : null,
      credit: wantsCredit
        ? {
            customers: credit.length,
            required: credit.length * CREDIT_FOLLOW_UPS_PER_MONTH,
            done: credit.reduce((s, c) => s + Math.min(CREDIT_FOLLOW_UPS_PER_MONTH, contactsMonth.get(c.id) ?? 0), 0),
            met: credit.filter((c) => (contactsMonth.get(c.id) ?? 0) >= CREDIT_FOLLOW_UPS_PER_MONTH).length,
          }
        : null,
    });
  }
  return out;
}

/** 润滑油规范: credit customers are followed up at least twice a month until paid. */
export const CREDIT_FOLLOW_UPS_PER_MONTH = 2;

/** Managers whose customers and visits are read together: bounds one read at ~15k customers. */
const MANAGER_BATCH = 50;

/** Figures of each manager over [from, to] (counted through today while it runs). */
export async function periodRows(opts: { deps: AppDeps; managers: Staff[]; from: string; to: string }): Promise<{ through: string; rows: ManagerPeriodRow[] }> {
  const today = localDate(opts.deps.clock.now(), opts.deps.policy.timeZone);
  const through = opts.to < today ? opts.to : today;
  const rows: ManagerPeriodRow[] = [];
  // A company-wide view (an admin's) goes batch by batch, so memory stays flat at any size.
  for (const part of chunks(opts.managers, MANAGER_BATCH)) rows.push(...(await periodRowsOf({ ...opts, managers: part, through })));
  return { through, rows };
}

async function periodRowsOf(opts: { deps: AppDeps; managers: Staff[]; from: string; through: string }): Promise<ManagerPeriodRow[]> {
  const { deps, managers, from, through } = opts;
  const { db, policy } = deps;
  const now = deps.clock.now();
  const ids = managers.map((m) => m.id);
  const tz = policy.timeZone;
  const [logs, leave, skipped, complaints, summaries, coverage] = await Promise.all([
    logsOf(db, ids, from, through, tz),
    inChunks(ids, (part) => db.dayOff.findMany({ where: { staffId: { in: part }, date: { gte: from, lte: through } }, select: { staffId: true, date: true } })),
    inChunks(ids, (part) => db.plannedVisit.groupBy({ by: ["managerId"], where: { managerId: { in: part }, date: { gte: from, lte: through }, status: "skipped" }, _count: { _all: true } })),
    inChunks(ids, (part) =>
      db.complaint.findMany({
        where: { managerId: { in: part }, openedAt: bounds(from, through, tz) },
        select: { managerId: true, deadlineAt: true, breached: true, status: true, resolvedAt: true },
      }),
    ),
    inChunks(ids, (part) => db.workSummary.groupBy({ by: ["managerId"], where: { managerId: { in: part }, periodStart: { gte: from, lte: through } }, _count: { _all: true } })),
    coverageOf(db, policy, managers, through),
  ]);
  const customerIds = [...new Set(logs.map((l) => l.customerId))];
  const classRows = await inChunks(customerIds, (part) => db.customer.findMany({ where: { id: { in: part } }, select: { id: true, serviceClass: true } }));
  const classOf = new Map(classRows.map((c) => [c.id, c.serviceClass]));
  const logsBy = groupBy(logs, (l) => l.managerId);
  const leaveBy = groupBy(leave, (l) => l.staffId);
  const complaintsBy = groupBy(complaints, (c) => c.managerId);
  const rows = managers.map((manager) => ({
    manager,
    figures: figuresOf({
      policy,
      manager,
      from,
      through,
      logs: logsBy.get(manager.id) ?? [],
      classOf,
      leave: new Set((leaveBy.get(manager.id) ?? []).map((l) => l.date)),
      skipped: skipped.find((s) => s.managerId === manager.id)?._count._all ?? 0,
      complaints: complaintsBy.get(manager.id) ?? [],
      now,
      summaries: summaries.find((s) => s.managerId === manager.id)?._count._all ?? 0,
    }),
    coverage: coverage.get(manager.id)!,
  }));
  return rows;
}

function totalsOf(rows: ManagerPeriodRow[], from: string, through: string): TeamPeriod["totals"] {
  const sum = (f: (r: ManagerPeriodRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const fieldVisits = sum((r) => r.figures.fieldVisits);
  const visitDays = sum((r) => r.figures.visitDays);
  const onTime = sum((r) => r.figures.complaintsOnTime);
  const breached = sum((r) => r.figures.complaintsBreached);
  const timed = rows.filter((r) => r.figures.avgMinutes !== null);
  return {
    from,
    to: through,
    managers: rows.length,
    visits: sum((r) => r.figures.visits),
    fieldVisits,
    visitDays,
    visitsPerVisitDay: ratio(fieldVisits, visitDays),
    daysBelowMinimum: sum((r) => r.figures.daysBelowMinimum),
    openDays: sum((r) => r.figures.openDays),
    openDayVisits: sum((r) => r.figures.openDayVisits),
    outingsBelowMinimum: sum((r) => r.figures.outingsBelowMinimum),
    weeks: sum((r) => r.figures.weeks),
    weeksMet: sum((r) => r.figures.weeksMet),
    visitDaysRequired: sum((r) => r.figures.visitDaysRequired),
    phoneContacts: sum((r) => r.figures.phoneContacts),
    phoneDaysMet: sum((r) => r.figures.phoneDaysMet),
    phoneDays: sum((r) => r.figures.phoneDays),
    skipped: sum((r) => r.figures.skipped),
    leaveDays: sum((r) => r.figures.leaveDays),
    complaints: sum((r) => r.figures.complaints),
    complaintsOnTime: onTime,
    complaintsBreached: breached,
    complaintsOpen: sum((r) => r.figures.complaintsOpen),
    complaintsOnTimePct: pct(onTime, onTime + breached),
    avgMinutes: timed.length ? Math.round(timed.reduce((s, r) => s + r.figures.avgMinutes!, 0) / timed.length) : null,
    byClassMinutes: [],
    summaries: sum((r) => r.figures.summaries),
    coveragePct: pct(sum((r) => r.coverage.covered), sum((r) => r.coverage.eligible)),
    overdue: sum((r) => r.coverage.overdue),
    never: sum((r) => r.coverage.never),
  };
}

/** The team's KPIs over a week, a month or a date range, one row per manager in the scope. */
export async function teamPeriod(opts: { deps: AppDeps; viewer: Viewer; kind: TeamPeriod["kind"]; from: string; to: string }): Promise<TeamPeriod> {
  const scope = await reportScope(opts.deps.db, opts.viewer);
  const managers = await managersInScope(opts.deps.db, scope);
  return teamPeriodOf({ deps: opts.deps, managers, kind: opts.kind, from: opts.from, to: opts.to });
}

export async function teamPeriodOf(opts: { deps: AppDeps; managers: Staff[]; kind: TeamPeriod["kind"]; from: string; to: string; self?: boolean }): Promise<TeamPeriod> {
  const { through, rows } = await periodRows(opts);
  const byManager = await evidenceCountsOf({ db: opts.deps.db, policy: opts.deps.policy, managers: rows.map((r) => r.manager), from: opts.from, through });
  const evidence = byManager ? { byManager, total: sumEvidence(byManager.values()) } : null;
  return { kind: opts.kind, from: opts.from, to: opts.to, through, rows, self: opts.self === true, totals: totalsOf(rows, opts.from, through), evidence };
}

// ───────────────────────────── one manager ─────────────────────────────

export interface ManagerStop {
  n: number;
  customerId: number;
  name: string;
  classId: string;
  status: string;
  booked: boolean;
  /** Local HH:MM of the visit logged for this stop, and its minutes. */
  loggedAt: string | null;
  durationMin: number | null;
  /** The visit logged for this stop (its evidence is in ManagerReport.evidence). */
  visitId: number | null;
}

export interface ManagerReport {
  manager: Staff;
  supervisor: Staff | null;
  date: string;
  day: TeamDayRow;
  stops: ManagerStop[];
  week: PeriodFigures;
  month: PeriodFigures;
  coverage: CoverageFigures;
  lastSummaries: { period: string; periodStart: string; achievements: string; problems: string; focus: string }[];
  /** Today's visits with their check-in, measured minutes and photos (issue #16), in time order. */
  evidence: VisitEvidence[];
}

/** /team M001: one manager's day, week, month and cycle. Null when outside the viewer's scope. */
export async function managerReport(opts: { deps: AppDeps; viewer: Viewer; code: string }): Promise<ManagerReport | null> {
  const manager = await findManagerInScope(opts.deps.db, opts.viewer, opts.code);
  return manager ? managerReportOf({ deps: opts.deps, manager }) : null;
}

export async function managerReportOf(opts: { deps: AppDeps; manager: Staff }): Promise<ManagerReport> {
  const { deps, manager } = opts;
  const { db, policy } = deps;
  const tz = policy.timeZone;
  const date = localDate(deps.clock.now(), tz);
  const day = (await teamDayOf({ deps, managers: [manager], date })).rows[0]!;
  const planRows = await db.plannedVisit.findMany({
    where: { managerId: manager.id, date },
    include: { customer: { select: { name: true, serviceClass: true } } },
    orderBy: [{ sequence: "asc" }, { id: "asc" }],
  });
  const logs = await db.visit.findMany({
    where: { managerId: manager.id, visitedAt: bounds(date, date, tz), ...NOT_A_CALL },
    select: { id: true, customerId: true, plannedVisitId: true, visitedAt: true, durationMin: true },
    orderBy: { visitedAt: "asc" },
  });
  // Stops without a fixed number read as /today would count them: in route order after the fixed ones.
  let free = Math.max(0, ...planRows.map((p) => p.stopNo ?? 0));
  const visible = planRows.filter((p) => p.status !== "skipped" || p.stopNo !== null);
  const stops: ManagerStop[] = visible.map((p) => {
    const log = logs.find((l) => l.plannedVisitId === p.id) ?? (p.status === "done" ? logs.find((l) => l.customerId === p.customerId) : undefined);
    const at = log ? localParts(log.visitedAt, tz) : null;
    return {
      n: p.stopNo ?? ++free,
      customerId: p.customerId,
      name: p.customer.name,
      classId: p.customer.serviceClass,
      status: p.status,
      booked: p.booked,
      loggedAt: at ? `${String(at.hour).padStart(2, "0")}:${String(at.minute).padStart(2, "0")}` : null,
      durationMin: log?.durationMin ?? null,
      visitId: log?.id ?? null,
    };
  });
  stops.sort((a, b) => a.n - b.n);
  const week = periodOf("week", date);
  const month = periodOf("month", date);
  const [w, m] = await Promise.all([periodRows({ deps, managers: [manager], ...week }), periodRows({ deps, managers: [manager], ...month })]);
  const supervisor = manager.supervisorId ? await db.staff.findUnique({ where: { id: manager.supervisorId } }) : null;
  const lastSummaries = await db.workSummary.findMany({
    where: { managerId: manager.id },
    orderBy: [{ periodStart: "desc" }, { id: "desc" }],
    take: 2,
    select: { period: true, periodStart: true, achievements: true, problems: true, focus: true },
  });
  const evidence = await dayEvidenceOf({ db, policy, managerId: manager.id, date });
  const coverage = m.rows[0]!.coverage;
  await withNextPlanned({ db, managerId: manager.id, customers: coverage.worst.slice(0, OVERDUE_SHOWN), from: date });
  return { manager, supervisor, date, day, stops, week: w.rows[0]!.figures, month: m.rows[0]!.figures, coverage, lastSummaries, evidence };
}

/** How many overdue customers /team M001 names (the rest are counted by class). */
export const OVERDUE_SHOWN = 5;

/** Fills in `next` (the next planned visit, or null) of the overdue customers a report shows. */
export async function withNextPlanned(opts: { db: Db; managerId: number; customers: OverdueCustomer[]; from: string }): Promise<void> {
  if (!opts.customers.length) return;
  const next = await nextPlannedVisits({ db: opts.db, managerId: opts.managerId, customerIds: opts.customers.map((c) => c.id), from: opts.from });
  for (const c of opts.customers) c.next = next.get(c.id) ?? null;
}

// ───────────────────────────── alerts ─────────────────────────────

export interface WeeklyMinimumRisk {
  manager: Staff;
  visitDays: number;
  /** Visit days still possible this week after today. */
  left: number;
  minimum: number;
}

/**
 * Managers who will miss this week's visit-day minimum even if they go out on every visit day left:
 * what the supervisor is told on Thursday evening (or whenever the alert runs).
 */
export async function weeklyMinimumRisks(opts: { deps: AppDeps; managers: Staff[]; date: string }): Promise<WeeklyMinimumRisk[]> {
  const { deps, managers, date } = opts;
  const { policy } = deps;
  const week = periodOf("week", date);
  const { rows } = await periodRows({ deps, managers, from: week.from, to: date });
  const leave = await inChunks(
    managers.map((m) => m.id),
    (part) => deps.db.dayOff.findMany({ where: { staffId: { in: part }, date: { gte: week.from, lte: week.to } }, select: { staffId: true, date: true } }),
  );
  const out: WeeklyMinimumRisk[] = [];
  for (const r of rows) {
    const own = visitDaysOf(r.manager, policy);
    let left = 0;
    let possible = 0;
    for (let d = week.from; d <= week.to; d = addDays(d, 1)) {
      const works = own.includes(isoWeekday(d)) && !leave.some((l) => l.staffId === r.manager.id && l.date === d);
      if (works) possible++;
      if (d > date && works) left++;
    }
    // Leave lowers what can be asked, as the weekly figures count it.
    const minimum = Math.min(policy.minVisitDaysPerWeek, possible);
    if (r.figures.visitDays + left < minimum) out.push({ manager: r.manager, visitDays: r.figures.visitDays, left, minimum });
  }
  return out;
}

/** Classes whose customers going overdue is worth an alert: those visited at least monthly. */
export function alertClasses(policy: TPolicy): string[] {
  return policy.classes.filter((c) => c.visitEvery && (c.visitEvery.unit !== "month" || c.visitEvery.count <= 1)).map((c) => c.id);
}

export interface OverdueAlert {
  manager: Staff;
  customers: CoverageFigures["worst"];
}

/**
 * High-priority customers (core/assistance, A/B… — every class visited at least monthly) that went
 * overdue after `since` and by `date`: each is reported once, on the first run after it crossed
 * its due date (weekends included when the alert runs on working days only).
 */
export async function newlyOverdue(opts: { deps: AppDeps; managers: Staff[]; since: string; date: string }): Promise<OverdueAlert[]> {
  const { deps, managers, date, since } = opts;
  const { db, policy } = deps;
  const tz = policy.timeZone;
  const wanted = new Set(alertClasses(policy));
  if (!wanted.size) return [];
  const ids = managers.map((m) => m.id);
  const customers = await inChunks(ids, (part) =>
    db.customer.findMany({ where: { managerId: { in: part }, active: true, serviceClass: { in: [...wanted] } }, select: { id: true, code: true, name: true, managerId: true, serviceClass: true, createdAt: true } }),
  );
  const last = await lastVisitsBefore(db, policy, zonedInstant(addDays(date, 1), "00:00", tz), customers.map((c) => c.id), "customerId");
  const customersOf = groupBy(customers, (c) => c.managerId);
  const out: OverdueAlert[] = [];
  for (const m of managers) {
    const items: CoverageFigures["worst"] = [];
    for (const c of customersOf.get(m.id) ?? []) {
      const cls = policy.classes.find((k) => k.id === c.serviceClass)!;
      const l = last.get(c.id) ?? null;
      const due = addInterval(l ?? localDate(c.createdAt, tz), cls.visitEvery!);
      // Overdue from the day after the due date.
      const from = addDays(due, 1);
      if (from > since && from <= date) items.push({ id: c.id, code: c.code, name: c.name, classId: cls.id, last: l, daysOverdue: daysBetween(due, date) });
    }
    // Longest overdue first, then by code: the alert shows the first few, the same ones on either engine.
    items.sort((a, b) => b.daysOverdue - a.daysOverdue || a.code.localeCompare(b.code));
    if (items.length) out.push({ manager: m, customers: items });
  }
  return out;
}

// ───────────────────────────── supervisors ─────────────────────────────

/**
 * One page of the people digests and reports go to: active staff with anyone active reporting to
 * them, in id order after `afterId` (jobs walk the company page by page).
 */
export async function listSupervisorsWithTeams(opts: { db: Db; afterId?: number; take?: number }): Promise<Staff[]> {
  return opts.db.staff.findMany({
    where: { active: true, id: { gt: opts.afterId ?? 0 }, team: { some: { active: true } } },
    orderBy: { id: "asc" },
    take: opts.take ?? 200,
  });
}

/** The managers a supervisor's reports cover (their whole subtree). */
export async function teamOf(db: Db, supervisor: Staff): Promise<Staff[]> {
  return managersInScope(db, await reportScope(db, supervisor));
}

// ───────────────────────────── export rows ─────────────────────────────

export interface TeamExportRow {
  manager: string;
  name: string;
  supervisor: string;
  visits: number;
  fieldVisits: number;
  visitDays: number;
  visitDaysRequired: number;
  weeksMet: string;
  visitsPerVisitDay: number | null;
  daysBelowMinimum: number;
  outingsBelowMinimum: number;
  coveragePct: number | null;
  overdue: number;
  neverVisited: number;
  phoneContacts: number;
  phoneDaysMet: string;
  phoneCoveragePct: number | null;
  creditFollowUps: string;
  skipped: number;
  leaveDays: number;
  complaints: number;
  complaintsOnTimePct: number | null;
  complaintsBreached: number;
  avgVisitMinutes: number | null;
  summaries: number;
}

export async function teamExportRows(opts: { deps: AppDeps; viewer: Viewer; from: string; to: string }): Promise<{ period: TeamPeriod; rows: TeamExportRow[] }> {
  const period = await teamPeriod({ ...opts, kind: "range" });
  const supIds = [...new Set(period.rows.map((r) => r.manager.supervisorId).filter((x): x is number => x !== null))];
  const sups = await inChunks(supIds, (part) => opts.deps.db.staff.findMany({ where: { id: { in: part } }, select: { id: true, code: true } }));
  const rows = period.rows.map(({ manager, figures: f, coverage: c }) => ({
    manager: manager.code,
    name: manager.name,
    supervisor: sups.find((s) => s.id === manager.supervisorId)?.code ?? "",
    visits: f.visits,
    fieldVisits: f.fieldVisits,
    visitDays: f.visitDays,
    visitDaysRequired: f.visitDaysRequired,
    weeksMet: `${f.weeksMet}/${f.weeks}`,
    visitsPerVisitDay: f.visitsPerVisitDay,
    daysBelowMinimum: f.daysBelowMinimum,
    outingsBelowMinimum: f.outingsBelowMinimum,
    coveragePct: c.coveragePct,
    overdue: c.overdue,
    neverVisited: c.never,
    phoneContacts: f.phoneContacts,
    phoneDaysMet: `${f.phoneDaysMet}/${f.phoneDays}`,
    phoneCoveragePct: c.phone?.pct ?? null,
    creditFollowUps: c.credit ? `${c.credit.done}/${c.credit.required}` : "",
    skipped: f.skipped,
    leaveDays: f.leaveDays,
    complaints: f.complaints,
    complaintsOnTimePct: f.complaintsOnTimePct,
    complaintsBreached: f.complaintsBreached,
    avgVisitMinutes: f.avgMinutes,
    summaries: f.summaries,
  }));
  return { period, rows };
}

export interface VisitExportRow {
  date: string;
  time: string;
  manager: string;
  customer: string;
  customerName: string;
  class: string;
  mode: string;
  kind: string;
  durationMin: number | null;
  notes: string;
  problems: number;
  nextVisit: string;
}

/** One row per visit and phone contact of a manager in [from, to], in time order (paged reads). */
export async function visitExportRows(opts: { deps: AppDeps; viewer: Viewer; code: string; from: string; to: string }): Promise<VisitExportRow[] | null> {
  const { deps } = opts;
  const manager = await findManagerInScope(deps.db, opts.viewer, opts.code);
  if (!manager) return null;
  const tz = deps.policy.timeZone;
  const out: VisitExportRow[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await deps.db.visit.findMany({
      where: { managerId: manager.id, visitedAt: bounds(opts.from, opts.to, tz) },
      include: { customer: { select: { code: true, name: true, serviceClass: true } } },
      orderBy: [{ visitedAt: "asc" }, { id: "asc" }],
      take: 1000,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const v of page) {
      const p = localParts(v.visitedAt, tz);
      const d = parseDetails(v);
      out.push({
        date: p.date,
        time: `${clockTime(p)}`,
        manager: manager.code,
        customer: v.customer.code,
        customerName: v.customer.name,
        class: v.customer.serviceClass,
        mode: v.mode,
        kind: d.kind,
        durationMin: v.durationMin,
        notes: v.notes,
        problems: Array.isArray(d.complaints) ? d.complaints.length : 0,
        nextVisit: d.keyAccount?.nextVisit ?? "",
      });
    }
    if (page.length < 1000) break;
    cursor = page[page.length - 1]!.id;
  }
  return out;
}

// ───────────────────────────── one manager's plan in figures ─────────────────────────────

/** Planned visits of a manager over [from, to] (local dates) counted per status. */
export async function countPlannedByStatus(opts: { db: Db; managerId: number; from: string; to: string }): Promise<Record<string, number>> {
  const groups = await opts.db.plannedVisit.groupBy({ by: ["status"], where: { managerId: opts.managerId, date: { gte: opts.from, lte: opts.to } }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

/** Stops still to do over [from, to], per day in date order (days without any left out). */
export async function countPlannedPerDay(opts: { db: Db; managerId: number; from: string; to: string }): Promise<{ date: string; count: number }[]> {
  const groups = await opts.db.plannedVisit.groupBy({
    by: ["date"],
    where: { managerId: opts.managerId, date: { gte: opts.from, lte: opts.to }, status: "planned" },
    _count: { _all: true },
    orderBy: { date: "asc" },
  });
  return groups.map((g) => ({ date: g.date, count: g._count._all }));
}

export interface PlanExportRow {
  date: string;
  sequence: number;
  customerCode: string;
  customerName: string;
  address: string;
  serviceClass: string;
}

/** The stored plan over [from, to] as it is (an export never generates or changes a plan), in pages. */
export async function planExportRows(opts: { db: Db; managerId: number; from: string; to: string }): Promise<PlanExportRow[]> {
  const out: PlanExportRow[] = [];
  // Skipped stops leave gaps in the stored sequence; the export numbers each day's stops 1..n.
  const perDay = new Map<string, number>();
  const PAGE = 1000;
  for (let cursor: number | undefined; ; ) {
    const page = await opts.db.plannedVisit.findMany({
      where: { managerId: opts.managerId, date: { gte: opts.from, lte: opts.to }, status: { in: ["planned", "done"] } },
      include: { customer: { select: { code: true, name: true, address: true, serviceClass: true } } },
      orderBy: [{ date: "asc" }, { sequence: "asc" }, { id: "asc" }],
      take: PAGE,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const r of page) {
      const sequence = (perDay.get(r.date) ?? 0) + 1;
      perDay.set(r.date, sequence);
      out.push({ date: r.date, sequence, customerCode: r.customer.code, customerName: r.customer.name, address: r.customer.address, serviceClass: r.customer.serviceClass });
    }
    if (page.length < PAGE) return out;
    cursor = page[page.length - 1]!.id;
  }
}
