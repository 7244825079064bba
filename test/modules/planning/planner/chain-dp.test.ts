import { describe, expect, it } from "vitest";
import { plan, unplan } from "../../../../src/modules/planning/planner/chain-dp.ts";
import { chainPenalty } from "../../../../src/modules/planning/planner/objective.ts";
import { load } from "../../../../src/modules/planning/planner/state.ts";
import { dayOf, tinyState } from "./helpers.ts";

describe("chain DP stage", () => {
  it("plans a weekly customer's whole chain on time and inserts it into the routes", () => {
    // Visited on Thu 2027-02-25: due Thu 03-04, then weekly; Mon/Wed/Fri over two weeks.
    const st = tinyState([{ x: 1, y: 1, classId: "weekly", lastVisit: "2027-02-25" }]);
    st.mode = "route";
    const cost = plan(st, 0);
    const dates = st.custs[0]!.visits.map((j) => st.days[j]!.date);
    expect(dates.length).toBeGreaterThanOrEqual(2);
    expect(dates[0]! <= "2027-03-04").toBe(true);
    expect(chainPenalty(st, 0, st.custs[0]!.visits)).toBe(0);
    for (const j of st.custs[0]!.visits) expect(st.days[j]!.route).toEqual([0]);
    // unplan returns what plan charged for geography, load and visits, and empties the routes.
    const saved = unplan(st, 0);
    expect(saved).toBeCloseTo(cost, 6);
    expect(st.days.every((d) => d.route.length === 0)).toBe(true);
  });

  it("keeps a chain off a day at its cap", () => {
    const st = tinyState([{ x: 1, y: 0, classId: "weekly", lastVisit: "2027-02-24" }, { x: 1, y: 0.1 }], { dailyCap: 1 });
    st.mode = "route";
    // Customer 1 sits on Monday; customer 0 (due Wed 03-03) may not join it there.
    const mon = dayOf(st, "2027-03-01");
    st.days[mon]!.route.push(1);
    st.custs[1]!.visits = [mon];
    plan(st, 0);
    expect(st.custs[0]!.visits).not.toContain(mon);
    expect(load(st, mon)).toBe(1);
    expect(chainPenalty(st, 0, st.custs[0]!.visits)).toBe(0);
  });
});
