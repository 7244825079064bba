/**
 * Fill: optional visits on visit days below the daily minimum or well below the fullest day: the
 * most overdue customers that can take one without breaking spacing or creating an obligation.
 */
import { FILL_OVERDUE_KM, FILL_ROUNDS, NULL_CLASS_SPACING } from "./params.ts";
import { type PlanState, insertAt, insertionCost, load, removalGain, touch } from "./state.ts";

/**
 * Adds optional visits to visit days below the daily minimum, or more than 2 below the fullest
 * day (balance), lowest day first: the most overdue customers that can take an extra visit
 * without breaking spacing or creating a new obligation, nearest to the day's route first.
 */
export function fill(st: PlanState): void {
  const vd = st.visitDayIdx;
  if (vd.length === 0 || st.n === 0) return;
  let maxLoad = 0;
  for (const j of vd) maxLoad = Math.max(maxLoad, load(st, j));
  // The minimum only where it can be reached at all (a territory smaller than it cannot).
  const minimum = st.n >= st.input.dailyMinimum ? st.input.dailyMinimum : 0;
  const target = Math.min(st.cap, Math.max(minimum, maxLoad - 2));
  const exhausted = new Uint8Array(st.days.length);
  const fillers: [number, number][] = [];
  for (;;) {
    let j = -1;
    for (const k of vd) if (!exhausted[k] && load(st, k) < target && (j < 0 || load(st, k) < load(st, j))) j = k;
    if (j < 0) break;
    const bestC = bestFiller(st, j, -1, Infinity);
    if (bestC < 0) {
      exhausted[j] = 1;
      continue;
    }
    addFiller(st, bestC, j);
    fillers.push([bestC, j]);
  }
  improveFillers(st, fillers);
}

/** Swaps optional visits for better placed ones (same day) while that shortens the routes. */
function improveFillers(st: PlanState, fillers: [number, number][]): void {
  for (let round = 0; round < FILL_ROUNDS; round++) {
    let changed = false;
    for (const f of fillers) {
      const [c0, j] = f;
      const r = st.days[j]!.route;
      const k = r.indexOf(c0);
      if (k < 0) continue;
      const saving = removalGain(st, r, k);
      // Take c0 out, look for a better optional visit on the same day.
      touch(st, j);
      r.splice(k, 1);
      const cs0 = st.custs[c0]!;
      cs0.visits = cs0.visits.filter((v) => v !== j);
      const ratio0 = fillerRatio(st, c0, j);
      const better = bestFiller(st, j, c0, saving - FILL_OVERDUE_KM * Math.min(Math.max(ratio0, 0), 3) - 1e-6);
      const bestC = better < 0 ? c0 : better;
      if (bestC !== c0) changed = true;
      addFiller(st, bestC, j);
      f[0] = bestC;
    }
    if (!changed) break;
  }
}

/**
 * The customer (other than `skip`) whose optional visit on day j scores below `bound`, best first:
 * insertion cost less a bonus for being overdue. −1 when none does.
 */
function bestFiller(st: PlanState, j: number, skip: number, bound: number): number {
  let bestC = -1;
  let bestScore = bound;
  for (let c = 0; c < st.n; c++) {
    if (c === skip || st.custs[c]!.visits.includes(j)) continue;
    const ratio = fillerRatio(st, c, j);
    if (ratio < 0) continue;
    const score = insertionCost(st, c, j) - FILL_OVERDUE_KM * Math.min(ratio, 3);
    if (score < bestScore) {
      bestScore = score;
      bestC = c;
    }
  }
  return bestC;
}

function addFiller(st: PlanState, c: number, j: number): void {
  insertAt(st, c, j);
  const cs = st.custs[c]!;
  cs.visits.push(j);
  cs.visits.sort((a, b) => a - b);
}

/** How overdue an optional visit on day j would be (elapsed / interval), or −1 if it breaks a rule. */
function fillerRatio(st: PlanState, c: number, j: number): number {
  const cs = st.custs[c]!;
  const info = cs.info;
  const x = st.days[j]!.off;
  let prev: number | null = null; // offset (may be negative)
  let nextIdx = -1;
  for (const v of cs.visits) {
    if (v < j) prev = st.days[v]!.off;
    else if (v > j) {
      nextIdx = v;
      break;
    }
  }
  // Offsets, not dates: this runs for every customer on every filled slot.
  let prevEar = 0;
  let prevLen = 0;
  if (prev !== null) {
    prevEar = info.iv ? info.ear[prev]! : 0;
    prevLen = info.iv ? info.due[prev]! - prev : 0;
  } else if (cs.lastOff !== null) {
    prev = cs.lastOff;
    prevEar = cs.lastEarOff;
    prevLen = cs.lastLen;
  }
  if (!info.iv) {
    if (prev !== null && x - prev < NULL_CLASS_SPACING) return -1;
    if (nextIdx >= 0 && st.days[nextIdx]!.off - x < NULL_CLASS_SPACING) return -1;
    if (nextIdx < 0 && cs.nextOff !== null && cs.nextOff - x < NULL_CLASS_SPACING) return -1;
    return prev === null ? 2 : (x - prev) / NULL_CLASS_SPACING / 2;
  }
  if (prev !== null && x < prevEar) return -1;
  if (nextIdx >= 0) {
    if (!cs.fixed.includes(nextIdx) && st.days[nextIdx]!.off < info.ear[x]!) return -1;
  } else if (info.due[x]! <= st.H || (cs.nextOff !== null && info.ear[x]! > cs.nextOff)) return -1;
  if (prev === null) return 2;
  const len = prevLen;
  return (x - prev) / Math.max(1, len);
}
