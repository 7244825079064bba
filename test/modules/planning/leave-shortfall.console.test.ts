import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Wednesday 2 Dec 2026, 15:50 in Shanghai: the demo managers' plans are nearly full.
const WEDNESDAY = "2026-12-02T07:50:00Z";

describe("/off over a full plan: what is overdue in all and what this leave adds", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("a second leave names the total and, apart, the customers it newly makes overdue; the names listed add up to that count", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(WEDNESDAY);
    const out = await runConsoleScript({ url: tmp.url, clock, lines: ["/as M002", "/today", "/off 12-09", "/off 12-10", "/off 12-14"] });
    const lastLeave = out.slice(out.lastIndexOf("已登记请假：12月14日（周一）。"));
    const m = /计划里共有 (\d+) 次排不到期限内，其中 (\d+) 户是这次请假造成的（见下）/.exec(lastLeave);
    // Three leave days in two weeks of a full plan: earlier leave already left visits overdue.
    expect(m).not.toBeNull();
    const total = Number(m![1]);
    const newly = Number(m![2]);
    expect(newly).toBeGreaterThan(0);
    expect(newly).toBeLessThan(total);
    // The list below names exactly that many customers (five by name, the rest counted).
    expect(newly).toBeGreaterThan(5);
    const listed = /这样一来有 (\d+) 家客户会逾期：(.+?)；另有 (\d+) 家/.exec(lastLeave);
    expect(listed).not.toBeNull();
    expect(Number(listed![1])).toBe(newly);
    expect(listed![2]!.split("；")).toHaveLength(5);
    expect(Number(listed![3])).toBe(newly - 5);
  });
});
