/**
 * Large neighbourhood search: remove a group of related customers, re-insert them with the chain
 * DP (most constrained first); simulated-annealing acceptance, the best plan seen is kept.
 */
import { plan, unplan } from "./chain-dp.ts";
import { dist, neighbours, routeLength } from "./geometry.ts";
import { chainPenalty, fewPenalised, setBand } from "./objective.ts";
import { LNS_MAX_REMOVE, LNS_P_DAY, LNS_P_PEN, LNS_P_WORST, LNS_ROUTE_EVERY, LNS_T0, LNS_T1 } from "./params.ts";
import { improveDay } from "./route.ts";
import { swapSearch } from "./swap.ts";
import { type PlanState, begin, clearDirty, commit, firstWindow, load, removalGain, restoreAll, rollback, saveAll, shuffle, totalLoad, truncate } from "./state.ts";

/** Chooses the customers an LNS step removes: one of the removal operators below, at random. */
function pickRemoval(st: PlanState, q: number, nb: Int32Array[], rnd: () => number, penalised: number[], sc: RemovalScratch): number[] {
  // Few penalised customers: probably fixable by repacking, try often. Many (over capacity): rarely.
  const pPen = fewPenalised(st, penalised.length) ? LNS_P_PEN : 0.05;
  if (penalised.length > 0 && rnd() < pPen) return removeAroundPenalised(st, q, rnd, penalised, sc);
  const u = rnd();
  if (u < LNS_P_DAY && st.visitDayIdx.length > 0) {
    const set = removePartOfDay(st, q, rnd);
    if (set) return set;
  } else if (u < LNS_P_DAY + LNS_P_WORST && st.visitDayIdx.length > 0) {
    const set = removeWorstDetour(st, q, nb, rnd);
    if (set) return set;
  }
  return removeNeighbours(st, q, nb, rnd);
}

/**
 * Working memory of removeAroundPenalised, reused by every step of one lns() call. A penalised
 * customer's first window can span most of the horizon, so collecting the customers on its days
 * and sorting them all by distance was a quarter of an over-capacity plan; instead each penalised
 * customer gets, once, every other customer in order of distance, and a step walks that list only
 * as far as it draws from it.
 */
export interface RemovalScratch {
  /** Per customer, the others by distance (ties by index); built on first use. */
  byDist: (Int32Array | null)[];
  key: Float64Array;
  run: number[];
  runDay: Int32Array;
  runPos: Int32Array;
}

export function removalScratch(n: number): RemovalScratch {
  return { byDist: new Array<Int32Array | null>(n).fill(null), key: new Float64Array(n), run: [], runDay: new Int32Array(n), runPos: new Int32Array(n) };
}

function othersByDistance(st: PlanState, c: number, sc: RemovalScratch): Int32Array {
  const have = sc.byDist[c];
  if (have) return have;
  const key = sc.key;
  const ids: number[] = [];
  for (let o = 0; o < st.n; o++) {
    if (o === c) continue;
    key[o] = dist(st, c, o);
    ids.push(o);
  }
  ids.sort((a, b) => key[a]! - key[b]! || a - b);
  const out = Int32Array.from(ids);
  sc.byDist[c] = out;
  return out;
}

/** The first day of [lo, hi) on which o has a movable visit (-1: none). */
function firstMovableDay(st: PlanState, o: number, lo: number, hi: number): number {
  const cs = st.custs[o]!;
  for (const j of cs.visits) {
    if (j < lo) continue;
    if (j >= hi) return -1;
    if (st.days[j]!.visit && (cs.fixed.length === 0 || !cs.fixed.includes(j))) return j;
  }
  return -1;
}

/**
 * A customer with a late or missed visit, and customers on the days of its first window: the
 * candidates nearest first, each taken with probability ½. Candidates at the same distance come
 * in the order the days list them (day, then route position).
 */
