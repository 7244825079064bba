import { describe, expect, it } from "vitest";
import { checkPlan, planVisits } from "../../../../src/modules/planning/planner.ts";
import { tinyInput } from "./helpers.ts";

const TWO_MONTHLY = [{ id: "regular", visitEvery: { count: 2, unit: "month" as const }, priority: 0 }];

function datesOf(res: ReturnType<typeof planVisits>, id: number): string[] {
  return res.days.filter((d) => d.customerIds.includes(id)).map((d) => d.date);
}

describe("continuity across months (coverBy, nextKept)", () => {
  // Horizon Feb–Mar 2027; two-monthly customers never visited, so by frequency alone their first
  // visit is due only by Mar 31.
  const base = { classes: TWO_MONTHLY, from: "2027-02-01", to: "2027-03-31", visitDays: [1, 3, 5], dailyCap: 10 };

  it("puts the first visit on or before coverBy", () => {
    const custs = Array.from({ length: 6 }, (_, i) => ({ x: i, y: 1, classId: "regular" }));
    const input = tinyInput(custs, base);
    input.customers.forEach((c) => (c.coverBy = "2027-02-28"));
    const res = planVisits(input);
    for (const c of input.customers) {
      const dates = datesOf(res, c.id);
      expect(dates.length).toBeGreaterThan(0);
      expect(dates[0]! <= "2027-02-28").toBe(true);
    }
    expect(res.shortfall.visits).toBe(0);
    expect(checkPlan(input, res).violations).toEqual([]);
  });

  it("reports a customer by name when coverBy cannot be met", () => {
    // One visit day before coverBy (Mon Feb 1), cap 1, two customers who must be seen by then.
    const input = tinyInput([{ x: 1, y: 0, classId: "regular" }, { x: 2, y: 0, classId: "regular" }], { ...base, dailyCap: 1 });
    input.customers.forEach((c) => (c.coverBy = "2027-02-02"));
    const res = planVisits(input);
    expect(res.shortfall.visits).toBeGreaterThan(0);
    expect(res.shortfall.customers[0]!.dueDate).toBe("2027-02-02");
    expect([1, 2]).toContain(res.shortfall.customers[0]!.customerId);
  });

  it("spaces the horizon's last visit from the next kept visit after it", () => {
    // A visit kept on Apr 12: the horizon's visit must be at least half an interval (about a
    // month) before it, and at most an interval before it.
    const input = tinyInput([{ x: 1, y: 1, classId: "regular" }], { ...base, dailyMinimum: 0 });
    input.customers[0]!.coverBy = "2027-03-31";
    input.customers[0]!.nextKept = "2027-04-12";
    const res = planVisits(input);
    const dates = datesOf(res, 1);
    expect(dates).toHaveLength(1);
    expect(dates[0]! >= "2027-02-12").toBe(true);
    expect(dates[0]! <= "2027-03-12").toBe(true);
    expect(checkPlan(input, res).violations).toEqual([]);
  });
});
