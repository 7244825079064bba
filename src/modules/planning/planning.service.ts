import { classById } from "../../config/policy.ts";
import { addDays, addMonths, endOfMonth, isoWeekday, localDate, startOfMonth } from "../../core/dates.ts";
import { inChunks } from "../../core/batch.ts";
import { AppError } from "../../core/errors.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Customer, Staff } from "../../generated/prisma/client.ts";
import { appointmentOf } from "../customers/class-label.ts";
import { daysOffOf, visitDaysOf } from "../staff/staff.service.ts";
import { planVisits, type PlanResult, type Shortfall } from "./planner.ts";
import { haversineMetres } from "./route-ordering.ts";
import { notifyShortfall } from "./shortfall.ts";

export interface DayList {
  date: string;
  /** The day's planned stops (done ones included), in route order. */
  planned: PlannedStop[];
  totalMetres: number;
  /** Start point of the route (manager's start location, or the territory's centre). */
  start: { lat: number; lng: number };
}

/** The manager's start point, or the centroid of the customers when none is set. */
export function startPointOf(staff: Staff, customers: { lat: number; lng: number }[]): { lat: number; lng: number } {
  if (staff.startLat !== null && staff.startLng !== null) return { lat: staff.startLat, lng: staff.startLng };
  if (!customers.length) return { lat: 0, lng: 0 };
  return {
    lat: customers.reduce((s, c) => s + c.lat, 0) / customers.length,
    lng: customers.reduce((s, c) => s + c.lng, 0) / customers.length,
  };
}

export interface GeneratePlanOptions {
  deps: AppDeps;
  staff: Staff;
  /** First day to (re)plan; default today. Earlier plan rows are history and stay. */
  from?: string;
  /** Last day; default the end of next month (two months of plans cover every customer). */
  to?: string;
  reason?: "generate" | "month" | "skip" | "off" | "replan";
}

export interface ContinuityInput {
  /** Last done visit (or one still planned between today and `from`: it will have happened). */
  lastVisit: string | null;
  /** Latest date of the first visit in the horizon, so that no two consecutive months go without one. */
  coverBy: string | null;
  /** First planned or done visit after `to` (a later month's plan), kept by the re-plan. */
  nextKept: string | null;
  /**
   * Set when a later month is planned already but the customer has no kept visit there by the end
   * of the month after `to`: the horizon's last visit falls in to's month (start of it).
   */
  coverFrom: string | null;
}

/**
 * The latest date of the next visit after one in month M: months M − 1..M and M..M + 1 hold that
 * visit, so the window M + 1..M + 2 needs the next one by the end of M + 2 (without any visit: the
 * window of the month before from and from's month). A window that began before planning did
 * (`since`: the first plan's start) is not owed; the first one that began after is. A window owed
 * but already over (plans ran, the customer was missed) is owed at once: by the end of from's month.
 */
export function coverByAfter(last: string | null, from: string, since: string): string {
  let w = last ? startOfMonth(addMonths(startOfMonth(last), 1)) : startOfMonth(addMonths(startOfMonth(from), -1));
  if (w < since) w = startOfMonth(since) === since ? since : startOfMonth(addMonths(startOfMonth(since), 1));
  const end = endOfMonth(addMonths(w, 1));
  const fromMonthEnd = endOfMonth(from);
  return end < fromMonthEnd ? fromMonthEnd : end;
}

/**
 * What the planner needs, per customer, to keep every window of two consecutive calendar months
 * covered whatever order months are planned in (batched queries, bounded IN lists):
 * - lastVisit as the planner's frequency base: the latest of lastVisitAt, a done visit up to `to`,
 *   and a visit planned between today and `from`;
 * - coverBy from that last visit (see coverByAfter);
 * - nextKept: the first planned or done visit after `to`.
 */
