import { seededRandom } from "../../core/random.ts";
import { haversineMetres, matrixFrom, type DistanceMatrix, type LatLng } from "./planner/geometry.ts";

/**
 * Visit ordering: a small, dependency-free TSP solver.
 *
 * Small instances (a typical day) are solved exactly with Held–Karp. Larger ones use a
 * nearest-neighbour start, a 2-opt + Or-opt local search driven by neighbour lists and a work
 * queue (don't-look bits), and an iterated local search with segment-swap ("double-bridge")
 * kicks until a time budget or a stall limit is reached. Randomness comes from a seeded PRNG so
 * that a run that ends on its stall limit is reproducible; a run cut by the time budget depends
 * on machine speed.
 */

// Geometry lives with the planner's and is shared; re-exported here for existing callers.
export { haversineMetres, matrixFrom, type DistanceMatrix, type LatLng } from "./planner/geometry.ts";

export interface SolveOptions {
  /**
   * Work budget of the heuristic: the most kicks (perturbation + repair) of the iterated local
   * search; defaults grow with the instance size (see defaultKicks). Counted in work, never in
   * wall time, so the same input gives the same route on any machine and under any load.
   */
  maxKicks?: number;
  /** PRNG seed of the heuristic (default 1). */
  seed?: number;
  /** Largest number of free nodes solved exactly with Held–Karp (default 15, capped at MAX_EXACT). */
  exactLimit?: number;
}

export interface PathResult {
  order: number[];
  length: number;
}

const DEFAULT_EXACT_LIMIT = 15;
/** Held–Karp needs 2^k·k doubles: 18 free nodes is ~38 MB, beyond that memory, not time, is the problem. */
const MAX_EXACT = 18;

/**
 * Open path: starts at node 0 (fixed, the manager's start point), visits every other node once, ends anywhere.
 * `order` lists the visited node indices 1..n-1 in visiting order (node 0 excluded). Exact Held–Karp when n-1 <= exactLimit.
 */
export function solveOpenPath(m: DistanceMatrix, opts: SolveOptions = {}): PathResult {
  checkMatrix(m);
  const n = m.n;
  if (n <= 1) return { order: [], length: 0 };
  const k = n - 1;
  if (k <= exactLimitOf(opts) || k <= 2) return heldKarp(m, false);

  return openPathSearch(m, budgetOf(opts, n + 1), opts.seed ?? 1);
}

/**
 * The project's one 2-opt + Or-opt for a given open path: improves `order` (nodes 1..n-1, from
 * node 0) by an exhaustive first-improvement 2-opt and best-position Or-opt (segments of 1..3,
 * both directions) until no move improves.
 * The planner tidies its day routes with this during its search. Exhaustive rather than the
 * neighbour-list search of solveOpenPath: a day has ~20 stops, so trying every move is cheap, and
 * the pruned search left the planner's routes ~6% longer (its LNS prices insertions against them).
 */
export function improveOpenPath(m: DistanceMatrix, order: number[]): PathResult {
  checkMatrix(m);
  if (m.n <= 3) return { order: order.slice(), length: pathLength(m, 0, order) };
  const r = order.slice();
  exhaustivePathSearch(searchMatrix(m), m.n, r);
  return { order: r, length: pathLength(m, 0, r) };
}

