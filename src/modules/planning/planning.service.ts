import { classById } from "../../config/policy.ts";
import { addDays, addMonths, endOfMonth, isoWeekday, localDate, localParts, startOfMonth } from "../../core/dates.ts";
import type { ChatAddress, Reply } from "../../core/chat.ts";
import { chunks, inChunks } from "../../core/batch.ts";
import { AppError } from "../../core/errors.ts";
import { insertRows } from "../../db/bulk-sql.ts";
import { errorSummary } from "../../core/logger.ts";
import { enqueue, isQueued, resolveRecipient, staffMessageKey } from "../../core/outbox.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import { Prisma, type Customer, type PlannedVisit, type Staff } from "../../generated/prisma/client.ts";
import { appointmentOf } from "../customers/class-label.ts";
import { daysOffOf, visitDaysOf } from "../staff/staff.service.ts";
import { type PlanResult, type Shortfall } from "./planner.ts";
import { planInPool, planPool } from "./plan-pool.ts";
import { haversineMetres } from "./route-ordering.ts";
import { notifyShortfall, overdueIds } from "./shortfall.ts";

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
  /**
   * Keep tomorrow's planned visits where they are (a /skip, 约不上 or /off re-plan): the manager
   * has seen that list and may have called its shops; one moved stop must not send two others
   * weeks out. (Tomorrow as a leave day has no visits left to keep: /off released them first.)
   */
  keepTomorrow?: boolean;
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
  /** Customers going overdue under this plan that the plan before did not already report. */
  newlyOverdue: Shortfall["customers"];
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

  // In id order: the planner breaks ties by input order, and PostgreSQL returns an unordered read
  // in heap order (an updated row moves), so without it the same company got another plan there.
  const customers = await db.customer.findMany({ where: { managerId: staff.id, active: true }, orderBy: { id: "asc" } });
  const existing = await db.plannedVisit.findMany({ where: { managerId: staff.id, date: { gte: from, lte: to } }, orderBy: { id: "asc" } });
  const tomorrow = addDays(now, 1);
  const keep = existing.filter((p) => p.status !== "planned" || p.date === now || p.booked || (opts.keepTomorrow && p.date === tomorrow));
  // What the manager may already have arranged for: today's and tomorrow's visits.
  const soon = existing.filter((p) => p.status === "planned" && p.date <= addDays(now, 1));
  const keepIds = new Set(keep.map((p) => p.id));
  const fixed = keep.filter((p) => p.status === "planned" && customers.some((c) => c.id === p.customerId));

  // Frequency counted from the last planned or done visit; coverage continuous across months.
  const continuity = await continuityInputs({ deps, staffId: staff.id, from, to, customers });
  // On today's kept list: that visit is the last one, the next window starts from it.
  const onTodaysList = new Set(fixed.filter((p) => p.date === now).map((p) => p.customerId));
  const daysOff = [...(await daysOffOf({ db, staffId: staff.id, from, to }))];
  // Today's list is fixed (even when every stop on it is done or skipped): re-flow from tomorrow.
  const todayKept = keep.some((p) => p.date === now);
  const planFrom = todayKept ? addDays(now, 1) : from;
  // In a worker thread: seconds of CPU that must not stop the chat platforms and the scheduler.
  const result = await planInPool({
    customers: customers.map((c) => ({
      id: c.id,
      classId: c.serviceClass,
      lat: c.lat,
      lng: c.lng,
      lastVisit: onTodaysList.has(c.id) ? now : continuity.get(c.id)?.lastVisit ?? null,
      coverBy: onTodaysList.has(c.id) ? coverByAfter(now, planFrom, now) : continuity.get(c.id)?.coverBy ?? null,
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
  const previousRun = await db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" }, select: { shortfall: true } });
  const previous = previousRun ? (JSON.parse(previousRun.shortfall) as Shortfall) : null;
  const reported = overdueIds(previous);
  const overdueNow = overdueIds(result.shortfall);
  const newlyOverdue = result.shortfall.customers.filter((c) => overdueNow.has(c.customerId) && !reported.has(c.customerId));
  await db.$transaction(async (tx) => {
    await tx.plannedVisit.deleteMany({ where: { managerId: staff.id, date: { gte: from, lte: to }, id: { notIn: [...keepIds] } } });
    const rows: { managerId: number; customerId: number; date: string; sequence: number }[] = [];
    for (const day of result.days) {
      day.customerIds.forEach((customerId, i) => {
        if (!fixedKey.has(`${customerId}@${day.date}`)) rows.push({ managerId: staff.id, customerId, date: day.date, sequence: i + 1 });
      });
    }
    // Raw multi-row INSERTs: createMany's query compilation blocked the event loop (see bulk-sql.ts).
    const stamp = deps.clock.now();
    await insertRows(tx, "PlannedVisit", ["managerId", "customerId", "date", "sequence", "createdAt", "updatedAt"], rows.map((r) => [r.managerId, r.customerId, r.date, r.sequence, stamp, stamp]));
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
  await notifyShortfall({ deps, manager: staff, shortfall: result.shortfall, previous, from, to, today: now });
  const movedSoon: MovedSoon[] = [];
  if (soon.length) {
    const after = await db.plannedVisit.findMany({ where: { managerId: staff.id, customerId: { in: soon.map((p) => p.customerId) }, date: { gte: now }, status: "planned" }, orderBy: { date: "asc" } });
    for (const p of soon) {
      if (after.some((a) => a.customerId === p.customerId && a.date === p.date)) continue;
      const customer = customers.find((c) => c.id === p.customerId);
      if (customer) movedSoon.push({ customer, from: p.date, to: after.find((a) => a.customerId === p.customerId && a.date > p.date)?.date ?? null });
    }
  }
  return { from, to, result, kept: keep.length, movedSoon, newlyOverdue };
}

/** Why and over which days `ensurePlan` would plan, or null when the stored plan does. */
export interface PlanNeed {
  from: string;
  to: string;
  reason: "generate" | "month";
}

/**
 * Whether the manager needs a plan to reach `date`: none yet, it ends before `date`, or it was
 * made before this month began (a plan is generated every month). Reads only.
 */
export async function planNeeded(opts: { deps: AppDeps; staff: Staff; date: string }): Promise<PlanNeed | null> {
  const { deps, staff, date } = opts;
  const now = today(deps);
  if (date < now) return null;
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  const horizon = defaultHorizon(now, deps.policy.planningHorizonMonths);
  if (last && servesDate(last, { date, now, horizonTo: horizon.to })) return null;
  const hasCustomers = await deps.db.customer.count({ where: { managerId: staff.id, active: true } });
  if (!hasCustomers) return null;
  return { from: now, to: horizon.to, reason: last && last.fromDate < startOfMonth(now) ? "month" : "generate" };
}

/**
 * Whether a manager's latest plan run serves `date` as it is: made this month (a plan is generated
 * every month) and reaching `date`, or reaching the horizon (never plans past it, whatever date was
 * asked about: a far date costs nothing).
 */
function servesDate(run: { fromDate: string; toDate: string }, at: { date: string; now: string; horizonTo: string }): boolean {
  return run.fromDate >= startOfMonth(at.now) && (run.toDate >= at.date || run.toDate >= at.horizonTo);
}

/** Each manager's latest plan run (managers never planned are missing), in bounded queries. */
async function latestPlanRuns(deps: AppDeps, managerIds: number[]): Promise<{ managerId: number; fromDate: string; toDate: string }[]> {
  const { db } = deps;
  const latest = await inChunks(managerIds, (ids) => db.planRun.groupBy({ by: ["managerId"], where: { managerId: { in: ids } }, _max: { id: true } }));
  const runIds = latest.map((r) => r._max.id).filter((id): id is number => id !== null);
  return inChunks(runIds, (ids) => db.planRun.findMany({ where: { id: { in: ids } }, select: { managerId: true, fromDate: true, toDate: true } }));
}

/** Makes sure the manager has a plan reaching `date` (see `planNeeded`), generating it if not; true when it did. */
export async function ensurePlan(opts: { deps: AppDeps; staff: Staff; date: string }): Promise<boolean> {
  // A plan being made in the background is the one this would make: wait for it, never plan twice.
  await background.get(opts.staff.id)?.done;
  const need = await planNeeded(opts);
  if (need) await generatePlan({ deps: opts.deps, staff: opts.staff, ...need });
  return need !== null;
}

/** Plans started in the background (a chat request that must answer at once), per manager. */
const background = new Map<number, { done: Promise<void>; pushTo: ChatAddress | null }>();

export type BackgroundPlan =
  /** Started now; `done` settles once it is stored and `whenDone` ran. */
  | { kind: "started"; estimateMs: number; done: Promise<void> }
  /** One is being made already (a second /today): nothing new was started; `pushTo` as it was asked. */
  | { kind: "in-progress"; done: Promise<void>; pushTo: ChatAddress | null }
  /** The stored plan already reaches `date`. */
  | { kind: "not-needed" };

/**
 * Makes the plan `ensurePlan` would make, without waiting for it: the caller answers at once and
 * `whenDone` runs when the plan is stored (or failed, with the error). At most one per manager.
 */
export async function planInBackground(opts: {
  deps: AppDeps;
  staff: Staff;
  date: string;
  /** Where the caller will send the result (kept for a second caller's answer). */
  pushTo?: ChatAddress | null;
  whenDone: (err: Error | null) => Promise<void>;
}): Promise<BackgroundPlan> {
  const { deps, staff } = opts;
  const running = background.get(staff.id);
  if (running) return { kind: "in-progress", ...running };
  const need = await planNeeded(opts);
  if (!need) return { kind: "not-needed" };
  // Checked again: another request may have started one while `planNeeded` read the database.
  const raced = background.get(staff.id);
  if (raced) return { kind: "in-progress", ...raced };
  const estimateMs = planPool().estimateMs();
  const stored: Promise<Error | null> = generatePlan({ deps, staff, ...need }).then(
    () => null,
    (err: unknown) => {
      deps.log.error("background plan failed", { staff: staff.code, error: errorSummary(err) });
      return err instanceof Error ? err : new Error(String(err));
    },
  );
  // Others wait for the plan to be stored, not for `whenDone`: it reads the plan itself (through
  // ensurePlan), and waiting on itself would never end.
  background.set(staff.id, { done: stored.then(() => undefined), pushTo: opts.pushTo ?? null });
  const done = stored.then(async (error) => {
    background.delete(staff.id);
    try {
      await opts.whenDone(error);
    } catch (err) {
      deps.log.error("background plan: could not hand over the result", { staff: staff.code, error: errorSummary(err) });
    }
  });
  handingOver.add(done);
  void done.finally(() => handingOver.delete(done));
  return { kind: "started", estimateMs, done };
}

/** Whether a plan is being made in the background for this manager (a /today that answered "making your plan"). */
export function planBeingMade(staffId: number): boolean {
  return background.has(staffId);
}

/** Background plans whose result is not handed over yet (plan or `whenDone` still running). */
const handingOver = new Set<Promise<void>>();

/** Resolves once every background plan started so far has finished (tests, clean shutdown). */
export async function backgroundPlansSettled(): Promise<void> {
  while (handingOver.size) await Promise.allSettled([...handingOver]);
}

/**
 * Queues a message to one chat through the outbox (the dispatcher sends it, with retries), once per
 * `subject`. Null when `to` is no chat we can send to.
 */
export async function queueChatMessage(opts: { deps: AppDeps; staff: Staff; to: ChatAddress | null; kind: string; subject: string; reply: Reply }): Promise<boolean | null> {
  const { deps, staff, to } = opts;
  if (!to || !to.chatId) return null;
  return enqueue({ db: deps.db, key: staffMessageKey(opts.kind, staff.id, opts.subject), kind: opts.kind, staffId: staff.id, platform: to.platform, chatId: to.chatId, reply: opts.reply, clock: deps.clock });
}

/** Whether queueChatMessage (or a reminder) with this kind and subject was queued for the staff member. */
export function wasQueued(opts: { deps: AppDeps; staff: Staff; kind: string; subject: string }): Promise<boolean> {
  return isQueued(opts.deps.db, staffMessageKey(opts.kind, opts.staff.id, opts.subject));
}

/** Where the manager's reminders go (their bound chat), or null when they have none. */
export function reminderChatOf(opts: { deps: AppDeps; staff: Staff }): Promise<ChatAddress | null> {
  return resolveRecipient(opts.deps.db, opts.staff);
}

/**
 * Of these managers, the ids whose latest plan starts on or after `from`: planned for that month
 * already (by an earlier or another run of the month job), which `ensurePlan` on `from` accepts.
 */
export async function plannedSince(opts: { deps: AppDeps; managerIds: number[]; from: string }): Promise<Set<number>> {
  const runs = await latestPlanRuns(opts.deps, opts.managerIds);
  return new Set(runs.filter((r) => r.fromDate >= opts.from).map((r) => r.managerId));
}

/**
 * Next month's plan for one manager, made the evening before it starts: from its 1st over the
 * default horizon, so `ensurePlan` on the 1st finds a fresh plan and only reads.
 */
export function planMonthAhead(opts: { deps: AppDeps; staff: Staff; from: string }): Promise<GeneratedPlan> {
  const { deps, staff, from } = opts;
  return generatePlan({ deps, staff, from, to: defaultHorizon(from, deps.policy.planningHorizonMonths).to, reason: "month" });
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
  return (await planDayLists({ deps, staffs: [staff], date, fixNumbers: opts.fixNumbers })).get(staff.id)!;
}

/** Managers per query of `planDayLists` (each has ~15–20 stops a day and ~300 customers). */
const DAY_LIST_BATCH = 50;

/**
 * `planDayList` for many managers at once, from the stored plans only (no planning): a few queries
 * per batch of managers and one transaction per batch fixing the numbers, instead of a dozen
 * queries and a write per stop for each manager (the morning list of 1,000 managers).
 */
export async function planDayLists(opts: { deps: AppDeps; staffs: Staff[]; date: string; fixNumbers?: boolean }): Promise<Map<number, DayList>> {
  const { deps, date } = opts;
  const { db } = deps;
  const out = new Map<number, DayList>();
  for (const staffs of chunks(opts.staffs, DAY_LIST_BATCH)) {
    const ids = staffs.map((s) => s.id);
    const rows = await db.plannedVisit.findMany({
      where: { managerId: { in: ids }, date, OR: [{ status: { in: ["planned", "done"] } }, { status: "skipped", stopNo: { not: null } }] },
      include: { customer: true },
      orderBy: [{ sequence: "asc" }, { id: "asc" }],
    });
    // The territory's centre is the start only for managers without a start point of their own.
    const centred = staffs.filter((s) => s.startLat === null || s.startLng === null).map((s) => s.id);
    // Averaged by the database: ~300 rows per manager are not worth sending over for a mean.
    const centres = centred.length ? await db.customer.groupBy({ by: ["managerId"], where: { managerId: { in: centred }, active: true }, _avg: { lat: true, lng: true } }) : [];
    const moved = rows.filter((r) => r.status === "skipped");
    const later = moved.length
      ? await inChunks(moved, (part) =>
          db.plannedVisit.findMany({
            where: { managerId: { in: [...new Set(part.map((r) => r.managerId))] }, customerId: { in: part.map((r) => r.customerId) }, date: { gt: date }, status: "planned" },
            orderBy: { date: "asc" },
            select: { managerId: true, customerId: true, date: true },
          }),
        )
      : [];
    later.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const fix: { id: number; n: number }[] = [];
    for (const staff of staffs) {
      const own = rows.filter((r) => r.managerId === staff.id);
      const centre = centres.find((c) => c.managerId === staff.id)?._avg;
      const start = staff.startLat !== null && staff.startLng !== null ? { lat: staff.startLat, lng: staff.startLng } : { lat: centre?.lat ?? 0, lng: centre?.lng ?? 0 };
      let prev = start;
      let total = 0;
      let free = Math.max(0, ...own.map((r) => r.stopNo ?? 0));
      const stops = new Map<number, PlannedStop>();
      for (const r of own.filter((r) => r.status !== "skipped")) {
        const leg = haversineMetres(prev, r.customer);
        prev = r.customer;
        total += leg;
        const n = r.stopNo ?? ++free;
        if (opts.fixNumbers && r.stopNo === null) fix.push({ id: r.id, n });
        stops.set(r.id, { id: r.id, n, customer: r.customer, classId: r.customer.serviceClass, status: r.status, booked: r.booked, legMetres: leg, sequence: r.sequence });
      }
      for (const r of own.filter((r) => r.status === "skipped")) {
        const to = later.find((l) => l.managerId === staff.id && l.customerId === r.customerId)?.date ?? null;
        stops.set(r.id, { id: r.id, n: r.stopNo!, customer: r.customer, classId: r.customer.serviceClass, status: r.status, booked: r.booked, legMetres: 0, sequence: r.sequence, movedTo: to });
      }
      const rank = (p: PlannedStop) => (p.status === "planned" ? 0 : p.status === "done" ? 1 : 2);
      const planned = [...stops.values()].sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? a.sequence - b.sequence : a.n - b.n));
      out.set(staff.id, { date, start, totalMetres: total, planned });
    }
    // Only a number nobody holds yet is written, so two readers fixing the same day agree. One
    // statement per 300 stops: through the ORM each stop's update cost ~0.5 ms, most of the
    // morning list's time at 1,000 managers. The CAST: PostgreSQL types an untyped THEN parameter as text.
    if (fix.length) {
      await db.$transaction(
        chunks(fix, 300).map((part) => {
          const cases = Prisma.join(part.map((f) => Prisma.sql`WHEN ${f.id} THEN CAST(${f.n} AS INTEGER)`), " ");
          return db.$executeRaw`UPDATE "PlannedVisit" SET "stopNo" = CASE "id" ${cases} END WHERE "stopNo" IS NULL AND "id" IN (${Prisma.join(part.map((f) => f.id))})`;
        }),
      );
    }
  }
  return out;
}

/**
 * Of these managers (all with customers), the ids whose stored plan serves `date` as it is: what
 * `planNeeded` answers for each, in a few queries for all of them.
 */
export async function plansServing(opts: { deps: AppDeps; staffs: Staff[]; date: string }): Promise<Set<number>> {
  const { deps, date } = opts;
  const now = today(deps);
  const ids = opts.staffs.map((s) => s.id);
  if (date < now) return new Set(ids);
  const horizonTo = defaultHorizon(now, deps.policy.planningHorizonMonths).to;
  const runs = await latestPlanRuns(deps, ids);
  return new Set(runs.filter((r) => servesDate(r, { date, now, horizonTo })).map((r) => r.managerId));
}

/** Of these managers, the ids on leave on `date`. */
export async function onLeave(opts: { deps: AppDeps; staffIds: number[]; date: string }): Promise<Set<number>> {
  const rows = await inChunks(opts.staffIds, (part) => opts.deps.db.dayOff.findMany({ where: { staffId: { in: part }, date: opts.date }, select: { staffId: true } }));
  return new Set(rows.map((r) => r.staffId));
}

export type SkipResult =
  | { kind: "moved"; n: number; customer: Customer; from: string; to: string | null; passed: PassedDay[]; alreadyPlanned: boolean; alsoMoved: MovedSoon[]; newlyOverdue: Shortfall["customers"] }
  | { kind: "no-such-stop"; n: number }
  | { kind: "already-done"; n: number; customer: Customer }
  | { kind: "already-moved"; n: number; customer: Customer; to: string | null };

/**
 * Takes stop `n` (the number the manager sees) off `date` and puts the customer on the nearest
 * visit day with room (see nearestDayWithRoom), then re-flows the plan from the next day. The stop
 * keeps its number and shows as moved; the new visit is marked booked so later re-plans keep it.
 * `to` is null when nothing had room; `passed` says why nearer days were not taken.
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
  return { kind: "moved", n, customer: stop.customer, from: date, to: moved.to, passed: moved.passed, alreadyPlanned: moved.alreadyPlanned, alsoMoved: moved.alsoMoved, newlyOverdue: moved.newlyOverdue };
}

/** A visit of today or tomorrow that a re-plan put on another day (the manager is told). */
export interface MovedSoon {
  customer: Customer;
  from: string;
  to: string | null;
}

/** A visit day nearer than where a moved visit went, and why it was passed over. */
export interface PassedDay {
  date: string;
  /**
   * full: the day holds the daily cap of visits that cannot give way (booked, done, or of a more
   * protected class); too-late-to-book: a day-before class can no longer be called for tomorrow.
   */
  why: "full" | "too-late-to-book";
}

/** Where a moved visit went: the nearest visit day with room, and the nearer days passed over. */
export interface MoveTarget {
  to: string | null;
  passed: PassedDay[];
  /** The customer already had its next visit on `to` (no visit added). */
  alreadyPlanned: boolean;
  /** A visit that gave way on `to` (re-placed by the re-plan), when the day was at its cap. */
  displaced?: number | null;
}

/**
 * The nearest visit day after `after` (to the horizon's end) that can take this customer: not a
 * day off, for a day-before class not tomorrow once the evening appointment calls are over, and
 * under the daily cap — or at the cap with an unbooked visit of a class no more protected than this
 * one, which gives way (the planner fills every day to the cap, so "room" only counting empty
 * places would send a shop weeks out). A day the customer is already planned on ends the search.
 * One day's visits per query (at most the cap), days bounded by the horizon.
 */
export async function nearestDayWithRoom(opts: { deps: AppDeps; staff: Staff; customerId: number; classId: string; after: string; to: string }): Promise<MoveTarget> {
  const { deps, staff, customerId, after, to } = opts;
  const { db, policy } = deps;
  const first = addDays(after, 1);
  const visitDays = visitDaysOf(staff, policy);
  const off = await daysOffOf({ db, staffId: staff.id, from: first, to });
  const local = localParts(deps.clock.now(), policy.timeZone);
  const callsUntil = policy.reminders.appointments?.catchUpUntil ?? "20:00";
  const callsOver = `${String(local.hour).padStart(2, "0")}:${String(local.minute).padStart(2, "0")}` >= callsUntil;
  const tomorrow = addDays(local.date, 1);
  const dayBefore = appointmentOf(policy, opts.classId) === "day-before";
  const rank = (classId: string) => classById(policy, classId)?.priority ?? Number.MAX_SAFE_INTEGER;
  const own = rank(opts.classId);
  const passed: PassedDay[] = [];
  for (let d = first; d <= to; d = addDays(d, 1)) {
    if (!visitDays.includes(isoWeekday(d)) || off.has(d)) continue;
    if (dayBefore && d === tomorrow && callsOver) {
      passed.push({ date: d, why: "too-late-to-book" });
      continue;
    }
    const rows = await db.plannedVisit.findMany({
      where: { managerId: staff.id, date: d, status: { in: ["planned", "done"] } },
      select: { id: true, customerId: true, status: true, booked: true, sequence: true, customer: { select: { serviceClass: true } } },
    });
    if (rows.some((r) => r.customerId === customerId && r.status === "planned")) return { to: d, passed, alreadyPlanned: true };
    if (rows.length < policy.dailyCap) return { to: d, passed, alreadyPlanned: false, displaced: null };
    // The least protected unbooked visit gives way (the last on the route among equals).
    const yielding = rows
      .filter((r) => r.status === "planned" && !r.booked && rank(r.customer.serviceClass) >= own)
      .sort((x, y) => rank(y.customer.serviceClass) - rank(x.customer.serviceClass) || y.sequence - x.sequence)[0];
    if (yielding) return { to: d, passed, alreadyPlanned: false, displaced: yielding.id };
    passed.push({ date: d, why: "full" });
  }
  return { to: null, passed, alreadyPlanned: false };
}

/**
 * Takes a planned visit off its day (it stays, marked moved) and puts it on the nearest visit day
 * with room (what /help promises), marked booked so re-plans keep it there; then re-flows the rest
 * of the plan from the next day so the customer's later visits keep their spacing. Letting the
 * re-plan choose sent a shop weeks out to balance days. Also reports any other visit of today or
 * tomorrow the re-plan moved.
 */
function moveVisit(opts: { deps: AppDeps; staff: Staff; plannedVisitId: number; date: string; stopNo?: number; reason: string }): Promise<MoveTarget & { alsoMoved: MovedSoon[]; newlyOverdue: Shortfall["customers"] }> {
  // In the manager's planning turn, whole: a re-plan already running (the morning list's, an /off's)
  // read the plan before this move and would delete the visit it creates.
  return onePlanAtATime(opts.staff.id, () => moveVisitNow(opts));
}

async function moveVisitNow(opts: { deps: AppDeps; staff: Staff; plannedVisitId: number; date: string; stopNo?: number; reason: string }): Promise<MoveTarget & { alsoMoved: MovedSoon[]; newlyOverdue: Shortfall["customers"] }> {
  const { deps, staff, date } = opts;
  const visit = await deps.db.plannedVisit.findUniqueOrThrow({ where: { id: opts.plannedVisitId }, include: { customer: { select: { serviceClass: true } } } });
  // A stop of a later day has no fixed number yet: fix it now, it is the one the manager saw.
  await deps.db.plannedVisit.update({ where: { id: visit.id }, data: { status: "skipped", note: opts.reason, stopNo: opts.stopNo ?? visit.stopNo, booked: false } });
  const last = await deps.db.planRun.findFirst({ where: { managerId: staff.id }, orderBy: { id: "desc" } });
  const horizonTo = last?.toDate ?? defaultHorizon(date, deps.policy.planningHorizonMonths).to;
  const target = await nearestDayWithRoom({ deps, staff, customerId: visit.customerId, classId: visit.customer.serviceClass, after: date, to: horizonTo });
  let displaced: (PlannedVisit & { customer: Customer }) | null = null;
  if (target.to && target.alreadyPlanned) {
    await deps.db.plannedVisit.updateMany({ where: { managerId: staff.id, customerId: visit.customerId, date: target.to, status: "planned" }, data: { booked: true, note: opts.reason } });
  } else if (target.to) {
    // The visit that gives way is re-placed by the re-plan below like any unfixed visit.
    displaced = target.displaced ? await deps.db.plannedVisit.delete({ where: { id: target.displaced }, include: { customer: true } }) : null;
    const seq = await deps.db.plannedVisit.count({ where: { managerId: staff.id, date: target.to } });
    await deps.db.plannedVisit.create({ data: { managerId: staff.id, customerId: visit.customerId, date: target.to, sequence: seq + 1, booked: true, note: opts.reason } });
  }
  // Re-flow from the next day: the day the visit left keeps its other stops (and their numbers).
  const plan = await generatePlanNow({ deps, staff, from: addDays(date, 1), to: last?.toDate, reason: "skip", keepTomorrow: true });
  const next = await deps.db.plannedVisit.findFirst({
    where: { managerId: staff.id, customerId: visit.customerId, date: { gt: date }, status: "planned" },
    orderBy: { date: "asc" },
  });
  if (next && !next.booked) await deps.db.plannedVisit.update({ where: { id: next.id }, data: { booked: true, note: opts.reason } });
  const to = next?.date ?? null;
  const alsoMoved = plan.movedSoon.filter((m) => m.customer.id !== visit.customerId);
  // A visit of tomorrow that gave way was deleted before the re-plan saw it: report it here.
  if (displaced && displaced.date <= addDays(today(deps), 1) && !alsoMoved.some((m) => m.customer.id === displaced!.customerId)) {
    const again = await deps.db.plannedVisit.findFirst({ where: { managerId: staff.id, customerId: displaced.customerId, date: { gt: date }, status: "planned" }, orderBy: { date: "asc" }, select: { date: true } });
    if (again?.date !== displaced.date) alsoMoved.push({ customer: displaced.customer, from: displaced.date, to: again?.date ?? null });
  }
  return { to, passed: target.passed.filter((p) => !to || p.date < to), alreadyPlanned: target.alreadyPlanned && to === target.to, alsoMoved, newlyOverdue: plan.newlyOverdue };
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
export function takeDaysOff(opts: { deps: AppDeps; staff: Staff; from: string; to: string; reason?: string }): Promise<LeaveResult> {
  // In the manager's planning turn, whole (see moveVisit).
  return onePlanAtATime(opts.staff.id, () => takeDaysOffNow(opts));
}

async function takeDaysOffNow(opts: { deps: AppDeps; staff: Staff; from: string; to: string; reason?: string }): Promise<LeaveResult> {
  const { deps, staff } = opts;
  const visitDays = visitDaysOf(staff, deps.policy);
  const days: string[] = [];
  for (let d = opts.from; d <= opts.to; d = addDays(d, 1)) if (visitDays.includes(isoWeekday(d))) days.push(d);
  if (!days.length) return { days, released: 0, plan: null, moved: [] };
  // Booked visits on a leave day must move too: the manager is told which and where.
  const booked = await deps.db.plannedVisit.findMany({
    where: { managerId: staff.id, date: { in: days }, status: "planned", booked: true },
    include: { customer: true },
    // Told in day and route order, on either engine.
    orderBy: [{ date: "asc" }, { sequence: "asc" }, { id: "asc" }],
  });
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
  const plan = released ? await generatePlanNow({ deps, staff, from: today(deps), to: last?.toDate, reason: "off", keepTomorrow: true }) : null;
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

/** A manager's planned and done entries over [from, to] with each customer's class (read only: looking never re-plans). */
export async function plannedVisitsBetween(opts: { db: Db; managerId: number; from: string; to: string }) {
  return opts.db.plannedVisit.findMany({
    where: { managerId: opts.managerId, date: { gte: opts.from, lte: opts.to }, status: { in: ["planned", "done"] } },
    include: { customer: { select: { serviceClass: true } } },
  });
}

/**
 * The next visit still planned on or after `from` for each of a few customers a report names
 * (overdue lists), by customer id; absent when none is planned. Read only. A customer has a
 * handful of planned visits in a stored horizon, so `take` bounds the rows, not the answer.
 */
export async function nextPlannedVisits(opts: { db: Db; managerId: number; customerIds: number[]; from: string }): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const rows = await inChunks(opts.customerIds, (part) =>
    opts.db.plannedVisit.findMany({
      where: { managerId: opts.managerId, customerId: { in: part }, date: { gte: opts.from }, status: "planned" },
      select: { customerId: true, date: true },
      orderBy: [{ date: "asc" }, { id: "asc" }],
      take: part.length * 12,
    }),
  );
  for (const r of rows) if (!out.has(r.customerId)) out.set(r.customerId, r.date);
  return out;
}