export async function continuityInputs(opts: {
  deps: AppDeps;
  staffId: number;
  from: string;
  to: string;
  customers: Pick<Customer, "id" | "lastVisitAt">[];
}): Promise<Map<number, ContinuityInput>> {
  const { deps, staffId, from, to, customers } = opts;
  const { db, policy } = deps;
  const now = today(deps);
  const ids = customers.map((c) => c.id);
  const before = await inChunks(ids, (part) =>
    db.plannedVisit.groupBy({
      by: ["customerId"],
      where: {
        managerId: staffId,
        customerId: { in: part },
        OR: [
          { status: "done", date: { lt: from } },
          { status: "planned", date: { gte: now, lt: from } },
        ],
      },
      _max: { date: true },
    }),
  );
  const doneIn = await inChunks(ids, (part) =>
    db.plannedVisit.groupBy({
      by: ["customerId"],
      where: { managerId: staffId, customerId: { in: part }, status: "done", date: { gte: from, lte: to } },
      _max: { date: true },
    }),
  );
  const after = await inChunks(ids, (part) =>
    db.plannedVisit.groupBy({
      by: ["customerId"],
      where: { managerId: staffId, customerId: { in: part }, status: { in: ["planned", "done"] }, date: { gt: to } },
      _min: { date: true },
    }),
  );
  const laterPlans = (await db.plannedVisit.count({ where: { managerId: staffId, date: { gt: to } } })) > 0;
  const nextWindowEnd = endOfMonth(addMonths(startOfMonth(to), 1));
  // Windows that began before planning did are not owed (see coverByAfter).
  const firstRun = await db.planRun.aggregate({ where: { managerId: staffId }, _min: { fromDate: true } });
  const since = firstRun._min.fromDate && firstRun._min.fromDate < from ? firstRun._min.fromDate : from;
  const beforeOf = new Map(before.map((r) => [r.customerId, r._max.date]));
  const doneInOf = new Map(doneIn.map((r) => [r.customerId, r._max.date]));
  const afterOf = new Map(after.map((r) => [r.customerId, r._min.date]));
  const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? b ?? null : !b ? a : a > b ? a : b);
  const out = new Map<number, ContinuityInput>();
  for (const c of customers) {
    const known = c.lastVisitAt ? localDate(c.lastVisitAt, policy.timeZone) : null;
    const last = later(later(known, beforeOf.get(c.id)), doneInOf.get(c.id));
    out.set(c.id, {
      lastVisit: last,
      coverBy: coverByAfter(last, from, since),
      nextKept: afterOf.get(c.id) ?? null,
      coverFrom: laterPlans && !((afterOf.get(c.id) ?? "9999") <= nextWindowEnd) ? startOfMonth(to) : null,
    });
  }
  return out;
}

export interface GeneratedPlan {
  from: string;
  to: string;
  result: PlanResult;
  kept: number;
  /** Visits of today or tomorrow that this re-plan put on another day (or none). */
  movedSoon: MovedSoon[];
}

export function today(deps: AppDeps): string {
  return localDate(deps.clock.now(), deps.policy.timeZone);
}

/**
 * Default horizon: the current and the next month when planning from the 1st; from mid-month, a full
 * two months ahead (otherwise a plan made on the 23rd would have too few days to cover everyone).
 */
export function defaultHorizon(from: string, months = 2): { from: string; to: string } {
  const calendar = endOfMonth(addMonths(startOfMonth(from), months - 1));
  const rolling = addDays(addMonths(from, months), -1);
  return { from, to: rolling > calendar ? rolling : calendar };
}

/**
 * (Re)generates a manager's plan over [from, to] and stores it. Kept as they are: visits already
 * done or skipped, today's list, and booked appointments; everything else planned in the horizon
 * is re-flowed. Customers on a kept visit count as visited on that date.
 */
export function generatePlan(opts: GeneratePlanOptions): Promise<GeneratedPlan> {
  return onePlanAtATime(opts.staff.id, () => generatePlanNow(opts));
}

/** Plans in progress per manager: a second re-plan (a /skip while /off re-plans) waits its turn. */
const planning = new Map<number, Promise<unknown>>();

