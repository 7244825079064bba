import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  haversineMetres,
  matrixFrom,
  orderStops,
  solveClosedTour,
  solveOpenPath,
  type DistanceMatrix,
  type LatLng,
  type Stop,
} from "../../../src/modules/planning/route-ordering.ts";
import { solveRouteFile } from "../../../src/modules/planning/route-file.ts";
import { parseTsplib, tourLength, tsplibMatrix } from "../../../src/modules/planning/tsplib.ts";
import { seededRandom } from "../../../src/core/random.ts";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
// Inside the repository, so the suite runs in any clone (the bench reads ../shared/bench/tsplib).
const TSPLIB_DIR = path.resolve(repoRoot, "test/fixtures/tsplib");

/**
 * Quality tests pass a budget far beyond what the solver needs, so every run ends on its
 * (iteration-counted) stall limit: results are then deterministic and independent of machine speed.
 */
const UNBOUNDED = Number.POSITIVE_INFINITY;


function euclidMatrix(n: number, seed: number, asymmetric = false): DistanceMatrix {
  const rnd = seededRandom(seed);
  const pts = Array.from({ length: n }, () => [rnd() * 1000, rnd() * 1000]);
  const skew = Array.from({ length: n * n }, () => (asymmetric ? rnd() * 300 : 0));
  return matrixFrom(n, (i, j) => Math.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]) + skew[i * n + j]);
}

/** Start and stops in a 17 × 17 km square around (30.0, 120.0), like the benchmark's daily paths. */
function dailyPoints(stops: number, seed: number): { start: LatLng; stops: Stop[] } {
  const rnd = seededRandom(seed);
  const pt = (): LatLng => ({ lat: 30 + (rnd() - 0.5) * 0.153, lng: 120 + (rnd() - 0.5) * 0.177 });
  const start = pt();
  return { start, stops: Array.from({ length: stops }, (_, i) => ({ id: `s${i}`, ...pt() })) };
}

