/**
 * Monthly visit planner: pure, deterministic, no I/O. The pipeline of named stages over one
 * explicit plan state (state.ts).
 *
 * Model
 * - Visit days are the dates of [from, to] whose ISO weekday is a visit day and that are not days off.
 * - A customer of a class with interval I owes a chain of visits: the first by its due date, every
 *   next one at most I after the previous planned one, while the due date falls inside the horizon.
 *   A visit is never planned earlier than half the interval after the previous one.
 *   Never visited, or already overdue when the horizon starts: the first visit is due within the
 *   first cycle (from .. from + I − 1 day), so the backlog is spread instead of piled on day one.
 * - Coverage: every customer is visited at least once in the horizon, unless already visited in the
 *   horizon's first month (lastVisit ≥ startOfMonth(from), the re-planning case) or visited so
 *   recently that any visit before `to` would be absurdly early.
 *
 * Stages
 * 1. Zones (zones.ts): angular sectors around the start, one per visit day of the base cycle,
 *    nested per level so that every cyclic frequency group returns to the same area.
 * 2. Construction (construction.ts): chains inserted one by one with the chain DP (chain-dp.ts)
 *    against the zones, tightest window first (or, over capacity, most protected class first).
 * 3. Local search (local-search.ts) on the real objective (objective.ts), then the large
 *    neighbourhood search (lns.ts), repair (repair.ts: ejection chains, pair moves, squeeze), and
 *    a few sweeps with a strong balance penalty. Where the required visits fit the capacity and
 *    reach the daily minimum, the LNS is shorter and runs the swap search (swap.ts: two customers
 *    trade days, loads unchanged) at every route tidy, again after it and after the sweeps. On a
 *    crowded calendar (the visits needed fill ≥ CROWDED_FILL of the capacity) the squeeze runs
 *    before the LNS instead of after it, the LNS runs CROWDED_LNS_SHARE of its iterations down to
 *    CROWDED_STOP_T and swaps at every second tidy; elsewhere the short search stops once its
 *    temperature reaches LNS_SHORT_STOP_T. The long search below the daily minimum on a territory
 *    of mostly coverage-only customers (key accounts) starts cool (LNS_COOL_T0).
 * 4. Fill (fill.ts): optional visits on days below the minimum or well below the fullest day.
 * 5. Route (route.ts): each day routed with orderStops from the start point.
 *
 * Everything is deterministic: a seeded PRNG and budgets counted in iterations, never time.
 */
import { lns } from "./lns.ts";
import { swapSearch } from "./swap.ts";
import { sweep } from "./local-search.ts";
import { repair, squeeze } from "./repair.ts";
import { construct } from "./construction.ts";
import { buildZones } from "./zones.ts";
import { fill } from "./fill.ts";
import { improveDay, routeDays } from "./route.ts";
import { createState, totalLoad, type PlanState } from "./state.ts";
import { evaluatePlan } from "./evaluate.ts";
import { estimateVisits } from "./objective.ts";
import {
  BETA_GROWTH,
  BETA_LNS,
  BETA_MAX,
  BETA_START,
  CROWDED_FILL,
  CROWDED_LNS_SHARE,
  CROWDED_STOP_T,
  CROWDED_SWAP_EVERY,
  COVERAGE_ONLY_SHARE,
  FINAL_PASSES,
  LNS_COOL_T0,
  LNS_ITERS_PER_CUSTOMER,
  LNS_ITERS_LONG,
  LNS_MAX_ITERS,
  LNS_SHORT_MAX_REMOVE,
  LNS_SHORT_STOP_T,
  LNS_MIN_ITERS,
  SWAP_MIN_FILL,
  SWAP_PASSES,
  LS_PASSES,
  SQUEEZE_FIRST_ITERS_PER_CUSTOMER,
  SQUEEZE_RECOVERY,
} from "./params.ts";
import type { PlanInput, PlanResult } from "./types.ts";

export type { PlanClass, PlanCustomer, PlanInput, PlannedDay, PlanResult, Shortfall } from "./types.ts";
export { earliestNextVisit, firstDueDate } from "./calendar.ts";
export { checkPlan } from "./evaluate.ts";