async function onePlanAtATime<T>(managerId: number, f: () => Promise<T>): Promise<T> {
  const before = planning.get(managerId) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(f);
  planning.set(managerId, run);
  try {
    return await run;
  } finally {
    if (planning.get(managerId) === run) planning.delete(managerId);
  }
}

async function generatePlanNow(opts: GeneratePlanOptions): Promise<GeneratedPlan> {
  const { deps, staff } = opts;
  const { db, policy } = deps;
  const now = today(deps);
  const from = opts.from && opts.from > now ? opts.from : now;
  const to = opts.to ?? defaultHorizon(from, policy.planningHorizonMonths).to;

  const customers = await db.customer.findMany({ where: { managerId: staff.id, active: true } });
  const existing = await db.plannedVisit.findMany({ where: { managerId: staff.id, date: { gte: from, lte: to } } });
  const keep = existing.filter((p) => p.status !== "planned" || p.date === now || p.booked);
  // What the manager may already have arranged for: today's and tomorrow's visits.
  const soon = existing.filter((p) => p.status === "planned" && p.date <= addDays(now, 1));
  const keepIds = new Set(keep.map((p) => p.id));
  const fixed = keep.filter((p) => p.status === "planned" && customers.some((c) => c.id === p.customerId));

  // Frequency counted from the last planned or done visit; coverage continuous across months.
  const continuity = await continuityInputs({ deps, staffId: staff.id, from, to, customers });
  const lastVisit = new Map<number, string | null>([...continuity].map(([id, c]) => [id, c.lastVisit]));
  const daysOff = [...(await daysOffOf({ db, staffId: staff.id, from, to }))];
  // Today's list is fixed (even when every stop on it is done or skipped): re-flow from tomorrow.
  const todayKept = keep.some((p) => p.date === now);
  const planFrom = todayKept ? addDays(now, 1) : from;
  const result = planVisits({
    customers: customers.map((c) => ({
      id: c.id,
      classId: c.serviceClass,
      lat: c.lat,
      lng: c.lng,
      lastVisit: fixed.find((p) => p.customerId === c.id && p.date === now) ? now : lastVisit.get(c.id) ?? null,
      // On today's kept list: that visit is the last one, the next window starts from it.
      coverBy: fixed.find((p) => p.customerId === c.id && p.date === now) ? coverByAfter(now, planFrom, now) : continuity.get(c.id)?.coverBy ?? null,
      nextKept: continuity.get(c.id)?.nextKept ?? null,
      coverFrom: continuity.get(c.id)?.coverFrom ?? null,
    })),
    classes: policy.classes,
    start: startPointOf(staff, customers),
    visitDays: visitDaysOf(staff, policy),
    dailyMinimum: policy.dailyMinimum,
    dailyCap: policy.dailyCap,
    daysOff,
    from: planFrom,
    to,
    fixed: fixed.filter((p) => p.date >= planFrom).map((p) => ({ customerId: p.customerId, date: p.date })),
  });

  // A visit moved off a day (/skip, 约不上) stays on that day as moved: the planner must not put the
  // customer back there. Such a visit goes to the next planned day with room instead.
  const movedOff = new Set(keep.filter((p) => p.status === "skipped").map((p) => `${p.customerId}@${p.date}`));
  if (movedOff.size) {
    for (const [di, day] of result.days.entries()) {
      for (const customerId of [...day.customerIds]) {
        if (!movedOff.has(`${customerId}@${day.date}`)) continue;
        day.customerIds.splice(day.customerIds.indexOf(customerId), 1);
        const later = result.days.slice(di + 1).find((d) => d.customerIds.length < policy.dailyCap && !d.customerIds.includes(customerId) && !movedOff.has(`${customerId}@${d.date}`));
        later?.customerIds.push(customerId);
      }
    }
  }
  const fixedKey = new Set(fixed.map((p) => `${p.customerId}@${p.date}`));
  await db.$transaction(async (tx) => {
    await tx.plannedVisit.deleteMany({ where: { managerId: staff.id, date: { gte: from, lte: to }, id: { notIn: [...keepIds] } } });
    const rows: { managerId: number; customerId: number; date: string; sequence: number }[] = [];
    for (const day of result.days) {
      day.customerIds.forEach((customerId, i) => {
        if (!fixedKey.has(`${customerId}@${day.date}`)) rows.push({ managerId: staff.id, customerId, date: day.date, sequence: i + 1 });
      });
    }
    for (let i = 0; i < rows.length; i += 500) await tx.plannedVisit.createMany({ data: rows.slice(i, i + 500) });
    // Kept visits take their place in the re-routed day.
    for (const day of result.days) {
      for (const [i, customerId] of day.customerIds.entries()) {
        if (fixedKey.has(`${customerId}@${day.date}`)) {
          await tx.plannedVisit.updateMany({ where: { managerId: staff.id, customerId, date: day.date }, data: { sequence: i + 1 } });
        }
      }
    }
    await tx.planRun.create({
      data: {
        managerId: staff.id,
        fromDate: from,
        toDate: to,
        requiredVisits: result.stats.requiredVisits,
        plannedVisits: result.stats.plannedVisits,
        shortfallVisits: result.shortfall.visits,
        shortfall: JSON.stringify(result.shortfall),
        reason: opts.reason ?? "generate",
      },
    });
  });
  await notifyShortfall({ deps, manager: staff, shortfall: result.shortfall, from, to, today: now });
  const movedSoon: MovedSoon[] = [];
  if (soon.length) {
    const after = await db.plannedVisit.findMany({ where: { managerId: staff.id, customerId: { in: soon.map((p) => p.customerId) }, date: { gte: now }, status: "planned" }, orderBy: { date: "asc" } });
    for (const p of soon) {
      if (after.some((a) => a.customerId === p.customerId && a.date === p.date)) continue;
      const customer = customers.find((c) => c.id === p.customerId);
      if (customer) movedSoon.push({ customer, from: p.date, to: after.find((a) => a.customerId === p.customerId && a.date > p.date)?.date ?? null });
    }
  }
  return { from, to, result, kept: keep.length, movedSoon };
}

