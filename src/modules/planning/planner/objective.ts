/**
 * The objective, in km-equivalents: route km (cheapest insertion) + load-balance penalty + visit
 * costs + lateness / missed-visit / coverage penalties weighted by class priority.
 */
import { routeLength } from "./geometry.ts";
import { LATE_BASE, LATE_MAX, LATE_PER_DAY } from "./params.ts";
import { load, type ClassInfo, type CustState, type PlanState } from "./state.ts";

export function penalty(st: PlanState, L: number): number {
  let p = 0;
  if (L > st.bandHi) p += (L - st.bandHi) * (L - st.bandHi);
  if (st.lowerBand && L < st.bandLo) p += (st.bandLo - L) * (st.bandLo - L);
  return st.beta * p;
}

export function setBand(st: PlanState, total: number, lowerBand: boolean): void {
  const nv = st.visitDayIdx.length;
  const target = nv > 0 ? total / nv : 0;
  st.bandHi = Math.min(st.cap, Math.floor(target) + 1);
  st.bandLo = st.bandHi - 2;
  st.lowerBand = lowerBand;
}

export function zoneCost(st: PlanState, c: number, j: number): number {
  const cs = st.custs[c]!;
  const L = cs.info.level;
  const z = st.days[j]!.zone[L]!;
  const lo = st.wedges.lo[L]![z]!;
  const hi = st.wedges.hi[L]![z]!;
  const phi = cs.phi;
  if (phi >= lo && phi < hi) return 0;
  const TWO_PI = 2 * Math.PI;
  const circ = (a: number) => {
    const d = Math.abs(a) % TWO_PI;
    return Math.min(d, TWO_PI - d);
  };
  const ang = Math.min(circ(phi - lo), circ(phi - hi));
  return 2 * cs.r * Math.sin(Math.min(ang, Math.PI) / 2);
}

export function lateCost(info: ClassInfo, y: number, due: number): number {
  return y <= due ? 0 : info.W * Math.min(LATE_MAX, LATE_BASE + LATE_PER_DAY * (y - due));
}

/** Lateness, missed-visit and coverage penalties of a chain of visits (day indices, ascending). */
export function chainPenalty(st: PlanState, c: number, visits: number[]): number {
  const cs = st.custs[c]!;
  const info = cs.info;
  const { H, days } = st;
  if (visits.length === 0) return (cs.due0 <= H ? info.miss[cs.due0]! : 0) + (cs.covReq ? info.W : 0);
  if (!info.iv) return 0;
  let p = 0;
  let due = cs.due0;
  for (const j of visits) {
    const y = days[j]!.off;
    if (due <= H) p += lateCost(info, y, due);
    due = info.due[y]!;
  }
  if (due <= H) p += info.miss[due]!;
  else p += keptCost(cs, days[visits[visits.length - 1]!]!.off);
  return p;
}

/** Rough count of the visits the plan will need (for the balance band during construction). */
export function estimateVisits(st: PlanState): number {
  let total = 0;
  for (const d of st.days) if (d.visit) total += d.foreign.length;
  for (const cs of st.custs) {
    let k = 0;
    if (cs.info.iv) for (let x = cs.due0; x <= st.H; x = cs.info.due[x]!) k++;
    if (k === 0 && cs.covReq) k = 1;
    total += Math.max(k, cs.fixed.filter((j) => st.days[j]!.visit).length);
  }
  return total;
}

export function penaltyOf(st: PlanState, set: number[]): number {
  let p = 0;
  for (const c of set) p += chainPenalty(st, c, st.custs[c]!.visits);
  return p;
}

/**
 * Late or missed customers worth chasing one by one: any number while the capacity suffices,
 * only a few when over capacity (then most of them cannot be helped).
 */
export function fewPenalised(st: PlanState, count: number): boolean {
  return count <= Math.max(5, (st.overCapacity ? 0.05 : 0.25) * st.n);
}

/**
 * The whole objective of the current plan (route km + balance + visit costs + chain penalties):
 * what every search step changes by its returned delta. Used to check stages, not in the loop.
 */
export function totalObjective(st: PlanState): number {
  let total = 0;
  for (const j of st.visitDayIdx) {
    const r = st.days[j]!.route;
    total += routeLength(st, r) + penalty(st, load(st, j));
  }
  for (let c = 0; c < st.n; c++) {
    const cs = st.custs[c]!;
    total += chainPenalty(st, c, cs.visits) + st.visitBase * cs.visits.filter((j) => !cs.fixed.includes(j)).length;
  }
  return total;
}

/**
 * Cost of the chain ending with a visit at offset x against the next kept visit after the horizon:
 * that visit late (more than an interval after x) or too early (less than half an interval).
 */
export function keptCost(cs: CustState, x: number): number {
  const info = cs.info;
  if (!info.iv) return 0;
  // The last visit before coverFrom leaves the window after the horizon uncovered.
  let p = cs.coverFromOff !== null && x < cs.coverFromOff ? info.W * LATE_BASE : 0;
  const K = cs.nextOff;
  if (K !== null) p += lateCost(info, K, info.due[x]!) + (info.ear[x]! > K ? info.W * LATE_BASE : 0);
  return p;
}
