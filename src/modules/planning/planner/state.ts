/**
 * The explicit plan state every stage works on: days with their routes, customers with their chains,
 * the balance band and the undo journal. Stages are functions of this state; nothing lives in
 * module or instance fields, so one call of planVisits never sees another's data.
 */
import { addDays, addInterval, daysBetween, isoWeekday } from "../../../core/dates.ts";
import { seededRandom } from "../../../core/random.ts";
import { earliestNextVisit, firstDueDate, meanIntervalDays, minIntervalDays, needsCoverage, visitDayDates } from "./calendar.ts";
import { type Projection, dStart, dist, project } from "./geometry.ts";
import { BETA_START, MISS_KM_PER_DAY, SEED, VISIT_BASE, W_BASE, W_FACTOR } from "./params.ts";
import type { Interval, PlanCustomer, PlanInput } from "./types.ts";
import type { Solve } from "./chain-dp.ts";

export interface ClassInfo {
  id: string;
  iv: Interval | null;
  priority: number;
  /** Penalty weight of a lost visit (by priority rank). */
  W: number;
  /** Zone level (0 = base cycle, L = 2^L base cycles). */
  level: number;
  /** For offsets x in [0, H]: offset of the due date after a visit on x, and of the earliest next visit. */
  due: Int32Array;
  ear: Int32Array;
  /** Cost of missing the visit due at x and every later one of the chain. */
  miss: Float64Array;
  /** Mean workload per base cycle, for balancing zones. */
  load: number;
}

export interface Day {
  off: number;
  date: string;
  visit: boolean;
  /** Customer indices in current route order (open path from the start). */
  route: number[];
  /** Fixed visits of customers unknown to the planner (counted, not routed). */
  foreign: number[];
  /** Zone index per level. */
  zone: number[];
}

export interface CustState {
  info: ClassInfo;
  /** Offset of the first due date (H + 1 and beyond = not required in the horizon). */
  due0: number;
  ear0: number;
  covReq: boolean;
  /** Day indices of fixed visits, ascending. */
  fixed: number[];
  /** Day indices of all planned visits (fixed included), ascending. */
  visits: number[];
  phi: number;
  r: number;
  /** The last visit before the horizon as an offset (negative), null if never visited. */
  lastOff: number | null;
  /** Offset of the earliest sensible visit after it, and the length of its interval (days). */
  lastEarOff: number;
  lastLen: number;
  /** Offset of the next kept visit after the horizon (> H), or null. */
  nextOff: number | null;
  /** Offset before which the chain's last visit may not fall (coverFrom), or null. */
  coverFromOff: number | null;
}

export interface Wedges {
  /** Per level: lower and upper angle of each zone (swept angle, 0 .. 2π). */
  lo: Float64Array[];
  hi: Float64Array[];
}