/**
 * Makes sure the manager has a plan reaching `date`: generates one when there is none, when it ends
 * before `date`, or when it was made before this month began (a plan is generated every month).
 */
export async function ensurePlan(opts: { deps: AppDeps; staff: Staff; date: string }): Promise<void> {
  const { deps, staff, date } = opts;
  const now = today(deps);
  if (date < now) return;
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  const stale = last && last.fromDate < startOfMonth(now);
  if (last && !stale && last.toDate >= date) return;
  const hasCustomers = await deps.db.customer.count({ where: { managerId: staff.id, active: true } });
  if (!hasCustomers) return;
  const horizon = defaultHorizon(now, deps.policy.planningHorizonMonths);
  // Never plans past the horizon, whatever date was asked about: a far date costs nothing.
  if (last && !stale && last.toDate >= horizon.to) return;
  await generatePlan({ deps, staff, from: now, to: horizon.to, reason: stale ? "month" : "generate" });
}

export interface PlannedStop {
  id: number;
  /** The number the manager sees: fixed for the day once the list was shown (see `planDayList`). */
  n: number;
  customer: Customer;
  classId: string;
  /** planned | done | skipped (moved to `movedTo`) */
  status: string;
  booked: boolean;
  legMetres: number;
  sequence: number;
  /** For a moved stop: the day it went to (null when no day had room). */
  movedTo?: string | null;
}

/**
 * A day of the stored plan with leg distances from the start point: the stops still to do in route
 * order, then the done ones, then the moved ones.
 *
 * Stop numbers are identifiers: with `fixNumbers` (the day's list shown to the manager on that
 * day: morning push, /today, a number typed in reply) every stop without a number gets the next
 * free one, in route order, and keeps it all day — through logging, /skip and re-plans, which
 * never move today's stops. A stop added later gets the next free number. Without `fixNumbers`
 * (looking ahead, /plan) nothing is written and unnumbered stops are counted in route order, which
 * is what fixing them would give.
 */
