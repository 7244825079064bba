import { PNG } from "pngjs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeChartRenderer } from "../../../src/modules/reports/chart.ts";
import { createAppRouter } from "../../../src/app.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import { supervisorJobs } from "../../../src/jobs/supervisor-reports.job.ts";
import { weeklySummaryJob } from "../../../src/jobs/weekly-summary.job.ts";
import type { Reply } from "../../../src/core/chat.ts";
import { at, createScenario, type Scenario } from "./scenario.ts";

async function outbox(s: Scenario) {
  const rows = await s.t.db.outbox.findMany({ orderBy: { id: "asc" } });
  const staff = await s.t.db.staff.findMany();
  return rows.map((r) => ({ kind: r.kind, to: staff.find((x) => x.id === r.staffId)?.code, reply: JSON.parse(r.payload) as Reply }));
}

describe("what supervisors are sent", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("the evening digest and the minimum alert are queued once each, across a restart, only to reachable supervisors", async () => {
    s = await createScenario(at("2026-12-02", "19:05"));
    const run = () => new Scheduler({ deps: s.deps, jobs: supervisorJobs, instanceId: `i-${Math.random()}` }).runDue();
    await run();
    const first = await outbox(s);
    // S2 has no chat: nothing is queued for them (and nothing claims it was).
    expect(first.map((r) => `${r.kind}→${r.to}`).sort()).toEqual(["supervisor-digest→R001", "supervisor-digest→S001", "weekly-minimum-alert→R001", "weekly-minimum-alert→S001"]);
    const digest = first.find((r) => r.kind === "supervisor-digest" && r.to === "S001")!.reply;
    expect(digest.text).toMatch(/^🌙 今日团队小结 · 12月2日（周三） · 2 人\n需要您处理的：2 人（见下方 🔴）\n有 1 起升级给您的投诉还没确认：\/complaints\n/);
    expect(digest.text).toContain("🔴 王芳 M001：拜访 1/3");
    expect(digest.choices?.map((c) => c.value)).toEqual(["/team M001", "/team M002"]);
    const alert = first.find((r) => r.kind === "weekly-minimum-alert" && r.to === "S001")!.reply;
    expect(alert.text).toContain("· 李强 M002：已拜访 0 天，本周还剩 1 个拜访日（标准 2 天）");
    // A restart (a new scheduler on the same database) and a second run add nothing.
    await run();
    await run();
    expect(await outbox(s)).toHaveLength(4);
  });

  afterAll(() => closeChartRenderer());

  it("the Friday report carries the week's chart, once per supervisor across a restart", async () => {
    s = await createScenario(at("2026-12-04", "17:35"));
    const jobs = supervisorJobs.filter((j) => j.id === "weekly-report");
    await new Scheduler({ deps: s.deps, jobs, instanceId: "a" }).runDue();
    await new Scheduler({ deps: s.deps, jobs, instanceId: "b" }).runDue();
    const rows = await outbox(s);
    expect(rows.map((r) => `${r.kind}→${r.to}`).sort()).toEqual(["weekly-report→R001", "weekly-report→S001"]);
    const keys = (await s.t.db.outbox.findMany()).map((r) => r.key).sort();
    expect(keys).toEqual([`weekly-report:staff:${s.staff.R1.id}:2026-11-30`, `weekly-report:staff:${s.staff.S1.id}:2026-11-30`]);
    const report = rows.find((r) => r.to === "S001")!.reply;
    expect(report.text).toMatch(/^📊 团队本周 · 11月30日（周一）–12月6日（周日）（截至 12月4日（周五））/);
    expect(report.text).toContain("李强 M002：拜访 0 天（应 2 天） ⚠️");
    const png = PNG.sync.read(Buffer.from(report.attachments![0]!.base64, "base64"));
    expect([png.width, png.height]).toEqual([960, 540]);
  });

  it("a muted digest is not sent; other supervisors still get theirs", async () => {
    s = await createScenario(at("2026-12-02", "19:05"));
    await s.t.db.staff.update({ where: { code: "S001" }, data: { mutedReminders: "supervisorDigest" } });
    await new Scheduler({ deps: s.deps, jobs: supervisorJobs, instanceId: "x" }).runDue();
    expect((await outbox(s)).filter((r) => r.kind === "supervisor-digest").map((r) => r.to)).toEqual(["R001"]);
  });

  it("managers' weekly summaries reach the supervisor and are kept for the reports", async () => {
    s = await createScenario(at("2026-12-04", "16:30"));
    // The Friday reminder opens the form with one tap.
    await new Scheduler({ deps: s.deps, jobs: [weeklySummaryJob], instanceId: "x" }).runDue();
    const reminder = (await outbox(s)).find((r) => r.kind === "weekly-summary" && r.to === "M001")!;
    expect(reminder.reply.choices).toEqual([{ label: "写周小结", value: "/weekly" }]);
    const router = createAppRouter(s.deps);
    const say = async (text: string) => (await router.handle({ platform: "telegram", chatId: "tg-m1", userId: "tg-m1", text, isAction: text.startsWith("/") })).map((r) => r.text).join("\n");
    // The form opens with the week's figures so far, the ones the supervisor will read under it.
    const opened = await say("/weekly");
    expect(opened).toMatch(/^📊 本周到目前：拜访 2 天（应 3 天） ⚠️ · /);
    expect(opened).toContain("本周完成了什么");
    expect(await say("完成 12 户拜访，新品上柜 3 家")).toContain("遇到了哪些问题");
    expect(await say("C7 店一直关门")).toContain("下周的工作重点");
    const done = await say("补访 C7、C8");
    expect(done).toContain("📝 小结已保存。");
    expect(done).toContain("✅ 已发给主管 陈主管。");
    const notice = (await outbox(s)).find((r) => r.kind === "summary-week")!;
    expect(notice.to).toBe("S001");
    expect(notice.reply.text).toContain("📝 王芳 M001 的周小结 · 11月30日（周一）–12月6日（周日）");
    expect(notice.reply.text).toContain("成绩：完成 12 户拜访，新品上柜 3 家");
    expect(notice.reply.text).toContain("问题：C7 店一直关门");
    expect(notice.reply.text).toContain("下周重点：补访 C7、C8");
    // By Friday Thursday has passed without a visit: two of three visit days.
    expect(notice.reply.text).toMatch(/数据：拜访 2 天（应 3 天） ⚠️/);
    const kept = await s.t.db.workSummary.findMany();
    expect(kept.map((k) => [k.period, k.periodStart, k.focus, k.deliveredAt !== null])).toEqual([["week", "2026-11-30", "补访 C7、C8", true]]);
    // The supervisor's view of the manager shows it.
    const view = (await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team M001" }))[0]!.text;
    expect(view).toContain("📝 周小结（11月30日（周一） 起）：");
    expect(view).toContain("下周重点：补访 C7、C8");
  });

  it("/summary offers 发送给主管; sending tells the truth about who can be reached", async () => {
    s = await createScenario(at("2026-12-02", "18:00"));
    const router = createAppRouter(s.deps);
    const summary = await router.handle({ platform: "telegram", chatId: "tg-m1", userId: "tg-m1", text: "/summary" });
    expect(summary[0]!.choices).toEqual([{ label: "发送给主管", value: "/summary send" }]);
    const sent = await router.handle({ platform: "telegram", chatId: "tg-m1", userId: "tg-m1", text: "/summary send", isAction: true });
    expect(sent[0]!.text).toBe("✅ 已发给主管 陈主管。");
    const day = (await outbox(s)).find((r) => r.kind === "summary-day")!;
    expect(day.to).toBe("S001");
    expect(day.reply.text).toContain("📝 王芳 M001 的日报 · 12月2日（周三）");
    expect(day.reply.text).toContain("拜访：清单完成 1/3");
    // How to log a stop is the manager's hint, not the supervisor's.
    expect(day.reply.text).not.toContain("回复序号即可记录");
    // M3's supervisor has no chat: saved, and the manager is told to phone.
    await s.t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-m3", staffId: s.staff.M3.id } });
    const m3 = await router.handle({ platform: "telegram", chatId: "tg-m3", userId: "tg-m3", text: "/summary send" });
    expect(m3[0]!.text).toContain("主管 林主管 还没有绑定聊天");
    expect(await s.t.db.workSummary.count()).toBe(2);
    expect((await outbox(s)).filter((r) => r.to === "S002")).toEqual([]);
  });
});
