import { describe, expect, it } from "vitest";
import { construct } from "../../../../src/modules/planning/planner/construction.ts";
import { neighbours } from "../../../../src/modules/planning/planner/geometry.ts";
import { balanceGain, lns, removalScratch, stepsUntil, removeAroundPenalised, removeNeighbours, removePartOfDay, removeWorstDetour } from "../../../../src/modules/planning/planner/lns.ts";
import { setBand, totalObjective } from "../../../../src/modules/planning/planner/objective.ts";
import { totalLoad } from "../../../../src/modules/planning/planner/state.ts";
import { LNS_T0, LNS_T1 } from "../../../../src/modules/planning/planner/params.ts";
import { buildZones } from "../../../../src/modules/planning/planner/zones.ts";
import { dayOf, tinyState } from "./helpers.ts";

/** A constructed plan of these customers, ready for the LNS (route mode, balance band set). */
function constructed(pts: Parameters<typeof tinyState>[0]): ReturnType<typeof tinyState> {
  const st = tinyState(pts);
  buildZones(st);
  construct(st);
  st.mode = "route";
  st.beta = 5;
  setBand(st, totalLoad(st), true);
  return st;
}

describe("LNS stage", () => {
  it("bounds what balance can win back by adding visits: only under-loaded days, their largest steps first", () => {
    // Three visit days; band 3 .. 5 with the lower band on; loads 0, 2 and 6.
    const st = tinyState(Array.from({ length: 8 }, (_, i) => ({ x: i + 1, y: 0 })), { visitDays: [1, 3, 5], to: "2027-03-05" });
    const [, b, c] = st.visitDayIdx as [number, number, number];
    st.days[b]!.route.push(0, 1);
    st.days[c]!.route.push(2, 3, 4, 5, 6, 7);
    st.beta = 5;
    st.bandLo = 3;
    st.bandHi = 5;
    st.lowerBand = true;
    const ds = new Int32Array(3);
    // Day a is 3 below the band: its visits lower the penalty by 5·5, 5·3, 5·1; day b (1 below) by 5·1.
    expect(balanceGain(st, 1, ds)).toBe(25);
    expect(balanceGain(st, 2, ds)).toBe(40);
    expect(balanceGain(st, 3, ds)).toBe(45);
    // Every deficit filled: the whole under-load penalty (5·9 + 5·1); the day above the band never gains.
    expect(balanceGain(st, 4, ds)).toBe(50);
    expect(balanceGain(st, 100, ds)).toBe(50);
    expect(balanceGain(st, 0, ds)).toBe(0);
    st.lowerBand = false;
    expect(balanceGain(st, 4, ds)).toBe(0);
  });

  it("the worst-detour operator removes the day's worst detour first", () => {
    // One visit day; a route 1 km, 2 km east and one customer 9 km north.
    const st = tinyState([{ x: 1, y: 0 }, { x: 2, y: 0 }, { x: 2, y: 9 }], { visitDays: [1], to: "2027-03-01" });
    const mon = dayOf(st, "2027-03-01");
    st.days[mon]!.route.push(0, 1, 2);
    for (let c = 0; c < 3; c++) st.custs[c]!.visits = [mon];
    const set = removeWorstDetour(st, 1, neighbours(st, 2), () => 0.99);
    expect(set).toEqual([2]);
  });

  it("the part-of-day operator removes members of one day only; the neighbour operator a customer and its nearest", () => {
    const st = tinyState([{ x: 1, y: 0 }, { x: 1.1, y: 0 }, { x: -5, y: 0 }, { x: -5.1, y: 0 }], { visitDays: [1, 3], to: "2027-03-03" });
    const mon = dayOf(st, "2027-03-01");
    const wed = dayOf(st, "2027-03-03");
    st.days[mon]!.route.push(0, 1);
    st.days[wed]!.route.push(2, 3);
    st.custs.forEach((cs, c) => (cs.visits = [c < 2 ? mon : wed]));
    let k = 0;
    const seq = [0, 0];
    const part = removePartOfDay(st, 4, () => seq[k++ % seq.length]!);
    expect(part).toEqual([0, 1]);
    const nb = neighbours(st, 3);
    const near = removeNeighbours(st, 2, nb, () => 0.5);
    expect(near).toEqual([2, 3]);
  });

  it("the operator around a penalised customer takes the nearest movable visits of its window first, ties in day order", () => {
    // Customer 0 (no interval: its window is the whole horizon) at the start; 5 at 0.5 km; 1 and 2
    // at the same place 1 km east (1 on Wednesday, 2 on Monday); 3 fixed on Monday; 4 unplanned.
    const st = tinyState(
      [{ x: 0, y: 0, classId: "none" }, { x: 1, y: 0 }, { x: 1, y: 0 }, { x: 0.8, y: 0 }, { x: 0.9, y: 0 }, { x: 0.5, y: 0 }],
      { visitDays: [1, 3], to: "2027-03-03" },
    );
    const mon = dayOf(st, "2027-03-01");
    const wed = dayOf(st, "2027-03-03");
    st.days[mon]!.route.push(3, 2);
    st.days[wed]!.route.push(5, 1);
    st.custs[1]!.visits = [wed];
    st.custs[2]!.visits = [mon];
    st.custs[3]!.visits = [mon];
    st.custs[3]!.fixed = [mon];
    st.custs[5]!.visits = [wed];
    const sc = removalScratch(st.n);
    const draws = (seq: number[]) => {
      let k = 0;
      return () => seq[k++] ?? 0.1;
    };
    // The first draw picks the penalised customer; then each candidate is taken below ½.
    expect(removeAroundPenalised(st, 10, draws([0]), [0], sc)).toEqual([0, 5, 2, 1]);
    expect(removeAroundPenalised(st, 3, draws([0]), [0], sc)).toEqual([0, 5, 2]);
    expect(removeAroundPenalised(st, 10, draws([0, 0.9, 0.1, 0.7]), [0], sc)).toEqual([0, 2]);
    // Moved to Monday ahead of 2, customer 1 now comes first of the two.
    st.days[wed]!.route.splice(1, 1);
    st.days[mon]!.route.unshift(1);
    st.custs[1]!.visits = [mon];
    expect(removeAroundPenalised(st, 10, draws([0]), [0], sc)).toEqual([0, 5, 1, 2]);
  });

  it("keeps the best plan it has seen: never worse than its start", () => {
    const pts = Array.from({ length: 14 }, (_, i) => ({ x: ((i * 37) % 11) - 5, y: ((i * 53) % 13) - 6, classId: i % 3 ? "monthly" : "weekly" }));
    const st = constructed(pts);
    const before = totalObjective(st);
    lns(st, 300);
    setBand(st, totalLoad(st), true);
    expect(totalObjective(st)).toBeLessThanOrEqual(before + 1e-6);
  });

  it("counts a shortened schedule in steps: the full one down to LNS_T1, the part above a stop temperature otherwise", () => {
    expect(stepsUntil(18_000, LNS_T1)).toBe(18_000);
    expect(stepsUntil(18_000, LNS_T1 / 2)).toBe(18_000);
    expect(stepsUntil(18_000, LNS_T0)).toBe(0);
    // Geometric cooling from 3 to 0.02 km: 0.15 km is reached after ln(0.05) / ln(0.02 / 3) of the steps.
    expect(stepsUntil(18_000, 0.15)).toBe(Math.round((18_000 * Math.log(0.15 / LNS_T0)) / Math.log(LNS_T1 / LNS_T0)));
    expect(stepsUntil(18_000, 0.15)).toBe(10_762);
    expect(stepsUntil(18_000, 0.4)).toBeLessThan(stepsUntil(18_000, 0.15));
    expect(stepsUntil(0, 0.15)).toBe(0);
  });

  it("a run stopped early or started cool does less work, deterministically, and never ends worse than its start", () => {
    const pts = Array.from({ length: 30 }, (_, i) => ({ x: ((i * 37) % 17) - 8, y: ((i * 53) % 19) - 9, classId: i % 3 ? "monthly" : "weekly" }));
    const run = (stopAt?: number, startAt?: number) => {
      const st = constructed(pts);
      const before = totalObjective(st);
      const solves0 = st.work.chainSolves;
      lns(st, 2_000, { stopAt, startAt });
      setBand(st, totalLoad(st), true);
      return { before, after: totalObjective(st), solves: st.work.chainSolves - solves0, days: st.days.map((d) => d.route.join(",")).join("|") };
    };
    const full = run();
    const stopped = run(0.15);
    const cool = run(undefined, 0.4);
    for (const r of [full, stopped, cool]) expect(r.after).toBeLessThanOrEqual(r.before + 1e-6);
    expect(stopped.solves).toBeLessThan(full.solves);
    expect(cool.solves).toBeLessThan(full.solves);
    expect(cool.solves).toBeGreaterThan(0);
    // The same input gives the same plan.
    expect(run(0.15).days).toBe(stopped.days);
    expect(run(undefined, 0.4).days).toBe(cool.days);
  });
});