export async function planDayList(opts: { deps: AppDeps; staff: Staff; date: string; fixNumbers?: boolean; ensure?: boolean }): Promise<DayList> {
  const { deps, staff, date } = opts;
  if (opts.ensure !== false) await ensurePlan({ deps, staff, date });
  const rows = await deps.db.plannedVisit.findMany({
    where: { managerId: staff.id, date, OR: [{ status: { in: ["planned", "done"] } }, { status: "skipped", stopNo: { not: null } }] },
    include: { customer: true },
    orderBy: [{ sequence: "asc" }, { id: "asc" }],
  });
  const customers = await deps.db.customer.findMany({ where: { managerId: staff.id, active: true }, select: { lat: true, lng: true } });
  const start = startPointOf(staff, customers);
  let prev = start;
  let total = 0;
  let free = Math.max(0, ...rows.map((r) => r.stopNo ?? 0));
  const route = rows.filter((r) => r.status !== "skipped");
  const stops = new Map<number, PlannedStop>();
  for (const r of route) {
    const leg = haversineMetres(prev, r.customer);
    prev = r.customer;
    total += leg;
    const n = r.stopNo ?? ++free;
    // Only a number nobody holds yet is written, so two readers fixing the same day agree.
    if (opts.fixNumbers && r.stopNo === null) await deps.db.plannedVisit.updateMany({ where: { id: r.id, stopNo: null }, data: { stopNo: n } });
    stops.set(r.id, { id: r.id, n, customer: r.customer, classId: r.customer.serviceClass, status: r.status, booked: r.booked, legMetres: leg, sequence: r.sequence });
  }
  const moved = rows.filter((r) => r.status === "skipped");
  const later = moved.length
    ? await deps.db.plannedVisit.findMany({
        where: { managerId: staff.id, customerId: { in: moved.map((r) => r.customerId) }, date: { gt: date }, status: "planned" },
        orderBy: { date: "asc" },
        select: { customerId: true, date: true },
      })
    : [];
  for (const r of moved) {
    const to = later.find((l) => l.customerId === r.customerId)?.date ?? null;
    stops.set(r.id, { id: r.id, n: r.stopNo!, customer: r.customer, classId: r.customer.serviceClass, status: r.status, booked: r.booked, legMetres: 0, sequence: r.sequence, movedTo: to });
  }
  const rank = (p: PlannedStop) => (p.status === "planned" ? 0 : p.status === "done" ? 1 : 2);
  const planned = [...stops.values()].sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? a.sequence - b.sequence : a.n - b.n));
  return { date, start, totalMetres: total, planned };
}

export type SkipResult =
  | { kind: "moved"; n: number; customer: Customer; from: string; to: string | null; alsoMoved: MovedSoon[] }
  | { kind: "no-such-stop"; n: number }
  | { kind: "already-done"; n: number; customer: Customer }
  | { kind: "already-moved"; n: number; customer: Customer; to: string | null };

/**
 * Takes stop `n` (the number the manager sees) off `date` and re-flows the plan from the next day,
 * so the customer lands on the next visit day that suits its due date and has room (the re-plan
 * keeps booked visits and today's list). The stop keeps its number and shows as moved; the new
 * visit is marked booked so later re-plans keep it. `to` is null when nothing had room.
 */
export async function skipStop(opts: { deps: AppDeps; staff: Staff; date: string; n: number; reason: string }): Promise<SkipResult> {
  const { deps, staff, date, n } = opts;
  // Checked before anything is written (numbers fixed, plan re-flowed): the reason is stored on the stop.
  const max = deps.policy.inbound.maxReasonChars;
  if (opts.reason.length > max) throw new AppError("input.too-long", { message: `skip reason of ${opts.reason.length} characters (max ${max})`, userMessage: { key: "skip.reason-too-long", params: { max, length: opts.reason.length } } });
  const day = await planDayList({ deps, staff, date, fixNumbers: true });
  const stop = day.planned.find((p) => p.n === n);
  if (!stop) return { kind: "no-such-stop", n };
  if (stop.status === "done") return { kind: "already-done", n, customer: stop.customer };
  if (stop.status === "skipped") return { kind: "already-moved", n, customer: stop.customer, to: stop.movedTo ?? null };
  const moved = await moveVisit({ deps, staff, plannedVisitId: stop.id, date, stopNo: n, reason: opts.reason });
  return { kind: "moved", n, customer: stop.customer, from: date, to: moved.to, alsoMoved: moved.alsoMoved };
}

