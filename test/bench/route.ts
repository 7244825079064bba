import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  haversineMetres,
  matrixFrom,
  solveClosedTour,
  solveOpenPath,
  type DistanceMatrix,
  type LatLng,
} from "../../src/modules/planning/route-ordering.ts";
import { parseTsplib, tsplibMatrix } from "../../src/modules/planning/tsplib.ts";
import { seededRandom } from "../../src/core/random.ts";

export interface BenchSection {
  name: string;
  rows: Record<string, string | number>[];
  summary: Record<string, number>;
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** Shared data lives beside the repository (CI checks it out next to the clone). */
export const TSPLIB_DIR = path.resolve(repoRoot, "../shared/bench/tsplib");

/** Sizes of the random daily paths, and how many instances of each. */
const DAILY_SIZES = [15, 25, 40];
const DAILY_INSTANCES = 30;
/**
 * The long-run reference for sizes beyond Held–Karp: the best of this many independent heuristic
 * runs (seeds other than the default), each with a budget so large that only its stall limit ends it.
 */
const REFERENCE_RUNS = 20;
const REFERENCE_BUDGET_KICKS = Number.POSITIVE_INFINITY;

export async function runRouteBench(): Promise<BenchSection[]> {
  warmUp();
  return [await tsplibSection(), dailySection()];
}

async function tsplibSection(): Promise<BenchSection> {
  const files = (await readdir(TSPLIB_DIR)).filter((f) => f.endsWith(".tsp"));
  const optima = JSON.parse(await readFile(path.join(TSPLIB_DIR, "optima.json"), "utf8")) as Record<string, number>;
  const instances = await Promise.all(
    files.map(async (f) => parseTsplib(await readFile(path.join(TSPLIB_DIR, f), "utf8"))),
  );
  instances.sort((a, b) => a.coords.length - b.coords.length || a.name.localeCompare(b.name));

  const rows: Record<string, string | number>[] = [];
  const gapsSmall: number[] = [];
  const gapsAll: number[] = [];
  let maxMsSmall = 0;
  let maxMsAll = 0;
  for (const inst of instances) {
    const m = tsplibMatrix(inst.coords);
    const t = performance.now();
    const res = solveClosedTour(m);
    const ms = performance.now() - t;
    const optimum = optima[inst.name];
    const gap = optimum ? (res.length / optimum - 1) * 100 : NaN;
    rows.push({ instance: inst.name, n: m.n, length: res.length, optimum: optimum ?? "?", "gap %": round(gap, 3), ms: round(ms, 1) });
    if (!Number.isNaN(gap)) {
      gapsAll.push(gap);
      if (m.n <= 130) gapsSmall.push(gap);
    }
    maxMsAll = Math.max(maxMsAll, ms);
    if (m.n <= 130) maxMsSmall = Math.max(maxMsSmall, ms);
  }
  return {
    name: "route: TSPLIB closed tours (default options)",
    rows,
    summary: {
      meanGapPctN130: round(mean(gapsSmall), 3),
      meanGapPctAll: round(mean(gapsAll), 3),
      maxMsN130: round(maxMsSmall, 1),
      maxMsAll: round(maxMsAll, 1),
    },
  };
}

function dailySection(): BenchSection {
  const rows: Record<string, string | number>[] = [];
  const summary: Record<string, number> = {};
  for (const size of DAILY_SIZES) {
    const gaps: number[] = [];
    const times: number[] = [];
    const heuristicGaps: number[] = [];
    let hits = 0;
    let refMs = 0;
    const exactRef = size <= 15;
    for (let k = 0; k < DAILY_INSTANCES; k++) {
      const m = dailyInstance(size, 1000 * size + k);
      const t = performance.now();
      const res = solveOpenPath(m);
      times.push(performance.now() - t);

      const tr = performance.now();
      let ref: number;
      if (exactRef) {
        ref = solveOpenPath(m, { exactLimit: size }).length;
        // The default already runs Held–Karp at this size; show how the heuristic alone would do.
        heuristicGaps.push(gapPct(solveOpenPath(m, { exactLimit: 0 }).length, ref));
      } else {
        ref = res.length;
        for (let seed = 101; seed < 101 + REFERENCE_RUNS; seed++) {
          ref = Math.min(ref, solveOpenPath(m, { exactLimit: 0, seed, maxKicks: REFERENCE_BUDGET_KICKS }).length);
        }
      }
      refMs += performance.now() - tr;
      const gap = gapPct(res.length, ref);
      gaps.push(gap);
      if (gap < 1e-9) hits++;
    }
    const row: Record<string, string | number> = {
      stops: size,
      instances: DAILY_INSTANCES,
      reference: exactRef ? "exact (Held–Karp)" : `best of ${REFERENCE_RUNS} seeds, run to stall`,
      "mean gap %": round(mean(gaps), 4),
      "max gap %": round(Math.max(...gaps), 4),
      "at reference": `${hits}/${DAILY_INSTANCES}`,
      "mean ms": round(mean(times), 2),
      "p95 ms": round(percentile(times, 95), 2),
      "max ms": round(Math.max(...times), 2),
      "heuristic-only mean gap %": heuristicGaps.length ? round(mean(heuristicGaps), 4) : "-",
      "reference s": round(refMs / 1000, 1),
    };
    rows.push(row);
    summary[`meanGapPct${size}`] = round(mean(gaps), 4);
    summary[`p95Ms${size}`] = round(percentile(times, 95), 2);
  }
  return { name: "route: random daily open paths, 17 × 17 km around (30.0, 120.0)", rows, summary };
}

/** Start and stops uniformly spread over a 17 × 17 km square centred on (30.0, 120.0). */
export function dailyPoints(stops: number, seed: number): LatLng[] {
  const rnd = seededRandom(seed);
  const half = 8500;
  const mPerDegLat = (6371008.8 * Math.PI) / 180;
  const mPerDegLng = mPerDegLat * Math.cos((30 * Math.PI) / 180);
  const pts: LatLng[] = [];
  for (let i = 0; i <= stops; i++) {
    pts.push({
      lat: 30 + ((rnd() * 2 - 1) * half) / mPerDegLat,
      lng: 120 + ((rnd() * 2 - 1) * half) / mPerDegLng,
    });
  }
  return pts;
}

function dailyInstance(stops: number, seed: number): DistanceMatrix {
  const pts = dailyPoints(stops, seed);
  return matrixFrom(pts.length, (i, j) => haversineMetres(pts[i], pts[j]));
}

/** Lets the JIT compile the solver so the first measured instance is not charged for it. */
function warmUp(): void {
  for (let s = 0; s < 3; s++) {
    solveOpenPath(dailyInstance(40, 999_000 + s), { exactLimit: 0 });
    solveClosedTour(dailyInstance(60, 998_000 + s), { exactLimit: 0 });
  }
}

function gapPct(len: number, ref: number): number {
  return ref > 0 ? (len / ref - 1) * 100 : 0;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

