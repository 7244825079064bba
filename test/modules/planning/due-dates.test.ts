import { describe, expect, it } from "vitest";
import { addInterval, addMonths, isoWeekday, localDate, zonedInstant } from "../../../src/core/dates.ts";
import { earliestNextVisit, firstDueDate } from "../../../src/modules/planning/planner.ts";

const biweekly = { count: 2, unit: "week" } as const;
const monthly = { count: 1, unit: "month" } as const;
const bimonthly = { count: 2, unit: "month" } as const;

describe("due dates", () => {
  it("adds calendar months with end-of-month clamping", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-12-31", 2)).toBe("2027-02-28");
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
    expect(addMonths("2026-11-15", 2)).toBe("2027-01-15");
  });

  it("a class's next visit is due one interval after the last, across month and year ends", () => {
    expect(addInterval("2026-12-24", biweekly)).toBe("2027-01-07");
    expect(firstDueDate("2026-12-24", biweekly, "2027-01-01")).toBe("2027-01-07");
    expect(firstDueDate("2026-01-31", monthly, "2026-02-01")).toBe("2026-02-28");
    expect(firstDueDate("2026-12-31", bimonthly, "2027-01-01")).toBe("2027-02-28");
  });

  it("never-visited and already-overdue customers are due within the first cycle, not all on day one", () => {
    expect(firstDueDate(null, biweekly, "2026-11-23")).toBe("2026-12-06");
    expect(firstDueDate("2026-08-01", monthly, "2026-11-23")).toBe("2026-12-22");
  });

  it("a visit is never planned earlier than half an interval after the previous one", () => {
    expect(earliestNextVisit("2026-11-02", biweekly)).toBe("2026-11-09");
    expect(earliestNextVisit("2026-01-31", monthly)).toBe("2026-02-14");
  });

  it("reads local dates in the company time zone", () => {
    expect(zonedInstant("2026-11-23", "07:30", "Asia/Shanghai").toISOString()).toBe("2026-11-22T23:30:00.000Z");
    expect(localDate(new Date("2026-11-22T16:30:00Z"), "Asia/Shanghai")).toBe("2026-11-23");
    expect(isoWeekday("2026-11-23")).toBe(1);
    expect(isoWeekday("2026-11-22")).toBe(7);
  });
});