/** 2-opt and Or-opt on an open path from node 0 (r lists the other nodes), in place, until no improvement. */
function exhaustivePathSearch(dm: Float64Array, n: number, r: number[]): void {
  const m = r.length;
  if (m < 3) return;
  // Node 0 is the start; a null neighbour (the path's loose end) costs nothing.
  const P = (k: number): number => (k < 0 ? 0 : r[k]!);
  const d = (a: number, b: number): number => dm[a * n + b]!;
  let improved = true;
  let guard = 0;
  while (improved && guard++ < 50) {
    improved = false;
    // 2-opt: reverse r[i..k].
    for (let i = 0; i < m - 1; i++) {
      const a = P(i - 1);
      const b = r[i]!;
      for (let k = i + 1; k < m; k++) {
        const c = r[k]!;
        const e = k + 1 < m ? r[k + 1]! : -1;
        const before = d(a, b) + (e < 0 ? 0 : d(c, e));
        const after = d(a, c) + (e < 0 ? 0 : d(b, e));
        if (after < before - 1e-9) {
          for (let x = i, y = k; x < y; x++, y--) {
            const t = r[x]!;
            r[x] = r[y]!;
            r[y] = t;
          }
          improved = true;
          break;
        }
      }
    }
    // Or-opt: move a segment of 1..3 stops to its best place (possibly reversed).
    for (let len = 1; len <= 3; len++) {
      for (let i = 0; i + len <= m; i++) {
        const a = P(i - 1);
        const s0 = r[i]!;
        const s1 = r[i + len - 1]!;
        const e = i + len < m ? r[i + len]! : -1;
        const removeGain = d(a, s0) + (e < 0 ? 0 : d(s1, e) - d(a, e));
        let bestDelta = -1e-9;
        let bestK = -2;
        let bestRev = false;
        for (let k = -1; k < m; k++) {
          if (k >= i - 1 && k < i + len) continue;
          const p = P(k);
          const q = k + 1 < m ? r[k + 1]! : -1;
          // k + 1 lies outside the segment and k + 1 !== i: the skip above leaves k < i - 1 or k >= i + len.
          const base = q < 0 ? 0 : d(p, q);
          const fwd = d(p, s0) + (q < 0 ? 0 : d(s1, q)) - base;
          const rev = d(p, s1) + (q < 0 ? 0 : d(s0, q)) - base;
          if (fwd - removeGain < bestDelta) {
            bestDelta = fwd - removeGain;
            bestK = k;
            bestRev = false;
          }
          if (len > 1 && rev - removeGain < bestDelta) {
            bestDelta = rev - removeGain;
            bestK = k;
            bestRev = true;
          }
        }
        if (bestK !== -2) {
          const seg = r.splice(i, len);
          if (bestRev) seg.reverse();
          const insertAfter = bestK < i ? bestK : bestK - len;
          r.splice(insertAfter + 1, 0, ...seg);
          improved = true;
        }
      }
    }
  }
}

function openPathSearch(m: DistanceMatrix, maxKicks: number, seed: number): PathResult {
  const n = m.n;
  // Closed-tour formulation: a dummy node D = n, free (0) to reach from every stop, chained to
  // node 0 by a heavily negative edge. Every sensible tour then contains D–0, so dropping D leaves a
  // path from 0 whose loose end is D's other neighbour; moves that would break D–0 show a huge loss
  // and are never taken, and moving the path's end is an ordinary 2-opt/Or-opt move next to D.
  const N = n + 1;
  const src = searchMatrix(m);
  const d = new Float64Array(N * N);
  let maxEntry = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = src[i * n + j];
      d[i * N + j] = v;
      if (v > maxEntry) maxEntry = v;
    }
  }
  const big = (maxEntry + 1) * 64;
  d[n * N] = -big;
  d[n] = -big;
  const tour = improveTour(d, N, maxEntry, {
    maxKicks,
    stallLimit: stallLimitOf(N),
    seed,
    fixedA: n,
    fixedB: 0,
  });

  // Walk away from D starting at 0.
  const p0 = tour.indexOf(0);
  const toD = tour[(p0 + 1) % N] === n ? 1 : tour[(p0 + N - 1) % N] === n ? -1 : 0;
  if (toD === 0) throw new Error("solveOpenPath: internal error, the start lost its link to the path end");
  const step = toD === 1 ? N - 1 : 1;
  const order: number[] = [];
  for (let s = 1; s < N - 1; s++) order.push(tour[(p0 + s * step) % N]);
  return { order, length: pathLength(m, 0, order) };
}