/** A visit of today or tomorrow that a re-plan put on another day (the manager is told). */
export interface MovedSoon {
  customer: Customer;
  from: string;
  to: string | null;
}

/**
 * Takes a planned visit off its day (it stays, marked moved) and re-flows the plan from the next day;
 * the customer's next visit is marked booked so later re-plans keep it. Also reports any other
 * visit of today or tomorrow the re-plan moved.
 */
async function moveVisit(opts: { deps: AppDeps; staff: Staff; plannedVisitId: number; date: string; stopNo?: number; reason: string }): Promise<{ to: string | null; alsoMoved: MovedSoon[] }> {
  const { deps, staff, date } = opts;
  const visit = await deps.db.plannedVisit.findUniqueOrThrow({ where: { id: opts.plannedVisitId } });
  // A stop of a later day has no fixed number yet: fix it now, it is the one the manager saw.
  await deps.db.plannedVisit.update({ where: { id: visit.id }, data: { status: "skipped", note: opts.reason, stopNo: opts.stopNo ?? visit.stopNo, booked: false } });
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  // Re-flow from the next day: the day the visit left keeps its other stops (and their numbers).
  const plan = await generatePlan({ deps, staff, from: addDays(date, 1), to: last?.toDate, reason: "skip" });
  const next = await deps.db.plannedVisit.findFirst({
    where: { managerId: staff.id, customerId: visit.customerId, date: { gt: date }, status: "planned" },
    orderBy: { date: "asc" },
  });
  if (next) await deps.db.plannedVisit.update({ where: { id: next.id }, data: { booked: true, note: opts.reason } });
  return { to: next?.date ?? null, alsoMoved: plan.movedSoon.filter((m) => m.customer.id !== visit.customerId) };
}

/** Visits still to book by phone: today's same-day ones and the next visit day's day-before ones. */
export async function pendingAppointments(opts: { deps: AppDeps; staff: Staff; dates: { date: string; kind: "same-day" | "day-before" }[] }): Promise<{ date: string; stops: PlannedStop[] }[]> {
  const { deps, staff } = opts;
  const out: { date: string; stops: PlannedStop[] }[] = [];
  for (const { date, kind } of opts.dates) {
    const day = await planDayList({ deps, staff, date, ensure: false });
    const stops = day.planned.filter((p) => p.status === "planned" && !p.booked && appointmentOf(deps.policy, p.classId) === kind);
    if (stops.length) out.push({ date, stops });
  }
  return out;
}

export type BookResult =
  | { kind: "booked"; customer: Customer; date: string; time: string | null }
  | { kind: "moved"; customer: Customer; from: string; to: string | null; alsoMoved: MovedSoon[] }
  | { kind: "not-found" }
  | { kind: "not-planned"; customer: Customer; status: string };

/**
 * The manager's answer to an appointment call: booked (kept by every re-plan, optionally at a
 * time), or not possible that day (moved like /skip).
 */
