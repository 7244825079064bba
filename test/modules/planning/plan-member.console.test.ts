import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, stopLines, tempDbUrl, withDb } from "../../helpers/console.ts";

// Wednesday 2 Dec 2026, 09:40 in Shanghai: a visit day for both demo managers.
const WEDNESDAY_0940 = "2026-12-02T01:40:00Z";

/** Every planned visit with its day, stop number and order: what a read must leave as it was. */
async function planRows(url: string): Promise<string> {
  return withDb(url, async (db) => {
    const rows = await db.plannedVisit.findMany({ orderBy: { id: "asc" }, select: { id: true, managerId: true, date: true, stopNo: true, sequence: true, status: true } });
    return JSON.stringify(rows);
  });
}

describe("a supervisor reads a team member's plan with /plan CODE", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("shows the member's week, day and month read only, says how to ask, refuses codes outside the team, and writes nothing", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(WEDNESDAY_0940);
    // Both managers' plans exist (their first /today makes them).
    const own = await runConsoleScript({ url: tmp.url, clock, lines: ["/as M001", "/today", "/plan 明天", "/as M002", "/today"] });
    const ownTomorrow = stopLines(own.slice(own.indexOf("12月3日（周四） 拜访清单"), own.indexOf("已切换为 陈静")));
    expect(ownTomorrow.length).toBeGreaterThan(5);
    const before = await planRows(tmp.url);

    const out = await runConsoleScript({
      url: tmp.url,
      clock,
      lines: ["/as S001", "/team M001", "/plan", "/plan M001", "/plan M001 明天", "/plan m002 month", "/plan M001 周六", "/plan M009", "/plan S001"],
    });
    // /team M001 points to the plan.
    expect(out).toContain("TA 的计划：/plan M001（本周）、/plan M001 明天（某天的路线）、/plan M001 month（本月）");
    // Bare /plan: how to read the team's plans, naming the team.
    expect(out).toContain("您名下没有客户。查看团队成员的计划：/plan 员工编码，如 /plan M001（本周）");
    expect(out).toContain("团队：李明 M001、陈静 M002。");
    // The week, titled with whose plan it is, the hint with the code in it (not the manager's /skip).
    expect(out).toContain("👤 李明 M001 的计划（只读）\n🗓 12月2日（周三） – 12月6日（周日） 的拜访计划，共 40 家：");
    expect(out).toContain("发送 /plan M001 日期（如 /plan M001 明天）查看 TA 某天的路线");
    // Tomorrow's route: the same stops, numbers and order as the manager's own /plan 明天, no /skip hint.
    const day = out.slice(out.indexOf("12月3日（周四） 拜访清单"));
    expect(stopLines(day).slice(0, ownTomorrow.length)).toEqual(ownTomorrow);
    expect(day).toMatch(/^[^\n]*\n(?:[^\n]*\n)*?已完成 0\/20。\n/);
    expect(out).not.toContain("/skip 明天 序号");
    // Case of the code does not matter; the month ends with the shortfall line in the supervisor's terms.
    expect(out).toContain("👤 陈静 M002 的计划（只读）\n🗓 12月2日（周三） – 12月31日（周四） 的拜访计划");
    expect(out).toMatch(/✅ 12月2日（周三） – .+ 的计划覆盖了全部客户/);
    expect(out).toContain("12月5日（周六） 不是 李明 的拜访日。TA 的下一个拜访日是 12月7日（周一）。");
    expect(out).toContain("看不到 M009 的计划：只能查看自己和自己团队里客户经理的计划（/team 查看团队成员）。");
    // The supervisor's own code reads as a bare /plan: the hint again.
    expect(out.split("查看团队成员的计划：/plan 员工编码").length - 1).toBe(2);

    // A manager sees only their own plan.
    const mgr = await runConsoleScript({ url: tmp.url, clock, lines: ["/as M001", "/plan M002", "/plan M001"] });
    expect(mgr).toContain("看不到 M002 的计划：您只能查看自己的计划（/plan）。");
    expect(mgr).toContain("🗓 12月2日（周三） – 12月6日（周日） 的拜访计划，共 40 家：");
    expect(mgr).not.toContain("的计划（只读）");

    // Reading never writes: every planned visit is as it was, stop numbers included.
    expect(await planRows(tmp.url)).toBe(before);
  });
});
