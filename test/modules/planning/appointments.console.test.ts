import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, tempDbUrl, withDb } from "../../helpers/console.ts";

// Tuesday 1 Dec 2026, 17:00 in Shanghai: the afternoon before the visit day of Wednesday 2nd.
const TUESDAY_1700 = "2026-12-01T09:00:00Z";
// Tuesday 8 Dec, 17:00: the demo plan puts several core shops (booked the day before) on
// Wednesday 9th (which customers fall on which day is the planner's choice; this test needs two).
const TUESDAY_8TH_1700 = "2026-12-08T09:00:00Z";

describe("appointments: 约好了 keeps a visit through re-plans, 约不上 moves it", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("a booked visit survives /off and /skip; a refused one moves and says where", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(TUESDAY_8TH_1700);
    // /today makes the plan; /book lists Wednesday's core shops to call, two buttons each.
    const listing = await runConsoleScript({ url: tmp.url, clock, lines: ["/today", "/book"] });
    expect(listing).toMatch(/📞 12月9日（周三）：\d+ 家待预约/);
    const options = [...listing.matchAll(/^\s*(\d+)\) (✅ 约好了|❌ 约不上) · 第(\d+)站 (.+)$/gm)].map((m) => ({ option: Number(m[1]), yes: m[2]!.startsWith("✅"), n: Number(m[3]), name: m[4]! }));
    expect(options.length).toBeGreaterThanOrEqual(4);
    const [bookA, , , refuseB] = options;
    expect(bookA!.yes).toBe(true);
    expect(refuseB!.yes).toBe(false);
    expect(refuseB!.name).not.toBe(bookA!.name);

    // Book the first shop; the second can't be booked. Then re-plan twice: leave on Thursday and
    // a skipped stop of Wednesday that is neither of them.
    const out = await runConsoleScript({ url: tmp.url, clock, lines: ["/book", String(bookA!.option), "/book", "2"] });
    expect(out).toContain(`✅ 已约好：${bookA!.name}，12月9日（周三）。重排计划时不会移动这次拜访。`);
    const refused = new RegExp(`↪️ ${refuseB!.name} 约不上，已从 12月9日（周三） 改到 (\\d+月\\d+日（周.）)。`).exec(out);
    expect(refused).not.toBeNull();

    const manager = await withDb(tmp.url, (db) => db.staff.findUniqueOrThrow({ where: { code: "M001" } }));
    const off = await runConsoleScript({ url: tmp.url, clock, lines: ["/off 12-10 培训", "/plan 12-09"] });
    expect(off).toContain("已登记请假：12月10日（周四）。");
    // Another stop of Wednesday's list, by the number the manager reads there.
    const stop = [...off.matchAll(/^(\d+)\. (\S+) · /gm)].find((m) => m[2] !== bookA!.name)!;
    const otherNo = Number(stop[1]);
    expect(stop[2]).not.toBe(bookA!.name);

    const replans = await runConsoleScript({ url: tmp.url, clock, lines: [`/skip ${otherNo} 店主不在`, "/plan 12-09", "/book"] });
    expect(replans).toMatch(new RegExp(`已将第 ${otherNo} 站 ${stop[2]} 改到`));
    // Wednesday's list shows the booked shop as booked, and /book no longer asks for it.
    expect(replans).toMatch(new RegExp(`\\d+\\. ${bookA!.name} · 核心客户 .*需提前一天预约（已约）`));
    expect(replans.slice(replans.lastIndexOf("/book"))).not.toContain(`约好了 · 第${bookA!.n}站 ${bookA!.name}`);

    await withDb(tmp.url, async (db) => {
      const kept = await db.plannedVisit.findFirstOrThrow({ where: { managerId: manager.id, date: "2026-12-09", customer: { name: bookA!.name } } });
      expect(kept).toMatchObject({ status: "planned", booked: true });
      const moved = await db.plannedVisit.findFirstOrThrow({ where: { managerId: manager.id, date: "2026-12-09", customer: { name: refuseB!.name } } });
      expect(moved.status).toBe("skipped");
    });
  });

  it("/book says nothing is arranged before there is a plan; a supervisor without customers has none to book and none to /skip", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(TUESDAY_1700);
    const out = await runConsoleScript({ url: tmp.url, clock, lines: ["/book", "/as S001", "/book", "/skip 99"] });
    // Before the first /today: no plan, so no "all booked".
    expect(out).toContain("还没有生成拜访计划。发送 /today 会生成计划并给出今天的清单。");
    expect(out).toContain("您名下没有客户，没有需要预约的拜访。");
    expect(out).not.toContain("都已约好");
    expect(out).toContain("您名下没有客户，没有可以改期的拜访。");
    expect(out).not.toContain("没有第 99 站");
    // Reading made no plan.
    expect(await withDb(tmp.url, (db) => db.planRun.count())).toBe(0);
  });
});
