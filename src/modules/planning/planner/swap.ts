/**
 * Swap local search: two customers of one visit each, on different days, trade days. Loads stay
 * the same (full days cannot take a relocated visit; a swap needs no room), so only route detours
 * and the two chains' penalties change. First improvement, passes until none is found.
 */
import { dist, dStart, neighbours } from "./geometry.ts";
import { chainPenalty } from "./objective.ts";
import { type PlanState, removalGain, removeAt, touch, truncate } from "./state.ts";

/** Cheapest insertion of c into r as it would be without its stop at `skip`; position in that shorter route. */
function insertionWithout(st: PlanState, c: number, r: number[], skip: number, out: { pos: number }): number {
  // The route without r[skip], as a sequence of indices into r.
  let best = Infinity;
  let bestPos = 0;
  let prev = -1; // -1: the start
  let pos = 0;
  for (let k = 0; k < r.length; k++) {
    if (k === skip) continue;
    const b = r[k]!;
    const v = prev < 0 ? dStart(st, c) + dist(st, c, b) - dStart(st, b) : dist(st, prev, c) + dist(st, c, b) - dist(st, prev, b);
    if (v < best) {
      best = v;
      bestPos = pos;
    }
    prev = b;
    pos++;
  }
  // After the last stop.
  const tail = prev < 0 ? dStart(st, c) : dist(st, prev, c);
  if (tail < best) {
    best = tail;
    bestPos = pos;
  }
  out.pos = bestPos;
  return best;
}

/**
 * For c and route r: detour of c on each edge of r (edge k enters r[k]; edge r.length is after the
 * last stop) with prefix and suffix minima, so that c's cheapest insertion into r without any one
 * stop is found in O(1) (insertionSkipping).
 */
interface EdgeScratch {
  e: Float64Array;
  pre: Float64Array;
  preAt: Int32Array;
  suf: Float64Array;
  sufAt: Int32Array;
}

function edgeScratch(n: number): EdgeScratch {
  return { e: new Float64Array(n + 2), pre: new Float64Array(n + 2), preAt: new Int32Array(n + 2), suf: new Float64Array(n + 2), sufAt: new Int32Array(n + 2) };
}

function edgeDetours(st: PlanState, c: number, r: number[], sc: EdgeScratch): void {
  const m = r.length;
  const { e, pre, preAt, suf, sufAt } = sc;
  for (let k = 0; k <= m; k++) {
    if (k === m) e[k] = m === 0 ? dStart(st, c) : dist(st, r[m - 1]!, c);
    else if (k === 0) e[k] = dStart(st, c) + dist(st, c, r[0]!) - dStart(st, r[0]!);
    else e[k] = dist(st, r[k - 1]!, c) + dist(st, c, r[k]!) - dist(st, r[k - 1]!, r[k]!);
  }
  for (let k = 0; k <= m; k++) {
    if (k === 0 || e[k]! < pre[k - 1]!) {
      pre[k] = e[k]!;
      preAt[k] = k;
    } else {
      pre[k] = pre[k - 1]!;
      preAt[k] = preAt[k - 1]!;
    }
  }
  for (let k = m; k >= 0; k--) {
    if (k === m || e[k]! <= suf[k + 1]!) {
      suf[k] = e[k]!;
      sufAt[k] = k;
    } else {
      suf[k] = suf[k + 1]!;
      sufAt[k] = sufAt[k + 1]!;
    }
  }
}

/**
 * c's cheapest insertion into r without its stop at `skip` (edgeDetours(c, r) computed): the
 * edges before and after that stop's two, or the edge that then joins its neighbours. The
 * position is in the shorter route. Ties go to the earliest position, as insertionWithout.
 */
