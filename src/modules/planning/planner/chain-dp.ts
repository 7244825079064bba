/**
 * The per-customer chain DP: chooses a customer's whole chain of visits optimally against the rest
 * of the plan (cost of a visit on each day + lateness of the chain), and inserts it.
 */
import { chainPenalty, keptCost, lateCost, penalty, zoneCost } from "./objective.ts";
import { type ClassInfo, type DpScratch, type PlanState, insertAt, insertionCost, load, removalGain, removeAt, touch, truncate } from "./state.ts";

/**
 * Removes c's non-fixed visits from the plan. Returns the exact objective saved: route detours,
 * balance penalty, visit cost and the chain's lateness/miss/coverage penalties (only the
 * removal of the geographic and load parts is "real": the penalties come back with plan()).
 */
export function unplan(st: PlanState, c: number): number {
  const cs = st.custs[c]!;
  let saved = chainPenalty(st, c, cs.visits);
  for (const j of cs.visits) {
    if (cs.fixed.includes(j)) continue;
    const r = st.days[j]!.route;
    const k = r.indexOf(c);
    if (k < 0) continue;
    touch(st, j);
    saved += removalGain(st, r, k);
    const L = load(st, j);
    saved += penalty(st, L) - penalty(st, L - 1) + st.visitBase;
    removeAt(r, k);
  }
  // In place: begin() and the snapshots keep copies, nobody else holds the array.
  const v = cs.visits;
  truncate(v, 0);
  for (const j of cs.fixed) v.push(j);
  return saved;
}

/**
 * Chooses c's visits optimally against the current plan (c's own non-fixed visits removed) and
 * inserts them. Returns the chain's cost: route detours + load-balance change + visit costs +
 * lateness/miss/coverage penalties. A compliant chain is searched first (only the days inside
 * the windows are priced); late visits are considered only when no compliant chain exists.
 */
export function plan(st: PlanState, c: number): number {
  const cs = st.custs[c]!;
  const { days } = st;
  const dp = st.dp;
  const { isFixed, nextFixed } = dp;
  const D = days.length;
  // The memo belongs to this call: a new stamp invalidates every entry of the previous solve.
  dp.costStampNow++;
  st.work.chainSolves++;
  // isFixed is all zero between calls and nextFixed all -1 while the last customer had no fixed visit.
  const fixed = cs.fixed;
  let nf = -1;
  if (fixed.length > 0 || dp.nextFixedSet) {
    for (const j of fixed) isFixed[j] = 1;
    for (let j = D - 1; j >= 0; j--) {
      nextFixed[j] = nf;
      if (isFixed[j]) nf = j;
    }
    dp.nextFixedSet = fixed.length > 0;
  }
  const solve = dp.solve;
  solve.st = st;
  solve.c = c;
  solve.info = cs.info;
  solve.allowLate = false;
  let cost = solveStart(solve, nf);
  if (!(cost < cs.info.W * 0.5)) {
    solve.allowLate = true;
    cost = solveStart(solve, nf);
  }
  const visits = cs.visits;
  truncate(visits, 0);
  const known = st.mode === "route";
  for (let j = dp.choice; j >= 0; j = dp.next[j]!) {
    visits.push(j);
    if (!isFixed[j]) insertAt(st, c, j, known);
  }
  for (const j of fixed) isFixed[j] = 0;
  return cost;
}

/** One chain solve: the customer, whether late visits are allowed, and the DP's working memory. */
export interface Solve {
  st: PlanState;
  dp: DpScratch;
  c: number;
  info: ClassInfo;
  allowLate: boolean;
}

/** Cost of a visit of the solved customer on day j (memoised for the whole plan() call). */
function costAt(sv: Solve, j: number): number {
  const dp = sv.dp;
  if (dp.costStamp[j] === dp.costStampNow) return dp.cost[j]!;
  const st = sv.st;
  let v: number;
  if (dp.isFixed[j]) v = 0;
  else {
    const L = load(st, j);
    if (!st.days[j]!.visit || L >= st.cap) v = Infinity;
    else {
      const geo = st.mode === "zone" ? zoneCost(st, sv.c, j) : insertionCost(st, sv.c, j);
      v = geo + penalty(st, L + 1) - penalty(st, L) + st.visitBase;
    }
  }
  dp.cost[j] = v;
  dp.costStamp[j] = dp.costStampNow;
  return v;
}