/** Closed tour over all n nodes; `order` is a permutation of 0..n-1 starting with 0. Exact when n <= exactLimit+1. */
export function solveClosedTour(m: DistanceMatrix, opts: SolveOptions = {}): PathResult {
  checkMatrix(m);
  const n = m.n;
  if (n === 0) return { order: [], length: 0 };
  if (n === 1) return { order: [0], length: 0 };
  if (n - 1 <= exactLimitOf(opts) || n <= 4) return heldKarp(m, true);

  const d = searchMatrix(m);
  let maxEntry = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > maxEntry) maxEntry = d[i];
  const tour = improveTour(d, n, maxEntry, {
    maxKicks: budgetOf(opts, n),
    stallLimit: stallLimitOf(n),
    seed: opts.seed ?? 1,
    fixedA: -1,
    fixedB: -1,
  });
  const p0 = tour.indexOf(0);
  const fwd: number[] = [];
  const bwd: number[] = [];
  for (let s = 0; s < n; s++) {
    fwd.push(tour[(p0 + s) % n]);
    bwd.push(tour[(p0 - s + n) % n]);
  }
  // The search treats the matrix as symmetric; with one-way distances the direction matters.
  const lf = closedLength(m, fwd);
  const lb = closedLength(m, bwd);
  return lb < lf ? { order: bwd, length: lb } : { order: fwd, length: lf };
}

export interface Stop {
  id: string;
  lat: number;
  lng: number;
}

export interface RoutedStops {
  order: string[];
  legsMetres: number[];
  totalMetres: number;
}

/**
 * Convenience for the app: haversine matrix from start + stops, solveOpenPath, map back to ids.
 * legsMetres[i] = distance from previous point (start for i=0) to order[i].
 */
export function orderStops(start: LatLng, stops: Stop[], opts?: SolveOptions): RoutedStops {
  const pts: LatLng[] = [start, ...stops];
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i];
    if (!Number.isFinite(p.lat) || !Number.isFinite(p.lng) || Math.abs(p.lat) > 90 || Math.abs(p.lng) > 180) {
      const what = i === 0 ? "start" : `stop "${stops[i - 1].id}"`;
      throw new Error(`orderStops: ${what} has invalid coordinates (${p.lat}, ${p.lng})`);
    }
  }
  const m = matrixFrom(pts.length, (i, j) => haversineMetres(pts[i], pts[j]));
  const { order } = solveOpenPath(m, opts);
  const legsMetres: number[] = [];
  let prev = 0;
  let totalMetres = 0;
  for (const idx of order) {
    const leg = m.data[prev * m.n + idx];
    legsMetres.push(leg);
    totalMetres += leg;
    prev = idx;
  }
  return { order: order.map((idx) => stops[idx - 1].id), legsMetres, totalMetres };
}

// ---------------------------------------------------------------------------------------------
// Options and small helpers

function checkMatrix(m: DistanceMatrix): void {
  if (!Number.isInteger(m.n) || m.n < 0 || m.data.length !== m.n * m.n) {
    throw new Error(`DistanceMatrix: expected ${m.n}x${m.n} = ${m.n * m.n} entries, got ${m.data.length}`);
  }
}

function exactLimitOf(opts: SolveOptions): number {
  const v = opts.exactLimit ?? DEFAULT_EXACT_LIMIT;
  return Math.max(0, Math.min(MAX_EXACT, Math.floor(v)));
}

/**
 * Default work budget, in kicks, for a tour of N nodes. The local search converges quickly on
 * daily sizes, so most runs end on the stall limit long before this; the cap bounds the rare run
 * that keeps finding small gains.
 */
function defaultKicks(N: number): number {
  return Math.min(40_000, Math.max(4_000, 400 * N));
}

function budgetOf(opts: SolveOptions, N: number): number {
  const b = opts.maxKicks;
  if (b === undefined || Number.isNaN(b)) return defaultKicks(N);
  return Math.max(0, b);
}

