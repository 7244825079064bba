import { describe, expect, it } from "vitest";
import { construct } from "../../../../src/modules/planning/planner/construction.ts";
import { chainPenalty } from "../../../../src/modules/planning/planner/objective.ts";
import { load } from "../../../../src/modules/planning/planner/state.ts";
import { buildZones } from "../../../../src/modules/planning/planner/zones.ts";
import { tinyState } from "./helpers.ts";

describe("construction stage", () => {
  it("seats every customer on time within the caps, neighbours on the same day", () => {
    // Two tight clusters far apart, weekly customers never visited: one visit per week each.
    const north = Array.from({ length: 4 }, (_, i) => ({ x: i * 0.1, y: 8, classId: "weekly" }));
    const south = Array.from({ length: 4 }, (_, i) => ({ x: i * 0.1, y: -8, classId: "weekly" }));
    const st = tinyState([...north, ...south], { visitDays: [1, 4], dailyCap: 5 });
    buildZones(st);
    construct(st);
    for (let c = 0; c < 8; c++) expect(chainPenalty(st, c, st.custs[c]!.visits)).toBe(0);
    for (const j of st.visitDayIdx) expect(load(st, j)).toBeLessThanOrEqual(5);
    // Zones keep the clusters apart: no day mixes north and south.
    for (const j of st.visitDayIdx) {
      const r = st.days[j]!.route;
      expect(r.every((c) => c < 4) || r.every((c) => c >= 4)).toBe(true);
    }
  });
});