/** Best cost of a visit on day j plus the rest of the chain (memoised per solve). */
function bestFrom(sv: Solve, j: number): number {
  const dp = sv.dp;
  if (dp.bestStamp[j] === dp.bestStampNow) return dp.best[j]!;
  const cj = costAt(sv, j);
  let total = Infinity;
  let choice = -1;
  if (cj !== Infinity) {
    const st = sv.st;
    const H = st.H;
    const dayOff = st.dayOff;
    const info = sv.info;
    const nfHere = dp.nextFixed[j]!;
    let cont: number;
    if (!info.iv) {
      cont = nfHere < 0 ? 0 : bestFrom(sv, nfHere);
      choice = nfHere;
    } else {
      const x = dayOff[j]!;
      const due = info.due[x]!;
      if (nfHere < 0) cont = due > H ? keptCost(st.custs[sv.c]!, x) : info.miss[due]!;
      else {
        cont = bestFrom(sv, nfHere) + lateCost(info, dayOff[nfHere]!, due);
        choice = nfHere;
      }
      // Not due again in the horizon, but the window after it needs a visit from coverFrom on, or
      // the next kept visit would come late after this one: one more (well spaced) visit may be planned.
      let extra = false;
      if (due > H) {
        const cs = st.custs[sv.c]!;
        const cf = cs.coverFromOff;
        extra = (cf !== null && x < cf) || (cs.nextOff !== null && due < cs.nextOff);
      }
      if (due <= H || extra) {
        const end = nfHere < 0 ? dayOff.length : nfHere;
        const stamp = dp.bestStampNow;
        const bestArr = dp.best;
        const bestStamp = dp.bestStamp;
        const lo = Math.max(j + 1, st.firstDayAt[Math.min(info.ear[x]!, H + 1)]!);
        // Days on or before the due date (all of them for the extra visit), then, when late
        // visits are allowed, the later ones with their lateness.
        const onTime = extra ? end : Math.min(end, st.firstDayAt[Math.min(due + 1, H + 1)]!);
        const last = !extra && sv.allowLate ? end : onTime;
        for (let m = lo; m < last; m++) {
          const b = bestStamp[m] === stamp ? bestArr[m]! : bestFrom(sv, m);
          const v = m < onTime ? b : b + lateCost(info, dayOff[m]!, due);
          if (v < cont) {
            cont = v;
            choice = m;
          }
        }
      }
    }
    total = cj + cont;
  }
  dp.best[j] = total;
  dp.next[j] = choice;
  dp.bestStamp[j] = dp.bestStampNow;
  return total;
}

/** Best cost of c's whole chain; the first visit of it goes to dp.choice (-1: none). */
function solveStart(sv: Solve, nf0: number): number {
  const { st, info, allowLate } = sv;
  const cs = st.custs[sv.c]!;
  const H = st.H;
  sv.dp.bestStampNow++;
  let cost: number;
  let choice = -1;
  if (nf0 >= 0) {
    cost = bestFrom(sv, nf0) + (cs.due0 <= H ? lateCost(info, st.dayOff[nf0]!, cs.due0) : 0);
    choice = nf0;
  } else {
    cost = (cs.due0 <= H ? info.miss[cs.due0]! : 0) + (cs.covReq ? info.W : 0);
  }
  const needVisit = info.iv ? cs.due0 <= H || (cs.covReq && nf0 < 0) : cs.covReq && nf0 < 0;
  if (needVisit) {
    const dayOff = st.dayOff;
    const end = nf0 < 0 ? dayOff.length : nf0;
    const lo = st.firstDayAt[Math.min(cs.ear0, H + 1)]!;
    const dueIn = cs.due0 <= H;
    // Days on or before the first due date, then (late visits allowed) the later ones.
    const onTime = dueIn && !allowLate ? Math.min(end, st.firstDayAt[Math.min(cs.due0 + 1, H + 1)]!) : end;
    // A chain of one visit (no fixed visit, nothing due after it in the horizon, no kept visit
    // after the horizon to meet): the rest of the chain costs nothing, so bestFrom(m) is costAt(m),
    // without the DP's recursion.
    const single = nf0 < 0 && lo < end && (!info.iv || (cs.coverFromOff === null && cs.nextOff === null && info.due[dayOff[lo]!]! > H));
    for (let m = lo; m < onTime; m++) {
      const v = (single ? costAt(sv, m) : bestFrom(sv, m)) + (dueIn ? lateCost(info, dayOff[m]!, cs.due0) : 0);
      if (v < cost) {
        cost = v;
        choice = m;
      }
    }
    if (single && choice >= 0) sv.dp.next[choice] = -1;
  }
  sv.dp.choice = choice;
  return cost;
}
