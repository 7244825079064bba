import ExcelJS from "exceljs";
import { PNG } from "pngjs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeChartRenderer } from "../../../src/modules/reports/chart.ts";
import { createAppRouter } from "../../../src/app.ts";
import { teamColumns, toCsv, toJson } from "../../../src/modules/reports/reports.export.ts";
import {
  managerReport,
  newlyOverdue,
  periodOf,
  teamDay,
  teamExportRows,
  teamPeriod,
  visitExportRows,
  weeklyMinimumRisks,
} from "../../../src/modules/reports/reports.service.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { at, createScenario, type Scenario } from "./scenario.ts";

describe("the reporting service on a known two weeks", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("/team today: each manager's day, most in need of attention first", async () => {
    s = await createScenario();
    const day = await teamDay({ deps: s.deps, viewer: s.staff.S1 });
    expect(day).toMatchObject({ date: "2026-12-02", dayOver: true });
    expect(day.rows.map((r) => r.manager.code)).toEqual(["M001", "M002"]);
    const [m1, m2] = day.rows;
    expect(m1).toMatchObject({ visitDay: true, onLeave: false, planned: 3, done: 1, moved: 1, remaining: 2, unlogged: 2, visits: 2, calls: 1, openComplaints: 1, breachedComplaints: 1, bound: true });
    expect(m1!.flags).toEqual(["breached", "unlogged", "below-minimum"]);
    expect(m2).toMatchObject({ onLeave: true, planned: 0, visits: 0, bound: false, unlogged: 0 });
    expect(m2!.flags).toEqual(["unbound"]);
  });

  it("before the day is over nothing is 'unlogged' yet", async () => {
    s = await createScenario(at("2026-12-02", "12:00"));
    const day = await teamDay({ deps: s.deps, viewer: s.staff.S1 });
    expect(day.dayOver).toBe(false);
    // The 10:00 complaint is open with six hours left; past 75 % of its time only after 16:00.
    const m1 = day.rows.find((r) => r.manager.code === "M001")!;
    expect(m1).toMatchObject({ unlogged: 0, breachedComplaints: 0, openComplaints: 1, nextDeadline: at("2026-12-02", "18:00") });
    expect(m1.flags).toEqual([]);
    // Nothing wrong with M1 yet: M2, who cannot be reached, comes first.
    expect(day.rows.map((r) => r.manager.code)).toEqual(["M002", "M001"]);
  });

  it("today is judged against the daily minimum only once it is over", async () => {
    s = await createScenario(at("2026-12-02", "12:00"));
    const p = await teamPeriod({ deps: s.deps, viewer: s.staff.S1, kind: "week", ...periodOf("week", "2026-12-02") });
    const m1 = p.rows.find((r) => r.manager.code === "M001")!;
    // Monday's three field visits meet the minimum of 3; Wednesday's one at noon is not "a day under 3" yet.
    expect(m1.figures).toMatchObject({ fieldVisits: 4, visitDays: 2, daysBelowMinimum: 0, openDays: 1, openDayVisits: 1 });
    const router = createAppRouter(s.deps);
    const [view] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team week" });
    expect(view!.text).toContain("4 户（3 户/天，今天进行中不计） ✅");
    expect(view!.text).not.toContain("天低于 3 户");
    // The team's average leaves today out too: Monday's 3 visits on 1 day.
    expect(view!.text).toContain("平均 3 户/天");
    // M3 went out on Monday, not yet today: Wednesday is not a required visit day missed (yet).
    const all = await teamPeriod({ deps: s.deps, viewer: s.staff.R1, kind: "week", ...periodOf("week", "2026-12-02") });
    expect(all.rows.find((r) => r.manager.code === "M003")!.figures).toMatchObject({ visitDays: 1, visitDaysRequired: 1, weeksMet: 1 });
    // The same week read in the evening: Wednesday is over and under the minimum.
    s.clock.set(at("2026-12-02", "20:00"));
    const evening = await teamPeriod({ deps: s.deps, viewer: s.staff.S1, kind: "week", ...periodOf("week", "2026-12-02") });
    expect(evening.rows.find((r) => r.manager.code === "M001")!.figures).toMatchObject({ daysBelowMinimum: 1, openDays: 0, openDayVisits: 0 });
    const allEvening = await teamPeriod({ deps: s.deps, viewer: s.staff.R1, kind: "week", ...periodOf("week", "2026-12-02") });
    expect(allEvening.rows.find((r) => r.manager.code === "M003")!.figures).toMatchObject({ visitDays: 1, visitDaysRequired: 2, weeksMet: 0 });
  });

  it("/team week: the week against the standard's minimums", async () => {
    s = await createScenario();
    const p = await teamPeriod({ deps: s.deps, viewer: s.staff.S1, kind: "week", ...periodOf("week", "2026-12-02") });
    expect(p).toMatchObject({ from: "2026-11-30", to: "2026-12-06", through: "2026-12-02" });
    const m1 = p.rows.find((r) => r.manager.code === "M001")!;
    expect(m1.figures).toMatchObject({
      visits: 5,
      fieldVisits: 4,
      visitDays: 2,
      visitsPerVisitDay: 2,
      daysBelowMinimum: 1,
      weeks: 1,
      weeksMet: 1,
      visitDaysRequired: 2,
      phoneContacts: 1,
      skipped: 1,
      complaints: 1,
      complaintsOnTime: 0,
      complaintsBreached: 1,
      complaintsOnTimePct: 0,
    });
    const m2 = p.rows.find((r) => r.manager.code === "M002")!;
    // Leave on Wednesday: only Monday was a possible visit day so far, and M2 did not go out.
    expect(m2.figures).toMatchObject({ visits: 0, visitDays: 0, visitDaysRequired: 1, weeksMet: 0, leaveDays: 1 });
    expect(p.totals).toMatchObject({ managers: 2, fieldVisits: 4, visitDays: 2, overdue: 3, never: 2 });
  });

  it("coverage of the cycle, overdue by class and never-visited customers", async () => {
    s = await createScenario();
    const r = (await managerReport({ deps: s.deps, viewer: s.staff.S1, code: "M001" }))!;
    expect(r.coverage).toMatchObject({ asOf: "2026-12-02", eligible: 8, covered: 6, coveragePct: 75, overdue: 2, never: 1 });
    expect(r.coverage.byClass.find((b) => b.classId === "core")).toEqual({ classId: "core", customers: 4, covered: 2, overdue: 2, never: 1, maxDaysOverdue: 78 });
    expect(r.coverage.worst.map((w) => [w.code, w.daysOverdue, w.last])).toEqual([
      ["C7", 78, null],
      ["C8", 8, "2026-11-10"],
    ]);
    expect(r.stops.map((x) => [x.n, x.name, x.status, x.loggedAt, x.durationMin])).toEqual([
      [1, "C6店", "done", "09:30", 15],
      [2, "C2店", "planned", null, null],
      [3, "C3店", "planned", null, null],
      [4, "C4店", "skipped", null, null],
    ]);
    expect(r.month).toMatchObject({ from: "2026-12-01", to: "2026-12-02", fieldVisits: 1, visitDays: 1, avgMinutes: 15 });
    expect(r.month.byClassMinutes).toEqual([{ classId: "potential", avg: 15, visits: 1, min: 15, max: 20 }]);
    expect(r.supervisor?.code).toBe("S001");
  });

  it("the two weeks as the JSON and CSV exports", async () => {
    s = await createScenario();
    const { rows } = await teamExportRows({ deps: s.deps, viewer: s.staff.S1, from: "2026-11-23", to: "2026-12-06" });
    const cols = teamColumns(translator("zh-CN"));
    const json = JSON.parse(toJson(cols, rows));
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({
      manager: "M001",
      name: "王芳",
      supervisor: "S001",
      visits: 13,
      fieldVisits: 12,
      visitDays: 5,
      visitDaysRequired: 5,
      weeksMet: "2/2",
      visitsPerVisitDay: 2.4,
      daysBelowMinimum: 2,
      coveragePct: 75,
      overdue: 2,
      neverVisited: 1,
      phoneContacts: 1,
      skipped: 1,
      complaints: 2,
      complaintsOnTimePct: 50,
      complaintsBreached: 1,
      // 199 minutes over 12 field visits.
      avgVisitMinutes: 17,
    });
    expect(json[1]).toMatchObject({ manager: "M002", visits: 1, visitDays: 1, visitDaysRequired: 4, weeksMet: "0/2", coveragePct: 50, overdue: 1, leaveDays: 1 });
    const csv = toCsv(cols, rows);
    expect(csv.startsWith("\uFEFFmanager,name,supervisor,visits,")).toBe(true);
    expect(csv.split("\r\n")[1]).toMatch(/^M001,王芳,S001,13,12,5,5,2\/2,2.4,2,/);
  });

  it("CSV cells that a spreadsheet would run as a formula are neutralised", async () => {
    s = await createScenario();
    await s.t.db.staff.update({ where: { code: "M001" }, data: { name: "=HYPERLINK(\"http://x\")" } });
    const { rows } = await teamExportRows({ deps: s.deps, viewer: s.staff.S1, from: "2026-11-23", to: "2026-12-06" });
    const csv = toCsv(teamColumns(translator("en")), rows);
    expect(csv).toContain(`M001,"'=HYPERLINK(""http://x"")"`);
    for (const bad of ["+1", "-2", "@SUM(A1)"]) expect(toCsv([{ key: "name", label: "n" }], [{ name: bad }])).toContain(`'${bad}`);
    // Numbers stay numbers.
    expect(toCsv([{ key: "n", label: "n" }], [{ n: -3 }])).toContain("\r\n-3\r\n");
  });

  it("the visit log export: one row per visit and call, in time order", async () => {
    s = await createScenario();
    const rows = (await visitExportRows({ deps: s.deps, viewer: s.staff.S1, code: "M001", from: "2026-11-30", to: "2026-12-06" }))!;
    expect(rows.map((r) => [r.date, r.time, r.customer, r.mode, r.kind, r.durationMin])).toEqual([
      ["2026-11-30", "09:00", "C1", "field", "visit", 17],
      ["2026-11-30", "10:00", "C2", "field", "visit", 19],
      ["2026-11-30", "11:00", "C5", "field", "visit", 22],
      ["2026-12-02", "09:30", "C6", "field", "visit", 15],
      ["2026-12-02", "14:00", "C4", "online", "visit", 10],
      ["2026-12-02", "15:00", "C3", "phone", "call", null],
    ]);
  });

  it("alerts: who can no longer reach the weekly minimum, and who just went overdue", async () => {
    s = await createScenario();
    const team = [s.staff.M1, s.staff.M2];
    const risks = await weeklyMinimumRisks({ deps: s.deps, managers: team, date: "2026-12-02" });
    expect(risks.map((r) => [r.manager.code, r.visitDays, r.left, r.minimum])).toEqual([["M002", 0, 1, 2]]);
    // C8 (core, every two weeks) was due on 24 Nov: overdue from the 25th, reported once.
    const first = await newlyOverdue({ deps: s.deps, managers: team, since: "2026-11-24", date: "2026-11-25" });
    expect(first.map((a) => [a.manager.code, a.customers.map((c) => c.code)])).toEqual([["M001", ["C8"]]]);
    expect(await newlyOverdue({ deps: s.deps, managers: team, since: "2026-11-25", date: "2026-11-26" })).toEqual([]);
    // A job catching up several days lists the longest overdue first (then by code), not in storage
    // order: never-visited core customers created on 10, 1 and 5 Nov are due two weeks later.
    const c8 = await s.deps.db.customer.findFirstOrThrow({ where: { code: "C8" } });
    for (const [code, day] of [["X1", "2026-11-10"], ["X3", "2026-11-01"], ["X2", "2026-11-05"]] as const) {
      await s.deps.db.customer.create({
        data: { code, name: `${code}店`, lat: 29.81, lng: 119.69, managerId: s.staff.M1.id, serviceClass: c8.serviceClass, classOverride: c8.serviceClass, createdAt: new Date(`${day}T01:00:00Z`) },
      });
    }
    const wide = await newlyOverdue({ deps: s.deps, managers: team, since: "2026-10-01", date: "2026-12-02" });
    expect(wide.map((a) => [a.manager.code, a.customers.map((c) => [c.code, c.daysOverdue])])).toEqual([
      ["M001", [["X3", 17], ["X2", 13], ["C8", 8], ["X1", 8]]],
    ]);
  });

  it("reading a report writes nothing", async () => {
    s = await createScenario();
    const snapshot = async () => JSON.stringify(await Promise.all([s.t.db.plannedVisit.findMany(), s.t.db.visit.findMany(), s.t.db.outbox.findMany(), s.t.db.workSummary.findMany()]));
    const before = await snapshot();
    await teamDay({ deps: s.deps, viewer: s.staff.S1 });
    await managerReport({ deps: s.deps, viewer: s.staff.S1, code: "M001" });
    await teamPeriod({ deps: s.deps, viewer: s.staff.R1, kind: "month", ...periodOf("month", "2026-12-02") });
    await teamExportRows({ deps: s.deps, viewer: null, from: "2026-11-01", to: "2026-12-31" });
    expect(await snapshot()).toBe(before);
  });
});