export function removeAroundPenalised(st: PlanState, q: number, rnd: () => number, penalised: number[], sc: RemovalScratch): number[] {
  const c = penalised[Math.floor(rnd() * penalised.length)]!;
  const cs = st.custs[c]!;
  const lo = st.firstDayAt[Math.min(cs.ear0, st.H + 1)]!;
  const hi = st.firstDayAt[Math.min(cs.info.iv ? cs.due0 + 1 : st.H + 1, st.H + 1)]!;
  const set = [c];
  if (lo >= hi) return set;
  const list = othersByDistance(st, c, sc);
  const run = sc.run;
  // Distances read straight from the matrix row when there is one (this walk is the operator's cost).
  const M = st.M;
  const row = c * st.n;
  for (let k = 0; k < list.length && set.length < q; ) {
    const o = list[k]!;
    const d = M ? M[row + o]! : dist(st, c, o);
    // Usually a run of one: the next candidate is farther.
    let e = k + 1;
    while (e < list.length && (M ? M[row + list[e]!]! : dist(st, c, list[e]!)) === d) e++;
    if (e === k + 1) {
      if (firstMovableDay(st, o, lo, hi) >= 0 && rnd() < 0.5) set.push(o);
      k = e;
      continue;
    }
    truncate(run, 0);
    for (let m = k; m < e; m++) {
      const x = list[m]!;
      const jx = firstMovableDay(st, x, lo, hi);
      if (jx < 0) continue;
      sc.runDay[x] = jx;
      sc.runPos[x] = st.days[jx]!.route.indexOf(x);
      run.push(x);
    }
    run.sort((a, b) => sc.runDay[a]! - sc.runDay[b]! || sc.runPos[a]! - sc.runPos[b]!);
    for (let m = 0; m < run.length && set.length < q; m++) if (rnd() < 0.5) set.push(run[m]!);
    k = e;
  }
  return set;
}

/** Part of one day: the members nearest to a random member (re-cuts the day's area). Null if the day is empty. */
export function removePartOfDay(st: PlanState, q: number, rnd: () => number): number[] | null {
  const j = st.visitDayIdx[Math.floor(rnd() * st.visitDayIdx.length)]!;
  const r = st.days[j]!.route.filter((c) => !st.custs[c]!.fixed.includes(j));
  if (r.length === 0) return null;
  const s0 = r[Math.floor(rnd() * r.length)]!;
  r.sort((a, b) => dist(st, s0, a) - dist(st, s0, b));
  return r.slice(0, Math.max(2, Math.min(r.length, Math.ceil(q / 2))));
}

/** The worst detour of a random day and its neighbours. Null if the day has no movable visit. */
export function removeWorstDetour(st: PlanState, q: number, nb: Int32Array[], rnd: () => number): number[] | null {
  const j = st.visitDayIdx[Math.floor(rnd() * st.visitDayIdx.length)]!;
  const r = st.days[j]!.route;
  let worst = -1;
  let wv = -Infinity;
  for (let k = 0; k < r.length; k++) {
    const c = r[k]!;
    if (st.custs[c]!.fixed.includes(j)) continue;
    const v = removalGain(st, r, k);
    if (v > wv) {
      wv = v;
      worst = c;
    }
  }
  if (worst < 0) return null;
  return withNeighbours(worst, nb, q, rnd);
}

/** A random customer and some of its nearest neighbours. */
export function removeNeighbours(st: PlanState, q: number, nb: Int32Array[], rnd: () => number): number[] {
  return withNeighbours(Math.floor(rnd() * st.n), nb, q, rnd);
}

/** seed and, up to q in all, each of its nearest neighbours with probability 0.7 (in order). */
function withNeighbours(seed: number, nb: Int32Array[], q: number, rnd: () => number): number[] {
  const set = [seed];
  const pool = nb[seed]!;
  for (let k = 0; k < pool.length && set.length < q; k++) if (rnd() < 0.7) set.push(pool[k]!);
  return set;
}

/**
 * The most the balance penalty can fall when R more visits are added to today's loads: only an
 * under-loaded day's penalty falls with a visit (by β·(2d − 1) at a deficit of d below the band,
 * less for each next one), so the R largest of those steps. Adding visits never lowers the
 * penalty of a day at or above the band.
 */
export function balanceGain(st: PlanState, R: number, ds: Int32Array): number {
  if (!st.lowerBand || R <= 0) return 0;
  let m = 0;
  let units = 0;
  let all = 0;
  for (const j of st.visitDayIdx) {
    const d = st.bandLo - load(st, j);
    if (d <= 0) continue;
    ds[m++] = d;
    units += d;
    all += d * d;
  }
  if (R >= units) return st.beta * all;
  // Deficits, largest first (a handful of days).
  for (let i = 1; i < m; i++) {
    const d = ds[i]!;
    let k = i;
    for (; k > 0 && ds[k - 1]! < d; k--) ds[k] = ds[k - 1]!;
    ds[k] = d;
  }
  // Level by level from the largest deficit: every day with a deficit ≥ v offers a step of β·(2v − 1).
  let gain = 0;
  let cnt = 0;
  for (let v = ds[0]!; v > 0 && R > 0; v--) {
    while (cnt < m && ds[cnt]! >= v) cnt++;
    const k = Math.min(cnt, R);
    gain += k * (2 * v - 1);
    R -= k;
  }
  return st.beta * gain;
}