/**
 * Kicks without improvement before giving up. Counted in kicks like the budget, so every run is
 * reproducible for its seed.
 */
function stallLimitOf(N: number): number {
  return Math.max(1000, 60 * N);
}

/** The local search assumes d(i,j) = d(j,i); one-way data is averaged for the search and the result re-measured. */
function searchMatrix(m: DistanceMatrix): Float64Array {
  const { n, data } = m;
  let symmetric = true;
  for (let i = 0; i < n && symmetric; i++) {
    for (let j = i + 1; j < n; j++) {
      if (data[i * n + j] !== data[j * n + i]) {
        symmetric = false;
        break;
      }
    }
  }
  if (symmetric) return data;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) s[i * n + j] = (data[i * n + j] + data[j * n + i]) / 2;
  }
  return s;
}

function pathLength(m: DistanceMatrix, start: number, order: number[]): number {
  let len = 0;
  let prev = start;
  for (const v of order) {
    len += m.data[prev * m.n + v];
    prev = v;
  }
  return len;
}

function closedLength(m: DistanceMatrix, order: number[]): number {
  return pathLength(m, order[order.length - 1], order);
}


// ---------------------------------------------------------------------------------------------
// Held–Karp

/** Held–Karp's tables, kept between calls: a day of 15 stops needs 4 MB (per thread: each worker has its own). */
let hkDp = new Float64Array(0);
let hkParent = new Int8Array(0);
let hkAlive = new Int32Array(0);
let hkIn = new Float64Array(0);
let hkStamp = new Int32Array(0);
let hkEpoch = 0;

/**
 * Exact DP over subsets of nodes 1..n-1 (bit j stands for node j+1); dp[S][j] is the shortest path
 * from node 0 through exactly S ending at j. Works for asymmetric matrices too.
 *
 * Bounded: a state whose length plus a lower bound of the rest (every node not yet visited is
 * entered by at least its shortest incoming edge) exceeds the length of a heuristic path cannot lie
 * on an optimal path, and is dropped with everything that would extend it. Every state of an
 * optimal path, and every predecessor tied with its best one, survives: the result is the same
 * path as without the bound, found in a fraction of the states.
 */