describe("the lubricant standard (key-account)", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("A/B weekly phone coverage, customers per outing, daily phone minimum and credit follow-ups", async () => {
    s = await createScenario(at("2026-12-02", "20:00"), "key-account");
    const p = await teamPeriod({ deps: s.deps, viewer: s.staff.S1, kind: "week", ...periodOf("week", "2026-12-02") });
    const m1 = p.rows.find((r) => r.manager.code === "M001")!;
    // A: C1 C2 C7 C8, B: C5 C6 — visited since Monday: C1 C2 C5 C6, but none phoned: under the
    // lubricant rules a visit is not the week's call (policy.counting.phoneContact).
    expect(m1.coverage.phone).toEqual({ due: 6, done: 0, pct: 0 });
    // Monthly A and two-monthly B are visit classes; C (reduced management) is not counted.
    // C8 (last 10 Nov) is due only on 10 Dec under a monthly cycle; C7 was never visited.
    expect(m1.coverage).toMatchObject({ eligible: 6, covered: 5, overdue: 1, never: 1 });
    // At least 2 customers an outing: Wednesday had one. Five calls a day: never met (Mon–Wed).
    expect(m1.figures).toMatchObject({ outingsBelowMinimum: 1, phoneDays: 3, phoneDaysMet: 0 });
    const m2 = p.rows.find((r) => r.manager.code === "M002")!;
    expect(m2.coverage.credit).toEqual({ customers: 1, required: 2, done: 0, met: 0 });
    // At noon Wednesday's five calls may still come: Monday and Tuesday are the days judged so far.
    s.clock.set(at("2026-12-02", "12:00"));
    const noon = await teamPeriod({ deps: s.deps, viewer: s.staff.S1, kind: "week", ...periodOf("week", "2026-12-02") });
    expect(noon.rows.find((r) => r.manager.code === "M001")!.figures).toMatchObject({ phoneDays: 2, phoneDaysMet: 0, outingsBelowMinimum: 0 });
    s.clock.set(at("2026-12-02", "20:00"));
    const router = createAppRouter(s.deps);
    const [view] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team week" });
    expect(view!.text).toContain("标准：每周拜访 ≥3 天 · 每个拜访日 ≥3 户 · 每次外出 ≥2 户 · 每天电话 ≥5 个 · 投诉 8 小时内办结");
    expect(view!.text).toContain("1 次外出少于 2 户");
    // 电话(或网上)沟通: the online visit to C4 is a contact too, beside the call to C3.
    expect(view!.text).toContain("电话 2（达标 0/3 天） ⚠️");
    expect(view!.text).toContain("A/B 本周电话 0/6");
  });
});

