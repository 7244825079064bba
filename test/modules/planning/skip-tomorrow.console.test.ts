import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, stopLines, tempDbUrl } from "../../helpers/console.ts";

// Tuesday 24 Nov 2026, 09:30 in Shanghai: no visit day for 李明; tomorrow (Wednesday) is one.
const TUESDAY_0930 = "2026-11-24T01:30:00Z";

function parseStop(line: string): { n: number; name: string; moved: boolean } {
  const m = /^(\d+)\. (↪️ )?([^·]+?) ·/.exec(line)!;
  return { n: Number(m[1]), name: m[3]!.trim(), moved: m[2] === "↪️ " };
}

describe("/skip of tomorrow's stops, as the /plan 明天 hint says", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("/plan 明天 ends with /skip 明天 序号; that command moves the stop, says where and why, and the numbers stay", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(TUESDAY_0930);
    const first = await runConsoleScript({ url: tmp.url, clock, lines: ["/today", "/plan 明天"] });
    expect(first).toContain("不能去的站发送 /skip 明天 序号 原因。");
    const shown = new Map(stopLines(first).map(parseStop).map((s) => [s.n, s.name]));
    const out = await runConsoleScript({ url: tmp.url, clock, lines: ["/skip 明天 3 店主出差", "/plan 明天", "/skip 明天", "/skip 12-01 2"] });
    expect(out).toMatch(new RegExp(`已将第 3 站 ${shown.get(3)!.replace(/[()（）]/g, ".")} 改到 \\d+月\\d+日（周.）：(这是最近一个有空的拜访日|.+，这是之后最近一个有空的拜访日)。其他站的编号不变。`));
    const after = stopLines(out).map(parseStop);
    expect(after).toHaveLength(shown.size);
    for (const s of after) expect(s.name, `stop ${s.n}`).toBe(shown.get(s.n));
    expect(after.find((s) => s.n === 3)!.moved).toBe(true);
    // A day without its stop number gets the usage, which names the form for tomorrow.
    expect(out).toContain("明天的站：/skip 明天 3 店主不在");
    expect(out).toContain("12月1日（周二） 不是您的拜访日，没有清单可改。");
  });
});
