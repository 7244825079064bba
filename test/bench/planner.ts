import { addDays, addInterval } from "../../src/core/dates.ts";
import { orderStops } from "../../src/modules/planning/route-ordering.ts";
import {
  checkPlan,
  firstDueDate,
  planVisits,
  type PlanClass,
  type PlanCustomer,
  type PlanInput,
  type PlanResult,
} from "../../src/modules/planning/planner.ts";
import { seededRandom } from "../../src/core/random.ts";

export interface BenchSection {
  name: string;
  rows: Record<string, string | number>[];
  summary: Record<string, number>;
}

/** Tobacco-retail classes as in the preset (src/config/policy.ts). */
export const TOBACCO_CLASSES: PlanClass[] = [
  { id: "assistance", visitEvery: { count: 2, unit: "week" }, priority: 0 },
  { id: "core", visitEvery: { count: 2, unit: "week" }, priority: 1 },
  { id: "potential", visitEvery: { count: 1, unit: "month" }, priority: 2 },
  { id: "regular", visitEvery: { count: 2, unit: "month" }, priority: 3 },
];

/** Key-account classes: A monthly, B every 2 months, C no scheduled visits. */
export const KEY_ACCOUNT_CLASSES: PlanClass[] = [
  { id: "A", visitEvery: { count: 1, unit: "month" }, priority: 0 },
  { id: "B", visitEvery: { count: 2, unit: "month" }, priority: 1 },
  { id: "C", visitEvery: null, priority: 2 },
];

export const CENTER = { lat: 30.27, lng: 120.15 };


export interface TerritoryOptions {
  n: number;
  seed: number;
  from: string;
  to: string;
  /** Class shares in order; the last class takes the rest. Default tobacco: core 5%, assistance 7%, potential 25%, regular rest. */
  mix?: { classId: string; share: number }[];
  classes?: PlanClass[];
  /** Side of the square area, km (default 17). */
  sideKm?: number;
  /** Share of customers in a few town clusters instead of uniform (default 0.5). */
  clustered?: number;
  /** Last visits drawn uniformly from the past N days (default 60); a share may be null. */
  lastVisitDays?: number;
  neverVisitedShare?: number;
  visitDays?: number[];
  dailyMinimum?: number;
  dailyCap?: number;
  daysOff?: string[];
  start?: { lat: number; lng: number };
}

const TOBACCO_MIX = [
  { classId: "core", share: 0.05 },
  { classId: "assistance", share: 0.07 },
  { classId: "potential", share: 0.25 },
  { classId: "regular", share: 1 },
];

