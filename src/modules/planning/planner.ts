/**
 * Monthly visit planner: pure, deterministic, no I/O.
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
 * Method
 * 1. Zones. The territory is cut into angular sectors around the start point, one per visit day of
 *    the base cycle (the shortest class interval in whole weeks, e.g. 2 weeks × Mon/Wed/Thu = 6),
 *    balanced by expected workload; each sector is split further for the longer cycles (a monthly
 *    class gets half a sector, a two-monthly class a quarter) so that every cyclic frequency group
 *    returns to the same area on the same weekday.
 * 2. Construction. Customers are inserted one by one: tightest first window first (or, when the
 *    demand exceeds the capacity, most protected class first). Each customer's whole visit chain is
 *    chosen by dynamic programming over the days (cost = distance from the day's zone + load
 *    balance + visit cost; lateness, missed visits and coverage penalised by class priority, a
 *    protected class weighing 40× the next; day caps are hard).
 * 3. Local search, on the real objective (route km by cheapest insertion + balance + penalties):
 *    sweeps re-plan every chain; a large-neighbourhood search removes groups of related customers
 *    (neighbours, part of a day, a day's worst detour, a late customer and those on its window's
 *    days) and re-inserts them with the DP (simulated annealing, best plan kept); anything still
 *    late is rescued by ejection chains (single-visit moves found by breadth-first search) and,
 *    if needed, a "squeeze" that makes every visit expensive so chains drop the visits they do not
 *    need; a few sweeps with a strong balance penalty end it. Routes get 2-opt / Or-opt.
 * 4. Visit days below the daily minimum, or more than 2 below the fullest day, get optional visits
 *    (the most overdue customers that can take one without breaking spacing or creating a new
 *    obligation, nearest first). Each day is routed with orderStops from the start point.
 *
 * Everything is deterministic (seeded PRNG, fixed iteration counts), except that orderStops may
 * stop a day of more than 15 stops on its time budget on a very slow machine.
 */
import { addDays, addInterval, daysBetween, isoWeekday, startOfMonth } from "../../core/dates.ts";
import { orderStops, type LatLng } from "./route-ordering.ts";
import { seededRandom } from "../../core/random.ts";

export interface PlanCustomer {
  id: number;
  classId: string;
  lat: number;
  lng: number;
  /** YYYY-MM-DD */
  lastVisit: string | null;
}
export interface PlanClass {
  id: string;
  visitEvery: { count: number; unit: "day" | "week" | "month" } | null;
  priority: number;
}
export interface PlanInput {
  /** Active customers of ONE manager. */
  customers: PlanCustomer[];
  classes: PlanClass[];
  /** Manager's start point. */
  start: { lat: number; lng: number };
  /** ISO weekdays. */
  visitDays: number[];
  dailyMinimum: number;
  dailyCap: number;
  /** Holidays and leave days (no visits). */
  daysOff: string[];
  /** Horizon, inclusive. */
  from: string;
  to: string;
  /** Visits that must stay where they are (today's list, booked appointments). */
  fixed?: { customerId: number; date: string }[];
}
export interface PlannedDay {
  date: string;
  /** Route order. */
  customerIds: number[];
  metres: number;
}
export interface Shortfall {
  visits: number;
  byClass: Record<string, number>;
  /** Most important first: lowest class priority number first, then earliest due date. */
  customers: { customerId: number; classId: string; dueDate: string; plannedDate: string | null }[];
}
export interface PlanResult {
  days: PlannedDay[];
  shortfall: Shortfall;
  stats: {
    requiredVisits: number;
    plannedVisits: number;
    compliance: number;
    coverage: number;
    imbalance: number;
    totalMetres: number;
  };
}

type Interval = { count: number; unit: "day" | "week" | "month" };

/** Per-day route-ordering budget (ms); days of ≤ 15 stops are solved exactly anyway. */
/** Kicks of the route search per day (work, not time: a plan is the same on any machine). */
const ROUTE_KICKS = 4_000;
const SEED = 0x5eed;
/** Up to this many customers a full distance matrix is kept (8·n² bytes). */
const MATRIX_LIMIT = 2000;

// Objective, in km-equivalents: route km + load-balance penalty + visit costs + penalties.
/** Penalty of one missed visit of the least protected class. */
const W_BASE = 10_000;
/** Factor between consecutive priority ranks: a protected class loses visits last. */
const W_FACTOR = 40;
/**
 * A late visit costs between LATE_BASE and LATE_MAX of the class weight (growing per day late), a
 * missed one the full weight plus a little (km-equivalents) per day of the horizon it stays
 * missed: late beats missed, and among the misses of one class geography decides, earlier due
 * dates breaking ties.
 */
const LATE_BASE = 0.5;
const LATE_PER_DAY = 0.02;
const LATE_MAX = 0.95;
const MISS_KM_PER_DAY = 0.5;
/** Cost of any planned visit: prefers chains with fewer (later) visits, which keeps capacity free. */
const VISIT_BASE = 5;
/** Load-balance penalty β·(distance outside the band)²: grows over the search. */
const BETA_START = 1;
const BETA_GROWTH = 1.5;
const BETA_LNS = 5;
const BETA_MAX = 150;

// Search effort. Deterministic: counts, not time.
const LS_PASSES = 4;
const FINAL_PASSES = 4;
const LNS_ITERS_PER_CUSTOMER = 150;
const LNS_MAX_ITERS = 50_000;
/** An LNS step removes 3 .. 3 + LNS_MAX_REMOVE − 1 customers. */
const LNS_MAX_REMOVE = 16;
/** Removal operators: around a penalised customer / part of a day / worst detour / neighbours. */
const LNS_P_PEN = 0.3;
const LNS_P_DAY = 0.3;
const LNS_P_WORST = 0.2;
/** Simulated-annealing temperature (km), geometric from T0 to T1. */
const LNS_T0 = 3;
const LNS_T1 = 0.02;
const LNS_ROUTE_EVERY = 400;
const REPAIR_ROUNDS = 3;
/** Visit cost while squeezing (below the cost of a late visit: 0.5 × W_BASE). */
const SQUEEZE_VISIT_BASE = 500;
const SQUEEZE_ITERS_PER_CUSTOMER = 20;
/** LNS effort after a squeeze, as a share of the main run (the squeeze ignores geography). */
const SQUEEZE_RECOVERY = 0.3;
const REPAIR_CANDIDATES = 60;

/** Spacing of optional (filler) visits for classes without an interval, in days. */
const NULL_CLASS_SPACING = 28;
/** Filler choice: detour km minus this much per interval elapsed since the last visit. */
const FILL_OVERDUE_KM = 2;
const FILL_ROUNDS = 3;

// ---------------------------------------------------------------------------------------------
// Small helpers


