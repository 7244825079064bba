/**
 * Repair of customers still late or missed: ejection chains, pair moves, and the squeeze (every
 * visit made expensive for a short LNS so that chains drop the visits they do not need).
 */
import { plan, unplan } from "./chain-dp.ts";
import { dist } from "./geometry.ts";
import { lns } from "./lns.ts";
import { chainPenalty, fewPenalised, penalty, penaltyOf } from "./objective.ts";
import { LNS_MAX_ITERS, REPAIR_CANDIDATES, REPAIR_ROUNDS, SQUEEZE_ITERS_PER_CUSTOMER, SQUEEZE_VISIT_BASE, VISIT_BASE } from "./params.ts";
import { type PlanState, begin, commit, insertAt, insertionCost, load, removalGain, rollback, touch } from "./state.ts";

/**
 * Rescue of customers still late or missed. (1) Ejection chains: a breadth-first search over
 * single-visit moves that keep the moved customer's chain on time frees a slot inside the
 * window of the failing visit, then the customer is re-planned. (2) Pair moves: the customer
 * takes the place of one other customer, who is re-planned. A change is kept when it lowers the
 * objective.
 */
export function repair(st: PlanState): void {
  for (let round = 0; round < REPAIR_ROUNDS; round++) {
    const pens: number[] = [];
    for (let c = 0; c < st.n; c++) if (chainPenalty(st, c, st.custs[c]!.visits) > 0) pens.push(c);
    if (pens.length === 0 || !fewPenalised(st, pens.length)) return;
    const pairs = pens.length <= Math.max(5, 0.05 * st.n);
    let improved = false;
    for (const c of pens) {
      if (chainPenalty(st, c, st.custs[c]!.visits) <= 0) continue;
      if (rescueByChain(st, c) || (pairs && rescueByPair(st, c))) improved = true;
    }
    if (!improved) return;
  }
}

/**
 * Still late or missed although the capacity suffices (a crowded calendar): make every visit
 * expensive for a short LNS so that chains drop the visits they do not need (visits as late as
 * allowed), which frees slots where deadlines crowd; then rescue. Returns whether it ran.
 */
export function squeeze(st: PlanState, itersPerCustomer = SQUEEZE_ITERS_PER_CUSTOMER): boolean {
  if (st.overCapacity) return false;
  let late = false;
  for (let c = 0; c < st.n && !late; c++) late = chainPenalty(st, c, st.custs[c]!.visits) > 0;
  if (!late) return false;
  st.visitBase = SQUEEZE_VISIT_BASE;
  lns(st, Math.min(LNS_MAX_ITERS, itersPerCustomer * st.n));
  repair(st);
  st.visitBase = VISIT_BASE;
  return true;
}

/** The window [earliest, due] (offsets) of c's first late or missing visit, or null. */
export function failingWindow(st: PlanState, c: number): [number, number] | null {
  const cs = st.custs[c]!;
  const info = cs.info;
  const { H, days } = st;
  if (!info.iv) return cs.visits.length === 0 && cs.covReq ? [0, H] : null;
  let due = cs.due0;
  let ear = cs.ear0;
  for (const j of cs.visits) {
    const y = days[j]!.off;
    if (due <= H && y > due) return [ear, due];
    due = info.due[y]!;
    ear = info.ear[y]!;
  }
  if (due <= H) return [ear, due];
  return cs.visits.length === 0 && cs.covReq ? [ear, H] : null;
}

/** Can e's visit on day a move to day b with e's chain staying on time and well spaced? */
function moveOk(st: PlanState, e: number, a: number, b: number): boolean {
  const cs = st.custs[e]!;
  if (cs.fixed.includes(a) || cs.visits.includes(b) || !st.days[b]!.visit) return false;
  const k = cs.visits.indexOf(a);
  if (k < 0) return false;
  const prev = k > 0 ? cs.visits[k - 1]! : -1;
  const next = k + 1 < cs.visits.length ? cs.visits[k + 1]! : -1;
  if ((prev >= 0 && b <= prev) || (next >= 0 && b >= next)) return false;
  const info = cs.info;
  if (!info.iv) return true;
  const { H, days } = st;
  const x = days[b]!.off;
  const lo = prev >= 0 ? info.ear[days[prev]!.off]! : cs.ear0;
  const due = prev >= 0 ? info.due[days[prev]!.off]! : cs.due0;
  if (x < lo || (due <= H && x > due)) return false;
  if (next >= 0) {
    const y = days[next]!.off;
    return y <= info.due[x]! && (cs.fixed.includes(next) || y >= info.ear[x]!);
  }
  return info.due[x]! > H || info.due[days[a]!.off]! <= H;
}

