/** Independent verifier of a plan: replays it against the rules from the input and the planned days only. */
import { addInterval } from "../../../core/dates.ts";
import { earliestNextVisit, firstDueDate, needsCoverage, visitDayDates } from "./calendar.ts";
import type { PlanCustomer, PlanInput, PlanResult, PlannedDay, Shortfall } from "./types.ts";

export interface Evaluation {
  requiredVisits: number;
  onTime: number;
  plannedVisits: number;
  compliance: number;
  coverage: number;
  imbalance: number;
  shortfall: Shortfall;
  violations: string[];
}

/**
 * Replays the plan against the rules, from the input and the planned days only (no planner
 * state): frequency chains, coverage, caps, visit days, fixed visits, spacing.
 */
export function evaluatePlan(input: PlanInput, days: PlannedDay[]): Evaluation {
  const violations: string[] = [];
  const { from, to } = input;
  const classes = new Map(input.classes.map((c) => [c.id, c]));
  const customers = new Map<number, PlanCustomer>();
  for (const c of input.customers) if (!customers.has(c.id)) customers.set(c.id, c);
  const visitDates = visitDayDates(input);
  const visitSet = new Set(visitDates);
  const fixedByDate = new Map<string, Set<number>>();
  const fixedKeys = new Set<string>();
  for (const f of input.fixed ?? []) {
    if (f.date < from || f.date > to) continue;
    if (!fixedByDate.has(f.date)) fixedByDate.set(f.date, new Set());
    fixedByDate.get(f.date)!.add(f.customerId);
    fixedKeys.add(`${f.customerId}@${f.date}`);
  }

  const datesOf = new Map<number, string[]>();
  const loadOf = new Map<string, number>();
  let plannedVisits = 0;
  const seenDates = new Set<string>();
  for (const day of days) {
    if (seenDates.has(day.date)) violations.push(`${day.date}: listed twice`);
    seenDates.add(day.date);
    const ids = day.customerIds;
    plannedVisits += ids.length;
    loadOf.set(day.date, (loadOf.get(day.date) ?? 0) + ids.length);
    if (day.date < from || day.date > to) {
      if (ids.length > 0) violations.push(`${day.date}: outside the horizon ${from}..${to}`);
      continue;
    }
    const fixedHere = fixedByDate.get(day.date) ?? new Set<number>();
    const nonFixed = ids.filter((id) => !fixedHere.has(id));
    if (!visitSet.has(day.date) && nonFixed.length > 0) {
      violations.push(`${day.date}: ${nonFixed.length} visit(s) planned on a day that is not a visit day (or is a day off)`);
    }
    const fixedCount = ids.length - nonFixed.length;
    if (ids.length > Math.max(input.dailyCap, fixedCount)) violations.push(`${day.date}: ${ids.length} visits exceed the daily cap ${input.dailyCap}`);
    const uniq = new Set(ids);
    if (uniq.size !== ids.length) violations.push(`${day.date}: a customer is listed twice`);
    for (const id of uniq) {
      if (!customers.has(id)) {
        if (!fixedHere.has(id)) violations.push(`${day.date}: unknown customer ${id}`);
        continue;
      }
      if (!datesOf.has(id)) datesOf.set(id, []);
      datesOf.get(id)!.push(day.date);
    }
  }
  for (const key of fixedKeys) {
    const [idS, date] = key.split("@") as [string, string];
    const day = days.find((d) => d.date === date);
    if (!day || !day.customerIds.includes(Number(idS))) violations.push(`fixed visit of customer ${idS} on ${date} is missing`);
  }

  let required = 0;
  let onTime = 0;
  let covered = 0;
  const byClass: Record<string, number> = {};
  for (const c of input.classes) byClass[c.id] = 0;
  let shortVisits = 0;
  const shortList: (Shortfall["customers"][number] & { prio: number })[] = [];
  for (const cu of customers.values()) {
    const cls = classes.get(cu.classId);
    const iv = cls?.visitEvery && cls.visitEvery.count > 0 ? cls.visitEvery : null;
    const prio = cls?.priority ?? Number.MAX_SAFE_INTEGER;
    const planned = (datesOf.get(cu.id) ?? []).sort();
    const mustCover = !!cu.coverBy && cu.coverBy <= to;
    const isCovered = planned.length > 0 || (!mustCover && !needsCoverage(cu.lastVisit, iv, from, to));
    if (isCovered) covered++;
    let firstFail: { dueDate: string; plannedDate: string | null } | null = null;
    let fails = 0;
    if (iv) {
      // Spacing: no planned visit earlier than half the interval after the previous one.
      let prev = cu.lastVisit;
      for (const d of planned) {
        if (prev && !fixedKeys.has(`${cu.id}@${d}`) && d < earliestNextVisit(prev, iv)) {
          violations.push(`customer ${cu.id}: visit on ${d} is too early after ${prev}`);
        }
        prev = d;
      }
      if (prev && cu.nextKept && cu.nextKept > to && planned.length > 0 && cu.nextKept < earliestNextVisit(prev, iv)) {
        violations.push(`customer ${cu.id}: visit on ${prev} is too early before the kept visit on ${cu.nextKept}`);
      }
      let due = firstDueDate(cu.lastVisit, iv, from);
      // Continuity: the first visit by coverBy (overdue: from the first day of the horizon).
      if (mustCover && cu.coverBy! < due) due = cu.coverBy! < from ? from : cu.coverBy!;
      let k = 0;
      while (due <= to) {
        required++;
        const v = planned[k];
        if (v === undefined) {
          fails++;
          firstFail ??= { dueDate: due, plannedDate: null };
          due = addInterval(due, iv);
          continue;
        }
        if (v <= due) onTime++;
        else {
          fails++;
          firstFail ??= { dueDate: due, plannedDate: v };
        }
        k++;
        due = addInterval(v, iv);
      }
    }
    if (!isCovered && fails === 0) {
      fails = 1;
      firstFail = { dueDate: to, plannedDate: null };
    }
    if (fails > 0 && firstFail) {
      shortVisits += fails;
      byClass[cu.classId] = (byClass[cu.classId] ?? 0) + fails;
      shortList.push({ customerId: cu.id, classId: cu.classId, ...firstFail, prio });
    }
  }
  shortList.sort((a, b) => a.prio - b.prio || (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) || a.customerId - b.customerId);

  let imbalance = 0;
  if (visitDates.length > 0) {
    let mn = Infinity;
    let mx = -Infinity;
    for (const d of visitDates) {
      const l = loadOf.get(d) ?? 0;
      mn = Math.min(mn, l);
      mx = Math.max(mx, l);
    }
    imbalance = mx - mn;
  }
  return {
    requiredVisits: required,
    onTime,
    plannedVisits,
    compliance: required === 0 ? 1 : onTime / required,
    coverage: customers.size === 0 ? 1 : covered / customers.size,
    imbalance,
    shortfall: { visits: shortVisits, byClass, customers: shortList.map(({ prio: _p, ...rest }) => rest) },
    violations,
  };
}

/** Independent verifier (tests, bench): recomputes the figures from the input and the planned days. */
export function checkPlan(
  input: PlanInput,
  result: PlanResult,
): { compliance: number; coverage: number; imbalance: number; violations: string[] } {
  const ev = evaluatePlan(input, result.days);
  return { compliance: ev.compliance, coverage: ev.coverage, imbalance: ev.imbalance, violations: ev.violations };
}
