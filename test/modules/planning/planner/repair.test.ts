import { describe, expect, it } from "vitest";
import { chainPenalty } from "../../../../src/modules/planning/planner/objective.ts";
import { failingWindow, rescueByChain } from "../../../../src/modules/planning/planner/repair.ts";
import { dayOf, tinyState } from "./helpers.ts";

describe("repair stage", () => {
  it("an ejection chain moves a flexible visit off the only day a late customer can take", () => {
    // Cap 1, Mon and Wed. Customer 0 (monthly, last visited 02-01) is due Mon 03-01; customer 1
    // (no interval, coverage only) sits on Monday and could go on Wednesday.
    const st = tinyState([{ x: 1, y: 0, lastVisit: "2027-02-01" }, { x: 1, y: 0.2, classId: "none" }], {
      visitDays: [1, 3],
      to: "2027-03-03",
      dailyCap: 1,
    });
    st.mode = "route";
    const mon = dayOf(st, "2027-03-01");
    const wed = dayOf(st, "2027-03-03");
    st.days[mon]!.route.push(1);
    st.custs[1]!.visits = [mon];
    expect(failingWindow(st, 0)).toEqual([0, 0]);
    expect(chainPenalty(st, 0, st.custs[0]!.visits)).toBeGreaterThan(0);
    expect(rescueByChain(st, 0)).toBe(true);
    expect(st.custs[0]!.visits).toEqual([mon]);
    expect(st.custs[1]!.visits).toEqual([wed]);
    expect(chainPenalty(st, 0, st.custs[0]!.visits)).toBe(0);
  });
});