export async function answerAppointment(opts: { deps: AppDeps; staff: Staff; plannedVisitId: number; booked: boolean; time?: string | null }): Promise<BookResult> {
  const { deps, staff } = opts;
  const visit = await deps.db.plannedVisit.findFirst({ where: { id: opts.plannedVisitId, managerId: staff.id }, include: { customer: true } });
  if (!visit || visit.date < today(deps)) return { kind: "not-found" };
  if (visit.status !== "planned") return { kind: "not-planned", customer: visit.customer, status: visit.status };
  if (opts.booked) {
    const time = opts.time ?? null;
    await deps.db.plannedVisit.update({ where: { id: visit.id }, data: { booked: true, note: time ? `appointment ${time}` : visit.note } });
    return { kind: "booked", customer: visit.customer, date: visit.date, time };
  }
  const moved = await moveVisit({ deps, staff, plannedVisitId: visit.id, date: visit.date, reason: "appointment refused" });
  return { kind: "moved", customer: visit.customer, from: visit.date, to: moved.to, alsoMoved: moved.alsoMoved };
}

export interface LeaveResult {
  /** Visit days now marked as leave. */
  days: string[];
  /** Visits that were planned on them and were re-planned. */
  released: number;
  plan: GeneratedPlan | null;
  /** Booked visits of the leave days, and today's or tomorrow's visits, that went elsewhere. */
  moved: MovedSoon[];
}

/**
 * Marks the manager's visit days in [from, to] as leave (other days need none) and re-plans the
 * rest of the horizon around them, once.
 */
export async function takeDaysOff(opts: { deps: AppDeps; staff: Staff; from: string; to: string; reason?: string }): Promise<LeaveResult> {
  const { deps, staff } = opts;
  const visitDays = visitDaysOf(staff, deps.policy);
  const days: string[] = [];
  for (let d = opts.from; d <= opts.to; d = addDays(d, 1)) if (visitDays.includes(isoWeekday(d))) days.push(d);
  if (!days.length) return { days, released: 0, plan: null, moved: [] };
  // Booked visits on a leave day must move too: the manager is told which and where.
  const booked = await deps.db.plannedVisit.findMany({ where: { managerId: staff.id, date: { in: days }, status: "planned", booked: true }, include: { customer: true } });
  let released = 0;
  for (const date of days) {
    await deps.db.dayOff.upsert({
      where: { staffId_date: { staffId: staff.id, date } },
      create: { staffId: staff.id, date, reason: opts.reason ?? "" },
      update: { reason: opts.reason ?? "" },
    });
    // Visits planned on the day off are released (a booked one would be kept by re-planning).
    released += (await deps.db.plannedVisit.deleteMany({ where: { managerId: staff.id, date, status: "planned" } })).count;
  }
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  const plan = released ? await generatePlan({ deps, staff, from: today(deps), to: last?.toDate, reason: "off" }) : null;
  const moved: MovedSoon[] = [...(plan?.movedSoon ?? [])];
  const unreported = booked.filter((b) => !moved.some((m) => m.customer.id === b.customerId));
  const next = unreported.length
    ? await deps.db.plannedVisit.findMany({ where: { managerId: staff.id, customerId: { in: unreported.map((b) => b.customerId) }, date: { gt: today(deps) }, status: "planned" }, orderBy: { date: "asc" }, select: { customerId: true, date: true } })
    : [];
  for (const b of unreported) moved.push({ customer: b.customer, from: b.date, to: next.find((x) => x.customerId === b.customerId)?.date ?? null });
  return { days, released, plan, moved };
}

/** The last day the stored plan reaches (null: no plan yet). */
export async function storedHorizon(opts: { deps: AppDeps; staffId: number }): Promise<string | null> {
  const last = await opts.deps.db.planRun.findFirst({ where: { managerId: opts.staffId }, orderBy: { toDate: "desc" }, select: { toDate: true } });
  return last?.toDate ?? null;
}

export async function latestShortfall(opts: { deps: AppDeps; staffId: number }): Promise<(Shortfall & { from: string; to: string }) | null> {
  const last = await opts.deps.db.planRun.findFirst({ where: { managerId: opts.staffId }, orderBy: { id: "desc" } });
  if (!last) return null;
  return { ...(JSON.parse(last.shortfall) as Shortfall), from: last.fromDate, to: last.toDate };
}

export function visitMinutes(deps: AppDeps, classId: string): { min: number; max: number } {
  return classById(deps.policy, classId)?.visitMinutes ?? { min: 15, max: 20 };
}
