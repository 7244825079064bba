import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { addMonths, zonedInstant, localDate, isoWeekday } from "../../../src/core/dates.ts";
import { NEVER, nextDueDate, selectDueForDay } from "../../../src/modules/visits/due.ts";

const policy = loadPolicy();

describe("due dates", () => {
  it("adds calendar months with end-of-month clamping", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-12-31", 2)).toBe("2027-02-28");
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
    expect(addMonths("2026-11-15", 2)).toBe("2027-01-15");
  });

  it("computes each class's next visit across month and year ends", () => {
    expect(nextDueDate("2026-12-24", { count: 2, unit: "week" })).toBe("2027-01-07");
    expect(nextDueDate("2026-01-31", { count: 1, unit: "month" })).toBe("2026-02-28");
    expect(nextDueDate("2026-12-31", { count: 2, unit: "month" })).toBe("2027-02-28");
    expect(nextDueDate(null, { count: 1, unit: "month" })).toBe(NEVER);
    expect(nextDueDate("2026-01-01", null)).toBeNull();
  });

  it("reads local dates in the company time zone", () => {
    const instant = zonedInstant("2026-11-23", "07:30", "Asia/Shanghai");
    expect(instant.toISOString()).toBe("2026-11-22T23:30:00.000Z");
    expect(localDate(new Date("2026-11-22T16:30:00Z"), "Asia/Shanghai")).toBe("2026-11-23");
    expect(isoWeekday("2026-11-23")).toBe(1);
    expect(isoWeekday("2026-11-22")).toBe(7);
  });
});

describe("selecting a day's customers", () => {
  const base = { classes: policy.classes, minimum: 3, cap: 4 };
  it("takes the most overdue first, never more than the cap", () => {
    const customers = [
      { id: 1, classId: "regular", lastVisit: "2026-09-20" }, // due 11-20
      { id: 2, classId: "core", lastVisit: "2026-11-01" }, // due 11-15
      { id: 3, classId: "potential", lastVisit: null }, // never visited
      { id: 4, classId: "regular", lastVisit: "2026-09-01" }, // due 11-01
      { id: 5, classId: "core", lastVisit: "2026-11-10" }, // due 11-24 (not yet)
      { id: 6, classId: "assistance", lastVisit: "2026-11-08" }, // due 11-22
    ];
    const picked = selectDueForDay({ ...base, customers, date: "2026-11-23" });
    expect(picked.map((p) => p.customer.id)).toEqual([3, 4, 2, 1]);
    expect(picked.every((p) => p.overdue)).toBe(true);
  });

  it("tops up to the daily minimum with those due soonest", () => {
    const customers = [
      { id: 1, classId: "core", lastVisit: "2026-11-01" }, // due 11-15
      { id: 2, classId: "regular", lastVisit: "2026-11-20" }, // due 2027-01-20
      { id: 3, classId: "core", lastVisit: "2026-11-20" }, // due 12-04
    ];
    const picked = selectDueForDay({ ...base, customers, date: "2026-11-23" });
    expect(picked.map((p) => [p.customer.id, p.overdue])).toEqual([
      [1, true],
      [3, false],
      [2, false],
    ]);
  });
});