/**
 * Visits c's chain has at most: every visit on the first day allowed after the one before (half
 * an interval), from its earliest first visit on; one without an interval. -1 with fixed visits
 * (a fixed visit restarts the chain, so no small bound is kept for those).
 */
function mostVisits(st: PlanState, c: number): number {
  const cs = st.custs[c]!;
  if (cs.fixed.length > 0) return -1;
  const info = cs.info;
  if (!info.iv) return 1;
  let k = 0;
  // x grows by at least a day per visit: at most H + 1 of them.
  for (let x = cs.ear0; x <= st.H; x = info.ear[x]! > x ? info.ear[x]! : x + 1) k++;
  return k;
}

/**
 * Visits c's chain has at least, unless a visit comes late or is missed: its due dates when each
 * visit falls on the last allowed day (an earlier visit only brings the next due date forward).
 * A late or missed visit costs at least half a class weight (≥ 5,000), more than the visit costs
 * it saves (at most 4 × visitBase ≤ 2,000), so visitBase × this bounds the chain's visit costs
 * from below. 0 with fixed visits (they cost nothing and may carry the chain).
 */
function fewestVisits(st: PlanState, c: number): number {
  const cs = st.custs[c]!;
  if (cs.fixed.length > 0) return 0;
  const info = cs.info;
  let k = 0;
  if (info.iv) for (let x = cs.due0; x <= st.H && k < 4; x = info.due[x]!) k++;
  return k === 0 && cs.covReq ? 1 : k;
}

/**
 * Whether a step whose final delta is at least `bound` is rejected whatever the rest of it does:
 * acceptance needs delta < 1e-9 or u < exp(−delta / T). The margin covers rounding in the bound.
 */
function certainReject(bound: number, T: number, u: number): boolean {
  const d = bound - 1e-6;
  return d >= 1e-9 && u >= Math.exp(-d / T);
}

/**
 * Most constrained first: penalised, then protected classes (weight), then tight windows; equal
 * ones keep their (shuffled) order. A stable insertion sort: the same order as Array.sort with
 * this comparator, without a closure call per comparison on these ~10-element arrays.
 */
function sortByConstraint(order: number[], pen: Uint8Array, wOf: Float64Array, win: Float64Array): void {
  for (let i = 1; i < order.length; i++) {
    const c = order[i]!;
    let k = i;
    for (; k > 0; k--) {
      const o = order[k - 1]!;
      // o goes after c when c is more constrained (the comparator's cmp(o, c) > 0).
      const cmp = pen[c]! - pen[o]! || wOf[c]! - wOf[o]! || win[o]! - win[c]!;
      if (!(cmp > 0)) break;
      order[k] = o;
    }
    order[k] = c;
  }
}

/**
 * Steps of a schedule of `iters` steps cooling geometrically from LNS_T0 to LNS_T1 until its
 * temperature reaches stopAt (all of them when stopAt ≤ LNS_T1): counted, never timed.
 */
export function stepsUntil(iters: number, stopAt: number): number {
  if (!(stopAt > LNS_T1) || iters <= 0) return iters;
  if (stopAt >= LNS_T0) return 0;
  return Math.min(iters, Math.round((iters * Math.log(stopAt / LNS_T0)) / Math.log(LNS_T1 / LNS_T0)));
}

/**
 * Large neighbourhood search: remove a group of neighbouring customers, re-insert them one by
 * one with the chain DP (most constrained first); routes are improved every few hundred steps;
 * simulated-annealing acceptance, the best plan seen is kept. The temperature falls from LNS_T0
 * to LNS_T1 over `iters` steps; a run may stop early (stopAt) or start cool (startAt), counted
 * in steps of that same schedule.
 */
export interface LnsOptions {
  /** A step removes 3 .. 3 + maxRemove − 1 customers (default LNS_MAX_REMOVE). */
  maxRemove?: number;
  /** Stop once the temperature reaches this (default LNS_T1: the whole schedule). */
  stopAt?: number;
  /** Start at this temperature, skipping the schedule's hotter steps (default LNS_T0). */
  startAt?: number;
}