function heldKarp(m: DistanceMatrix, closed: boolean, bounded = true): PathResult {
  const n = m.n;
  const w = m.data;
  const k = n - 1;
  if (k === 0) return { order: closed ? [0] : [], length: 0 };
  const size = 1 << k;
  // into[j*k + i] = d(i+1, j+1): the inner loop then reads both tables sequentially.
  const into = new Float64Array(k * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) into[j * k + i] = w[(i + 1) * n + j + 1];
  // Only the entries of the surviving nodes of S are written for S, and only those are read: the
  // reused tables need no clearing.
  const dp = hkDp.length >= size * k ? hkDp : (hkDp = new Float64Array(size * k));
  const parent = hkParent.length >= size * k ? hkParent : (hkParent = new Int8Array(size * k));
  const alive = hkAlive.length >= size ? hkAlive : (hkAlive = new Int32Array(size));
  // inSum[S]: the shortest incoming edge of every node of S, summed; the rest of a path from S
  // costs at least rest − inSum[S] (plus the shortest way back to node 0 for a closed tour).
  const inSum = hkIn.length >= size ? hkIn : (hkIn = new Float64Array(size));
  const stamp = hkStamp.length >= size ? hkStamp : (hkStamp = new Int32Array(size));
  const minIn = new Float64Array(k);
  let rest = 0;
  for (let u = 0; u < k; u++) {
    let v = Infinity;
    for (let a = 0; a < n; a++) if (a !== u + 1 && w[a * n + u + 1] < v) v = w[a * n + u + 1];
    minIn[u] = v;
    rest += v;
  }
  let back = 0;
  if (closed) {
    back = Infinity;
    for (let a = 1; a < n; a++) if (w[a * n] < back) back = w[a * n];
  }
  // Beyond the heuristic path's length (and a margin for rounding in the bound's sums): dropped.
  const ub = bounded ? heuristicLength(m, closed) : Infinity;
  const limit = bounded ? ub + 1e-9 * Math.max(1, Math.abs(ub)) - back : Infinity;
  // Subsets are reached only through a surviving state; stamp[S] says whether S was this call.
  if (hkEpoch >= 0x3fffffff) {
    stamp.fill(0);
    hkEpoch = 0;
  }
  const epoch = ++hkEpoch;
  for (let j = 0; j < k; j++) {
    const S = 1 << j;
    const v = w[j + 1];
    if (v + (rest - minIn[j]) > limit) continue;
    dp[S * k + j] = v;
    parent[S * k + j] = -1;
    alive[S] = S;
    inSum[S] = minIn[j];
    stamp[S] = epoch;
  }
  // Every state (P ∪ {u}, u) is computed, whole, from the surviving states of P: subsets in
  // ascending order, so P is final when it is read. The predecessors are tried lowest node first,
  // as in the unbounded DP, and the pruned ones cannot tie with its best (see above).
  const full = size - 1;
  for (let P = 1; P < full; P++) {
    if (stamp[P] !== epoch) continue;
    const from = alive[P];
    const prevRow = P * k;
    const inP = inSum[P];
    for (let free = full & ~P; free !== 0; free &= free - 1) {
      const bu = free & -free;
      const u = 31 - Math.clz32(bu);
      const cu = u * k;
      let best = Infinity;
      let arg = -1;
      for (let r = from; r !== 0; r &= r - 1) {
        const i = 31 - Math.clz32(r & -r);
        const v = dp[prevRow + i] + into[cu + i];
        if (v < best) {
          best = v;
          arg = i;
        }
      }
      const inS = inP + minIn[u];
      if (best + (rest - inS) > limit) continue;
      const S = P | bu;
      if (stamp[S] !== epoch) {
        stamp[S] = epoch;
        alive[S] = 0;
        inSum[S] = inS;
      }
      dp[S * k + u] = best;
      parent[S * k + u] = arg;
      alive[S] |= bu;
    }
  }
  let best = Infinity;
  let last = -1;
  for (let bits = stamp[full] === epoch ? alive[full] : 0; bits !== 0; bits &= bits - 1) {
    const j = 31 - Math.clz32(bits & -bits);
    const v = dp[full * k + j] + (closed ? w[(j + 1) * n] : 0);
    if (v < best) {
      best = v;
      last = j;
    }
  }
  // Cannot happen (the heuristic path itself is within the bound), unless rounding says otherwise.
  if (last < 0 && bounded) return heldKarp(m, closed, false);
  const rev: number[] = [];
  let S = full;
  let j = last;
  while (j >= 0) {
    rev.push(j + 1);
    const p = parent[S * k + j];
    S ^= 1 << j;
    j = p;
  }
  rev.reverse();
  if (closed) return { order: [0, ...rev], length: closedLength(m, [0, ...rev]) };
  return { order: rev, length: pathLength(m, 0, rev) };
}

/**
 * Length of a good path (or tour), an upper bound for Held–Karp: the nearest-neighbour tour from
 * node 0 (initialTour without neighbour lists), then 2-opt + Or-opt on the path; a tour keeps
 * the nearest-neighbour order, closed.
 */
function heuristicLength(m: DistanceMatrix, closed: boolean): number {
  const tour = Array.from(initialTour(m.data, m.n, new Int32Array(0), 0, -1, -1));
  if (closed) return closedLength(m, tour);
  const r = tour.slice(1);
  exhaustivePathSearch(searchMatrix(m), m.n, r);
  return pathLength(m, 0, r);
}

// ---------------------------------------------------------------------------------------------
// Local search + iterated local search on a closed tour (symmetric matrix)

