import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb } from "../../../src/db/client.ts";
import { runConsoleScript, stopLines, tempDbUrl } from "../../helpers/console.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// Monday 23 Nov 2026, 08:00 in Shanghai.
const MONDAY_MORNING = "2026-11-23T00:00:00Z";

describe("terminal chat channel", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("seeds the demo company on the first start, says so, and /today lists the day's stops in route order", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["/today"] });
    expect(out).toContain("演示数据");
    expect(out).toContain("npx visitmate import");
    expect(out).toContain("当前身份：李明（M001，客户经理）");
    expect(out).toContain("11月23日（周一） 拜访清单");
    const stops = stopLines(out);
    expect(stops.length).toBeGreaterThanOrEqual(15);
    expect(stops.length).toBeLessThanOrEqual(20);
    stops.forEach((line, i) => expect(line.startsWith(`${i + 1}. `)).toBe(true));
    // name · class · address · distance · visit length [· appointment], then a navigation link
    for (const line of stops) {
      const parts = line.split(" · ");
      expect(parts.length).toBeGreaterThanOrEqual(5);
      expect(parts[1]).toMatch(/^(核心客户|潜力客户|常规客户|帮扶客户)$/);
      expect(parts[3]).toMatch(/^距(出发点|上一站) [\d.]+ (米|公里)$/);
      expect(parts[4]).toMatch(/^\d+–\d+ 分钟$/);
      // On the visit day itself a day-before appointment says whether it was made, not what to do the day before.
      if (parts[1] === "核心客户") expect(parts[5]).toMatch(/^(已预约|未预约，请先电话确认)$/);
      if (parts[1] === "潜力客户" || parts[1] === "帮扶客户") expect(parts[5]).toMatch(/^当天预约/);
      if (parts[1] === "常规客户") expect(parts[5] === undefined || parts[5].startsWith("🧭导航")).toBe(true);
    }
    // One line per stop; only the next stop carries its full map address in plain text.
    expect(stops[0]).toMatch(/🧭导航 https:\/\/uri\.amap\.com\/marker\?position=[\d.]+,[\d.]+&/);
    expect(stops.slice(1).every((l) => !l.includes("https://") && !l.includes("🧭"))).toBe(true);
    expect(out).toMatch(/全程约 [\d.]+ 公里，预计 .+（路上 .+，拜访 .+）/);
  });

  it("seeds once and only once across restarts", async () => {
    tmp = tempDbUrl();
    const first = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: [] });
    const db = await openDb(tmp.url);
    const counts = async () => [await db.staff.count(), await db.customer.count(), await db.visit.count()];
    const before = await counts();
    expect(before[0]).toBe(4);
    expect(before[1]).toBeGreaterThan(550);
    expect(before[2]).toBeGreaterThan(1000);
    await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: [] });
    expect(await counts()).toEqual(before);
    await db.$disconnect();
    expect(first).toContain("演示数据");
  });

  it("switching the policy preset recomputes stored classes on the next start", async () => {
    tmp = tempDbUrl();
    await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: [] });
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["/whoami"], env: { VISITMATE_POLICY_PRESET: "key-account" } });
    expect(out).toContain("服务标准：key-account");
    const db = await openDb(tmp.url);
    const classes = await db.customer.groupBy({ by: ["serviceClass"], _count: true });
    expect(classes.map((c) => c.serviceClass).sort()).toEqual(["A", "B", "C"]);
    await db.$disconnect();
  });

  it("on a day without visits says so and shows the next visit day's list", async () => {
    tmp = tempDbUrl();
    // Tuesday 24 Nov → next visit day is Wednesday 25 Nov.
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock("2026-11-24T01:00:00Z"), lines: ["/today"] });
    expect(out).toContain("今天 11月24日（周二） 不是您的拜访日");
    expect(out).toContain("下一个拜访日 11月25日（周三） 的清单");
    expect(stopLines(out).length).toBeGreaterThanOrEqual(15);
  });

  it("/as switches identity, /whoami reports it, /lang switches to English, unknown commands are explained", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(MONDAY_MORNING),
      lines: ["/as M002", "/whoami", "/as NOPE", "/lang en", "/today", "/frobnicate", "/as S001", "/today"],
    });
    expect(out).toContain("已切换为 陈静（M002，客户经理）");
    expect(out).toContain("👤 陈静（M002）· 客户经理");
    expect(out).toContain("上级：王建国（S001）");
    expect(out).toContain("找不到员工编码“NOPE”");
    expect(out).toContain("Language set to English.");
    expect(out).toContain("Visit list for Mon 23 Nov");
    expect(out).toContain("There is no command “/frobnicate”");
    expect(out).toContain("已切换为 王建国（S001，主管）");
    // A supervisor has no list of their own: /today shows the team's day, saying so.
    const supervisor = out.split("已切换为 王建国（S001，主管）")[1]!;
    expect(supervisor).toContain("您名下没有客户，这是团队今天的进度");
    expect(supervisor).toMatch(/👥 团队今天[\s\S]*李明 M001[\s\S]*陈静 M002/);
  });

  it("/quit (or 退出) ends the terminal chat like Ctrl+D: nothing after it is handled", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["/whoami", "/quit", "/as S001"] });
    expect(out).toContain("/quit 或 Ctrl+D 退出");
    expect(out).toContain("👤 李明（M001）");
    expect(out).not.toContain("没有“/quit”这个命令");
    expect(out).not.toContain("已切换为");
    const zh = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["退出", "/whoami"] });
    expect(zh).not.toContain("👤 李明（M001）");
  });

  it("/help lists what the person can use: field commands for a manager, team actions for a supervisor", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["/help", "/as S001", "/help"] });
    const [manager, supervisor] = out.split("已切换为 王建国") as [string, string];
    expect(manager).toContain("/log — ");
    expect(manager).toContain("/complaints — ");
    expect(manager).not.toContain("/ack — ");
    expect(supervisor).toContain("/ack — ");
    expect(supervisor).toContain("/complaints — ");
    expect(supervisor).not.toContain("/log — ");
    expect(supervisor).not.toContain("/today — ");
  });

  it("leg distances add up to the day total shown in the header", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_MORNING), lines: ["/today"] });
    const total = Number(/全程约 ([\d.]+) 公里/.exec(out)![1]);
    const legs = stopLines(out).map((l) => {
      const m = /([\d.]+) (米|公里)$/.exec(l.split(" · ")[3]!)!;
      return m[2] === "公里" ? Number(m[1]) : Number(m[1]) / 1000;
    });
    expect(Math.abs(legs.reduce((a, b) => a + b, 0) - total)).toBeLessThan(0.1 * legs.length);
  });

  it("`npm start`'s entry point runs on a fresh database with no configuration", () => {
    tmp = tempDbUrl();
    const result = spawnSync(process.execPath, [path.join(repoRoot, "bin/visitmate.js"), "start"], {
      cwd: tmp.dir,
      input: "/help\n/today\n",
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("VisitMate 拜访助手");
    expect(result.stdout).toContain("/today — 今天的拜访清单");
    expect(stopLines(result.stdout).length).toBeGreaterThanOrEqual(15);
  });

  it("reads settings from ./.env: the company language applies to everyone who has not chosen one", () => {
    tmp = tempDbUrl();
    writeFileSync(path.join(tmp.dir, ".env"), "VISITMATE_LOCALE=en\nVISITMATE_CONSOLE_STAFF=M002\n");
    const result = spawnSync(process.execPath, [path.join(repoRoot, "bin/visitmate.js"), "start"], {
      cwd: tmp.dir,
      input: "/whoami\n",
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", VISITMATE_SCHEDULER: "off" },
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("VisitMate · terminal chat");
    expect(result.stdout).toContain("👤 陈静 (M002) · customer manager");
  });

  it("/plan shows the week, the month and a day's route; /skip moves a stop; /off re-plans around a day off", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(MONDAY_MORNING),
      lines: ["/plan", "/today", "/plan", "/plan month", "/plan 明天", "/plan 周三", "/plan 11-20", "/plan 2027-06-01", "/skip 2 店主不在", "/skip 2", "/skip 99", "/today", "/off 11-26 培训", "/plan", "/plan 11-26", "/off 昨天", "/off 11-24", "/off 12-02到12-03", "/off 2027-06-01"],
    });
    // Looking before any plan exists says how to get one (and makes none).
    expect(out).toContain("还没有生成拜访计划。发送 /today 会生成计划并给出今天的清单。");
    expect(out).toMatch(/🗓 11月23日（周一） – 11月29日（周日） 的拜访计划，共 \d+ 家：/);
    expect(out).toMatch(/11月25日（周三）：\d+ 家（.*核心客户 \d+/);
    expect(out).toMatch(/✅ 11月23日（周一） – 1月22日（周五） 的计划覆盖了全部客户|⚠️ 拜访能力不足/);
    expect(out).toContain("11月24日（周二） 不是您的拜访日。下一个拜访日是 11月25日（周三）。");
    expect(out).toMatch(/📋 11月25日（周三） 拜访清单：\d+ 家，按路线排序。全程约 [\d.]+ 公里/);
    expect(out).toContain("11月20日（周五） 已经过去了。");
    expect(out).toContain("计划目前排到 2027年1月22日（周五），2027年6月1日（周二） 还没有计划。");
    const moved = /已将第 2 站 (.+) 改到 (\d+月\d+日（周.）)：[^。]+。其他站的编号不变。/.exec(out);
    expect(moved).not.toBeNull();
    expect(out).toContain(`第 2 站 ${moved![1]} 已经改到 ${moved![2]} 了。`);
    expect(out).toContain("11月23日（周一） 的清单里没有第 99 站");
    // The list after the skip: stop 2 keeps its number and shows where it went.
    expect(out).toContain(`2. ↪️ ${moved![1]} · 已改到 ${moved![2]}`);
    expect(out).toMatch(/已登记请假：11月26日（周四）。\n原定的 \d+ 次拜访已重新安排到其他拜访日|已登记请假：11月26日（周四）。\n⚠️/);
    expect(out).toContain("11月26日（周四）：请假");
    expect(out).toContain("11月26日（周四） 不是您的拜访日");
    expect(out).toContain("11月22日（周日） 已经开始或过去了");
    expect(out).toContain("11月24日（周二） 不是您的拜访日，不用请假。");
    expect(out).toMatch(/已登记请假：12月2日（周三）、12月3日（周四）。/);
    expect(out).toContain("计划目前排到 2027年1月22日（周五），2027年6月1日（周二） 还在计划之外");
  });
});