describe("charts and Excel in chat", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());
  afterAll(() => closeChartRenderer());

  it("/team week carries its chart as a PNG; /me week the manager's own", async () => {
    s = await createScenario();
    const router = createAppRouter(s.deps);
    const [week] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team week" });
    expect(week!.text).toMatch(/^📊 团队本周 · 11月30日（周一）–12月6日（周日）（截至 12月2日（周三））\n标准：每周拜访 ≥3 天 · 每个拜访日 ≥3 户 · 投诉 8 小时内办结/);
    expect(week!.attachments).toHaveLength(1);
    const a = week!.attachments![0]!;
    expect(a).toMatchObject({ kind: "image", mime: "image/png", name: "团队周报-2026-11-30.png" });
    const png = PNG.sync.read(Buffer.from(a.base64, "base64"));
    expect([png.width, png.height]).toEqual([960, 540]);
    const [me] = await router.handle({ platform: "telegram", chatId: "tg-m1", userId: "tg-m1", text: "/me 本周" });
    expect(me!.text).toMatch(/^📊 我的本周 · /);
    expect(me!.text).not.toContain("合计");
    expect(me!.attachments![0]!.name).toBe("我的周报-2026-11-30.png");
  });

  it("/team export sends a workbook with the team sheet and the visit log", async () => {
    s = await createScenario();
    const router = createAppRouter(s.deps);
    const [out] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team export 上周" });
    expect(out!.text).toBe("📎 团队报表 2026-11-23 至 2026-11-29（2 人）：第一页是每人的数据，第二页是拜访明细。");
    const file = out!.attachments![0]!;
    expect(file).toMatchObject({ kind: "file", name: "团队报表-2026-11-23-2026-11-29.xlsx" });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(file.base64, "base64") as unknown as ExcelJS.Buffer);
    const [team, visits] = wb.worksheets;
    expect(team!.name).toBe("团队");
    expect(team!.getRow(1).getCell(1).value).toBe("员工编码");
    expect([team!.getRow(2).getCell(1).value, team!.getRow(2).getCell(6).value]).toEqual(["M001", 3]);
    expect(visits!.rowCount).toBe(1 + 8 + 1);
  });
});