interface ImproveParams {
  /** Most kicks of the iterated local search (work, not time). */
  maxKicks: number;
  stallLimit: number;
  seed: number;
  /** An edge kicks must never cut (the open-path dummy's link to the start), -1 if none. */
  fixedA: number;
  fixedB: number;
}

/** Nearest neighbours per node. More costs time per move; fewer misses improving moves. */
const NEIGHBOURS = 10;
/** Longest block moved by a kick; short blocks keep the perturbation local, which repairs cheaply. */
const KICK_SEGMENT_MAX = 30;

function improveTour(d: Float64Array, N: number, maxEntry: number, params: ImproveParams): Int32Array {
  const K = Math.min(NEIGHBOURS, N - 1);
  const neigh = neighbourLists(d, N, K);
  // Gains below this are rounding noise, and accepting them could cycle forever.
  const eps = Math.max(maxEntry, 1) * 1e-10;

  const tour = initialTour(d, N, neigh, K, params.fixedA, params.fixedB);
  const pos = new Int32Array(N);
  for (let i = 0; i < N; i++) pos[tour[i]] = i;

  const queue = new Int32Array(N);
  const inQueue = new Uint8Array(N);
  let qHead = 0;
  let qLen = 0;
  const push = (v: number): void => {
    if (inQueue[v]) return;
    inQueue[v] = 1;
    queue[(qHead + qLen) % N] = v;
    qLen++;
  };

  const succ = (v: number): number => {
    const p = pos[v] + 1;
    return tour[p === N ? 0 : p];
  };
  const pred = (v: number): number => {
    const p = pos[v];
    return tour[p === 0 ? N - 1 : p - 1];
  };

  /** Reverses the tour between positions i and j (inclusive, going forward); flips the shorter side. */
  const reverse = (i: number, j: number): void => {
    let len = j - i;
    if (len < 0) len += N;
    len += 1;
    if (len * 2 > N) {
      const ni = j + 1 === N ? 0 : j + 1;
      const nj = i === 0 ? N - 1 : i - 1;
      i = ni;
      j = nj;
      len = N - len;
    }
    for (let s = len >> 1; s > 0; s--) {
      const a = tour[i];
      const b = tour[j];
      tour[i] = b;
      pos[b] = i;
      tour[j] = a;
      pos[a] = j;
      i = i + 1 === N ? 0 : i + 1;
      j = j === 0 ? N - 1 : j - 1;
    }
  };

  const segBuf = new Int32Array(3);
  /**
   * Moves the L nodes starting at `first` (forward) to between c and succ(c), optionally reversed,
   * by shifting whichever side between the two places is shorter.
   */
  const moveSegment = (first: number, L: number, c: number, reversed: boolean): void => {
    const i = pos[first];
    for (let s = 0; s < L; s++) segBuf[s] = tour[(i + s) % N];
    const last = (i + L - 1) % N;
    let ahead = pos[c] - last;
    if (ahead < 0) ahead += N;
    const behind = N - L - ahead;
    let at: number;
    if (ahead <= behind) {
      for (let s = 0; s < ahead; s++) {
        const v = tour[(i + L + s) % N];
        const p = (i + s) % N;
        tour[p] = v;
        pos[v] = p;
      }
      at = i + ahead;
    } else {
      for (let s = 1; s <= behind; s++) {
        const v = tour[(i - s + N) % N];
        const p = (i + L - s + N) % N;
        tour[p] = v;
        pos[v] = p;
      }
      at = i - behind + N;
    }
    for (let s = 0; s < L; s++) {
      const v = segBuf[reversed ? L - 1 - s : s];
      const p = (at + s) % N;
      tour[p] = v;
      pos[v] = p;
    }
  };

  /** Tries 2-opt then Or-opt moves anchored at t1; applies the first improving one. Returns the gain. */
  const improveNode = (t1: number): number => {
    // 2-opt: drop (t1,t2) and (t3,t4), add (t2,t3) and (t1,t4); t3 comes from t2's neighbour list.
    for (let dir = 0; dir < 2; dir++) {
      const t2 = dir === 0 ? succ(t1) : pred(t1);
      const d12 = d[t1 * N + t2];
      const base = t2 * K;
      for (let k = 0; k < K; k++) {
        const t3 = neigh[base + k];
        const g1 = d12 - d[t2 * N + t3];
        if (g1 <= eps) break;
        const t4 = dir === 0 ? pred(t3) : succ(t3);
        if (t3 === t1 || t4 === t2 || t4 === t1) continue;
        const gain = g1 + d[t3 * N + t4] - d[t4 * N + t1];
        if (gain > eps) {
          if (dir === 0) reverse(pos[t2], pos[t4]);
          else reverse(pos[t1], pos[t3]);
          push(t1);
          push(t2);
          push(t3);
          push(t4);
          return gain;
        }
      }
    }

    // Or-opt: move a segment of 1..3 nodes having t1 at one end next to a neighbour of one of its ends.
    for (let dir = 0; dir < 2; dir++) {
      for (let L = 1; L <= 3 && L <= N - 3; L++) {
        let f: number;
        let l: number;
        if (dir === 0) {
          f = t1;
          l = tour[(pos[t1] + L - 1) % N];
        } else {
          if (L === 1) continue; // same segment as dir 0
          l = t1;
          f = tour[(pos[t1] - L + 1 + N) % N];
        }
        const p = pred(f);
        const nx = succ(l);
        const gRemove = d[p * N + f] + d[l * N + nx] - d[p * N + nx];
        if (gRemove <= eps) continue;
        const pf = pos[f];
        for (let e = 0; e < 2; e++) {
          const end = e === 0 ? f : l;
          const other = e === 0 ? l : f;
          const base = end * K;
          for (let k = 0; k < K; k++) {
            const c = neigh[base + k];
            const g1 = gRemove - d[end * N + c];
            if (g1 <= eps) break;
            let off = pos[c] - pf;
            if (off < 0) off += N;
            if (off < L) continue; // c inside the segment
            // Insert between c and succ(c): c-end ... other-sc.
            if (c !== p) {
              const sc = succ(c);
              const gain = g1 + d[c * N + sc] - d[other * N + sc];
              if (gain > eps) {
                moveSegment(f, L, c, e === 1);
                push(p);
                push(nx);
                push(f);
                push(l);
                push(c);
                push(sc);
                return gain;
              }
            }
            // Insert between pred(c) and c: pc-other ... end-c.
            if (c !== nx) {
              const pc = pred(c);
              const gain = g1 + d[pc * N + c] - d[pc * N + other];
              if (gain > eps) {
                moveSegment(f, L, pc, e === 0);
                push(p);
                push(nx);
                push(f);
                push(l);
                push(c);
                push(pc);
                return gain;
              }
            }
          }
        }
      }
    }
    return 0;
  };

  const localSearch = (): number => {
    let total = 0;
    while (qLen > 0) {
      const v = queue[qHead];
      qHead = qHead + 1 === N ? 0 : qHead + 1;
      qLen--;
      inQueue[v] = 0;
      const g = improveNode(v);
      if (g > 0) {
        total += g;
        push(v);
      }
    }
    return total;
  };

  for (let i = 0; i < N; i++) push(tour[i]);
  localSearch();
  if (N < 8) return tour;

  let cur = 0;
  for (let i = 0; i < N; i++) cur += d[tour[i] * N + tour[(i + 1) % N]];
  let bestLen = cur;
  const best = Int32Array.from(tour);
  const rng = seededRandom(params.seed);
  const { fixedA, fixedB } = params;
  const isFixed = (a: number, b: number): boolean => (a === fixedA && b === fixedB) || (a === fixedB && b === fixedA);
  const maxSeg = Math.max(1, Math.min(KICK_SEGMENT_MAX, Math.floor((N - 2) / 2)));
  const tmp = new Int32Array(2 * maxSeg);

  let stall = 0;
  for (let iter = 0; stall < params.stallLimit && iter < params.maxKicks; iter++) {
    // Segment swap A B C D -> A C B D (a double bridge) with short adjacent blocks B and C.
    const L1 = 1 + Math.floor(rng() * maxSeg);
    const L2 = 1 + Math.floor(rng() * maxSeg);
    const i = Math.floor(rng() * N);
    const a = tour[(i - 1 + N) % N];
    const b1 = tour[i];
    const b2 = tour[(i + L1 - 1) % N];
    const c1 = tour[(i + L1) % N];
    const c2 = tour[(i + L1 + L2 - 1) % N];
    const e = tour[(i + L1 + L2) % N];
    if (isFixed(a, b1) || isFixed(b2, c1) || isFixed(c2, e)) continue;
    cur +=
      d[a * N + c1] +
      d[c2 * N + b1] +
      d[b2 * N + e] -
      d[a * N + b1] -
      d[b2 * N + c1] -
      d[c2 * N + e];
    for (let s = 0; s < L1 + L2; s++) tmp[s] = tour[(i + s) % N];
    for (let s = 0; s < L2; s++) {
      const v = tmp[L1 + s];
      const p = (i + s) % N;
      tour[p] = v;
      pos[v] = p;
    }
    for (let s = 0; s < L1; s++) {
      const v = tmp[s];
      const p = (i + L2 + s) % N;
      tour[p] = v;
      pos[v] = p;
    }
    push(a);
    push(b1);
    push(b2);
    push(c1);
    push(c2);
    push(e);
    cur -= localSearch();

    if (cur < bestLen - eps) {
      bestLen = cur;
      best.set(tour);
      stall = 0;
    } else {
      stall++;
      if (cur <= bestLen + eps) {
        // Equal length: drift to it, which lets the search cross plateaus.
        best.set(tour);
      } else {
        tour.set(best);
        for (let s = 0; s < N; s++) pos[tour[s]] = s;
        cur = bestLen;
      }
    }
  }
  return best;
}