/** The working state of one planVisits call. The projection fields (n, X, Y, S, M) are inherited. */
export interface PlanState extends Projection {
  readonly input: PlanInput;
  /** Customers, deduplicated by id; customer index c refers to this array. */
  readonly customers: PlanCustomer[];
  /** Last offset of the horizon (from = 0). */
  readonly H: number;
  readonly cap: number;
  readonly custs: CustState[];
  readonly days: Day[];
  readonly visitDayIdx: number[];
  readonly rnd: () => number;
  /** The number the next rnd() call returns, without consuming it (the sequence stays the same). */
  readonly peekRnd: () => number;
  readonly classes: Map<string, ClassInfo>;
  wedges: Wedges;
  Z0: number;
  maxLevel: number;
  // Balance band: beta·(distance outside [bandLo, bandHi])² per day.
  beta: number;
  lowerBand: boolean;
  bandLo: number;
  bandHi: number;
  /** Geography of a visit while constructing (distance to the day's zone) or searching (insertion km). */
  mode: "zone" | "route";
  visitBase: number;
  /** The least demand (visits on their due dates) exceeds the capacity of the visit days. */
  overCapacity: boolean;
  /** Position found by the last insertionCost(c, j), per day. */
  readonly insPos: Int32Array;
  /** For an offset x in [0, H + 1]: index of the first day on or after x (days.length if none). */
  readonly firstDayAt: Int32Array;
  /** days[j].off as a flat array (the chain DP's loops read it millions of times). */
  readonly dayOff: Int32Array;
  /** Copy-on-write journal of the routes (and versions) changed since begin(), for cheap undo. */
  readonly journal: Journal;
  /** Version of each day's route; changes whenever the route does (touch / bump). */
  readonly ver: Int32Array;
  verClock: number;
  /** Insertion costs and positions per (customer, day), valid while ver[day] equals the stored version. */
  readonly ic: { D: number; ver: Int32Array; cost: Float64Array; pos: Int32Array };
  /** Days whose route changed since their last improveRoute(), in the order they changed. */
  readonly dirty: number[];
  readonly isDirty: Uint8Array;
  /** Working memory of the chain DP, reused across solves (each solve stamps its own entries). */
  readonly dp: DpScratch;
  /** Work done so far (PlanResult.stats.work). */
  readonly work: { chainSolves: number; insertions: number };
  /**
   * Per day, the lengths of its route's legs between stops (legs[j][k] = leg from stop k to k + 1),
   * valid while legVer[j] equals ver[j]: pricing an insertion reads them in order instead of
   * looking each one up at random in the n × n matrix, which was most of that loop's cost.
   */
  readonly legs: Float64Array[];
  readonly legVer: Int32Array;
  /**
   * Per day, the version of its route that improveRoute last found no move for (-1: none): a
   * route with that version again (a rejected step restores it) is left as it is, which is what
   * improveRoute would return for it.
   */
  readonly tidyVer: Int32Array;
  /** The LNS runs the swap search (swap.ts) at every swapEvery-th route tidy (set by the pipeline). */
  swaps: boolean;
  swapEvery: number;
}

/**
 * Typed arrays instead of a Map per LNS step: a step journals ~20 days and there are tens of
 * thousands of steps; a day belongs to the open journal when its stamp equals the journal's epoch.
 * Each day has one copy buffer, reused by every step (a rollback swaps it with the route).
 */
export interface Journal {
  open: boolean;
  epoch: number;
  readonly stamp: Int32Array;
  readonly days: number[];
  readonly routes: number[][];
  readonly ver: Int32Array;
  /** Per customer, its visits at begin() (one buffer each, reused by every step). */
  readonly visits: number[][];
}

export interface DpScratch {
  best: Float64Array;
  next: Int32Array;
  cost: Float64Array;
  isFixed: Uint8Array;
  nextFixed: Int32Array;
  costStamp: Int32Array;
  bestStamp: Int32Array;
  costStampNow: number;
  bestStampNow: number;
  /** nextFixed holds fixed days (not all -1). */
  nextFixedSet: boolean;
  /** First day of the chain found by the last solve. */
  choice: number;
  /** The solve record, reused by every plan() call (its st is set per call). */
  solve: Solve;
}

export function createState(input: PlanInput, customers: PlanCustomer[]): PlanState {
  const H = daysBetween(input.from, input.to);
  const g = project(input.start, customers);
  const days: Day[] = [];
  const visitDayIdx: number[] = [];
  buildDays(input, H, days, visitDayIdx);
  const D = days.length;
  const random = peekable(seededRandom(input.searchSeed ?? SEED));
  // One literal with every field: the state keeps a single fixed shape (fast property access).
  const st: PlanState = {
    n: g.n,
    X: g.X,
    Y: g.Y,
    S: g.S,
    M: g.M,
    input,
    customers,
    H,
    cap: Math.max(0, Math.floor(input.dailyCap)),
    custs: [],
    days,
    visitDayIdx,
    rnd: random.rnd,
    peekRnd: random.peek,
    classes: new Map(),
    wedges: { lo: [], hi: [] },
    Z0: 1,
    maxLevel: 0,
    beta: BETA_START,
    lowerBand: true,
    bandLo: 0,
    bandHi: 0,
    mode: "zone",
    visitBase: VISIT_BASE,
    overCapacity: false,
    insPos: new Int32Array(D),
    firstDayAt: new Int32Array(H + 2),
    dayOff: Int32Array.from(days, (d) => d.off),
    journal: { open: false, epoch: 0, stamp: new Int32Array(D), days: [], routes: Array.from({ length: D }, () => []), ver: new Int32Array(D), visits: Array.from({ length: g.n }, () => []) },
    ver: new Int32Array(D),
    verClock: 0,
    ic: { D, ver: new Int32Array(g.n * D).fill(-1), cost: new Float64Array(g.n * D), pos: new Int32Array(g.n * D) },
    dirty: [],
    isDirty: new Uint8Array(D),
    dp: createDpScratch(D),
    work: { chainSolves: 0, insertions: 0 },
    legs: Array.from({ length: D }, () => new Float64Array(8)),
    legVer: new Int32Array(D).fill(-1),
    tidyVer: new Int32Array(D).fill(-1),
    swaps: false,
    swapEvery: 1,
  };
  for (let x = H + 1, j = D; x >= 0; x--) {
    while (j > 0 && days[j - 1]!.off >= x) j--;
    st.firstDayAt[x] = j;
  }
  buildClasses(st);
  buildCustomers(st);
  return st;
}