export function planVisits(input: PlanInput): PlanResult {
  // One entry per customer id (first wins).
  const seen = new Set<number>();
  const customers = input.customers.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
  if (!(input.from <= input.to)) {
    // Empty horizon: nothing to plan, nothing owed inside it.
    const byClass = Object.fromEntries(input.classes.map((c) => [c.id, 0]));
    return {
      days: [],
      shortfall: { visits: 0, byClass, customers: [] },
      stats: { requiredVisits: 0, plannedVisits: 0, compliance: 1, coverage: 1, imbalance: 0, totalMetres: 0, work: { chainSolves: 0, insertions: 0 } },
    };
  }
  const st = createState(input, customers);
  if (st.n > 0 && st.days.length > 0) {
    buildZones(st);
    construct(st);
    search(st);
  }
  fill(st);
  const days = routeDays(st);

  const ev = evaluatePlan(input, days);
  return {
    days,
    shortfall: ev.shortfall,
    stats: {
      requiredVisits: ev.requiredVisits,
      plannedVisits: ev.plannedVisits,
      compliance: ev.compliance,
      coverage: ev.coverage,
      imbalance: ev.imbalance,
      totalMetres: days.reduce((s, d) => s + d.metres, 0),
      work: { ...st.work },
    },
  };
}

/**
 * Local search on route cost with a growing balance penalty, LNS, repair (and a squeeze where
 * visits are still late: first on a crowded calendar, else after the LNS), then sweeps with a
 * strong balance penalty.
 */
function search(st: PlanState): void {
  st.mode = "route";
  st.beta = BETA_START;
  for (let pass = 0; pass < LS_PASSES; pass++) {
    sweep(st);
    st.beta = Math.min(BETA_LNS, st.beta * BETA_GROWTH);
  }
  // The short search with swaps where the search shapes the days: the required visits fit the
  // capacity and reach the daily minimum. Over capacity the search decides who is visited at all,
  // trade by trade between classes; below the minimum the fill stage makes most of each day. Both
  // keep the long search without swaps (their compliance, coverage and balance need it).
  const minimum = st.n >= st.input.dailyMinimum ? st.input.dailyMinimum : 0;
  st.swaps = !st.overCapacity && totalLoad(st) >= SWAP_MIN_FILL * minimum * st.visitDayIdx.length;
  const iters = lnsIterations(st.n, !st.swaps);
  // A crowded calendar (nearly every slot needed): squeeze first, then the main LNS from there.
  // It stops at CROWDED_STOP_T; else the short search stops at LNS_SHORT_STOP_T; the long one
  // below the minimum starts cool where most customers need one visit anywhere in the horizon.
  const crowded = !st.overCapacity && estimateVisits(st) >= CROWDED_FILL * st.cap * st.visitDayIdx.length;
  st.swapEvery = crowded ? CROWDED_SWAP_EVERY : 1;
  if (crowded) squeeze(st, SQUEEZE_FIRST_ITERS_PER_CUSTOMER);
  if (crowded) lns(st, Math.round(CROWDED_LNS_SHARE * iters), { stopAt: CROWDED_STOP_T });
  else if (st.swaps) lns(st, iters, { maxRemove: LNS_SHORT_MAX_REMOVE, stopAt: LNS_SHORT_STOP_T });
  else lns(st, iters, !st.overCapacity && coverageOnlyShare(st) >= COVERAGE_ONLY_SHARE ? { startAt: LNS_COOL_T0 } : {});
  if (st.swaps) swapSearch(st, SWAP_PASSES);
  repair(st);
  if (!crowded && squeeze(st)) {
    lns(st, Math.round(SQUEEZE_RECOVERY * iters));
    repair(st);
  }
  for (let pass = 0; pass < FINAL_PASSES; pass++) {
    st.beta = Math.min(BETA_MAX, st.beta * 2);
    sweep(st);
  }
  if (st.swaps) {
    swapSearch(st, SWAP_PASSES);
    for (const j of st.visitDayIdx) improveDay(st, j);
  }
}

/** Share of the customers whose class has no visit interval (one visit anywhere in the horizon). */
function coverageOnlyShare(st: PlanState): number {
  let k = 0;
  for (const cs of st.custs) if (!cs.info.iv) k++;
  return st.n > 0 ? k / st.n : 0;
}

/**
 * LNS iterations for n customers: work, not time. The short search (with swaps) runs
 * LNS_ITERS_PER_CUSTOMER per customer, at least LNS_MIN_ITERS and at most LNS_ITERS_LONG per
 * customer; the long one LNS_ITERS_LONG per customer. Both at most LNS_MAX_ITERS.
 */
export function lnsIterations(n: number, long = false): number {
  const perCustomer = long ? LNS_ITERS_LONG * n : Math.min(LNS_ITERS_LONG * n, Math.max(LNS_MIN_ITERS, LNS_ITERS_PER_CUSTOMER * n));
  return Math.min(LNS_MAX_ITERS, Math.round(perCustomer));
}
