import { describe, expect, it } from "vitest";
import { addWorkingMinutes, workingMinutesBetween, type BusinessCalendar } from "../../../src/modules/complaints/business-hours.ts";

const TZ = "Asia/Shanghai";
const cal: BusinessCalendar = { workingDays: [1, 2, 3, 4, 5], start: "08:30", end: "17:30", lunch: { start: "12:00", end: "13:30" } };
// Shanghai is UTC+8 all year: local = UTC + 8 h.
const local = (s: string) => new Date(`${s}+08:00`);

describe("SLA clock", () => {
  it("wall-clock: 8 hours are 8 hours", () => {
    expect(addWorkingMinutes(local("2026-11-23T20:00:00"), 480, null, TZ)).toEqual(local("2026-11-24T04:00:00"));
    expect(workingMinutesBetween(local("2026-11-23T20:00:00"), local("2026-11-24T04:00:00"), null, TZ)).toBe(480);
  });

  it("business hours skip the lunch break", () => {
    // 10:00 + 3 h of work = 10:00–12:00 (2 h) + 13:30–14:30 (1 h)
    expect(addWorkingMinutes(local("2026-11-23T10:00:00"), 180, cal, TZ)).toEqual(local("2026-11-23T14:30:00"));
  });

  it("business hours carry across a night", () => {
    // Mon 16:00 + 8 h: 16:00–17:30 (1.5 h), Tue 08:30–12:00 (3.5 h), 13:30–16:30 (3 h)
    expect(addWorkingMinutes(local("2026-11-23T16:00:00"), 480, cal, TZ)).toEqual(local("2026-11-24T16:30:00"));
  });

  it("business hours carry across a weekend and a holiday", () => {
    // Fri 15:00 + 8 h: Fri 15:00–17:30 (2.5 h); Sat, Sun off; Mon is a holiday; Tue 08:30–12:00 (3.5 h), 13:30–15:30 (2 h)
    const withHoliday = { ...cal, holidays: ["2026-11-30"] };
    expect(addWorkingMinutes(local("2026-11-27T15:00:00"), 480, withHoliday, TZ)).toEqual(local("2026-12-01T15:30:00"));
    expect(workingMinutesBetween(local("2026-11-27T15:00:00"), local("2026-12-01T15:30:00"), withHoliday, TZ)).toBe(480);
  });

  it("a complaint raised at night starts counting at opening time", () => {
    expect(addWorkingMinutes(local("2026-11-23T22:00:00"), 60, cal, TZ)).toEqual(local("2026-11-24T09:30:00"));
    expect(addWorkingMinutes(local("2026-11-28T10:00:00"), 30, cal, TZ)).toEqual(local("2026-11-30T09:00:00"));
  });

  it("time left is negative after the deadline", () => {
    expect(workingMinutesBetween(local("2026-11-23T11:00:00"), local("2026-11-23T10:00:00"), cal, TZ)).toBe(-60);
  });
});
