import { describe, expect, it } from "vitest";
import { plan, unplan } from "../../../../src/modules/planning/planner/chain-dp.ts";
import { construct } from "../../../../src/modules/planning/planner/construction.ts";
import { sweep } from "../../../../src/modules/planning/planner/local-search.ts";
import { lns } from "../../../../src/modules/planning/planner/lns.ts";
import { setBand, totalObjective } from "../../../../src/modules/planning/planner/objective.ts";
import { createState, load, totalLoad, type PlanState } from "../../../../src/modules/planning/planner/state.ts";
import { swapSearch } from "../../../../src/modules/planning/planner/swap.ts";
import { buildZones } from "../../../../src/modules/planning/planner/zones.ts";
import { generateTerritory } from "../../../bench/planner.ts";
import { dayOf, tinyState } from "./helpers.ts";

function loads(st: PlanState): number[] {
  return st.days.map((_, j) => load(st, j));
}

describe("swap stage", () => {
  it("trades two misplaced customers' days: each day gets its own cluster back, loads unchanged", () => {
    // Three shops 5 km east, three 5 km west; one of each on the other's day.
    const st = tinyState(
      [
        { x: 5, y: 0, classId: "none" },
        { x: 5.3, y: 0.4, classId: "none" },
        { x: 5.1, y: -0.5, classId: "none" },
        { x: -5, y: 0, classId: "none" },
        { x: -5.2, y: 0.3, classId: "none" },
        { x: -4.9, y: -0.4, classId: "none" },
      ],
      { dailyCap: 3 },
    );
    st.mode = "route";
    const mon = dayOf(st, "2027-03-01");
    const wed = dayOf(st, "2027-03-03");
    const place = (j: number, cs: number[]) => {
      st.days[j]!.route = cs.slice();
      for (const c of cs) st.custs[c]!.visits = [j];
    };
    place(mon, [0, 1, 5]);
    place(wed, [3, 4, 2]);
    const before = totalObjective(st);
    const delta = swapSearch(st);
    expect(delta).toBeLessThan(-10);
    expect(totalObjective(st)).toBeCloseTo(before + delta, 6);
    expect([...st.days[mon]!.route].sort()).toEqual([0, 1, 2]);
    expect([...st.days[wed]!.route].sort()).toEqual([3, 4, 5]);
    expect(st.custs[2]!.visits).toEqual([mon]);
    expect(st.custs[5]!.visits).toEqual([wed]);
    // Nothing more to find: a second search changes nothing.
    expect(swapSearch(st)).toBe(0);
  });

  it("on a searched territory: returns the exact objective change, keeps loads, and leaves chains the chain DP can make", () => {
    const input = generateTerritory({ n: 150, seed: 21, from: "2025-09-01", to: "2025-10-26" });
    const st = createState(input, input.customers);
    buildZones(st);
    construct(st);
    st.mode = "route";
    st.beta = 1;
    for (let pass = 0; pass < 2; pass++) sweep(st);
    lns(st, 1_500);
    setBand(st, totalLoad(st), true);
    const before = totalObjective(st);
    const loadsBefore = loads(st);
    const delta = swapSearch(st, 10);
    expect(delta).toBeLessThan(0);
    expect(totalObjective(st)).toBeCloseTo(before + delta, 6);
    expect(loads(st)).toEqual(loadsBefore);
    for (let c = 0; c < st.n; c++) {
      const v = st.custs[c]!.visits;
      // Ascending, no day twice, each customer on the route of each of its days.
      for (let k = 1; k < v.length; k++) expect(v[k]!).toBeGreaterThan(v[k - 1]!);
      for (const j of v) expect(st.days[j]!.route).toContain(c);
      // A re-plan of the chain never costs more than it saves: the swapped chain is in the DP's space
      // (a chain outside it was undone by the final sweeps, at 50 km on a 300-customer plan).
      const saved = unplan(st, c);
      const cost = plan(st, c);
      expect(cost).toBeLessThanOrEqual(saved + 1e-6);
    }
  });
});
