import { afterEach, describe, expect, it } from "vitest";
import { exportPlan } from "../../../src/cli/plan.cli.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { runConsoleScript, stopLines, tempDatabase, withDb } from "../../helpers/console.ts";
import { ENGINES } from "../../helpers/db.ts";

// Wednesday 25 Nov 2026, 09:30 in Shanghai: a visit day of the demo manager 李明.
const WEDNESDAY_0930 = "2026-11-25T01:30:00Z";

/** "5. 朱记副食店 · 核心客户 · …" → { n: 5, name: "朱记副食店", mark } */
function parseStop(line: string): { n: number; name: string; mark: "" | "done" | "moved" } {
  const m = /^(\d+)\. (✅ |↪️ )?([^·]+?) ·/.exec(line)!;
  return { n: Number(m[1]), name: m[3]!.trim(), mark: m[2] === "✅ " ? "done" : m[2] === "↪️ " ? "moved" : "" };
}

describe.each(ENGINES)("stop numbers are fixed for the day; looking changes nothing (%s)", (engine) => {
  let tmp: Awaited<ReturnType<typeof tempDatabase>> | undefined;
  afterEach(async () => tmp?.cleanup());
  const newDb = async () => (tmp = await tempDatabase(engine));

  it("after logging stop 2, /skip 5 moves the shop shown as #5 and every other stop keeps its number", async () => {
    const tmp = await newDb();
    const clock = new FakeClock(WEDNESDAY_0930);
    const first = stopLines(await runConsoleScript({ url: tmp.url, clock, lines: ["/today"] })).map(parseStop);
    expect(first.map((s) => s.n)).toEqual(first.map((_, i) => i + 1));
    const shown = new Map(first.map((s) => [s.n, s.name]));

    // Log stop 2 (stop number, 实地, 20 minutes typed — the offered durations depend on the class, submit), then skip stop 5 as it was on screen.
    const out = await runConsoleScript({ url: tmp.url, clock, lines: ["2", "1", "20", "1", "/skip 5 店主不在", "/today", "7", "取消"] });
    expect(out).toContain(`✅ 已记录：${shown.get(2)} · 实地 · 20 分钟`);
    expect(out).toMatch(new RegExp(`已将第 5 站 ${shown.get(5)} 改到 \\d+月\\d+日（周.）：[^。]+。其他站的编号不变。`));

    const after = stopLines(out.slice(0, out.lastIndexOf(`${shown.get(7)} · 拜访方式？`))).map(parseStop);
    expect(after).toHaveLength(first.length);
    for (const s of after) expect(s.name, `stop ${s.n}`).toBe(shown.get(s.n));
    expect(after.find((s) => s.n === 2)!.mark).toBe("done");
    expect(after.find((s) => s.n === 5)!.mark).toBe("moved");
    // The stops still to do come first; the done and moved ones follow.
    expect(after[0]!.mark).toBe("");
    expect(after.slice(-2).map((s) => s.mark)).toEqual(["done", "moved"]);
    // Replying with a number after the skip still opens the stop with that number.
    expect(out).toContain(`${shown.get(7)} · 拜访方式？`);
  });

  it("/plan of any date, the week and the month, and plan export leave the stored plan byte-identical", async () => {
    const tmp = await newDb();
    const clock = new FakeClock(WEDNESDAY_0930);
    await runConsoleScript({ url: tmp.url, clock, lines: ["/today"] });
    await withDb(tmp.url, async (db) => {
      const stored = async () =>
        JSON.stringify([
          await db.plannedVisit.findMany({ orderBy: { id: "asc" } }),
          await db.planRun.findMany({ orderBy: { id: "asc" } }),
          await db.dayOff.findMany({ orderBy: { id: "asc" } }),
        ]);
      const before = await stored();
      // Into the next month (a plan made before a month begins is what /today would regenerate).
      const later = new FakeClock("2026-12-02T01:30:00Z");
      const out = await runConsoleScript({ url: tmp.url, clock: later, lines: ["/plan", "/plan next", "/plan month", "/plan 12-09", "/plan 周四", "/plan 下周三", "/plan 2027-01-20", "/plan 2028-11-22", "/plan 11-25"] });
      expect(out).toContain("11月25日（周三） 已经过去了。");
      expect(out).toContain("2028年11月22日（周三） 还没有计划。");
      await exportPlan({ db, policy: loadPolicy(), clock: later, log: silentLogger }, { manager: "M001", from: "2026-12-01", weeks: 12 });
      expect(await stored()).toBe(before);
    });
  });
});