export function lns(st: PlanState, iters: number, { maxRemove = LNS_MAX_REMOVE, stopAt = LNS_T1, startAt = LNS_T0 }: LnsOptions = {}): void {
  if (iters <= 0 || st.n < 2) return;
  // A cooler start skips the schedule's first steps (those above startAt).
  const skipped = startAt < LNS_T0 ? stepsUntil(iters, startAt) : 0;
  const steps = stepsUntil(iters, stopAt) - skipped;
  setBand(st, totalLoad(st), true);
  const K = Math.min(st.n - 1, 40);
  const nb = neighbours(st, K);
  const rnd = st.rnd;
  const cool = Math.pow(LNS_T1 / LNS_T0, 1 / iters);
  let T = skipped > 0 ? LNS_T0 * Math.pow(cool, skipped) : LNS_T0;
  let cur = 0;
  let best = 0;
  // One snapshot buffer, overwritten at every new best: a run finds thousands of them.
  const bestSnap = saveAll(st);
  const sc = removalScratch(st.n);
  const penalised: number[] = [];
  const pen = new Uint8Array(st.n);
  const win = new Float64Array(st.n);
  for (let c = 0; c < st.n; c++) win[c] = firstWindow(st, c);
  const wOf = new Float64Array(st.n);
  for (let c = 0; c < st.n; c++) wOf[c] = st.custs[c]!.info.W;
  const visitsOwed = new Int32Array(st.n);
  for (let c = 0; c < st.n; c++) visitsOwed[c] = fewestVisits(st, c);
  const visitsMost = new Int32Array(st.n);
  for (let c = 0; c < st.n; c++) visitsMost[c] = mostVisits(st, c);
  const deficits = new Int32Array(st.visitDayIdx.length);
  let tidies = 0;
  for (let it = 0; it < steps; it++, T *= cool) {
    const q = Math.min(st.n, 3 + Math.floor(rnd() * maxRemove));
    if (it % 50 === 0) {
      penalised.length = 0;
      for (let c = 0; c < st.n; c++) if (chainPenalty(st, c, st.custs[c]!.visits) > 0) penalised.push(c);
    }
    const set = pickRemoval(st, q, nb, rnd, penalised, sc);
    const fixable = fewPenalised(st, penalised.length);
    for (const c of set) pen[c] = fixable && chainPenalty(st, c, st.custs[c]!.visits) > 0 ? 1 : 0;
    if (it % LNS_ROUTE_EVERY === LNS_ROUTE_EVERY - 1) {
      // Insertion leaves routes a little worse than they need be: tidy them (never worse).
      for (const j of st.dirty) {
        const r = st.days[j]!.route;
        const before = routeLength(st, r);
        improveDay(st, j);
        cur += routeLength(st, r) - before;
      }
      clearDirty(st);
      // Trades of days between customers (loads unchanged), which re-insertion rarely finds on full
      // days: at every st.swapEvery-th tidy.
      if (st.swaps && tidies++ % st.swapEvery === 0) cur += swapSearch(st, 1, nb);
      if (cur < best - 1e-6) {
        best = cur;
        saveAll(st, bestSnap);
      }
    }
    begin(st, set);
    let delta = 0;
    for (const c of set) delta -= unplan(st, c);
    // Most constrained first: penalised, then protected classes, then tight windows.
    const order = shuffle(set.slice(), rnd);
    sortByConstraint(order, pen, wOf, win);
    // Early rejection: the step's acceptance draw is known in advance (nothing between here and
    // the test draws), and the customers still to insert cost at least their fewest visits ×
    // visitBase less what balance can win back (insertions never shorten a route, chain
    // penalties are ≥ 0, and only under-loaded days' penalties fall as visits are added, by at
    // most balanceGain for the visits the rest can have). Once the step cannot be accepted any
    // more, the rest of its re-insertions are skipped: the same plan as with all of them.
    const u = st.peekRnd();
    let rest = 0;
    let restMost = 0;
    for (const c of order) {
      rest += visitsOwed[c]!;
      restMost += visitsMost[c]! < 0 ? st.n * st.days.length : visitsMost[c]!;
    }
    let hopeless = false;
    for (let k = 0; k < order.length; k++) {
      const c = order[k]!;
      delta += plan(st, c);
      if (k + 1 === order.length) break;
      rest -= visitsOwed[c]!;
      restMost -= visitsMost[c]! < 0 ? st.n * st.days.length : visitsMost[c]!;
      // balanceGain ≥ 0 only weakens the bound: it is worth computing only when the bound without it rejects.
      const bound = delta + rest * st.visitBase;
      if (certainReject(bound, T, u) && certainReject(bound - balanceGain(st, restMost, deficits), T, u)) {
        hopeless = true;
        break;
      }
    }
    if (hopeless) {
      rnd(); // the draw the acceptance test would have made
      rollback(st, set);
      continue;
    }
    if (delta < 1e-9 || rnd() < Math.exp(-delta / T)) {
      commit(st);
      cur += delta;
      if (cur < best - 1e-6) {
        best = cur;
        saveAll(st, bestSnap);
      }
    } else {
      rollback(st, set);
    }
  }
  if (cur > best + 1e-6) restoreAll(st, bestSnap);
}