function insertionSkipping(st: PlanState, c: number, r: number[], skip: number, sc: EdgeScratch, out: { pos: number }): number {
  const m = r.length;
  let best = Infinity;
  let pos = 0;
  // Edges 0 .. skip − 1 keep their positions.
  if (skip > 0) {
    best = sc.pre[skip - 1]!;
    pos = sc.preAt[skip - 1]!;
  }
  // The joining edge: from r[skip − 1] (or the start) to r[skip + 1] (or the end of the path), at position skip.
  const a = skip > 0 ? r[skip - 1]! : -1;
  let j: number;
  if (skip + 1 < m) {
    const b = r[skip + 1]!;
    j = a < 0 ? dStart(st, c) + dist(st, c, b) - dStart(st, b) : dist(st, a, c) + dist(st, c, b) - dist(st, a, b);
  } else j = a < 0 ? dStart(st, c) : dist(st, a, c);
  if (j < best) {
    best = j;
    pos = skip;
  }
  // Edges skip + 2 .. m shift one position down.
  if (skip + 2 <= m && sc.suf[skip + 2]! < best) {
    best = sc.suf[skip + 2]!;
    pos = sc.sufAt[skip + 2]! - 1;
  }
  out.pos = pos;
  return best;
}

function insertAtPos(r: number[], c: number, at: number): void {
  let k = r.length;
  r.push(c);
  for (; k > at; k--) r[k] = r[k - 1]!;
  r[at] = c;
}

/** Whether c's visits may move: none of them fixed (a chain of several only with an interval). */
function movable(st: PlanState, c: number): boolean {
  const cs = st.custs[c]!;
  return cs.fixed.length === 0 && cs.visits.length >= 1 && (cs.visits.length === 1 || cs.info.iv !== null);
}

const chainBuf: number[] = [];
/**
 * Penalty of c's chain with its visit on day i moved to day j, Infinity when that chain breaks the
 * rules the chain DP keeps: a visit day, not before the earliest first visit, and each visit at
 * least the class's earliest next visit after the one before.
 */
function movedPenalty(st: PlanState, c: number, i: number, j: number): number {
  const cs = st.custs[c]!;
  const d = st.days[j]!;
  if (!d.visit) return Infinity;
  const vs = cs.visits;
  truncate(chainBuf, 0);
  let placed = false;
  for (let k = 0; k < vs.length; k++) {
    const x = vs[k]!;
    if (x === j) return Infinity;
    if (x === i) continue;
    if (!placed && j < x) {
      chainBuf.push(j);
      placed = true;
    }
    chainBuf.push(x);
  }
  if (!placed) chainBuf.push(j);
  return dpChain(st, c, chainBuf) ? chainPenalty(st, c, chainBuf) : Infinity;
}

/**
 * Whether the chain DP could choose this chain as a compliant one: the first visit from the
 * earliest first visit and by the first due date, each next one from the earliest next visit and
 * by its due date, and a visit after one not due again in the horizon only where the DP allows
 * that extra visit (coverage of the window after the horizon, or the next kept visit). A swap
 * that left this space would be undone by the next re-plan of the chain, at a cost.
 */
function dpChain(st: PlanState, c: number, chain: number[]): boolean {
  const cs = st.custs[c]!;
  const info = cs.info;
  const days = st.days;
  const H = st.H;
  const first = days[chain[0]!]!.off;
  if (first < cs.ear0) return false;
  if (!info.iv) return chain.length === 1;
  if (cs.due0 <= H && first > cs.due0) return false;
  for (let k = 1; k < chain.length; k++) {
    const x = days[chain[k - 1]!]!.off;
    const y = days[chain[k]!]!.off;
    if (y < info.ear[x]!) return false;
    const due = info.due[x]!;
    if (due <= H) {
      if (y > due) return false;
    } else if (!((cs.coverFromOff !== null && x < cs.coverFromOff) || (cs.nextOff !== null && due < cs.nextOff))) return false;
  }
  return true;
}

function setVisit(st: PlanState, c: number, i: number, j: number): void {
  const vs = st.custs[c]!.visits;
  const k = vs.indexOf(i);
  vs[k] = j;
  // Keep ascending (one element out of place).
  for (let m = k; m > 0 && vs[m - 1]! > vs[m]!; m--) [vs[m - 1], vs[m]] = [vs[m]!, vs[m - 1]!];
  for (let m = k; m + 1 < vs.length && vs[m + 1]! < vs[m]!; m++) [vs[m + 1], vs[m]] = [vs[m]!, vs[m + 1]!];
}

