import { describe, expect, it } from "vitest";
import { routeLength } from "../../../../src/modules/planning/planner/geometry.ts";
import { improveDay, improveRoute, routeDays } from "../../../../src/modules/planning/planner/route.ts";
import { begin, bump, removeAt, rollback, touch } from "../../../../src/modules/planning/planner/state.ts";
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

  it("leaves a route it found no move for as it is while its version stays, and looks again once it changes", () => {
    const st = tinyState([{ x: 1, y: 0 }, { x: 2, y: 0 }, { x: 3, y: 0 }, { x: 4, y: 0 }], { visitDays: [1], to: "2027-03-01" });
    const j = dayOf(st, "2027-03-01");
    const day = st.days[j]!;
    day.route.push(2, 0, 3, 1);
    bump(st, j);
    improveDay(st, j);
    expect(day.route).toEqual([0, 1, 2, 3]);
    // The improved route is looked at once more: no move, so that version is marked as done.
    improveDay(st, j);
    const done = st.ver[j];
    // A step that changes the day and is rolled back brings that version back: not looked at again.
    begin(st, [3]);
    touch(st, j);
    removeAt(day.route, 3);
    rollback(st, [3]);
    expect(st.ver[j]).toBe(done);
    expect(day.route).toEqual([0, 1, 2, 3]);
    // Proof that it is not run: a disorder made behind the version's back stays.
    [day.route[1], day.route[2]] = [day.route[2]!, day.route[1]!];
    improveDay(st, j);
    expect(day.route).toEqual([0, 2, 1, 3]);
    // A new version is looked at.
    bump(st, j);
    improveDay(st, j);
    expect(day.route).toEqual([0, 1, 2, 3]);
  });
});