/** A seeded random territory around lat 30.27, lng 120.15. */
export function generateTerritory(o: TerritoryOptions): PlanInput {
  const rnd = seededRandom(o.seed);
  const side = o.sideKm ?? 17;
  const kmLat = 1 / 110.574;
  const kmLng = 1 / (111.32 * Math.cos((CENTER.lat * Math.PI) / 180));
  const mix = o.mix ?? TOBACCO_MIX;
  const classIds: string[] = [];
  for (let k = 0; k < mix.length - 1; k++) {
    const cnt = Math.round(o.n * mix[k]!.share);
    for (let i = 0; i < cnt && classIds.length < o.n; i++) classIds.push(mix[k]!.classId);
  }
  while (classIds.length < o.n) classIds.push(mix[mix.length - 1]!.classId);
  // Shuffle classes over the customers.
  for (let i = classIds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [classIds[i], classIds[j]] = [classIds[j]!, classIds[i]!];
  }
  const towns = Array.from({ length: 6 }, () => ({ x: (rnd() - 0.5) * side * 0.8, y: (rnd() - 0.5) * side * 0.8 }));
  const clustered = o.clustered ?? 0.5;
  const gauss = () => {
    const u = Math.max(1e-12, rnd());
    const v = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const customers: PlanCustomer[] = [];
  for (let i = 0; i < o.n; i++) {
    let x: number;
    let y: number;
    if (rnd() < clustered) {
      const t = towns[Math.floor(rnd() * towns.length)]!;
      x = Math.max(-side / 2, Math.min(side / 2, t.x + gauss() * 1.2));
      y = Math.max(-side / 2, Math.min(side / 2, t.y + gauss() * 1.2));
    } else {
      x = (rnd() - 0.5) * side;
      y = (rnd() - 0.5) * side;
    }
    const never = rnd() < (o.neverVisitedShare ?? 0);
    const back = 1 + Math.floor(rnd() * (o.lastVisitDays ?? 60));
    customers.push({
      id: 1000 + i,
      classId: classIds[i]!,
      lat: CENTER.lat + y * kmLat,
      lng: CENTER.lng + x * kmLng,
      lastVisit: never ? null : addDays(o.from, -back),
    });
  }
  return {
    customers,
    classes: o.classes ?? TOBACCO_CLASSES,
    start: o.start ?? { ...CENTER },
    visitDays: o.visitDays ?? [1, 3, 4],
    dailyMinimum: o.dailyMinimum ?? 15,
    dailyCap: o.dailyCap ?? 20,
    daysOff: o.daysOff ?? [],
    from: o.from,
    to: o.to,
  };
}

/**
 * Baseline: the same visits dealt at random, load-balanced, over the same visit days, each day
 * routed with the same orderStops. Returns total metres.
 */
export function randomBalancedMetres(input: PlanInput, result: PlanResult, seed = 7): number {
  const rnd = seededRandom(seed);
  const byId = new Map(input.customers.map((c) => [c.id, c]));
  const visits: number[] = [];
  const dates: string[] = [];
  for (const d of result.days) {
    const ids = d.customerIds.filter((id) => byId.has(id));
    if (ids.length > 0) dates.push(d.date);
    visits.push(...ids);
  }
  for (let i = visits.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [visits[i], visits[j]] = [visits[j]!, visits[i]!];
  }
  const buckets: number[][] = dates.map(() => []);
  visits.forEach((id, k) => buckets[k % buckets.length]!.push(id));
  let total = 0;
  for (const b of buckets) {
    // A customer drawn twice for the same day is visited once.
    const stops = [...new Set(b)].map((id) => ({ id: String(id), lat: byId.get(id)!.lat, lng: byId.get(id)!.lng }));
    if (stops.length > 0) total += orderStops(input.start, stops, { maxKicks: 4_000, seed: 1 }).totalMetres;
  }
  return total;
}

/** Visit-day capacity of the horizon. */
export function capacityOf(input: PlanInput): number {
  const off = new Set(input.daysOff);
  let n = 0;
  for (let d = input.from; d <= input.to; d = addDays(d, 1)) {
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay() || 7;
    if (input.visitDays.includes(wd) && !off.has(d)) n++;
  }
  return n * input.dailyCap;
}

/**
 * A lower bound of the visits the horizon needs: every chain visit on the last visit day before
 * its due date (fewest visits), one visit for every other customer (coverage).
 */
export function minimumVisits(input: PlanInput): number {
  const off = new Set(input.daysOff);
  const days: string[] = [];
  for (let d = input.from; d <= input.to; d = addDays(d, 1)) {
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay() || 7;
    if (input.visitDays.includes(wd) && !off.has(d)) days.push(d);
  }
  const classes = new Map(input.classes.map((c) => [c.id, c]));
  let total = 0;
  for (const c of input.customers) {
    const iv = classes.get(c.classId)?.visitEvery ?? null;
    let k = 0;
    if (iv && days.length > 0) {
      let due = firstDueDate(c.lastVisit, iv, input.from);
      while (due <= input.to) {
        const v = days.filter((d) => d <= due).pop() ?? days[0]!;
        k++;
        due = addInterval(v, iv);
      }
    }
    total += Math.max(k, 1);
  }
  return total;
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

interface Case {
  label: string;
  input: PlanInput;
}

/**
 * Today's planner before the rework (issue #12), measured on this machine: cpuMs, compliance,
 * coverage, imbalance, km per case label (/work/planner-bench-reference.txt). Kept beside the new figures.
 */
const REFERENCE: Record<string, { cpuMs: number; compliance: number; coverage: number; imbalance: number; km: number }> = {
  "300 × 8 weeks": { cpuMs: 971, compliance: 1, coverage: 1, imbalance: 2, km: 633.7 },
  "450 × 8 weeks": { cpuMs: 902, compliance: 0.6652, coverage: 0.4733, imbalance: 0, km: 767 },
  "600 × 8 weeks": { cpuMs: 905, compliance: 0.5331, coverage: 0.3017, imbalance: 0, km: 817 },
  "300 × Sep–Oct": { cpuMs: 1073, compliance: 1, coverage: 1, imbalance: 2, km: 692.3 },
  "300 × Sep–Oct, uniform": { cpuMs: 1014, compliance: 1, coverage: 1, imbalance: 2, km: 784.7 },
  "250 × Sep–Oct, Oct 1–3 off": { cpuMs: 994, compliance: 1, coverage: 1, imbalance: 2, km: 685.7 },
  "300 × Sep–Oct, Oct 1–3 off": { cpuMs: 1695, compliance: 0.944, coverage: 1, imbalance: 0, km: 887.2 },
  "600 × 8 weeks, cap 20": { cpuMs: 821, compliance: 0.5331, coverage: 0.3017, imbalance: 0, km: 817 },
  "600 × 8 weeks, cap 25": { cpuMs: 947, compliance: 0.6415, coverage: 0.3967, imbalance: 0, km: 803.3 },
  "600 × 8 weeks, cap 30": { cpuMs: 1194, compliance: 0.6995, coverage: 0.615, imbalance: 0, km: 1090.8 },
  "key-account 120 × 8 weeks": { cpuMs: 333, compliance: 1, coverage: 1, imbalance: 7, km: 619 },
  "key-account 240 × 8 weeks": { cpuMs: 944, compliance: 1, coverage: 1, imbalance: 1, km: 409.5 },
  // Measured later with the same planner (commit 1232065), for the territories below.
  "300 × Dec–Jan, Mon–Fri": { cpuMs: 1705, compliance: 1, coverage: 1, imbalance: 2, km: 948 },
  "300 × Sep–Oct, 4 days a week": { cpuMs: 1550, compliance: 1, coverage: 1, imbalance: 0, km: 716.5 },
};

/**
 * Today's planner (as REFERENCE) over search seeds 1–6, per case label: mean km, worst km, mean
 * compliance, coverage and imbalance. The default seed's figures above are one draw of a search
 * whose km varies by ±3% between seeds (the default seed happens to be among the best on most
 * cases), so a change of the search is judged against these means, seed for seed.
 */
const REFERENCE_SEEDS: Record<string, { km: number; kmMax: number; compliance: number; coverage: number; imbalance: number }> = {
  "300 × 8 weeks": { km: 627.7, kmMax: 639.2, compliance: 1, coverage: 1, imbalance: 2 },
  "450 × 8 weeks": { km: 737.5, kmMax: 810.5, compliance: 0.6652, coverage: 0.4722, imbalance: 0 },
  "600 × 8 weeks": { km: 836.8, kmMax: 853.9, compliance: 0.5331, coverage: 0.3025, imbalance: 0 },
  "300 × Sep–Oct": { km: 708.2, kmMax: 720.4, compliance: 1, coverage: 1, imbalance: 2 },
  "300 × Sep–Oct, uniform": { km: 811.3, kmMax: 852.7, compliance: 1, coverage: 1, imbalance: 2 },
  "250 × Sep–Oct, Oct 1–3 off": { km: 687.5, kmMax: 700.6, compliance: 1, coverage: 1, imbalance: 2 },
  "300 × Sep–Oct, Oct 1–3 off": { km: 895.6, kmMax: 967.1, compliance: 0.9403, coverage: 0.9978, imbalance: 0.83 },
  "450 × Sep–Oct": { km: 875.3, kmMax: 906, compliance: 0.6588, coverage: 0.5304, imbalance: 0 },
  "600 × Sep–Oct": { km: 933.7, kmMax: 971.3, compliance: 0.5251, coverage: 0.3442, imbalance: 0 },
  "600 × 8 weeks, cap 25": { km: 847.9, kmMax: 890.4, compliance: 0.6446, coverage: 0.4042, imbalance: 0 },
  "600 × 8 weeks, cap 30": { km: 1066.9, kmMax: 1133.2, compliance: 0.7022, coverage: 0.6147, imbalance: 0 },
  "key-account 120 × 8 weeks": { km: 553.6, kmMax: 604.7, compliance: 1, coverage: 1, imbalance: 6.83 },
  "key-account 240 × 8 weeks": { km: 403.5, kmMax: 430.5, compliance: 1, coverage: 1, imbalance: 0.5 },
  "300 × Dec–Jan, Mon–Fri": { km: 947.5, kmMax: 961.8, compliance: 1, coverage: 1, imbalance: 2.5 },
  "300 × Sep–Oct, 4 days a week": { km: 725.2, kmMax: 754.7, compliance: 1, coverage: 1, imbalance: 0.5 },
};

function runCase(c: Case): Record<string, string | number> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const res = planVisits(c.input);
  const ms = performance.now() - t0;
  // CPU time of this process (user + system) tells the planner's cost apart from a busy machine.
  const cpu = process.cpuUsage(cpu0);
  const chk = checkPlan(c.input, res);
  const base = randomBalancedMetres(c.input, res);
  const visitDayLoads = res.days.map((d) => d.customerIds.length);
  const minLoad = visitDayLoads.length ? Math.min(...visitDayLoads) : 0;
  const maxLoad = visitDayLoads.length ? Math.max(...visitDayLoads) : 0;
  const protectedShort = (res.shortfall.byClass["assistance"] ?? 0) + (res.shortfall.byClass["core"] ?? 0);
  const visitDaysUsed = visitDayLoads.filter((l) => l > 0).length;
  const ref = REFERENCE[c.label];
  return {
    case: c.label,
    customers: c.input.customers.length,
    cap: c.input.dailyCap,
    capacity: capacityOf(c.input),
    minVisits: minimumVisits(c.input),
    required: res.stats.requiredVisits,
    planned: res.stats.plannedVisits,
    compliance: round(chk.compliance, 4),
    coverage: round(chk.coverage, 4),
    imbalance: chk.imbalance,
    minDay: minLoad,
    maxDay: maxLoad,
    km: round(res.stats.totalMetres / 1000, 1),
    baselineKm: round(base / 1000, 1),
    kmRatio: round(res.stats.totalMetres / base, 3),
    shortfall: res.shortfall.visits,
    protectedShortfall: protectedShort,
    violations: chk.violations.length,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    // Work, not time: the same on any machine (what a change of the planner's cost is judged by).
    chainSolves: res.stats.work.chainSolves,
    insertions: res.stats.work.insertions,
    kmPerDay: visitDaysUsed ? round(res.stats.totalMetres / 1000 / visitDaysUsed, 2) : 0,
    refCpuMs: ref?.cpuMs ?? "",
    refCompliance: ref?.compliance ?? "",
    refCoverage: ref?.coverage ?? "",
    refImbalance: ref?.imbalance ?? "",
    refKm: ref?.km ?? "",
  };
}

export async function runPlannerBench(): Promise<BenchSection[]> {
  // 8 weeks starting on a Monday, Mon/Wed/Thu, minimum 15, cap 20.
  const from = "2025-09-01";
  const to = addDays(from, 8 * 7 - 1);
  const sections: BenchSection[] = [];

  const sizes: Case[] = [300, 450, 600].map((n) => ({
    label: `${n} × 8 weeks`,
    input: generateTerritory({ n, seed: 42 + n, from, to }),
  }));
  // Warm-up (JIT), not reported: a small territory (days of ≤ 15 stops, routed exactly) and a
  // full-size one, so that the first case's CPU is the planner's, not V8 compiling it (the first
  // row read ~1.0 s of CPU against ~0.65 s for the same plan warm).
  planVisits(generateTerritory({ n: 120, seed: 1, from, to }));
  planVisits(generateTerritory({ n: 300, seed: 1, from, to }));
  const all: Case[] = [...sizes];
  const rows = sizes.map(runCase);
  sections.push({
    name: "planner: tobacco territories, 8 weeks, Mon/Wed/Thu, min 15, cap 20",
    rows,
    summary: summarise(rows),
  });

  // Two calendar months (the caller's default horizon: first of this month .. end of next).
  const months: Case[] = [
    { label: "300 × Sep–Oct", input: generateTerritory({ n: 300, seed: 342, from: "2025-09-01", to: "2025-10-31" }) },
    { label: "300 × Sep–Oct, uniform", input: generateTerritory({ n: 300, seed: 5, from: "2025-09-01", to: "2025-10-31", clustered: 0 }) },
    {
      label: "250 × Sep–Oct, Oct 1–3 off",
      input: generateTerritory({ n: 250, seed: 257, from: "2025-09-01", to: "2025-10-31", daysOff: ["2025-10-01", "2025-10-02", "2025-10-03"] }),
    },
    {
      label: "300 × Sep–Oct, Oct 1–3 off",
      input: generateTerritory({ n: 300, seed: 307, from: "2025-09-01", to: "2025-10-31", daysOff: ["2025-10-01", "2025-10-02", "2025-10-03"] }),
    },
    { label: "450 × Sep–Oct", input: generateTerritory({ n: 450, seed: 492, from: "2025-09-01", to: "2025-10-31" }) },
    { label: "600 × Sep–Oct", input: generateTerritory({ n: 600, seed: 642, from: "2025-09-01", to: "2025-10-31" }) },
  ];
  all.push(...months);
  const monthRows = months.map(runCase);
  sections.push({ name: "planner: two calendar months (Mon/Wed/Thu, min 15, cap 20)", rows: monthRows, summary: summarise(monthRows) });

  // More visit days a week (the month-start bench's managers visit Monday to Friday): 300
  // customers then need fewer visits than the daily minimum over all visit days, and the fill
  // stage tops the days up.
  const weekdays: Case[] = [
    { label: "300 × Dec–Jan, Mon–Fri", input: generateTerritory({ n: 300, seed: 1, from: "2026-12-01", to: "2027-01-31", visitDays: [1, 2, 3, 4, 5] }) },
    { label: "300 × Sep–Oct, 4 days a week", input: generateTerritory({ n: 300, seed: 78, from: "2025-09-01", to: "2025-10-31", visitDays: [1, 2, 4, 5] }) },
  ];
  all.push(...weekdays);
  const weekdayRows = weekdays.map(runCase);
  sections.push({ name: "planner: 4–5 visit days a week (below the daily minimum; min 15, cap 20)", rows: weekdayRows, summary: summarise(weekdayRows) });

  // Over capacity: 600 customers with larger caps.
  const capCases: Case[] = [20, 25, 30].map((cap) => ({ label: `600 × 8 weeks, cap ${cap}`, input: generateTerritory({ n: 600, seed: 642, from, to, dailyCap: cap }) }));
  all.push(...capCases.slice(1));
  const capRows = capCases.map(runCase);
  sections.push({ name: "planner: 600 customers, daily cap 20/25/30", rows: capRows, summary: summarise(capRows) });

  // Key account: A monthly, B every 2 months, C coverage only.
  const kaCases: Case[] = [120, 240].map((n) => ({
      label: `key-account ${n} × 8 weeks`,
      input: generateTerritory({
        n,
        seed: 99 + n,
        from,
        to,
        classes: KEY_ACCOUNT_CLASSES,
        mix: [
          { classId: "A", share: 0.1 },
          { classId: "B", share: 0.2 },
          { classId: "C", share: 1 },
        ],
        lastVisitDays: 90,
        neverVisitedShare: 0.1,
      }),
    }));
  all.push(...kaCases);
  const kaRows = kaCases.map(runCase);
  sections.push({ name: "planner: key-account territories (C = coverage only)", rows: kaRows, summary: summarise(kaRows) });
  sections.push(seedSection(all));
  return sections;
}

/**
 * Every case with search seeds 1..BENCH_PLANNER_SEEDS (default 6): mean km, worst km, mean
 * compliance / coverage / imbalance and mean CPU, beside today's planner over the same seeds.
 */
function seedSection(cases: Case[]): BenchSection {
  const seeds = Math.max(1, Number(process.env.BENCH_PLANNER_SEEDS ?? 6));
  const rows: Record<string, string | number>[] = [];
  for (const c of cases) {
    const km: number[] = [];
    let comp = 0;
    let cov = 0;
    let imb = 0;
    let cpuMs = 0;
    let solves = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const input = { ...c.input, searchSeed: seed };
      const cpu0 = process.cpuUsage();
      const res = planVisits(input);
      const cpu = process.cpuUsage(cpu0);
      cpuMs += (cpu.user + cpu.system) / 1000;
      const chk = checkPlan(input, res);
      km.push(res.stats.totalMetres / 1000);
      comp += chk.compliance;
      cov += chk.coverage;
      imb += chk.imbalance;
      solves += res.stats.work.chainSolves;
    }
    const ref = REFERENCE_SEEDS[c.label];
    const meanKm = km.reduce((a, b) => a + b, 0) / seeds;
    rows.push({
      case: c.label,
      customers: c.input.customers.length,
      seeds,
      km: round(meanKm, 1),
      kmMin: round(Math.min(...km), 1),
      kmMax: round(Math.max(...km), 1),
      compliance: round(comp / seeds, 4),
      coverage: round(cov / seeds, 4),
      imbalance: round(imb / seeds, 2),
      cpuMs: Math.round(cpuMs / seeds),
      chainSolves: Math.round(solves / seeds),
      refKm: ref?.km ?? "",
      refKmMax: ref?.kmMax ?? "",
      kmVsRef: ref ? signedPct(round(meanKm, 1) / ref.km - 1) : "",
      refCompliance: ref?.compliance ?? "",
      refCoverage: ref?.coverage ?? "",
      refImbalance: ref?.imbalance ?? "",
    });
  }
  const num = (k: string) => rows.map((r) => Number(r[k]));
  const small = rows.filter((r) => Number(r.customers) <= 300);
  return {
    name: "planner: every case over search seeds 1–N (means; ref = today's planner over the same seeds)",
    rows,
    summary: {
      maxCpuMs: Math.max(...num("cpuMs")),
      // Issue #12's target: at most 0.5 s of CPU per plan of up to 300 customers (mean over the seeds).
      casesUpTo300: small.length,
      casesUpTo300Within500Ms: small.filter((r) => Number(r.cpuMs) <= 500).length,
      meanKmVsRefPct: round((rows.reduce((a, r) => a + Number(r.km) / Number(r.refKm || r.km), 0) / rows.length - 1) * 100, 2),
    },
  };
}

function signedPct(r: number): string {
  const p = round(r * 100, 2);
  return `${p > 0 ? "+" : ""}${p === 0 ? 0 : p}%`;
}

function summarise(rows: Record<string, string | number>[]): Record<string, number> {
  const num = (k: string) => rows.map((r) => Number(r[k]));
  return {
    minCompliance: Math.min(...num("compliance")),
    minCoverage: Math.min(...num("coverage")),
    maxImbalance: Math.max(...num("imbalance")),
    maxKmRatio: Math.max(...num("kmRatio")),
    shortfallVisits: num("shortfall").reduce((a, b) => a + b, 0),
    protectedShortfall: num("protectedShortfall").reduce((a, b) => a + b, 0),
    violations: num("violations").reduce((a, b) => a + b, 0),
    maxMs: Math.max(...num("ms")),
    maxCpuMs: Math.max(...num("cpuMs")),
  };
}
