import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Monday 23 Nov 2026, 10:00 and Tuesday 24 Nov 10:00 in Shanghai.
const MONDAY_10 = "2026-11-23T02:00:00Z";
const TUESDAY_10 = "2026-11-24T02:00:00Z";

describe("first-week details in the terminal", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("an over-long note is shown back whole and the manager asked to shorten it; nothing is saved half", async () => {
    tmp = tempDbUrl();
    const long = "店主反映" + "最近客流下降，".repeat(90);
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_10), lines: ["/today", "/log 1", "1", "2", "9", long, "客流下降，需关注", "1"] });
    expect(out).toContain(`内容有 ${[...long].length} 字，超过 500 字的上限，还没有保存。`);
    expect(out).toContain(long);
    expect(out).toContain("✅ 已记录：");
  });

  it("a complaint described only with emoji is asked again in words", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_10), lines: ["/today", "/complaint", "1", "1", "👍👍。。", "利群断货两周", "是", "9:30"] });
    expect(out).toContain("请用文字写下客户反映了什么");
    expect(out).toMatch(/📝 已登记投诉 #1/);
  });

  it("on a day that is not a visit day, a stop number says which day's list it comes from", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(TUESDAY_10), lines: ["/today", "3", "取消"] });
    expect(out).toContain("今天不是您的拜访日：第 3 站是 11月25日（周三） 清单上的一站，这次拜访记在今天。");
  });

  it("the admin's /help shows the admin's work, not a manager's or supervisor's buttons", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_10), lines: ["/as A001", "/help"] });
    const help = out.slice(out.lastIndexOf("/help"));
    expect(help).toContain("管理员的操作在命令行");
    expect(help).toContain("staff bind-code");
    expect(help).not.toContain("/ack");
    expect(help).not.toContain("/today");
  });
});