describe("who sees what", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("a supervisor sees their team and the teams below; an admin everyone; a manager only themself", async () => {
    s = await createScenario();
    const codes = async (viewer: keyof Scenario["staff"]) => (await teamDay({ deps: s.deps, viewer: s.staff[viewer] })).rows.map((r) => r.manager.code).sort();
    expect(await codes("S1")).toEqual(["M001", "M002"]);
    expect(await codes("S2")).toEqual(["M003"]);
    expect(await codes("R1")).toEqual(["M001", "M002", "M003"]);
    expect(await codes("A1")).toEqual(["M001", "M002", "M003"]);
    expect(await codes("M1")).toEqual(["M001"]);
    const sees = async (viewer: keyof Scenario["staff"], code: string) => (await managerReport({ deps: s.deps, viewer: s.staff[viewer], code })) !== null;
    expect(await sees("S1", "M003")).toBe(false);
    expect(await sees("S2", "M001")).toBe(false);
    expect(await sees("M1", "M002")).toBe(false);
    expect(await sees("M1", "M001")).toBe(true);
    expect(await sees("R1", "M003")).toBe(true);
    // Another team's figures are absent from every export too.
    const rows = (await teamExportRows({ deps: s.deps, viewer: s.staff.S2, from: "2026-11-23", to: "2026-12-06" })).rows;
    expect(rows.map((r) => r.manager)).toEqual(["M003"]);
    expect(await visitExportRows({ deps: s.deps, viewer: s.staff.S2, code: "M001", from: "2026-11-23", to: "2026-12-06" })).toBeNull();
  });

  it("in chat: /team for a supervisor, a refusal for a manager, and another team reads like no such code", async () => {
    s = await createScenario();
    const router = createAppRouter(s.deps);
    const say = async (user: string, text: string) => (await router.handle({ platform: "telegram", chatId: user, userId: user, text })).map((r) => r.text).join("\n");
    const team = await say("tg-s1", "/team");
    expect(team).toMatch(/👥 团队今天 · 12月2日（周三） · 2 人/);
    expect(team).toMatch(/🔴 王芳 M001：拜访 1\/3 · 计划外 1 户 · 改期 1 · 未记录 2 站 · 电话 1 · ⚠️ 投诉超时 1 起 · 低于每日 3 户/);
    expect(team).toMatch(/🔴 李强 M002：休假 · 📵 未绑定聊天/);
    expect(team.indexOf("王芳")).toBeLessThan(team.indexOf("李强"));
    const replies = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "团队" });
    expect(replies[0]!.choices?.map((c) => c.value)).toEqual(["/team M001", "/team M002"]);
    expect(await say("tg-s1", "/team M003")).toContain("没有找到您团队里编码为 M003 的客户经理");
    expect(await say("tg-s1", "/team M404")).toContain("没有找到您团队里编码为 M404 的客户经理");
    expect(await say("tg-m1", "/team")).toContain("您名下没有团队成员");
    const one = await say("tg-s1", "/team m001");
    expect(one).toMatch(/👤 王芳 M001 · 主管 陈主管/);
    expect(one).toMatch(/拜访周期覆盖：覆盖 75%（6\/8） · 超期 2 户 · 从未拜访 1 户/);
    expect(one).toMatch(/超期：核心客户 2 户（最长 78 天）/);
    expect(one).toMatch(/1\. ✅ C6店（潜力客户） 09:30 · 15 分钟/);
    expect(one).toMatch(/投诉（本月）：投诉 1 起 · 按时 0% · 超时 1 · 未结 1/);
    const me = await say("tg-m1", "/me");
    expect(me).toMatch(/👤 王芳 M001/);
    // A supervisor without customers of their own: /me is the team's day, /me 本周 the team's week, saying so.
    const supMe = await say("tg-s1", "/me");
    expect(supMe).toMatch(/^您名下没有客户，没有个人的拜访数据；这是团队的数据（同 \/team）：\n\n👥 团队今天 · 12月2日（周三） · 2 人/);
    const supWeek = await say("tg-s1", "/me 本周");
    expect(supWeek).toMatch(/^您名下没有客户，没有个人的拜访数据；这是团队的数据（同 \/team 本周）：\n\n📊 团队本周/);
    expect(supWeek).toMatch(/王芳 M001：拜访/);
  });
});
