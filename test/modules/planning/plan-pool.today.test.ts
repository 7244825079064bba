import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONSOLE_CHAT_ID } from "../../../src/adapters/console/console.adapter.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { closePlanPool } from "../../../src/modules/planning/plan-pool.ts";
import { runConsoleScript, stopLines, tempDatabase, withDb } from "../../helpers/console.ts";
import { ENGINES } from "../../helpers/db.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai: a visit day of the demo managers.
const MONDAY = "2026-11-23T00:00:00Z";

describe.each(ENGINES)("/today without a plan (plans made in the background) (%s)", (engine) => {
  let tmp: Awaited<ReturnType<typeof tempDatabase>>;
  beforeEach(async () => (tmp = await tempDatabase(engine)));
  afterEach(async () => tmp.cleanup());
  afterAll(closePlanPool);

  it("answers at once that the plan is being made, a second /today starts nothing new, and the list arrives in this chat (scheduler off too)", async () => {
    const clock = new FakeClock(MONDAY);
    const env = { VISITMATE_CHAT_PLAN: "background" };
    // The second line is handled right after the first answer: the worker is still planning
    // 300 customers then (it has not even finished loading), so it is told "in progress".
    const out = await runConsoleScript({ url: tmp.url, clock, env, lines: ["/today", "/today"] });
    expect(out).toContain("正在生成计划…大约需要");
    expect(out).toContain("生成好后，清单会发到这个对话");
    expect(out).toContain("计划还在生成中");
    // No list in the answers themselves: it comes once, after them, through the outbox. The
    // scheduler is off here (runConsoleScript), and the terminal still gets what it was promised.
    expect(out.split("📋").length - 1).toBe(1);
    expect(out.indexOf("📋")).toBeGreaterThan(out.indexOf("计划还在生成中"));

    // The start-up waited for the plan before closing: one plan, and its list queued to this chat.
    const { runs, pushed } = await withDb(tmp.url, async (db) => {
      const m = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      return {
        runs: await db.planRun.findMany({ where: { managerId: m.id } }),
        pushed: await db.outbox.findMany({ where: { kind: { in: ["today-list", "morning-list"] } } }),
      };
    });
    expect(runs).toHaveLength(1);
    expect(pushed).toHaveLength(1);
    // On the visit day itself, asked where the morning list goes, the answer is the morning list
    // (under its key: the morning job, waiting for the same plan, then adds nothing).
    expect(pushed[0]).toMatchObject({ kind: "morning-list", key: `morning-list:staff:${pushed[0]!.staffId}:2026-11-23`, platform: "console", chatId: CONSOLE_CHAT_ID, status: "sent" });
    const list = JSON.parse(pushed[0]!.payload).text as string;
    expect(list).toMatch(/早上好[\s\S]*📋/);
    // "n. name" of each stop (the stored text carries links the terminal renders its own way).
    const names = (lines: string[]) => lines.map((l) => l.split(" · ")[0]);
    const pushedStops = names(stopLines(list));
    expect(pushedStops.length).toBeGreaterThan(0);
    expect(names(stopLines(out))).toEqual(pushedStops);

    // Next /today reads the stored plan: the list at once, the same numbers, nothing re-planned.
    // (The morning list repeats its same-day calls by number after a blank line: only the route part is compared.)
    const again = await runConsoleScript({ url: tmp.url, clock, env, lines: ["/today"] });
    expect(again).not.toContain("正在生成计划");
    expect(names(stopLines(again))).toEqual(names(stopLines(list.split("\n\n")[0]!)));
    expect(await withDb(tmp.url, (db) => db.planRun.count())).toBe(1);
  });

  it("/plan while the first plan is being made says so (not \"send /today\"), and reading it starts no second plan", async () => {
    const clock = new FakeClock(MONDAY);
    const env = { VISITMATE_CHAT_PLAN: "background" };
    const out = await runConsoleScript({ url: tmp.url, clock, env, lines: ["/today", "/plan"] });
    expect(out).toContain("正在生成计划…大约需要");
    expect(out).toContain("计划正在生成，好了今天的清单会发到这个对话");
    expect(out).not.toContain("还没有生成拜访计划");
    // The list still arrives after both answers, once.
    expect(out.split("📋").length - 1).toBe(1);
    expect(out.indexOf("📋")).toBeGreaterThan(out.indexOf("计划正在生成，好了"));
    expect(await withDb(tmp.url, (db) => db.planRun.count())).toBe(1);
  });
});