function shuffle<T>(arr: T[], rnd: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

/** Shortest possible length of an interval in days (months counted as 28 days, 2 months as 59). */
function minIntervalDays(iv: Interval): number {
  if (iv.unit === "day") return iv.count;
  if (iv.unit === "week") return iv.count * 7;
  return iv.count === 1 ? 28 : Math.floor(iv.count * 29.5);
}

function meanIntervalDays(iv: Interval): number {
  if (iv.unit === "day") return iv.count;
  if (iv.unit === "week") return iv.count * 7;
  return iv.count * 30.44;
}

/** The date of the earliest sensible next visit after a visit on `date`: half the interval later. */
export function earliestNextVisit(date: string, iv: Interval): string {
  const len = daysBetween(date, addInterval(date, iv));
  return addDays(date, Math.floor(len / 2));
}

/** Due date of the first visit in the horizon (see the module comment). */
export function firstDueDate(lastVisit: string | null, iv: Interval, from: string): string {
  const catchUp = addDays(addInterval(from, iv), -1);
  if (!lastVisit) return catchUp;
  const due = addInterval(lastVisit, iv);
  return due < from ? catchUp : due;
}

/** Whether the customer still needs a visit in [from, to] to be covered. */
function needsCoverage(lastVisit: string | null, iv: Interval | null, from: string, to: string): boolean {
  if (!lastVisit) return true;
  if (lastVisit >= startOfMonth(from)) return false;
  if (iv && earliestNextVisit(lastVisit, iv) > to) return false;
  return true;
}

function visitDayDates(input: PlanInput): string[] {
  const out: string[] = [];
  if (!(input.from <= input.to)) return out;
  const off = new Set(input.daysOff);
  const wd = new Set(input.visitDays);
  const n = daysBetween(input.from, input.to);
  for (let i = 0; i <= n; i++) {
    const d = addDays(input.from, i);
    if (wd.has(isoWeekday(d)) && !off.has(d)) out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Internal model

interface ClassInfo {
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

interface Day {
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

interface CustState {
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
}

interface Wedges {
  /** Per level: lower and upper angle of each zone (swept angle, 0 .. 2π). */
  lo: Float64Array[];
  hi: Float64Array[];
}

class Planner {
  readonly input: PlanInput;
  readonly H: number;
  readonly cap: number;
  readonly n: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
  /** Distance from the start (km). */
  readonly S: Float64Array;
  /** Full distance matrix (km) for territories up to MATRIX_LIMIT customers. */
  readonly M: Float64Array | null = null;
  readonly custs: CustState[] = [];
  readonly days: Day[] = [];
  readonly visitDayIdx: number[] = [];
  readonly rnd = seededRandom(SEED);
  readonly classes = new Map<string, ClassInfo>();
  wedges: Wedges = { lo: [], hi: [] };
  Z0 = 1;
  cycleWeeks = 1;
  nVD = 1;
  maxLevel = 0;
  // balance band
  beta = BETA_START;
  lowerBand = true;
  bandLo = 0;
  bandHi = 0;
  target = 0;
  mode: "zone" | "route" = "zone";
  visitBase = VISIT_BASE;
  /** The least demand (visits on their due dates) exceeds the capacity of the visit days. */
  overCapacity = false;
  // scratch
  private best: Float64Array;
  private next: Int32Array;
  private cost: Float64Array;
  private isFixed: Uint8Array;
  private insPos: Int32Array;
  private nextFixed: Int32Array;
  private costStamp: Int32Array;
  private bestStamp: Int32Array;
  /** For an offset x in [0, H + 1]: index of the first day on or after x (days.length if none). */
  private firstDayAt: Int32Array;

  constructor(input: PlanInput, readonly customers: PlanCustomer[]) {
    this.input = input;
    this.H = daysBetween(input.from, input.to);
    this.cap = Math.max(0, Math.floor(input.dailyCap));
    this.n = customers.length;
    // Local equirectangular projection in km, start at the origin.
    const lat0 = input.start.lat;
    const kx = 111.32 * Math.cos((lat0 * Math.PI) / 180);
    const ky = 110.574;
    this.X = new Float64Array(this.n);
    this.Y = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const c = customers[i]!;
      const ok = Number.isFinite(c.lat) && Number.isFinite(c.lng);
      this.X[i] = ok ? (c.lng - input.start.lng) * kx : 0;
      this.Y[i] = ok ? (c.lat - input.start.lat) * ky : 0;
    }
    this.S = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) this.S[i] = Math.sqrt(this.X[i]! * this.X[i]! + this.Y[i]! * this.Y[i]!);
    if (this.n <= MATRIX_LIMIT) {
      const M = new Float64Array(this.n * this.n);
      for (let a = 0; a < this.n; a++) {
        for (let b = a + 1; b < this.n; b++) {
          const dx = this.X[a]! - this.X[b]!;
          const dy = this.Y[a]! - this.Y[b]!;
          M[a * this.n + b] = M[b * this.n + a] = Math.sqrt(dx * dx + dy * dy);
        }
      }
      this.M = M;
    }
    this.buildDays();
    const D = this.days.length;
    this.best = new Float64Array(D);
    this.next = new Int32Array(D);
    this.cost = new Float64Array(D);
    this.isFixed = new Uint8Array(D);
    this.insPos = new Int32Array(D);
    this.nextFixed = new Int32Array(D);
    this.costStamp = new Int32Array(D);
    this.bestStamp = new Int32Array(D);
    this.firstDayAt = new Int32Array(this.H + 2);
    for (let x = this.H + 1, j = D; x >= 0; x--) {
      while (j > 0 && this.days[j - 1]!.off >= x) j--;
      this.firstDayAt[x] = j;
    }
    this.buildClasses();
    this.buildCustomers();
  }

  // -- setup ---------------------------------------------------------------------------------

  private buildDays(): void {
    const { input, H } = this;
    const fixedDates = new Set<string>();
    for (const f of input.fixed ?? []) if (f.date >= input.from && f.date <= input.to) fixedDates.add(f.date);
    const visitDates = new Set(visitDayDates(input));
    for (let x = 0; x <= H; x++) {
      const date = addDays(input.from, x);
      const visit = visitDates.has(date);
      if (!visit && !fixedDates.has(date)) continue;
      if (visit) this.visitDayIdx.push(this.days.length);
      this.days.push({ off: x, date, visit, route: [], foreign: [], zone: [] });
    }
  }

  private buildClasses(): void {
    const { input, H } = this;
    const prios = [...new Set(input.classes.map((c) => c.priority))].sort((a, b) => a - b);
    const R = Math.max(1, prios.length);
    const known = [...input.classes];
    // Unknown class ids: no interval, least protected.
    for (const c of this.customers) {
      if (!known.some((k) => k.id === c.classId)) known.push({ id: c.classId, visitEvery: null, priority: Number.MAX_SAFE_INTEGER });
    }
    const used = new Set(this.customers.map((c) => c.classId));
    // Base cycle: shortest interval in use, in whole weeks.
    let minDays = Infinity;
    for (const k of known) if (k.visitEvery && used.has(k.id)) minDays = Math.min(minDays, minIntervalDays(k.visitEvery));
    const horizonWeeks = Math.max(1, Math.floor((H + 1) / 7));
    this.cycleWeeks = Number.isFinite(minDays) ? Math.max(1, Math.floor(minDays / 7)) : horizonWeeks;
    const T = this.cycleWeeks * 7;
    this.nVD = Math.max(1, new Set(input.visitDays).size);
    this.Z0 = this.cycleWeeks * this.nVD;
    const levelCap = Math.max(0, Math.floor(Math.log2(Math.max(1, horizonWeeks / this.cycleWeeks)) + 1e-9));
    this.maxLevel = 0;
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
      this.maxLevel = Math.max(this.maxLevel, level);
      this.classes.set(k.id, { id: k.id, iv, priority: k.priority, W, level, due, ear, miss, load });
    }
    // Zone of each day at each level.
    const sortedVD = [...new Set(input.visitDays)].sort((a, b) => a - b);
    const wd0 = isoWeekday(input.from);
    for (const day of this.days) {
      const w = Math.floor((day.off + wd0 - 1) / 7);
      const pos = Math.max(0, sortedVD.indexOf(isoWeekday(day.date)));
      for (let L = 0; L <= this.maxLevel; L++) {
        const weeks = this.cycleWeeks * (1 << L);
        day.zone.push((w % weeks) * this.nVD + pos);
      }
    }
  }

  private buildCustomers(): void {
    const { input, H } = this;
    const dayOfDate = new Map<string, number>();
    this.days.forEach((d, i) => dayOfDate.set(d.date, i));
    const idxOfId = new Map<number, number>();
    this.customers.forEach((c, i) => idxOfId.set(c.id, i));
    const fixedByCust: number[][] = this.customers.map(() => []);
    const seen = new Set<string>();
    for (const f of input.fixed ?? []) {
      const j = dayOfDate.get(f.date);
      if (j === undefined) continue;
      const key = `${f.customerId}@${f.date}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ci = idxOfId.get(f.customerId);
      if (ci === undefined) this.days[j]!.foreign.push(f.customerId);
      else fixedByCust[ci]!.push(j);
    }
    for (let i = 0; i < this.n; i++) {
      const c = this.customers[i]!;
      const info = this.classes.get(c.classId)!;
      let due0 = H + 1;
      let ear0 = 0;
      if (info.iv) {
        const first = firstDueDate(c.lastVisit, info.iv, input.from);
        due0 = Math.min(daysBetween(input.from, first), H + 1);
        if (c.lastVisit && addInterval(c.lastVisit, info.iv) >= input.from) {
          ear0 = Math.max(0, daysBetween(input.from, earliestNextVisit(c.lastVisit, info.iv)));
        }
      }
      const covReq = needsCoverage(c.lastVisit, info.iv, input.from, input.to);
      const fixed = fixedByCust[i]!.sort((a, b) => a - b);
      const x = this.X[i]!;
      const y = this.Y[i]!;
      this.custs.push({ info, due0, ear0, covReq, fixed, visits: [...fixed], phi: Math.atan2(y, x), r: Math.hypot(x, y) });
    }
    // Fixed visits go straight into the routes.
    for (let i = 0; i < this.n; i++) for (const j of this.custs[i]!.fixed) this.insertAt(i, j);
  }

  /** Angular sectors around the start, balanced by workload, nested per level. */
  buildZones(): void {
    const { n, Z0 } = this;
    const TWO_PI = 2 * Math.PI;
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.custs[a]!.phi - this.custs[b]!.phi);
    // Sweep from the widest angular gap.
    let startPhi = -Math.PI;
    if (n > 1) {
      let bestGap = -1;
      for (let k = 0; k < n; k++) {
        const a = this.custs[idx[k]!]!.phi;
        const b = k + 1 < n ? this.custs[idx[k + 1]!]!.phi : this.custs[idx[0]!]!.phi + TWO_PI;
        if (b - a > bestGap) {
          bestGap = b - a;
          startPhi = (a + b) / 2;
        }
      }
    }
    const sweep = (phi: number) => (((phi - startPhi) % TWO_PI) + TWO_PI) % TWO_PI;
    for (const c of this.custs) c.phi = sweep(c.phi);
    idx.sort((a, b) => this.custs[a]!.phi - this.custs[b]!.phi);

    const cut = (members: number[], a: number, b: number, parts: number, weight: (i: number) => number): number[] => {
      // Returns parts+1 boundaries from a to b splitting members (sorted by phi) by equal weight.
      const bounds = [a];
      const total = members.reduce((s, i) => s + weight(i), 0);
      if (members.length < parts || total <= 0) {
        for (let p = 1; p < parts; p++) bounds.push(a + ((b - a) * p) / parts);
        bounds.push(b);
        return bounds;
      }
      let acc = 0;
      let p = 1;
      for (let k = 0; k < members.length && p < parts; k++) {
        acc += weight(members[k]!);
        while (p < parts && acc >= (total * p) / parts) {
          const here = this.custs[members[k]!]!.phi;
          const nxt = k + 1 < members.length ? this.custs[members[k + 1]!]!.phi : b;
          bounds.push((here + nxt) / 2);
          p++;
        }
      }
      while (bounds.length < parts) bounds.push(b);
      bounds.push(b);
      return bounds;
    };

    const weight0 = (i: number) => (this.custs[i]!.covReq || this.custs[i]!.info.iv ? this.custs[i]!.info.load : 0) + 1e-6;
    const b0 = cut(idx, 0, TWO_PI, Z0, weight0);
    this.wedges = { lo: [], hi: [] };
    for (let L = 0; L <= this.maxLevel; L++) {
      const parts = 1 << L;
      const lo = new Float64Array(Z0 * parts);
      const hi = new Float64Array(Z0 * parts);
      for (let k = 0; k < Z0; k++) {
        const a = b0[k]!;
        const b = b0[k + 1]!;
        const members = idx.filter((i) => {
          const c = this.custs[i]!;
          return c.phi >= a && c.phi < b && c.info.level === L;
        });
        const bs = cut(members, a, b, parts, (i) => this.custs[i]!.info.load + 1e-6);
        for (let p = 0; p < parts; p++) {
          lo[k + p * Z0] = bs[p]!;
          hi[k + p * Z0] = bs[p + 1]!;
        }
      }
      this.wedges.lo.push(lo);
      this.wedges.hi.push(hi);
    }
  }

  // -- routes ---------------------------------------------------------------------------------

  private dist(a: number, b: number): number {
    const M = this.M;
    if (M) return M[a * this.n + b]!;
    const dx = this.X[a]! - this.X[b]!;
    const dy = this.Y[a]! - this.Y[b]!;
    return Math.sqrt(dx * dx + dy * dy);
  }
  private dStart(a: number): number {
    return this.S[a]!;
  }

  load(j: number): number {
    const d = this.days[j]!;
    return d.route.length + d.foreign.length;
  }

  /** Cheapest insertion of c into day j's open path; returns cost, stores the position. */
  private insertionCost(c: number, j: number): number {
    const r = this.days[j]!.route;
    const m = r.length;
    const S = this.S;
    const sc = S[c]!;
    if (m === 0) {
      this.insPos[j] = 0;
      return sc;
    }
    let bestPos = 0;
    const M = this.M;
    if (M) {
      const n = this.n;
      const cn = c * n;
      let a = r[0]!;
      let dca = M[cn + a]!;
      let best = sc + dca - S[a]!;
      for (let k = 0; k < m - 1; k++) {
        const b = r[k + 1]!;
        const dcb = M[cn + b]!;
        const v = dca + dcb - M[a * n + b]!;
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
      this.insPos[j] = bestPos;
      return best;
    }
    let best = sc + this.dist(c, r[0]!) - S[r[0]!]!;
    for (let k = 0; k < m; k++) {
      const a = r[k]!;
      const v = k + 1 < m ? this.dist(a, c) + this.dist(c, r[k + 1]!) - this.dist(a, r[k + 1]!) : this.dist(a, c);
      if (v < best) {
        best = v;
        bestPos = k + 1;
      }
    }
    this.insPos[j] = bestPos;
    return best;
  }

  private insertAt(c: number, j: number, knownPos = false): void {
    if (!knownPos) this.insertionCost(c, j);
    this.touch(j);
    this.days[j]!.route.splice(this.insPos[j]!, 0, c);
  }

  /** Copy-on-write journal of routes changed since begin(), for cheap undo. */
  private journal: Map<number, number[]> | null = null;
  /** Days whose route changed since their last improveRoute(). */
  private dirty = new Set<number>();
  private touch(j: number): void {
    this.dirty.add(j);
    if (this.journal && !this.journal.has(j)) this.journal.set(j, this.days[j]!.route.slice());
  }


  routeLength(r: number[]): number {
    if (r.length === 0) return 0;
    let s = this.dStart(r[0]!);
    for (let k = 1; k < r.length; k++) s += this.dist(r[k - 1]!, r[k]!);
    return s;
  }

  /** 2-opt and Or-opt on an open path from the start, until no improvement. */
  improveRoute(r: number[]): void {
    const m = r.length;
    if (m < 3) return;
    const P = (k: number) => (k < 0 ? -1 : r[k]!);
    const d = (a: number, b: number) => (a < 0 ? this.dStart(b) : b < 0 ? this.dStart(a) : this.dist(a, b));
    let improved = true;
    let guard = 0;
    while (improved && guard++ < 50) {
      improved = false;
      // 2-opt: reverse r[i..k]
      for (let i = 0; i < m - 1; i++) {
        const a = P(i - 1);
        const b = r[i]!;
        for (let k = i + 1; k < m; k++) {
          const c = r[k]!;
          const e = k + 1 < m ? r[k + 1]! : null;
          const before = d(a, b) + (e === null ? 0 : this.dist(c, e));
          const after = d(a, c) + (e === null ? 0 : this.dist(b, e));
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
      // Or-opt: move a segment of 1..3 stops elsewhere (possibly reversed).
      for (let len = 1; len <= 3; len++) {
        for (let i = 0; i + len <= m; i++) {
          const a = P(i - 1);
          const s0 = r[i]!;
          const s1 = r[i + len - 1]!;
          const e = i + len < m ? r[i + len]! : null;
          const removeGain = d(a, s0) + (e === null ? 0 : this.dist(s1, e)) - (e === null ? 0 : d(a, e));
          let bestDelta = -1e-9;
          let bestK = -2;
          let bestRev = false;
          for (let k = -1; k < m; k++) {
            if (k >= i - 1 && k < i + len) continue;
            const p = k < 0 ? -1 : r[k]!;
            const q = k + 1 < m ? r[k + 1]! : null;
            if (q !== null && k + 1 >= i && k + 1 < i + len) continue;
            const qq = q !== null && k + 1 === i ? e : q;
            const base = qq === null ? 0 : d(p, qq);
            const fwd = d(p, s0) + (qq === null ? 0 : this.dist(s1, qq)) - base;
            const rev = d(p, s1) + (qq === null ? 0 : this.dist(s0, qq)) - base;
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

  // -- costs ----------------------------------------------------------------------------------

  private penalty(L: number): number {
    let p = 0;
    if (L > this.bandHi) p += (L - this.bandHi) * (L - this.bandHi);
    if (this.lowerBand && L < this.bandLo) p += (this.bandLo - L) * (this.bandLo - L);
    return this.beta * p;
  }

  setBand(total: number, lowerBand: boolean): void {
    const nv = this.visitDayIdx.length;
    this.target = nv > 0 ? total / nv : 0;
    this.bandHi = Math.min(this.cap, Math.floor(this.target) + 1);
    this.bandLo = this.bandHi - 2;
    this.lowerBand = lowerBand;
  }

  private zoneCost(c: number, j: number): number {
    const cs = this.custs[c]!;
    const L = cs.info.level;
    const z = this.days[j]!.zone[L]!;
    const lo = this.wedges.lo[L]![z]!;
    const hi = this.wedges.hi[L]![z]!;
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

  private lateCost(info: ClassInfo, y: number, due: number): number {
    return y <= due ? 0 : info.W * Math.min(LATE_MAX, LATE_BASE + LATE_PER_DAY * (y - due));
  }

  // -- the per-customer chain DP ----------------------------------------------------------------

  /**
   * Removes c's non-fixed visits from the plan. Returns the exact objective saved: route detours,
   * balance penalty, visit cost and the chain's lateness/miss/coverage penalties (only the
   * removal of the geographic and load parts is "real": the penalties come back with plan()).
   */
  unplan(c: number): number {
    const cs = this.custs[c]!;
    let saved = this.chainPenalty(c, cs.visits);
    for (const j of cs.visits) {
      if (cs.fixed.includes(j)) continue;
      const r = this.days[j]!.route;
      const k = r.indexOf(c);
      if (k < 0) continue;
      this.touch(j);
      const a = k > 0 ? r[k - 1]! : -1;
      const b = k + 1 < r.length ? r[k + 1]! : -1;
      const da = a < 0 ? this.dStart(c) : this.dist(a, c);
      saved += b < 0 ? da : da + this.dist(c, b) - (a < 0 ? this.dStart(b) : this.dist(a, b));
      const L = this.load(j);
      saved += this.penalty(L) - this.penalty(L - 1) + this.visitBase;
      r.splice(k, 1);
    }
    cs.visits = [...cs.fixed];
    return saved;
  }

  /** Lateness, missed-visit and coverage penalties of a chain of visits (day indices, ascending). */
  chainPenalty(c: number, visits: number[]): number {
    const cs = this.custs[c]!;
    const info = cs.info;
    const { H, days } = this;
    if (visits.length === 0) return (cs.due0 <= H ? info.miss[cs.due0]! : 0) + (cs.covReq ? info.W : 0);
    if (!info.iv) return 0;
    let p = 0;
    let due = cs.due0;
    for (const j of visits) {
      const y = days[j]!.off;
      if (due <= H) p += this.lateCost(info, y, due);
      due = info.due[y]!;
    }
    if (due <= H) p += info.miss[due]!;
    return p;
  }

  /**
   * Chooses c's visits optimally against the current plan (c's own non-fixed visits removed) and
   * inserts them. Returns the chain's cost: route detours + load-balance change + visit costs +
   * lateness/miss/coverage penalties. A compliant chain is searched first (only the days inside
   * the windows are priced); late visits are considered only when no compliant chain exists.
   */
  plan(c: number): number {
    const cs = this.custs[c]!;
    const { days, isFixed, nextFixed } = this;
    const D = days.length;
    this.planC = c;
    this.costStampNow++;
    isFixed.fill(0);
    for (const j of cs.fixed) isFixed[j] = 1;
    let nf = -1;
    for (let j = D - 1; j >= 0; j--) {
      nextFixed[j] = nf;
      if (isFixed[j]) nf = j;
    }
    let res = this.solveStart(c, nf, false);
    if (!(res.cost < cs.info.W * 0.5)) res = this.solveStart(c, nf, true);
    const visits: number[] = [];
    for (let j = res.choice; j >= 0; j = this.next[j]!) {
      visits.push(j);
      if (!isFixed[j]) this.insertAt(c, j, this.mode === "route");
    }
    cs.visits = visits;
    return res.cost;
  }

  private planC = -1;
  private costStampNow = 0;
  private bestStampNow = 0;
  private allowLate = false;

  private costAt(j: number): number {
    if (this.costStamp[j] === this.costStampNow) return this.cost[j]!;
    const c = this.planC;
    let v: number;
    if (this.isFixed[j]) v = 0;
    else {
      const day = this.days[j]!;
      const L = this.load(j);
      if (!day.visit || L >= this.cap) v = Infinity;
      else {
        const geo = this.mode === "zone" ? this.zoneCost(c, j) : this.insertionCost(c, j);
        v = geo + this.penalty(L + 1) - this.penalty(L) + this.visitBase;
      }
    }
    this.cost[j] = v;
    this.costStamp[j] = this.costStampNow;
    return v;
  }

  /** Best cost of a visit on day j plus the rest of the chain (memoised per solve). */
  private bestFrom(j: number): number {
    if (this.bestStamp[j] === this.bestStampNow) return this.best[j]!;
    const cj = this.costAt(j);
    let total = Infinity;
    let choice = -1;
    if (cj !== Infinity) {
      const { days, H } = this;
      const info = this.custs[this.planC]!.info;
      const nfHere = this.nextFixed[j]!;
      let cont: number;
      if (!info.iv) {
        cont = nfHere < 0 ? 0 : this.bestFrom(nfHere);
        choice = nfHere;
      } else {
        const x = days[j]!.off;
        const due = info.due[x]!;
        if (nfHere < 0) cont = due > H ? 0 : info.miss[due]!;
        else {
          cont = this.bestFrom(nfHere) + this.lateCost(info, days[nfHere]!.off, due);
          choice = nfHere;
        }
        if (due <= H) {
          const end = nfHere < 0 ? days.length : nfHere;
          for (let m = Math.max(j + 1, this.firstDayAt[Math.min(info.ear[x]!, H + 1)]!); m < end; m++) {
            const y = days[m]!.off;
            if (!this.allowLate && y > due) break;
            const v = this.bestFrom(m) + this.lateCost(info, y, due);
            if (v < cont) {
              cont = v;
              choice = m;
            }
          }
        }
      }
      total = cj + cont;
    }
    this.best[j] = total;
    this.next[j] = choice;
    this.bestStamp[j] = this.bestStampNow;
    return total;
  }

  private solveStart(c: number, nf0: number, allowLate: boolean): { cost: number; choice: number } {
    const cs = this.custs[c]!;
    const info = cs.info;
    const { days, H } = this;
    this.bestStampNow++;
    this.allowLate = allowLate;
    let cost: number;
    let choice = -1;
    if (nf0 >= 0) {
      cost = this.bestFrom(nf0) + (cs.due0 <= H ? this.lateCost(info, days[nf0]!.off, cs.due0) : 0);
      choice = nf0;
    } else {
      cost = (cs.due0 <= H ? info.miss[cs.due0]! : 0) + (cs.covReq ? info.W : 0);
    }
    const needVisit = info.iv ? cs.due0 <= H || (cs.covReq && nf0 < 0) : cs.covReq && nf0 < 0;
    if (needVisit) {
      const end = nf0 < 0 ? days.length : nf0;
      for (let m = this.firstDayAt[Math.min(cs.ear0, H + 1)]!; m < end; m++) {
        const y = days[m]!.off;
        if (cs.due0 <= H && !allowLate && y > cs.due0) break;
        const v = this.bestFrom(m) + (cs.due0 <= H ? this.lateCost(info, y, cs.due0) : 0);
        if (v < cost) {
          cost = v;
          choice = m;
        }
      }
    }
    return { cost, choice };
  }

  totalLoad(): number {
    let s = 0;
    for (const j of this.visitDayIdx) s += this.load(j);
    return s;
  }

  /** Rough count of the visits the plan will need (for the balance band during construction). */
  estimateVisits(): number {
    let total = 0;
    for (const d of this.days) if (d.visit) total += d.foreign.length;
    for (const cs of this.custs) {
      let k = 0;
      if (cs.info.iv) for (let x = cs.due0; x <= this.H; x = cs.info.due[x]!) k++;
      if (k === 0 && cs.covReq) k = 1;
      total += Math.max(k, cs.fixed.filter((j) => this.days[j]!.visit).length);
    }
    return total;
  }

  // -- driver -------------------------------------------------------------------------------------

  run(): void {
    if (this.n === 0 || this.days.length === 0) return;
    this.buildZones();
    // Construction order: tightest first window first (packing); over capacity, protected
    // classes first. Then by angle, so that neighbours are seated one after the other.
    const order = Array.from({ length: this.n }, (_, i) => i);
    const windowOf = (i: number) => {
      const cs = this.custs[i]!;
      return cs.info.iv ? Math.min(cs.due0, this.H + 1) - cs.ear0 : this.H + 1;
    };
    const estimate = this.estimateVisits();
    const capacity = this.visitDayIdx.length * this.cap;
    const byPriority = estimate > capacity;
    this.overCapacity = byPriority;
    order.sort((a, b) => {
      const A = this.custs[a]!;
      const B = this.custs[b]!;
      if (byPriority) return A.info.priority - B.info.priority || windowOf(a) - windowOf(b) || A.phi - B.phi || a - b;
      return windowOf(a) - windowOf(b) || A.info.priority - B.info.priority || A.phi - B.phi || a - b;
    });
    this.mode = "zone";
    this.beta = 20;
    this.setBand(estimate, false);
    for (const c of order) this.plan(c);
    for (const j of this.visitDayIdx) this.improveRoute(this.days[j]!.route);

    // Local search on route cost with a growing balance penalty.
    this.mode = "route";
    this.beta = BETA_START;
    for (let pass = 0; pass < LS_PASSES; pass++) {
      this.sweep();
      this.beta = Math.min(BETA_LNS, this.beta * BETA_GROWTH);
    }
    const iters = Math.min(LNS_MAX_ITERS, Math.round(LNS_ITERS_PER_CUSTOMER * this.n));
    this.lns(iters);
    this.repair();
    if (this.squeeze()) {
      this.lns(Math.round(SQUEEZE_RECOVERY * iters));
      this.repair();
    }
    for (let pass = 0; pass < FINAL_PASSES; pass++) {
      this.beta = Math.min(BETA_MAX, this.beta * 2);
      this.sweep();
    }
  }

  /**
   * Still late or missed although the capacity suffices (a crowded calendar): make every visit
   * expensive for a short LNS so that chains drop the visits they do not need (visits as late as
   * allowed), which frees slots where deadlines crowd; then rescue. Returns whether it ran.
   */
  private squeeze(): boolean {
    if (this.overCapacity) return false;
    let late = false;
    for (let c = 0; c < this.n && !late; c++) late = this.chainPenalty(c, this.custs[c]!.visits) > 0;
    if (!late) return false;
    this.visitBase = SQUEEZE_VISIT_BASE;
    this.lns(Math.min(LNS_MAX_ITERS, SQUEEZE_ITERS_PER_CUSTOMER * this.n));
    this.repair();
    this.visitBase = VISIT_BASE;
    return true;
  }

  /** Re-plans every customer once (random order), then improves every route. */
  private sweep(): void {
    this.setBand(this.totalLoad(), true);
    const perm = shuffle(Array.from({ length: this.n }, (_, i) => i), this.rnd);
    for (const c of perm) {
      this.unplan(c);
      this.plan(c);
    }
    for (const j of this.visitDayIdx) this.improveRoute(this.days[j]!.route);
  }

  /** The k nearest customers of each customer (bounded insertion: O(n²) distance look-ups). */
  private neighbours(k: number): Int32Array[] {
    const { n } = this;
    const out: Int32Array[] = [];
    const ids = new Int32Array(k);
    const ds = new Float64Array(k);
    for (let c = 0; c < n; c++) {
      let m = 0;
      for (let o = 0; o < n; o++) {
        if (o === c) continue;
        const d = this.dist(c, o);
        if (m === k && d >= ds[k - 1]!) continue;
        let p = m < k ? m++ : k - 1;
        while (p > 0 && ds[p - 1]! > d) {
          ds[p] = ds[p - 1]!;
          ids[p] = ids[p - 1]!;
          p--;
        }
        ds[p] = d;
        ids[p] = o;
      }
      out.push(ids.slice(0, m));
    }
    return out;
  }

  /** Starts an undoable change of the customers in `set`; returns their current visits. */
  private begin(set: number[]): number[][] {
    this.journal = new Map();
    return set.map((c) => this.custs[c]!.visits.slice());
  }

  private commit(): void {
    this.journal = null;
  }

  private rollback(set: number[], visits: number[][]): void {
    for (const [j, r] of this.journal!) this.days[j]!.route = r;
    this.journal = null;
    set.forEach((c, k) => (this.custs[c]!.visits = visits[k]!));
  }

  private saveAll(): { routes: number[][]; visits: number[][] } {
    return { routes: this.days.map((d) => d.route.slice()), visits: this.custs.map((cs) => cs.visits.slice()) };
  }

  private restoreAll(s: { routes: number[][]; visits: number[][] }): void {
    this.days.forEach((d, j) => (d.route = s.routes[j]!.slice()));
    this.custs.forEach((cs, c) => (cs.visits = s.visits[c]!.slice()));
  }

  /**
   * Rescue of customers still late or missed. (1) Ejection chains: a breadth-first search over
   * single-visit moves that keep the moved customer's chain on time frees a slot inside the
   * window of the failing visit, then the customer is re-planned. (2) Pair moves: the customer
   * takes the place of one other customer, who is re-planned. A change is kept when it lowers the
   * objective.
   */
  private repair(): void {
    for (let round = 0; round < REPAIR_ROUNDS; round++) {
      const pens: number[] = [];
      for (let c = 0; c < this.n; c++) if (this.chainPenalty(c, this.custs[c]!.visits) > 0) pens.push(c);
      if (pens.length === 0 || !this.fewPenalised(pens.length)) return;
      const pairs = pens.length <= Math.max(5, 0.05 * this.n);
      let improved = false;
      for (const c of pens) {
        if (this.chainPenalty(c, this.custs[c]!.visits) <= 0) continue;
        if (this.rescueByChain(c) || (pairs && this.rescueByPair(c))) improved = true;
      }
      if (!improved) return;
    }
  }

  /** The window [earliest, due] (offsets) of c's first late or missing visit, or null. */
  private failingWindow(c: number): [number, number] | null {
    const cs = this.custs[c]!;
    const info = cs.info;
    const { H, days } = this;
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
  private moveOk(e: number, a: number, b: number): boolean {
    const cs = this.custs[e]!;
    if (cs.fixed.includes(a) || cs.visits.includes(b) || !this.days[b]!.visit) return false;
    const k = cs.visits.indexOf(a);
    if (k < 0) return false;
    const prev = k > 0 ? cs.visits[k - 1]! : -1;
    const next = k + 1 < cs.visits.length ? cs.visits[k + 1]! : -1;
    if ((prev >= 0 && b <= prev) || (next >= 0 && b >= next)) return false;
    const info = cs.info;
    if (!info.iv) return true;
    const { H, days } = this;
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

  private rescueByChain(c: number): boolean {
    const win = this.failingWindow(c);
    if (!win) return false;
    const { days, cap } = this;
    const D = days.length;
    const from = new Int32Array(D).fill(-2);
    const via = new Int32Array(D).fill(-1);
    const queue: number[] = [];
    for (let j = this.firstDayAt[Math.min(win[0], this.H + 1)]!; j < D && days[j]!.off <= win[1]; j++) {
      if (!days[j]!.visit) continue;
      from[j] = -1;
      queue.push(j);
    }
    let end = -1;
    for (let qi = 0; qi < queue.length && end < 0; qi++) {
      const a = queue[qi]!;
      if (this.load(a) < cap) {
        end = a;
        break;
      }
      for (const e of days[a]!.route) {
        if (e === c) continue;
        for (const b of this.visitDayIdx) {
          if (from[b] !== -2 || !this.moveOk(e, a, b)) continue;
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
    const saved = this.begin(involved);
    const before = this.penaltyOf(involved);
    let delta = 0;
    // Shift visits backwards along the path: the last move first, into the free day.
    for (let b = end; from[b]! >= 0; b = from[b]!) delta += this.moveVisit(via[b]!, from[b]!, b);
    delta -= this.unplan(c);
    delta += this.plan(c);
    if (this.penaltyOf(involved) < before - 1e-6 || delta < -1e-6) {
      this.commit();
      return true;
    }
    this.rollback(involved, saved);
    return false;
  }

  /** Moves e's (non-fixed) visit from day a to day b; returns the change of routes + balance. */
  private moveVisit(e: number, a: number, b: number): number {
    const r = this.days[a]!.route;
    const k = r.indexOf(e);
    this.touch(a);
    const p = k > 0 ? r[k - 1]! : -1;
    const q = k + 1 < r.length ? r[k + 1]! : -1;
    const dp = p < 0 ? this.dStart(e) : this.dist(p, e);
    let delta = -(q < 0 ? dp : dp + this.dist(e, q) - (p < 0 ? this.dStart(q) : this.dist(p, q)));
    const La = this.load(a);
    delta -= this.penalty(La) - this.penalty(La - 1);
    r.splice(k, 1);
    const Lb = this.load(b);
    delta += this.insertionCost(e, b) + this.penalty(Lb + 1) - this.penalty(Lb);
    this.insertAt(e, b, true);
    const cs = this.custs[e]!;
    cs.visits = cs.visits.map((v) => (v === a ? b : v)).sort((x, y) => x - y);
    return delta;
  }

  private penaltyOf(set: number[]): number {
    let p = 0;
    for (const c of set) p += this.chainPenalty(c, this.custs[c]!.visits);
    return p;
  }

  private rescueByPair(c: number): boolean {
    const cs = this.custs[c]!;
    // Days up to the last due date that matters: the first window, or the whole horizon.
    const hiOff = cs.info.iv && cs.due0 <= this.H && cs.visits.length === 0 ? cs.due0 : this.H;
    const cand = new Set<number>();
    for (let j = 0; j < this.firstDayAt[hiOff + 1]!; j++) {
      const day = this.days[j]!;
      if (!day.visit || this.load(j) < this.cap) continue;
      for (const o of day.route) if (o !== c && !this.custs[o]!.fixed.includes(j)) cand.add(o);
    }
    const others = [...cand].sort((a, b) => this.dist(c, a) - this.dist(c, b)).slice(0, REPAIR_CANDIDATES);
    for (const e of others) {
      const pair = [c, e];
      const saved = this.begin(pair);
      let delta = -this.unplan(c) - this.unplan(e);
      delta += this.plan(c);
      delta += this.plan(e);
      if (delta < -1e-6) {
        this.commit();
        return true;
      }
      this.rollback(pair, saved);
    }
    return false;
  }

  /**
   * Late or missed customers worth chasing one by one: any number while the capacity suffices,
   * only a few when over capacity (then most of them cannot be helped).
   */
  private fewPenalised(count: number): boolean {
    return count <= Math.max(5, (this.overCapacity ? 0.05 : 0.25) * this.n);
  }

  /** Chooses the customers an LNS step removes. */
  private pickRemoval(q: number, nb: Int32Array[], rnd: () => number, penalised: number[]): number[] {
    // Few penalised customers: probably fixable by repacking, try often. Many (over capacity): rarely.
    const pPen = this.fewPenalised(penalised.length) ? LNS_P_PEN : 0.05;
    if (penalised.length > 0 && rnd() < pPen) {
      // A customer with a late or missed visit, and customers on the days of its first window.
      const c = penalised[Math.floor(rnd() * penalised.length)]!;
      const cs = this.custs[c]!;
      const lo = this.firstDayAt[Math.min(cs.ear0, this.H + 1)]!;
      const hi = this.firstDayAt[Math.min(cs.info.iv ? cs.due0 + 1 : this.H + 1, this.H + 1)]!;
      const cand = new Set<number>();
      for (let j = lo; j < hi; j++) {
        if (!this.days[j]!.visit) continue;
        for (const o of this.days[j]!.route) if (o !== c && !this.custs[o]!.fixed.includes(j)) cand.add(o);
      }
      const arr = [...cand].sort((a, b) => this.dist(c, a) - this.dist(c, b));
      const set = [c];
      for (let k = 0; k < arr.length && set.length < q; k++) if (rnd() < 0.5) set.push(arr[k]!);
      return set;
    }
    const u = rnd();
    if (u < LNS_P_DAY && this.visitDayIdx.length > 0) {
      // Part of one day: the members nearest to a random member (re-cuts the day's area).
      const j = this.visitDayIdx[Math.floor(rnd() * this.visitDayIdx.length)]!;
      const r = this.days[j]!.route.filter((c) => !this.custs[c]!.fixed.includes(j));
      if (r.length > 0) {
        const s0 = r[Math.floor(rnd() * r.length)]!;
        r.sort((a, b) => this.dist(s0, a) - this.dist(s0, b));
        return r.slice(0, Math.max(2, Math.min(r.length, Math.ceil(q / 2))));
      }
    } else if (u < LNS_P_DAY + LNS_P_WORST && this.visitDayIdx.length > 0) {
      // The worst detour of a random day and its neighbours.
      const j = this.visitDayIdx[Math.floor(rnd() * this.visitDayIdx.length)]!;
      const r = this.days[j]!.route;
      let worst = -1;
      let wv = -Infinity;
      for (let k = 0; k < r.length; k++) {
        const c = r[k]!;
        if (this.custs[c]!.fixed.includes(j)) continue;
        const a = k > 0 ? r[k - 1]! : -1;
        const b = k + 1 < r.length ? r[k + 1]! : -1;
        const da = a < 0 ? this.dStart(c) : this.dist(a, c);
        const v = b < 0 ? da : da + this.dist(c, b) - (a < 0 ? this.dStart(b) : this.dist(a, b));
        if (v > wv) {
          wv = v;
          worst = c;
        }
      }
      if (worst >= 0) {
        const set = [worst];
        const pool = nb[worst]!;
        for (let k = 0; k < pool.length && set.length < q; k++) if (rnd() < 0.7) set.push(pool[k]!);
        return set;
      }
    }
    const seed = Math.floor(rnd() * this.n);
    const set = [seed];
    const pool = nb[seed]!;
    for (let k = 0; k < pool.length && set.length < q; k++) if (rnd() < 0.7) set.push(pool[k]!);
    return set;
  }

  /**
   * Large neighbourhood search: remove a group of neighbouring customers, re-insert them one by
   * one with the chain DP (most constrained first); routes are improved every few hundred steps;
   * simulated-annealing acceptance, the best plan seen is kept.
   */
  private lns(iters: number): void {
    if (iters <= 0 || this.n < 2) return;
    this.setBand(this.totalLoad(), true);
    const K = Math.min(this.n - 1, 40);
    const nb = this.neighbours(K);
    const rnd = this.rnd;
    let T = LNS_T0;
    const cool = Math.pow(LNS_T1 / LNS_T0, 1 / iters);
    let cur = 0;
    let best = 0;
    let bestSnap = this.saveAll();
    const penalised: number[] = [];
    const pen = new Uint8Array(this.n);
    const win = new Float64Array(this.n);
    for (let c = 0; c < this.n; c++) {
      const cs = this.custs[c]!;
      win[c] = cs.info.iv ? Math.min(cs.due0, this.H + 1) - cs.ear0 : this.H + 1;
    }
    for (let it = 0; it < iters; it++, T *= cool) {
      const q = Math.min(this.n, 3 + Math.floor(rnd() * LNS_MAX_REMOVE));
      if (it % 50 === 0) {
        penalised.length = 0;
        for (let c = 0; c < this.n; c++) if (this.chainPenalty(c, this.custs[c]!.visits) > 0) penalised.push(c);
      }
      const set = this.pickRemoval(q, nb, rnd, penalised);
      const fixable = this.fewPenalised(penalised.length);
      for (const c of set) pen[c] = fixable && this.chainPenalty(c, this.custs[c]!.visits) > 0 ? 1 : 0;
      if (it % LNS_ROUTE_EVERY === LNS_ROUTE_EVERY - 1) {
        // Insertion leaves routes a little worse than they need be: tidy them (never worse).
        for (const j of this.dirty) {
          const r = this.days[j]!.route;
          const before = this.routeLength(r);
          this.improveRoute(r);
          cur += this.routeLength(r) - before;
        }
        this.dirty.clear();
        if (cur < best - 1e-6) {
          best = cur;
          bestSnap = this.saveAll();
        }
      }
      const saved = this.begin(set);
      let delta = 0;
      for (const c of set) delta -= this.unplan(c);
      // Most constrained first: penalised, then protected classes, then tight windows.
      const order = shuffle(set.slice(), rnd);
      order.sort((a, b) => pen[b]! - pen[a]! || this.custs[b]!.info.W - this.custs[a]!.info.W || win[a]! - win[b]!);
      for (const c of order) delta += this.plan(c);
      if (delta < 1e-9 || rnd() < Math.exp(-delta / T)) {
        this.commit();
        cur += delta;
        if (cur < best - 1e-6) {
          best = cur;
          bestSnap = this.saveAll();
        }
      } else {
        this.rollback(set, saved);
      }
    }
    if (cur > best + 1e-6) this.restoreAll(bestSnap);
  }

  /**
   * Adds optional visits to visit days below the daily minimum, or more than 2 below the fullest
   * day (balance), lowest day first: the most overdue customers that can take an extra visit
   * without breaking spacing or creating a new obligation, nearest to the day's route first.
   */
  fill(): void {
    const vd = this.visitDayIdx;
    if (vd.length === 0 || this.n === 0) return;
    let maxLoad = 0;
    for (const j of vd) maxLoad = Math.max(maxLoad, this.load(j));
    // The minimum only where it can be reached at all (a territory smaller than it cannot).
    const minimum = this.n >= this.input.dailyMinimum ? this.input.dailyMinimum : 0;
    const target = Math.min(this.cap, Math.max(minimum, maxLoad - 2));
    const exhausted = new Uint8Array(this.days.length);
    const fillers: [number, number][] = [];
    for (;;) {
      let j = -1;
      for (const k of vd) if (!exhausted[k] && this.load(k) < target && (j < 0 || this.load(k) < this.load(j))) j = k;
      if (j < 0) break;
      const bestC = this.bestFiller(j, -1, Infinity);
      if (bestC < 0) {
        exhausted[j] = 1;
        continue;
      }
      this.addFiller(bestC, j);
      fillers.push([bestC, j]);
    }
    this.improveFillers(fillers);
  }

  /** Swaps optional visits for better placed ones (same day) while that shortens the routes. */
  private improveFillers(fillers: [number, number][]): void {
    for (let round = 0; round < FILL_ROUNDS; round++) {
      let changed = false;
      for (const f of fillers) {
        const [c0, j] = f;
        const r = this.days[j]!.route;
        const k = r.indexOf(c0);
        if (k < 0) continue;
        const a = k > 0 ? r[k - 1]! : -1;
        const b = k + 1 < r.length ? r[k + 1]! : -1;
        const da = a < 0 ? this.dStart(c0) : this.dist(a, c0);
        const saving = b < 0 ? da : da + this.dist(c0, b) - (a < 0 ? this.dStart(b) : this.dist(a, b));
        // Take c0 out, look for a better optional visit on the same day.
        r.splice(k, 1);
        const cs0 = this.custs[c0]!;
        cs0.visits = cs0.visits.filter((v) => v !== j);
        const ratio0 = this.fillerRatio(c0, j);
        const better = this.bestFiller(j, c0, saving - FILL_OVERDUE_KM * Math.min(Math.max(ratio0, 0), 3) - 1e-6);
        const bestC = better < 0 ? c0 : better;
        if (bestC !== c0) changed = true;
        this.addFiller(bestC, j);
        f[0] = bestC;
      }
      if (!changed) break;
    }
  }

  /**
   * The customer (other than `skip`) whose optional visit on day j scores below `bound`, best first:
   * insertion cost less a bonus for being overdue. −1 when none does.
   */
  private bestFiller(j: number, skip: number, bound: number): number {
    let bestC = -1;
    let bestScore = bound;
    for (let c = 0; c < this.n; c++) {
      if (c === skip || this.custs[c]!.visits.includes(j)) continue;
      const ratio = this.fillerRatio(c, j);
      if (ratio < 0) continue;
      const score = this.insertionCost(c, j) - FILL_OVERDUE_KM * Math.min(ratio, 3);
      if (score < bestScore) {
        bestScore = score;
        bestC = c;
      }
    }
    return bestC;
  }

  private addFiller(c: number, j: number): void {
    this.insertAt(c, j);
    const cs = this.custs[c]!;
    cs.visits.push(j);
    cs.visits.sort((a, b) => a - b);
  }

  /** How overdue an optional visit on day j would be (elapsed / interval), or −1 if it breaks a rule. */
  private fillerRatio(c: number, j: number): number {
    const cs = this.custs[c]!;
    const info = cs.info;
    const x = this.days[j]!.off;
    let prev: number | null = null; // offset (may be negative)
    let nextIdx = -1;
    for (const v of cs.visits) {
      if (v < j) prev = this.days[v]!.off;
      else if (v > j) {
        nextIdx = v;
        break;
      }
    }
    const last = this.customers[c]!.lastVisit;
    if (prev === null && last) prev = daysBetween(this.input.from, last);
    if (!info.iv) {
      if (prev !== null && x - prev < NULL_CLASS_SPACING) return -1;
      if (nextIdx >= 0 && this.days[nextIdx]!.off - x < NULL_CLASS_SPACING) return -1;
      return prev === null ? 2 : (x - prev) / NULL_CLASS_SPACING / 2;
    }
    if (prev !== null) {
      const prevDate = addDays(this.input.from, prev);
      if (x < daysBetween(this.input.from, earliestNextVisit(prevDate, info.iv))) return -1;
    }
    if (nextIdx >= 0) {
      if (!cs.fixed.includes(nextIdx) && this.days[nextIdx]!.off < info.ear[x]!) return -1;
    } else if (info.due[x]! <= this.H) return -1;
    if (prev === null) return 2;
    const prevDate = addDays(this.input.from, prev);
    const len = daysBetween(prevDate, addInterval(prevDate, info.iv));
    return (x - prev) / Math.max(1, len);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

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
      stats: { requiredVisits: 0, plannedVisits: 0, compliance: 1, coverage: 1, imbalance: 0, totalMetres: 0 },
    };
  }
  const p = new Planner(input, customers);
  p.run();
  p.fill();

  const startLL: LatLng = { lat: input.start.lat, lng: input.start.lng };
  const days: PlannedDay[] = p.days.map((day) => {
    const stops = day.route.map((c) => {
      const cu = customers[c]!;
      const ok = Number.isFinite(cu.lat) && Number.isFinite(cu.lng) && Math.abs(cu.lat) <= 90 && Math.abs(cu.lng) <= 180;
      return { id: String(c), lat: ok ? cu.lat : startLL.lat, lng: ok ? cu.lng : startLL.lng };
    });
    let order: number[] = [];
    let metres = 0;
    if (stops.length > 0) {
      const routed = orderStops(startLL, stops, { maxKicks: ROUTE_KICKS, seed: 1 });
      order = routed.order.map((s) => customers[Number(s)]!.id);
      metres = routed.totalMetres;
    }
    return { date: day.date, customerIds: [...order, ...day.foreign], metres };
  });

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
    },
  };
}

interface Evaluation {
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
function evaluatePlan(input: PlanInput, days: PlannedDay[]): Evaluation {
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
    const isCovered = planned.length > 0 || !needsCoverage(cu.lastVisit, iv, from, to);
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
      let due = firstDueDate(cu.lastVisit, iv, from);
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
