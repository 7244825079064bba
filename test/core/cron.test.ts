import { describe, expect, it } from "vitest";
import { dailyAt, matchesDate, nextSlot, parseCron, previousSlot } from "../../src/core/cron.ts";

const TZ = "Asia/Shanghai";
const at = (iso: string) => new Date(iso);

describe("cron slots in the company time zone", () => {
  it("finds the latest slot at or before a moment and the next one after it", () => {
    const spec = parseCron("30 7 * * *");
    // 2026-11-23 08:00 Shanghai = 00:00Z
    expect(previousSlot(spec, at("2026-11-23T00:00:00Z"), TZ)?.toISOString()).toBe("2026-11-22T23:30:00.000Z");
    expect(nextSlot(spec, at("2026-11-23T00:00:00Z"), TZ)?.toISOString()).toBe("2026-11-23T23:30:00.000Z");
    // Exactly at the slot: it is the previous slot, and the next one is tomorrow's.
    expect(previousSlot(spec, at("2026-11-22T23:30:00Z"), TZ)?.toISOString()).toBe("2026-11-22T23:30:00.000Z");
    expect(nextSlot(spec, at("2026-11-22T23:30:00Z"), TZ)?.toISOString()).toBe("2026-11-23T23:30:00.000Z");
  });

  it("handles day-of-week lists, last-day tokens and day-of-month lists", () => {
    const fri = parseCron("0 16 * * 5");
    expect(previousSlot(fri, at("2026-11-25T00:00:00Z"), TZ)?.toISOString()).toBe("2026-11-20T08:00:00.000Z");
    const monthEnd = parseCron("0 9 L-2 * *");
    expect(nextSlot(monthEnd, at("2026-11-01T00:00:00Z"), TZ)?.toISOString()).toBe("2026-11-28T01:00:00.000Z");
    expect(nextSlot(monthEnd, at("2027-02-01T00:00:00Z"), TZ)?.toISOString()).toBe("2027-02-26T01:00:00.000Z");
    const last = parseCron("0 9 L * *");
    expect(matchesDate(last, "2028-02-29")).toBe(true);
    expect(matchesDate(last, "2028-02-28")).toBe(false);
    const twice = parseCron("30 9 1,15 * *");
    expect(previousSlot(twice, at("2026-11-29T00:00:00Z"), TZ)?.toISOString()).toBe("2026-11-15T01:30:00.000Z");
    const workdays = parseCron("30 16 * * 1,2,3,4,5");
    expect(matchesDate(workdays, "2026-11-28")).toBe(false); // Saturday
    expect(matchesDate(workdays, "2026-11-27")).toBe(true);
    expect(matchesDate(parseCron("0 9 * * 7"), "2026-11-29")).toBe(true); // 7 = Sunday
  });

  it("builds daily expressions from HH:MM and rejects bad ones", () => {
    expect(dailyAt("07:30")).toBe("30 7 * * *");
    expect(dailyAt("16:00", { dow: "5" })).toBe("0 16 * * 5");
    expect(() => parseCron("0 9 * *")).toThrow(/5 fields/);
    expect(() => parseCron("0 25 * * *")).toThrow(/Invalid/);
  });
});