function haversineMatrix(start: LatLng, stops: LatLng[]): DistanceMatrix {
  const pts = [start, ...stops];
  return matrixFrom(pts.length, (i, j) => haversineMetres(pts[i], pts[j]));
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  const out: number[][] = [];
  items.forEach((x, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

function bruteForce(m: DistanceMatrix, closed: boolean): number {
  const rest = Array.from({ length: m.n - 1 }, (_, i) => i + 1);
  let best = Infinity;
  for (const p of permutations(rest)) best = Math.min(best, tourLength(m, [0, ...p], closed));
  return best;
}

function nearestNeighbourPath(m: DistanceMatrix): number {
  const used = new Set([0]);
  let cur = 0;
  let len = 0;
  while (used.size < m.n) {
    let next = -1;
    for (let j = 0; j < m.n; j++) {
      if (!used.has(j) && (next < 0 || m.data[cur * m.n + j] < m.data[cur * m.n + next])) next = j;
    }
    len += m.data[cur * m.n + next];
    used.add(next);
    cur = next;
  }
  return len;
}

function expectOpenPath(m: DistanceMatrix, res: { order: number[]; length: number }): void {
  expect([...res.order].sort((a, b) => a - b)).toEqual(Array.from({ length: m.n - 1 }, (_, i) => i + 1));
  expect(res.length).toBeCloseTo(tourLength(m, [0, ...res.order], false), 6);
}

function expectClosedTour(m: DistanceMatrix, res: { order: number[]; length: number }): void {
  expect(res.order[0]).toBe(0);
  expect([...res.order].sort((a, b) => a - b)).toEqual(Array.from({ length: m.n }, (_, i) => i));
  expect(res.length).toBeCloseTo(tourLength(m, res.order, true), 6);
}

function loadTsplib(name: string): DistanceMatrix {
  return tsplibMatrix(parseTsplib(readFileSync(path.join(TSPLIB_DIR, `${name}.tsp`), "utf8")).coords);
}

const optima = (): Record<string, number> =>
  JSON.parse(readFileSync(path.join(TSPLIB_DIR, "optima.json"), "utf8")) as Record<string, number>;

describe("haversineMetres", () => {
  it("measures one degree of latitude as R·π/180 and is symmetric", () => {
    const a = { lat: 30, lng: 120 };
    const b = { lat: 31, lng: 120 };
    expect(haversineMetres(a, b)).toBeCloseTo((6371008.8 * Math.PI) / 180, 3);
    expect(haversineMetres(b, a)).toBe(haversineMetres(a, b));
    expect(haversineMetres(a, a)).toBe(0);
  });
});

describe("Held–Karp (exact path)", () => {
  it("matches brute force on random instances of 3–8 nodes, open and closed", () => {
    for (let n = 3; n <= 8; n++) {
      for (let seed = 1; seed <= 4; seed++) {
        const m = euclidMatrix(n, 100 * n + seed);
        const open = solveOpenPath(m);
        expectOpenPath(m, open);
        expect(open.length).toBeCloseTo(bruteForce(m, false), 9);
        const closed = solveClosedTour(m);
        expectClosedTour(m, closed);
        expect(closed.length).toBeCloseTo(bruteForce(m, true), 9);
      }
    }
  });

  it("respects direction on asymmetric matrices", () => {
    for (let seed = 1; seed <= 4; seed++) {
      const m = euclidMatrix(7, 900 + seed, true);
      expect(solveOpenPath(m).length).toBeCloseTo(bruteForce(m, false), 9);
      expect(solveClosedTour(m).length).toBeCloseTo(bruteForce(m, true), 9);
    }
  });
});

/**
 * Plain Held–Karp, as the solver had it before its states were bounded: the same loops and tie
 * rule (lowest node first, strict improvement), every state kept.
 */
function referenceHeldKarp(m: DistanceMatrix, closed: boolean): number[] {
  const n = m.n;
  const w = m.data;
  const k = n - 1;
  const size = 1 << k;
  const dp = new Float64Array(size * k).fill(Infinity);
  const parent = new Int8Array(size * k).fill(-1);
  for (let S = 1; S < size; S++) {
    for (let j = 0; j < k; j++) {
      if ((S & (1 << j)) === 0) continue;
      const prev = S ^ (1 << j);
      if (prev === 0) {
        dp[S * k + j] = w[j + 1];
        continue;
      }
      for (let i = 0; i < k; i++) {
        if ((prev & (1 << i)) === 0) continue;
        const v = dp[prev * k + i] + w[(i + 1) * n + j + 1];
        if (v < dp[S * k + j]) {
          dp[S * k + j] = v;
          parent[S * k + j] = i;
        }
      }
    }
  }
  let best = Infinity;
  let last = -1;
  for (let j = 0; j < k; j++) {
    const v = dp[(size - 1) * k + j] + (closed ? w[(j + 1) * n] : 0);
    if (v < best) {
      best = v;
      last = j;
    }
  }
  const rev: number[] = [];
  for (let S = size - 1, j = last; j >= 0; ) {
    rev.push(j + 1);
    const p = parent[S * k + j];
    S ^= 1 << j;
    j = p;
  }
  rev.reverse();
  return closed ? [0, ...rev] : rev;
}

describe("Held–Karp, bounded by a heuristic path", () => {
  it("returns exactly the path of the unbounded DP, ties included, whatever was solved before it", () => {
    const cases: { label: string; m: DistanceMatrix }[] = [];
    for (const n of [16, 11, 14, 16, 9, 13]) cases.push({ label: `random ${n}`, m: euclidMatrix(n, 7000 + n + cases.length) });
    cases.push({ label: "asymmetric 13", m: euclidMatrix(13, 7100, true) });
    // A 4 × 4 grid: many optimal paths of exactly the same length, so the tie rule decides.
    const grid = Array.from({ length: 16 }, (_, i) => [(i % 4) * 100, Math.floor(i / 4) * 100]);
    cases.push({ label: "grid 16", m: matrixFrom(16, (i, j) => Math.hypot(grid[i][0] - grid[j][0], grid[i][1] - grid[j][1])) });
    // Daily paths as the planner routes them (haversine metres, the start among the stops).
    for (const stops of [15, 12]) {
      const d = dailyPoints(stops, 7200 + stops);
      cases.push({ label: `daily ${stops}`, m: haversineMatrix(d.start, d.stops) });
    }
    for (const { label, m } of cases) {
      const open = solveOpenPath(m);
      expect(open.order, label).toEqual(referenceHeldKarp(m, false));
      expect(open.length, label).toBeCloseTo(tourLength(m, [0, ...open.order], false), 6);
      const closed = solveClosedTour(m);
      expect(closed.order, label).toEqual(referenceHeldKarp(m, true));
    }
  });
});

describe("heuristic (exactLimit 0)", () => {
  it("finds the optimum or close to it on small random instances", () => {
    for (let n = 6; n <= 9; n++) {
      for (let seed = 1; seed <= 3; seed++) {
        const m = euclidMatrix(n, 700 + 10 * n + seed);
        const open = solveOpenPath(m, { exactLimit: 0, maxKicks: UNBOUNDED });
        expectOpenPath(m, open);
        expect(open.length).toBeLessThanOrEqual(bruteForce(m, false) * 1.01);
        const closed = solveClosedTour(m, { exactLimit: 0, maxKicks: UNBOUNDED });
        expectClosedTour(m, closed);
        expect(closed.length).toBeLessThanOrEqual(bruteForce(m, true) * 1.01);
      }
    }
  });

  it.each(["berlin52", "eil51"])("is within 1%% of the optimum on %s", (name) => {
    const m = loadTsplib(name);
    const res = solveClosedTour(m, { exactLimit: 0, maxKicks: UNBOUNDED });
    expectClosedTour(m, res);
    const opt = optima()[name];
    expect(opt).toBe(name === "berlin52" ? 7542 : 426);
    expect(res.length).toBeGreaterThanOrEqual(opt);
    expect(res.length).toBeLessThanOrEqual(opt * 1.01);
  });

  it("is within 1% of a long-run reference on 40-stop daily paths and never worse than nearest-neighbour", () => {
    for (let k = 0; k < 4; k++) {
      const { start, stops } = dailyPoints(40, 4000 + k);
      const m = haversineMatrix(start, stops);
      const res = solveOpenPath(m, { maxKicks: UNBOUNDED });
      expectOpenPath(m, res);
      let ref = Infinity;
      for (let seed = 101; seed <= 106; seed++) {
        ref = Math.min(ref, solveOpenPath(m, { seed, maxKicks: UNBOUNDED }).length);
      }
      expect(res.length).toBeLessThanOrEqual(ref * 1.01);
      expect(res.length).toBeLessThanOrEqual(nearestNeighbourPath(m) + 1e-6);
    }
  });

  it("gives the same order for the same seed", () => {
    const { start, stops } = dailyPoints(40, 77);
    const m = haversineMatrix(start, stops);
    const a = solveOpenPath(m, { seed: 7, maxKicks: UNBOUNDED });
    const b = solveOpenPath(m, { seed: 7, maxKicks: UNBOUNDED });
    expect(b.order).toEqual(a.order);
    const c = solveClosedTour(loadTsplib("eil51"), { exactLimit: 0, seed: 3, maxKicks: UNBOUNDED });
    const d = solveClosedTour(loadTsplib("eil51"), { exactLimit: 0, seed: 3, maxKicks: UNBOUNDED });
    expect(d.order).toEqual(c.order);
  });

  it("returns a valid tour on asymmetric matrices", () => {
    const m = euclidMatrix(30, 31, true);
    expectClosedTour(m, solveClosedTour(m, { exactLimit: 0, maxKicks: UNBOUNDED }));
    expectOpenPath(m, solveOpenPath(m, { exactLimit: 0, maxKicks: UNBOUNDED }));
  });

  it("still returns a valid order when the budget is already spent", () => {
    const m = loadTsplib("st70");
    expectClosedTour(m, solveClosedTour(m, { maxKicks: 0 }));
    const { start, stops } = dailyPoints(40, 5);
    const hm = haversineMatrix(start, stops);
    expectOpenPath(hm, solveOpenPath(hm, { maxKicks: 0 }));
  });
});

describe("edge cases", () => {
  it("handles empty and one- or two-node matrices", () => {
    const empty = matrixFrom(0, () => 0);
    expect(solveOpenPath(empty)).toEqual({ order: [], length: 0 });
    expect(solveClosedTour(empty)).toEqual({ order: [], length: 0 });
    const one = matrixFrom(1, () => 0);
    expect(solveOpenPath(one)).toEqual({ order: [], length: 0 });
    expect(solveClosedTour(one)).toEqual({ order: [0], length: 0 });
    const two = matrixFrom(2, (i, j) => (i < j ? 3 : 5));
    expect(solveOpenPath(two, { exactLimit: 0 })).toEqual({ order: [1], length: 3 });
    expect(solveClosedTour(two, { exactLimit: 0 })).toEqual({ order: [0, 1], length: 8 });
  });

  it("orders 0, 1 and 2 stops", () => {
    const start = { lat: 30, lng: 120 };
    expect(orderStops(start, [])).toEqual({ order: [], legsMetres: [], totalMetres: 0 });
    const one = orderStops(start, [{ id: "a", lat: 30.01, lng: 120 }]);
    expect(one.order).toEqual(["a"]);
    expect(one.legsMetres[0]).toBeCloseTo(haversineMetres(start, { lat: 30.01, lng: 120 }), 6);
    expect(one.totalMetres).toBe(one.legsMetres[0]);
    const two = orderStops(start, [
      { id: "far", lat: 30.02, lng: 120 },
      { id: "near", lat: 30.01, lng: 120 },
    ]);
    expect(two.order).toEqual(["near", "far"]);
  });

  it("copes with duplicate coordinates, exactly and heuristically", () => {
    const start = { lat: 30, lng: 120 };
    const spots = dailyPoints(12, 12).stops;
    // 36 stops on 12 distinct spots, some at the start itself.
    const stops: Stop[] = [];
    for (let i = 0; i < 36; i++) {
      const s = i % 12 === 0 ? start : spots[i % 12];
      stops.push({ id: `d${i}`, lat: s.lat, lng: s.lng });
    }
    const dup = orderStops(start, stops, { maxKicks: UNBOUNDED });
    expect([...dup.order].sort()).toEqual(stops.map((s) => s.id).sort());
    // Visiting each distinct spot once is optimal, so the total equals the 12-spot optimum.
    const distinct = orderStops(start, spots.slice(1).map((s, i) => ({ id: `u${i}`, lat: s.lat, lng: s.lng })));
    expect(dup.totalMetres).toBeCloseTo(distinct.totalMetres, 3);

    const same = Array.from({ length: 6 }, (_, i) => ({ id: `z${i}`, ...start }));
    for (const exactLimit of [0, 15]) {
      const r = orderStops(start, same, { exactLimit });
      expect(r.totalMetres).toBe(0);
      expect([...r.order].sort()).toEqual(same.map((s) => s.id));
    }
  });

  it("orderStops legs add up to the total and follow the order", () => {
    const { start, stops } = dailyPoints(40, 99);
    const r = orderStops(start, stops);
    expect(r.legsMetres).toHaveLength(40);
    expect(r.legsMetres.reduce((a, b) => a + b, 0)).toBeCloseTo(r.totalMetres, 6);
    const byId = new Map(stops.map((s) => [s.id, s]));
    let prev: LatLng = start;
    r.order.forEach((id, i) => {
      const s = byId.get(id)!;
      expect(r.legsMetres[i]).toBeCloseTo(haversineMetres(prev, s), 6);
      prev = s;
    });
  });

  it("rejects malformed input", () => {
    expect(() => matrixFrom(3, () => NaN)).toThrow(/finite non-negative/);
    expect(() => solveOpenPath({ n: 3, data: new Float64Array(4) })).toThrow(/entries/);
    expect(() => orderStops({ lat: 91, lng: 0 }, [])).toThrow(/start has invalid coordinates/);
    expect(() => parseTsplib("NAME: x\nEDGE_WEIGHT_TYPE: GEO\nNODE_COORD_SECTION\n1 1 1\nEOF\n")).toThrow(
      /EDGE_WEIGHT_TYPE "GEO"/,
    );
  });
});

describe("solveRouteFile", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "route-file-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("solves a .tsp file as a closed tour with 1-based node numbers and TSPLIB rounding", () => {
    // A 3 × 4 grid with spacing 10 (node 12 listed first on purpose): the optimal tour has 12 unit edges.
    const lines = ["NAME: grid12", "TYPE: TSP", "DIMENSION: 12", "EDGE_WEIGHT_TYPE: EUC_2D", "NODE_COORD_SECTION"];
    const nodes: string[] = [];
    for (let id = 1; id <= 12; id++) nodes.push(`${id} ${((id - 1) % 4) * 10 + 0.2} ${Math.floor((id - 1) / 4) * 10}`);
    lines.push(nodes[11], ...nodes.slice(0, 11), "EOF");
    const res = solveRouteFile(write("grid.tsp", lines.join("\n")));
    expect(res.order[0]).toBe(1);
    expect([...res.order].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(res.length).toBe(120);
    expect(res.ms).toBeGreaterThanOrEqual(0);

    const berlin = solveRouteFile(path.join(TSPLIB_DIR, "berlin52.tsp"));
    expect(berlin.order).toHaveLength(52);
    expect(berlin.length).toBeLessThanOrEqual(7542 * 1.01);
  });

  it("solves a .json file as an open path from start, in whole metres", () => {
    const start = { lat: 30, lng: 120 };
    const at = (km: number) => ({ lat: 30 + km / 111.195, lng: 120 });
    const file = write(
      "day.json",
      JSON.stringify({
        start,
        stops: [
          { id: "c", ...at(3) },
          { id: "a", ...at(1) },
          { id: "d", ...at(4) },
          { id: "b", ...at(2) },
        ],
      }),
    );
    const res = solveRouteFile(file);
    expect(res.order).toEqual(["a", "b", "c", "d"]);
    expect(res.length).toBe(Math.round(haversineMetres(start, at(4))));
    expect(Number.isInteger(res.length)).toBe(true);
  });

  it("reports what is wrong with a bad file", () => {
    expect(() => solveRouteFile(write("bad.json", "{ start: "))).toThrow(/not valid JSON/);
    expect(() => solveRouteFile(write("nostops.json", '{"start":{"lat":30,"lng":120}}'))).toThrow(/missing "stops"/);
    expect(() =>
      solveRouteFile(
        write(
          "badlat.json",
          JSON.stringify({ start: { lat: 30, lng: 120 }, stops: [{ id: "a", lat: 30, lng: 120 }, { id: "b", lat: "x", lng: 1 }] }),
        ),
      ),
    ).toThrow(/stops\[1\]\.lat must be a number/);
    expect(() =>
      solveRouteFile(
        write("dupid.json", JSON.stringify({ start: { lat: 30, lng: 120 }, stops: [{ id: "a", lat: 30, lng: 120 }, { id: "a", lat: 30, lng: 120 }] })),
      ),
    ).toThrow(/stops\[1\]\.id "a"/);
    expect(() => solveRouteFile(write("route.csv", "x"))).toThrow(/expected .tsp or .json/);
    expect(() => solveRouteFile(path.join(dir, "missing.json"))).toThrow(/cannot read/);
  });
});