/** Runs swap passes until one finds nothing (at most maxPasses). Returns the objective change (≤ 0). */
export function swapSearch(st: PlanState, maxPasses = 4, nbIn?: Int32Array[], K = 20): number {
  if (st.n < 2) return 0;
  const nb = nbIn ?? neighbours(st, Math.min(st.n - 1, K));
  const pu = { pos: 0 };
  const pv = { pos: 0 };
  const seenDay = new Int32Array(st.days.length).fill(-1);
  const esc = edgeScratch(st.n + 2);
  // Each customer's chain penalty, kept as swaps change chains; whether its visits may move (a
  // swap keeps every chain's length and fixed visits).
  const curPen = new Float64Array(st.n);
  const mov = new Uint8Array(st.n);
  for (let c = 0; c < st.n; c++) {
    curPen[c] = chainPenalty(st, c, st.custs[c]!.visits);
    mov[c] = movable(st, c) ? 1 : 0;
  }
  // Per day, the removal gain of each stop (removalGain), computed on first use and dropped when
  // a swap changes the day: only this search changes routes while it runs.
  const gains: (Float64Array | null)[] = new Array<Float64Array | null>(st.days.length).fill(null);
  const gainsOf = (j: number): Float64Array => {
    const have = gains[j];
    if (have) return have;
    const r = st.days[j]!.route;
    const g = new Float64Array(r.length);
    for (let k = 0; k < r.length; k++) g[k] = removalGain(st, r, k);
    gains[j] = g;
    return g;
  };
  let total = 0;
  for (let pass = 0; pass < maxPasses; pass++) {
    let improved = 0;
    for (let u = 0; u < st.n; u++) {
      if (!mov[u]) continue;
      const cu = st.custs[u]!;
      for (let vi = 0; vi < cu.visits.length; vi++) {
        const i = cu.visits[vi]!;
        const ri = st.days[i]!.route;
        const ku = ri.indexOf(u);
        if (ku < 0) continue;
        const gainU = gainsOf(i)[ku]!;
        const penU = curPen[u]!;
        const stamp = u * 64 + vi;
        // Days where u's neighbours are: u would sit among them.
        let found = false;
        const kn = Math.min(K, nb[u]!.length);
        for (let a = 0; a < kn && !found; a++) {
          const w = nb[u]![a]!;
          for (const j of st.custs[w]!.visits) {
            if (j === i || seenDay[j] === stamp) continue;
            seenDay[j] = stamp;
            const penUj = movedPenalty(st, u, i, j);
            if (penUj === Infinity) continue;
            const rj = st.days[j]!.route;
            edgeDetours(st, u, rj, esc);
            const gj = gainsOf(j);
            for (let kv = 0; kv < rj.length; kv++) {
              const v = rj[kv]!;
              if (!mov[v]) continue;
              const gainV = gj[kv]!;
              // Bounds before pricing v's new chain: its penalty is at least 0, v's insertion too.
              const insU = insertionSkipping(st, u, rj, kv, esc, pu);
              const penV = curPen[v]!;
              if (penUj - penU - penV - gainU - gainV + insU >= -1e-9) continue;
              const penVi = movedPenalty(st, v, j, i);
              if (penVi === Infinity) continue;
              const penDelta = penUj - penU + penVi - penV;
              if (penDelta - gainU - gainV + insU >= -1e-9) continue;
              const insV = insertionWithout(st, v, ri, ku, pv);
              const delta = penDelta - gainU - gainV + insU + insV;
              if (delta >= -1e-9) continue;
              touch(st, i);
              touch(st, j);
              const ri2 = st.days[i]!.route;
              const rj2 = st.days[j]!.route;
              removeAt(ri2, ku);
              removeAt(rj2, kv);
              insertAtPos(ri2, v, pv.pos);
              insertAtPos(rj2, u, pu.pos);
              setVisit(st, u, i, j);
              setVisit(st, v, j, i);
              gains[i] = null;
              gains[j] = null;
              curPen[u] = penUj;
              curPen[v] = penVi;
              total += delta;
              improved++;
              found = true;
              break;
            }
            if (found) break;
          }
        }
        // u's visits changed: its other visits are looked at in the next pass.
        if (found) break;
      }
    }
    seenDay.fill(-1);
    if (improved === 0) break;
  }
  return total;
}