function createDpScratch(D: number): DpScratch {
  const dp: DpScratch = {
    best: new Float64Array(D),
    next: new Int32Array(D),
    cost: new Float64Array(D),
    isFixed: new Uint8Array(D),
    nextFixed: new Int32Array(D),
    costStamp: new Int32Array(D),
    bestStamp: new Int32Array(D),
    costStampNow: 0,
    bestStampNow: 0,
    nextFixedSet: true,
    choice: -1,
    solve: null as unknown as Solve,
  };
  dp.solve = { st: null as unknown as PlanState, dp, c: -1, info: null as unknown as ClassInfo, allowLate: false };
  return dp;
}

/** A generator whose next number can be looked at before it is drawn. */
function peekable(next: () => number): { rnd: () => number; peek: () => number } {
  let buf = 0;
  let has = false;
  return {
    rnd: () => {
      if (!has) return next();
      has = false;
      return buf;
    },
    peek: () => {
      if (!has) {
        buf = next();
        has = true;
      }
      return buf;
    },
  };
}

export function shuffle<T>(arr: T[], rnd: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

function buildDays(input: PlanInput, H: number, days: Day[], visitDayIdx: number[]): void {
  const fixedDates = new Set<string>();
  for (const f of input.fixed ?? []) if (f.date >= input.from && f.date <= input.to) fixedDates.add(f.date);
  const visitDates = new Set(visitDayDates(input));
  for (let x = 0; x <= H; x++) {
    const date = addDays(input.from, x);
    const visit = visitDates.has(date);
    if (!visit && !fixedDates.has(date)) continue;
    if (visit) visitDayIdx.push(days.length);
    days.push({ off: x, date, visit, route: [], foreign: [], zone: [] });
  }
}

function buildClasses(st: PlanState): void {
  const { input, H } = st;
  const prios = [...new Set(input.classes.map((c) => c.priority))].sort((a, b) => a - b);
  const R = Math.max(1, prios.length);
  const known = [...input.classes];
  // Unknown class ids: no interval, least protected.
  for (const c of st.customers) {
    if (!known.some((k) => k.id === c.classId)) known.push({ id: c.classId, visitEvery: null, priority: Number.MAX_SAFE_INTEGER });
  }
  const used = new Set(st.customers.map((c) => c.classId));
  // Base cycle: shortest interval in use, in whole weeks.
  let minDays = Infinity;
  for (const k of known) if (k.visitEvery && used.has(k.id)) minDays = Math.min(minDays, minIntervalDays(k.visitEvery));
  const horizonWeeks = Math.max(1, Math.floor((H + 1) / 7));
  const cycleWeeks = Number.isFinite(minDays) ? Math.max(1, Math.floor(minDays / 7)) : horizonWeeks;
  const T = cycleWeeks * 7;
  const nVD = Math.max(1, new Set(input.visitDays).size);
  st.Z0 = cycleWeeks * nVD;
  const levelCap = Math.max(0, Math.floor(Math.log2(Math.max(1, horizonWeeks / cycleWeeks)) + 1e-9));
  st.maxLevel = 0;
  for (const k of known) {
    const rank = prios.indexOf(k.priority);
    const r = rank < 0 ? R : rank;
    const W = W_BASE * Math.pow(W_FACTOR, Math.max(0, R - 1 - r));
    const iv = k.visitEvery && k.visitEvery.count > 0 ? k.visitEvery : null;
    const due = new Int32Array(H + 1);
    const ear = new Int32Array(H + 1);
    const miss = new Float64Array(H + 1);
    let level = levelCap;
    let load = T / Math.max(1, H + 1);
    if (iv) {
      for (let x = 0; x <= H; x++) {
        const d = addDays(input.from, x);
        const dd = addInterval(d, iv);
        due[x] = daysBetween(input.from, dd);
        ear[x] = x + Math.floor((due[x]! - x) / 2);
      }
      for (let x = H; x >= 0; x--) {
        const nx = due[x]!;
        miss[x] = W + MISS_KM_PER_DAY * (H + 1 - x) + (nx <= H ? miss[nx]! : 0);
      }
      level = Math.min(levelCap, Math.max(0, Math.floor(Math.log2(minIntervalDays(iv) / T) + 1e-9)));
      load = T / meanIntervalDays(iv);
    }
    st.maxLevel = Math.max(st.maxLevel, level);
    st.classes.set(k.id, { id: k.id, iv, priority: k.priority, W, level, due, ear, miss, load });
  }
  // Zone of each day at each level.
  const sortedVD = [...new Set(input.visitDays)].sort((a, b) => a - b);
  const wd0 = isoWeekday(input.from);
  for (const day of st.days) {
    const w = Math.floor((day.off + wd0 - 1) / 7);
    const pos = Math.max(0, sortedVD.indexOf(isoWeekday(day.date)));
    for (let L = 0; L <= st.maxLevel; L++) {
      const weeks = cycleWeeks * (1 << L);
      day.zone.push((w % weeks) * nVD + pos);
    }
  }
}

function buildCustomers(st: PlanState): void {
  const { input, H } = st;
  const dayOfDate = new Map<string, number>();
  st.days.forEach((d, i) => dayOfDate.set(d.date, i));
  const idxOfId = new Map<number, number>();
  st.customers.forEach((c, i) => idxOfId.set(c.id, i));
  const fixedByCust: number[][] = st.customers.map(() => []);
  const seen = new Set<string>();
  for (const f of input.fixed ?? []) {
    const j = dayOfDate.get(f.date);
    if (j === undefined) continue;
    const key = `${f.customerId}@${f.date}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ci = idxOfId.get(f.customerId);
    if (ci === undefined) st.days[j]!.foreign.push(f.customerId);
    else fixedByCust[ci]!.push(j);
  }
  for (let i = 0; i < st.n; i++) {
    const c = st.customers[i]!;
    const info = st.classes.get(c.classId)!;
    let due0 = H + 1;
    let ear0 = 0;
    if (info.iv) {
      const first = firstDueDate(c.lastVisit, info.iv, input.from);
      due0 = Math.min(daysBetween(input.from, first), H + 1);
      if (c.lastVisit && addInterval(c.lastVisit, info.iv) >= input.from) {
        ear0 = Math.max(0, daysBetween(input.from, earliestNextVisit(c.lastVisit, info.iv)));
      }
    }
    const lastOff = c.lastVisit ? daysBetween(input.from, c.lastVisit) : null;
    const lastEarOff = c.lastVisit && info.iv ? daysBetween(input.from, earliestNextVisit(c.lastVisit, info.iv)) : 0;
    const lastLen = c.lastVisit && info.iv ? daysBetween(c.lastVisit, addInterval(c.lastVisit, info.iv)) : 0;
    let covReq = needsCoverage(c.lastVisit, info.iv, input.from, input.to);
    if (c.coverBy && c.coverBy <= input.to) {
      // Continuity: the first visit is due by coverBy at the latest (overdue: from the first day).
      covReq = true;
      if (info.iv) due0 = Math.min(due0, Math.max(0, daysBetween(input.from, c.coverBy)));
    }
    const coverFromOff = c.coverFrom && c.coverFrom >= input.from && c.coverFrom <= input.to ? daysBetween(input.from, c.coverFrom) : null;
    const nextOff = c.nextKept && c.nextKept > input.to ? daysBetween(input.from, c.nextKept) : null;
    const fixed = fixedByCust[i]!.sort((a, b) => a - b);
    const x = st.X[i]!;
    const y = st.Y[i]!;
    st.custs.push({ info, due0, ear0, covReq, fixed, visits: [...fixed], phi: Math.atan2(y, x), r: Math.hypot(x, y), lastOff, lastEarOff, lastLen, nextOff, coverFromOff });
  }
  // Fixed visits go straight into the routes.
  for (let i = 0; i < st.n; i++) for (const j of st.custs[i]!.fixed) insertAt(st, i, j);
}

export function load(st: PlanState, j: number): number {
  const d = st.days[j]!;
  return d.route.length + d.foreign.length;
}

export function totalLoad(st: PlanState): number {
  let s = 0;
  for (const j of st.visitDayIdx) s += load(st, j);
  return s;
}

/**
 * Cheapest insertion of c into day j's open path; returns the cost and stores the position in
 * insPos[j]. Cached per (customer, day) against the day's route version: a rejected search step
 * restores the versions with the routes, so most days keep their cached costs across steps.
 */
export function insertionCost(st: PlanState, c: number, j: number): number {
  const ic = st.ic;
  const key = c * ic.D + j;
  const v = st.ver[j]!;
  if (ic.ver[key] === v) {
    st.insPos[j] = ic.pos[key]!;
    return ic.cost[key]!;
  }
  const cost = computeInsertion(st, c, j);
  st.work.insertions++;
  ic.ver[key] = v;
  ic.cost[key] = cost;
  ic.pos[key] = st.insPos[j]!;
  return cost;
}

/** Day j's leg lengths for its current route version (the same matrix entries, in route order). */
function legsOf(st: PlanState, j: number, r: number[], M: Float64Array): Float64Array {
  let legs = st.legs[j]!;
  if (legs.length < r.length) legs = st.legs[j] = new Float64Array(Math.max(2 * legs.length, r.length));
  const n = st.n;
  for (let k = 0; k + 1 < r.length; k++) legs[k] = M[r[k]! * n + r[k + 1]!]!;
  st.legVer[j] = st.ver[j]!;
  return legs;
}

function computeInsertion(st: PlanState, c: number, j: number): number {
  const r = st.days[j]!.route;
  const m = r.length;
  const S = st.S;
  const sc = S[c]!;
  if (m === 0) {
    st.insPos[j] = 0;
    return sc;
  }
  let bestPos = 0;
  const M = st.M;
  if (M) {
    const n = st.n;
    const cn = c * n;
    const legs = st.legVer[j] === st.ver[j] ? st.legs[j]! : legsOf(st, j, r, M);
    let a = r[0]!;
    let dca = M[cn + a]!;
    let best = sc + dca - S[a]!;
    for (let k = 0; k < m - 1; k++) {
      const b = r[k + 1]!;
      const dcb = M[cn + b]!;
      const v = dca + dcb - legs[k]!;
      if (v < best) {
        best = v;
        bestPos = k + 1;
      }
      a = b;
      dca = dcb;
    }
    if (dca < best) {
      best = dca;
      bestPos = m;
    }
    st.insPos[j] = bestPos;
    return best;
  }
  let best = sc + dist(st, c, r[0]!) - S[r[0]!]!;
  for (let k = 0; k < m; k++) {
    const a = r[k]!;
    const v = k + 1 < m ? dist(st, a, c) + dist(st, c, r[k + 1]!) - dist(st, a, r[k + 1]!) : dist(st, a, c);
    if (v < best) {
      best = v;
      bestPos = k + 1;
    }
  }
  st.insPos[j] = bestPos;
  return best;
}

/**
 * Detour saved by removing the stop at position k of route r: the legs to and from it, less the
 * leg that then joins its neighbours (the start before the first stop; nothing after the last).
 */
export function removalGain(st: PlanState, r: number[], k: number): number {
  const c = r[k]!;
  const a = k > 0 ? r[k - 1]! : -1;
  const b = k + 1 < r.length ? r[k + 1]! : -1;
  const da = a < 0 ? dStart(st, c) : dist(st, a, c);
  return b < 0 ? da : da + dist(st, c, b) - (a < 0 ? dStart(st, b) : dist(st, a, b));
}

/** Width (days) of c's first window [ear0, due0], the whole horizon without an interval. */
export function firstWindow(st: PlanState, c: number): number {
  const cs = st.custs[c]!;
  return cs.info.iv ? Math.min(cs.due0, st.H + 1) - cs.ear0 : st.H + 1;
}

export function insertAt(st: PlanState, c: number, j: number, knownPos = false): void {
  if (!knownPos) insertionCost(st, c, j);
  touch(st, j);
  const r = st.days[j]!.route;
  // A shift by hand: splice() on these short arrays costs more than the move, at hundreds of
  // thousands of calls per plan.
  let k = r.length;
  const at = st.insPos[j]!;
  r.push(c);
  for (; k > at; k--) r[k] = r[k - 1]!;
  r[at] = c;
}

/** Removes the stop at position k of route r (splice(k, 1) without its overhead). */
export function removeAt(r: number[], k: number): void {
  for (let m = k + 1; m < r.length; m++) r[m - 1] = r[m]!;
  r.pop();
}

/** Call before changing day j's route: marks it dirty, journals it, and gives it a new version. */
export function touch(st: PlanState, j: number): void {
  if (!st.isDirty[j]) {
    st.isDirty[j] = 1;
    st.dirty.push(j);
  }
  const jn = st.journal;
  if (jn.open && jn.stamp[j] !== jn.epoch) {
    jn.stamp[j] = jn.epoch;
    jn.days.push(j);
    copyInto(jn.routes[j]!, st.days[j]!.route);
    jn.ver[j] = st.ver[j]!;
  }
  bump(st, j);
}

/** Forgets the dirty days (after their routes were improved). */
export function clearDirty(st: PlanState): void {
  for (const j of st.dirty) st.isDirty[j] = 0;
  st.dirty.length = 0;
}

function openJournal(st: PlanState): void {
  const jn = st.journal;
  jn.open = true;
  jn.epoch++;
  truncate(jn.days, 0);
}

/** A new version of day j's route (its cached insertion costs no longer hold). */
export function bump(st: PlanState, j: number): void {
  st.ver[j] = ++st.verClock;
}

/** Starts an undoable change of the customers in `set` (their visits are copied to the journal). */
export function begin(st: PlanState, set: number[]): void {
  openJournal(st);
  const jv = st.journal.visits;
  for (const c of set) copyInto(jv[c]!, st.custs[c]!.visits);
}

export function commit(st: PlanState): void {
  // A day that ends the step with its old stops in the old order gets its old version back, so the
  // insertion costs cached for it still hold: a third of the LNS steps re-insert what they removed.
  const jn = st.journal;
  for (const j of jn.days) if (sameRoute(st.days[j]!.route, jn.routes[j]!)) st.ver[j] = jn.ver[j]!;
  jn.open = false;
}

function sameRoute(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Undoes everything since begin(st, set): the routes, their versions and the visits of `set`. */
export function rollback(st: PlanState, set: number[]): void {
  // The old content comes back with its old version, so the costs cached for it hold again.
  const jn = st.journal;
  for (const j of jn.days) {
    // The journal's copy becomes the route, the abandoned route the journal's buffer (no garbage).
    const abandoned = st.days[j]!.route;
    st.days[j]!.route = jn.routes[j]!;
    jn.routes[j] = abandoned;
    st.ver[j] = jn.ver[j]!;
  }
  jn.open = false;
  const jv = jn.visits;
  for (const c of set) copyInto(st.custs[c]!.visits, jv[c]!);
}

export interface Snapshot {
  routes: number[][];
  visits: number[][];
}

/** Copies every route and chain; into an earlier snapshot's arrays when given (no new garbage). */
export function saveAll(st: PlanState, into?: Snapshot): Snapshot {
  if (!into) return { routes: st.days.map((d) => d.route.slice()), visits: st.custs.map((cs) => cs.visits.slice()) };
  st.days.forEach((d, j) => copyInto(into.routes[j]!, d.route));
  st.custs.forEach((cs, c) => copyInto(into.visits[c]!, cs.visits));
  return into;
}

function copyInto(dst: number[], src: number[]): void {
  truncate(dst, src.length);
  for (let k = 0; k < src.length; k++) dst[k] = src[k]!;
}

/**
 * Shortens arr to at most n elements. pop() is inlined by the JIT; the length setter is a runtime
 * call, which cost 2% of a plan on these short arrays (millions of calls).
 */
export function truncate(arr: number[], n: number): void {
  while (arr.length > n) arr.pop();
}

export function restoreAll(st: PlanState, s: Snapshot): void {
  st.days.forEach((d, j) => {
    d.route = s.routes[j]!.slice();
    bump(st, j);
  });
  st.custs.forEach((cs, c) => (cs.visits = s.visits[c]!.slice()));
}