export function rescueByChain(st: PlanState, c: number): boolean {
  const win = failingWindow(st, c);
  if (!win) return false;
  const { days, cap } = st;
  const D = days.length;
  const from = new Int32Array(D).fill(-2);
  const via = new Int32Array(D).fill(-1);
  const queue: number[] = [];
  for (let j = st.firstDayAt[Math.min(win[0], st.H + 1)]!; j < D && days[j]!.off <= win[1]; j++) {
    if (!days[j]!.visit) continue;
    from[j] = -1;
    queue.push(j);
  }
  let end = -1;
  for (let qi = 0; qi < queue.length && end < 0; qi++) {
    const a = queue[qi]!;
    if (load(st, a) < cap) {
      end = a;
      break;
    }
    for (const e of days[a]!.route) {
      if (e === c) continue;
      for (const b of st.visitDayIdx) {
        if (from[b] !== -2 || !moveOk(st, e, a, b)) continue;
        from[b] = a;
        via[b] = e;
        queue.push(b);
      }
    }
  }
  if (end < 0) return false;
  const involved = [c];
  for (let b = end; from[b]! >= 0; b = from[b]!) involved.push(via[b]!);
  if (new Set(involved).size !== involved.length) return false;
  begin(st, involved);
  const before = penaltyOf(st, involved);
  let delta = 0;
  // Shift visits backwards along the path: the last move first, into the free day.
  for (let b = end; from[b]! >= 0; b = from[b]!) delta += moveVisit(st, via[b]!, from[b]!, b);
  delta -= unplan(st, c);
  delta += plan(st, c);
  if (penaltyOf(st, involved) < before - 1e-6 || delta < -1e-6) {
    commit(st);
    return true;
  }
  rollback(st, involved);
  return false;
}

/** Moves e's (non-fixed) visit from day a to day b; returns the change of routes + balance. */
export function moveVisit(st: PlanState, e: number, a: number, b: number): number {
  const r = st.days[a]!.route;
  const k = r.indexOf(e);
  touch(st, a);
  let delta = -removalGain(st, r, k);
  const La = load(st, a);
  delta -= penalty(st, La) - penalty(st, La - 1);
  r.splice(k, 1);
  const Lb = load(st, b);
  delta += insertionCost(st, e, b) + penalty(st, Lb + 1) - penalty(st, Lb);
  insertAt(st, e, b, true);
  const cs = st.custs[e]!;
  cs.visits = cs.visits.map((v) => (v === a ? b : v)).sort((x, y) => x - y);
  return delta;
}

function rescueByPair(st: PlanState, c: number): boolean {
  const cs = st.custs[c]!;
  // Days up to the last due date that matters: the first window, or the whole horizon.
  const hiOff = cs.info.iv && cs.due0 <= st.H && cs.visits.length === 0 ? cs.due0 : st.H;
  const cand = new Set<number>();
  for (let j = 0; j < st.firstDayAt[hiOff + 1]!; j++) {
    const day = st.days[j]!;
    if (!day.visit || load(st, j) < st.cap) continue;
    for (const o of day.route) if (o !== c && !st.custs[o]!.fixed.includes(j)) cand.add(o);
  }
  const others = [...cand].sort((a, b) => dist(st, c, a) - dist(st, c, b)).slice(0, REPAIR_CANDIDATES);
  for (const e of others) {
    const pair = [c, e];
    begin(st, pair);
    let delta = -unplan(st, c) - unplan(st, e);
    delta += plan(st, c);
    delta += plan(st, e);
    if (delta < -1e-6) {
      commit(st);
      return true;
    }
    rollback(st, pair);
  }
  return false;
}
