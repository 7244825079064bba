import { describe, expect, it } from "vitest";
import { construct } from "../../../../src/modules/planning/planner/construction.ts";
import { sweep } from "../../../../src/modules/planning/planner/local-search.ts";
import { chainPenalty, setBand, totalObjective } from "../../../../src/modules/planning/planner/objective.ts";
import { buildZones } from "../../../../src/modules/planning/planner/zones.ts";
import { tinyState } from "./helpers.ts";

describe("local search stage", () => {
  it("a sweep never makes the plan worse and keeps every chain on time", () => {
    const pts = Array.from({ length: 12 }, (_, i) => ({ x: Math.cos(i) * (2 + (i % 3)), y: Math.sin(i * 1.7) * 3, classId: i % 2 ? "weekly" : "monthly" }));
    const st = tinyState(pts);
    buildZones(st);
    construct(st);
    st.mode = "route";
    st.beta = 1;
    for (let pass = 0; pass < 3; pass++) {
      setBand(st, st.custs.reduce((s, cs) => s + cs.visits.length, 0), true);
      const before = totalObjective(st);
      sweep(st);
      expect(totalObjective(st)).toBeLessThanOrEqual(before + 1e-6);
    }
    for (let c = 0; c < 12; c++) expect(chainPenalty(st, c, st.custs[c]!.visits)).toBe(0);
  });
});
