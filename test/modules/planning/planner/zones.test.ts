import { describe, expect, it } from "vitest";
import { zoneCost } from "../../../../src/modules/planning/planner/objective.ts";
import { buildZones } from "../../../../src/modules/planning/planner/zones.ts";
import { tinyState } from "./helpers.ts";

describe("zones stage", () => {
  it("cuts the territory into one balanced sector per visit day of the base cycle", () => {
    // Weekly class, Mon + Thu: two sectors. Three customers east, three west.
    const east = [{ x: 5, y: 1 }, { x: 5, y: 0 }, { x: 5, y: -1 }];
    const west = [{ x: -5, y: 1 }, { x: -5, y: 0 }, { x: -5, y: -1 }];
    const st = tinyState([...east, ...west].map((p) => ({ ...p, classId: "weekly" })), { visitDays: [1, 4] });
    buildZones(st);
    expect(st.Z0).toBe(2);
    const mon = st.days.findIndex((d) => d.date === "2027-03-01");
    const thu = st.days.findIndex((d) => d.date === "2027-03-04");
    // Every customer lies in exactly one of the two days' sectors, and the halves do not mix.
    const inMon = [0, 1, 2, 3, 4, 5].map((c) => zoneCost(st, c, mon) === 0);
    const inThu = [0, 1, 2, 3, 4, 5].map((c) => zoneCost(st, c, thu) === 0);
    for (let c = 0; c < 6; c++) expect(inMon[c]).not.toBe(inThu[c]);
    // Balanced by workload (up to the cut falling next to a boundary customer); neighbours together.
    const monCount = inMon.filter(Boolean).length;
    expect(monCount).toBeGreaterThanOrEqual(2);
    expect(monCount).toBeLessThanOrEqual(4);
    expect(new Set(inMon.slice(0, 3)).size).toBe(1);
    // Outside its sector a customer pays the distance to the sector's edge.
    const out = inMon[0] ? thu : mon;
    expect(zoneCost(st, 0, out)).toBeGreaterThan(1);
  });
});
