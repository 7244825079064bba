import { describe, expect, it } from "vitest";
import { planVisits } from "../../../../src/modules/planning/planner.ts";
import { tinyInput } from "./helpers.ts";

// A worker must never die on these: each gives a plain result the caller can explain.
describe("planner on bad input", () => {
  const custs = [{ x: 1, y: 0, classId: "weekly" }, { x: 2, y: 1 }];

  it("no visit days: nothing planned, every customer in the shortfall", () => {
    const res = planVisits(tinyInput(custs, { visitDays: [] }));
    expect(res.days).toEqual([]);
    expect(res.shortfall.customers.map((c) => c.customerId).sort()).toEqual([1, 2]);
  });

  it("no customers, or from after to: an empty plan", () => {
    expect(planVisits(tinyInput([])).stats.plannedVisits).toBe(0);
    const res = planVisits(tinyInput(custs, { from: "2027-03-10", to: "2027-03-01" }));
    expect(res.days).toEqual([]);
    expect(res.shortfall.visits).toBe(0);
  });

  it("customers without coordinates are planned from the start point", () => {
    const input = tinyInput(custs);
    input.customers[0]!.lat = Number.NaN;
    (input.customers[1] as { lng: number | null }).lng = null;
    const res = planVisits(input);
    expect(res.stats.plannedVisits).toBeGreaterThan(0);
    expect(res.days.every((d) => Number.isFinite(d.metres))).toBe(true);
  });
});
