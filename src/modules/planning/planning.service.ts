import { classById } from "../../config/policy.ts";
import { addDays, addMonths, endOfMonth, localDate, startOfMonth } from "../../core/dates.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Customer, Staff } from "../../generated/prisma/client.ts";
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

export interface GeneratedPlan {
  from: string;
  to: string;
  result: PlanResult;
  kept: number;
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
export async function generatePlan(opts: GeneratePlanOptions): Promise<GeneratedPlan> {
  const { deps, staff } = opts;
  const { db, policy } = deps;
  const now = today(deps);
  const from = opts.from && opts.from > now ? opts.from : now;
  const to = opts.to ?? defaultHorizon(from, policy.planningHorizonMonths).to;

  const customers = await db.customer.findMany({ where: { managerId: staff.id, active: true } });
  const existing = await db.plannedVisit.findMany({ where: { managerId: staff.id, date: { gte: from, lte: to } } });
  const keep = existing.filter((p) => p.status !== "planned" || p.date === now || p.booked);
  const keepIds = new Set(keep.map((p) => p.id));
  const fixed = keep.filter((p) => p.status === "planned" && customers.some((c) => c.id === p.customerId));

  const tz = policy.timeZone;
  const lastVisit = new Map<number, string | null>(customers.map((c) => [c.id, c.lastVisitAt ? localDate(c.lastVisitAt, tz) : null]));
  // A visit already done today (or earlier in the horizon) counts as the last visit.
  for (const p of keep) {
    if (p.status === "done" && (lastVisit.get(p.customerId) ?? "") < p.date) lastVisit.set(p.customerId, p.date);
  }
  // Planning a later month: visits still planned between today and `from` will have happened by then.
  if (from > now) {
    const before = await db.plannedVisit.findMany({ where: { managerId: staff.id, date: { gte: now, lt: from }, status: { in: ["planned", "done"] } } });
    for (const p of before) if ((lastVisit.get(p.customerId) ?? "") < p.date) lastVisit.set(p.customerId, p.date);
  }
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
  return { from, to, result, kept: keep.length };
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
  await generatePlan({ deps, staff, from: now, to: horizon.to >= date ? horizon.to : endOfMonth(date), reason: stale ? "month" : "generate" });
}

export interface PlannedStop {
  id: number;
  customer: Customer;
  classId: string;
  status: string;
  booked: boolean;
  legMetres: number;
  sequence: number;
}

/** A day of the stored plan, in route order, with leg distances from the start point. */
export async function planDayList(opts: { deps: AppDeps; staff: Staff; date: string }): Promise<DayList> {
  const { deps, staff, date } = opts;
  await ensurePlan({ deps, staff, date });
  const rows = await deps.db.plannedVisit.findMany({
    where: { managerId: staff.id, date, status: { in: ["planned", "done"] } },
    include: { customer: true },
    orderBy: [{ sequence: "asc" }, { id: "asc" }],
  });
  const customers = await deps.db.customer.findMany({ where: { managerId: staff.id, active: true }, select: { lat: true, lng: true } });
  const start = startPointOf(staff, customers);
  let prev = start;
  let total = 0;
  const planned: PlannedStop[] = rows.map((r) => {
    const leg = haversineMetres(prev, r.customer);
    prev = r.customer;
    total += leg;
    return { id: r.id, customer: r.customer, classId: r.customer.serviceClass, status: r.status, booked: r.booked, legMetres: leg, sequence: r.sequence };
  });
  return {
    date,
    start,
    totalMetres: total,
    planned,
  };
}

export interface SkipResult {
  customer: Customer;
  from: string;
  to: string | null;
}

/**
 * Takes stop `n` off `date` and re-flows the plan from the next day, so the customer lands on the
 * next visit day that suits its due date and has room (the re-plan keeps booked visits). The new
 * visit is marked booked so later re-plans keep it. `to` is null when nothing had room.
 */
export async function skipStop(opts: { deps: AppDeps; staff: Staff; date: string; n: number; reason: string }): Promise<SkipResult | null> {
  const { deps, staff, date } = opts;
  const day = await planDayList({ deps, staff, date });
  const stop = day.planned.filter((p) => p.status === "planned")[opts.n - 1];
  if (!stop) return null;
  await deps.db.plannedVisit.update({ where: { id: stop.id }, data: { status: "skipped", note: opts.reason } });
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  await generatePlan({ deps, staff, from: date, to: last?.toDate, reason: "skip" });
  const next = await deps.db.plannedVisit.findFirst({
    where: { managerId: staff.id, customerId: stop.customer.id, date: { gt: date }, status: "planned" },
    orderBy: { date: "asc" },
  });
  if (next) await deps.db.plannedVisit.update({ where: { id: next.id }, data: { booked: true, note: opts.reason } });
  return { customer: stop.customer, from: date, to: next?.date ?? null };
}

/** Marks a leave day and re-plans the rest of the horizon around it. */
export async function takeDayOff(opts: { deps: AppDeps; staff: Staff; date: string; reason?: string }): Promise<GeneratedPlan | null> {
  const { deps, staff, date } = opts;
  await deps.db.dayOff.upsert({
    where: { staffId_date: { staffId: staff.id, date } },
    create: { staffId: staff.id, date, reason: opts.reason ?? "" },
    update: { reason: opts.reason ?? "" },
  });
  // Visits planned on the day off are released (a booked one would be kept by re-planning).
  await deps.db.plannedVisit.updateMany({ where: { managerId: staff.id, date, status: "planned" }, data: { booked: false } });
  await deps.db.plannedVisit.deleteMany({ where: { managerId: staff.id, date, status: "planned" } });
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  return generatePlan({ deps, staff, from: today(deps), to: last?.toDate, reason: "off" });
}

export async function latestShortfall(opts: { deps: AppDeps; staffId: number }): Promise<(Shortfall & { from: string; to: string }) | null> {
  const last = await opts.deps.db.planRun.findFirst({ where: { managerId: opts.staffId }, orderBy: { id: "desc" } });
  if (!last) return null;
  return { ...(JSON.parse(last.shortfall) as Shortfall), from: last.fromDate, to: last.toDate };
}

export function visitMinutes(deps: AppDeps, classId: string): { min: number; max: number } {
  return classById(deps.policy, classId)?.visitMinutes ?? { min: 15, max: 20 };
}