function neighbourLists(d: Float64Array, N: number, K: number): Int32Array {
  const out = new Int32Array(N * K);
  const bestD = new Float64Array(K);
  const bestI = new Int32Array(K);
  for (let i = 0; i < N; i++) {
    let cnt = 0;
    const row = i * N;
    for (let j = 0; j < N; j++) {
      if (j === i) continue;
      const v = d[row + j];
      if (cnt === K && v >= bestD[K - 1]) continue;
      let p = cnt < K ? cnt++ : K - 1;
      while (p > 0 && bestD[p - 1] > v) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = v;
      bestI[p] = j;
    }
    out.set(bestI.subarray(0, K), i * K);
  }
  return out;
}

/** Nearest-neighbour tour; with a fixed edge (a, b) it starts at b and ends at a so the edge closes the tour. */
function initialTour(d: Float64Array, N: number, neigh: Int32Array, K: number, fixedA: number, fixedB: number): Int32Array {
  const tour = new Int32Array(N);
  const used = new Uint8Array(N);
  let cur = fixedB >= 0 ? fixedB : 0;
  tour[0] = cur;
  used[cur] = 1;
  let count = 1;
  const last = fixedA >= 0 ? fixedA : -1;
  if (last >= 0) used[last] = 1;
  const target = last >= 0 ? N - 1 : N;
  while (count < target) {
    let next = -1;
    for (let k = 0; k < K; k++) {
      const c = neigh[cur * K + k];
      if (!used[c]) {
        next = c;
        break;
      }
    }
    if (next < 0) {
      let bestV = Infinity;
      const row = cur * N;
      for (let j = 0; j < N; j++) {
        if (!used[j] && d[row + j] < bestV) {
          bestV = d[row + j];
          next = j;
        }
      }
    }
    tour[count++] = next;
    used[next] = 1;
    cur = next;
  }
  if (last >= 0) tour[count] = last;
  return tour;
}
