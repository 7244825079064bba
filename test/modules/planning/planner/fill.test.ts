import { describe, expect, it } from "vitest";
import { fill } from "../../../../src/modules/planning/planner/fill.ts";
import { load } from "../../../../src/modules/planning/planner/state.ts";
import { dayOf, tinyState } from "./helpers.ts";

describe("fill stage", () => {
  it("tops a day up to the daily minimum with the nearest customers that may take a visit", () => {
    // One visit day, minimum 2. Customers without an interval, last seen two months ago, except
    // customer 3, seen last week (an extra visit would be too soon).
    const st = tinyState(
      [
        { x: 1, y: 0, classId: "none", lastVisit: "2027-01-01" },
        { x: 8, y: 0, classId: "none", lastVisit: "2027-01-01" },
        { x: 1.5, y: 0, classId: "none", lastVisit: "2027-01-01" },
        { x: 0.5, y: 0, classId: "none", lastVisit: "2027-02-25" },
      ],
      { visitDays: [1], to: "2027-03-01", dailyMinimum: 2 },
    );
    fill(st);
    const mon = dayOf(st, "2027-03-01");
    expect(load(st, mon)).toBe(2);
    expect([...st.days[mon]!.route].sort()).toEqual([0, 2]);
  });
});
