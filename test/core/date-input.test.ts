import { describe, expect, it } from "vitest";
import { parseDateInput, parseDateRange } from "../../src/core/date-input.ts";

// Tuesday 1 December 2026.
const TODAY = "2026-12-01";

describe("dates as managers type them", () => {
  it("a month-day without a year is the nearest one: just past, or soon", () => {
    expect(parseDateInput("11-25", TODAY)).toBe("2026-11-25");
    expect(parseDateInput("12月9日", TODAY)).toBe("2026-12-09");
    expect(parseDateInput("1/5", TODAY)).toBe("2027-01-05");
    expect(parseDateInput("2-30", TODAY)).toBeNull();
    expect(parseDateInput("2027-11-25", TODAY)).toBe("2027-11-25");
  });

  it("weekday words: the next such day (today included), this week's, next week's", () => {
    expect(parseDateInput("周四", TODAY)).toBe("2026-12-03");
    expect(parseDateInput("星期二", TODAY)).toBe("2026-12-01");
    expect(parseDateInput("本周一", TODAY)).toBe("2026-11-30");
    expect(parseDateInput("下周三", TODAY)).toBe("2026-12-09");
    expect(parseDateInput("下下周一", TODAY)).toBe("2026-12-14");
    expect(parseDateInput("thu", TODAY)).toBe("2026-12-03");
    expect(parseDateInput("next wed", TODAY)).toBe("2026-12-09");
    expect(parseDateInput("周八", TODAY)).toBeNull();
  });

  it("ranges with 到, 至, ~ and ～; an end before the start is read from the start (across the year)", () => {
    expect(parseDateRange("12-09到12-10", TODAY)).toEqual({ from: "2026-12-09", to: "2026-12-10" });
    expect(parseDateRange("12-09~12-11", TODAY)).toEqual({ from: "2026-12-09", to: "2026-12-11" });
    expect(parseDateRange("12-30 至 01-02", TODAY)).toEqual({ from: "2026-12-30", to: "2027-01-02" });
    expect(parseDateRange("下周一～下周三", TODAY)).toEqual({ from: "2026-12-07", to: "2026-12-09" });
    expect(parseDateRange("明天", TODAY)).toEqual({ from: "2026-12-02", to: "2026-12-02" });
    expect(parseDateRange("12-10到12-09", TODAY)).toBeNull();
    expect(parseDateRange("培训", TODAY)).toBeNull();
  });
});

describe("small readings", () => {
  it("minutes round as a whole, stop numbers read Chinese numerals", async () => {
    const { formatMinutes } = await import("../../src/core/format.ts");
    const { translator } = await import("../../src/i18n/i18n.ts");
    const { stopNumberOf } = await import("../../src/modules/visits/visits.commands.ts");
    const t = translator("zh-CN");
    expect(formatMinutes(119.6, t)).toBe(formatMinutes(120, t));
    expect(formatMinutes(119.6, t)).not.toContain("60");
    expect(stopNumberOf("三")).toBe(3);
    expect(stopNumberOf("第十二站")).toBe(12);
    expect(stopNumberOf("３")).toBe(3);
    expect(stopNumberOf("三个")).toBeNull();
  });
});

describe("catalogues", () => {
  it("every user-facing string, the CLI's included, exists in both languages", async () => {
    const { catalogueKeys } = await import("../../src/i18n/i18n.ts");
    expect(catalogueKeys("en").sort()).toEqual(catalogueKeys("zh-CN").sort());
  });
});
