import { describe, expect, it } from "vitest";
import { routeLength } from "../../../../src/modules/planning/planner/geometry.ts";
import { improveRoute, routeDays } from "../../../../src/modules/planning/planner/route.ts";
import { dayOf, tinyState } from "./helpers.ts";

describe("route stage", () => {
  it("untangles a day's open path from the start", () => {
    const st = tinyState([{ x: 1, y: 0 }, { x: 2, y: 0 }, { x: 3, y: 0 }, { x: 4, y: 0 }]);
    const r = [2, 0, 3, 1];
    const before = routeLength(st, r);
    improveRoute(st, r);
    expect(r).toEqual([0, 1, 2, 3]);
    expect(routeLength(st, r)).toBeLessThan(before);
    expect(routeLength(st, r)).toBeCloseTo(4, 1);
  });

  it("routes each day from the start and reports customer ids and metres", () => {
    const st = tinyState([{ x: 3, y: 0 }, { x: 1, y: 0 }], { visitDays: [1], to: "2027-03-01" });
    const mon = dayOf(st, "2027-03-01");
    st.days[mon]!.route.push(0, 1);
    const [day] = routeDays(st);
    expect(day!.date).toBe("2027-03-01");
    expect(day!.customerIds).toEqual([2, 1]);
    expect(day!.metres).toBeGreaterThan(2900);
    expect(day!.metres).toBeLessThan(3100);
  });
});
