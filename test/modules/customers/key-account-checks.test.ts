import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../../src/app.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { localDate } from "../../../src/core/dates.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import type { Job } from "../../../src/core/scheduler.ts";
import type { Staff } from "../../../src/generated/prisma/client.ts";
import { creditFollowUpJob } from "../../../src/jobs/credit-follow-up.job.ts";
import { purchasePlansJob } from "../../../src/jobs/purchase-plans.job.ts";
import { weeklySummaryJob } from "../../../src/jobs/weekly-summary.job.ts";
import { listCreditFollowUps, updateCustomerFile } from "../../../src/modules/customers/customer-file.service.ts";
import { savePurchasePlan } from "../../../src/modules/customers/purchase-plans.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

let t: TestDb;
let deps: AppDeps;
let clock: FakeClock;
let m1: Staff;
let s1: Staff;
const ids: Record<string, number> = {};

beforeEach(async () => {
  t = await createTestDb();
  clock = new FakeClock(local("2026-12-15", "09:30"));
  deps = { db: t.db, policy: loadPolicy({ preset: "key-account" }), clock, log: silentLogger };
  s1 = await t.db.staff.create({ data: { code: "S1", name: "王主管", role: "supervisor" } });
  m1 = await t.db.staff.create({ data: { code: "M1", name: "李明", role: "manager", supervisorId: s1.id } });
  for (const s of [m1, s1]) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
  // K1 owes 5,000 (no contact), K2 credit amount unknown (1 contact this month, 1 last month), K3 owes
  // 8,000 (2 contacts), K4 credit but paid up (0: no duty), K5 no credit.
  const rows = [
    { code: "K1", name: "华东机械厂", credit: true, receivables: 5000, receivablesDue: "2026-12-20", scale: "large" },
    { code: "K2", name: "宏达物流", credit: true, receivables: null, receivablesDue: null, scale: "mid" },
    { code: "K3", name: "江南纺织", credit: true, receivables: 8000, receivablesDue: null, scale: "small" },
    { code: "K4", name: "新丰建材", credit: true, receivables: 0, receivablesDue: null, scale: "" },
    { code: "K5", name: "顺发汽修", credit: false, receivables: null, receivablesDue: null, scale: "mid" },
  ];
  for (const r of rows) {
    const c = await t.db.customer.create({ data: { ...r, lat: 30.2, lng: 120.1, managerId: m1.id, serviceClass: "B", phone: "13800000000" } });
    ids[r.code] = c.id;
  }
  const visit = (code: string, at: Date, mode = "field") => t.db.visit.create({ data: { customerId: ids[code]!, managerId: m1.id, mode, visitedAt: at } });
  await visit("K2", local("2026-12-03", "10:00"), "phone");
  await visit("K2", local("2026-11-28", "10:00"));
  await visit("K3", local("2026-12-02", "10:00"));
  await visit("K3", local("2026-12-09", "15:00"), "phone");
  await visit("K4", local("2026-11-20", "10:00"));
});

afterEach(async () => t.close());

async function runJob(job: Job, at: Date): Promise<string | null> {
  clock.set(at);
  await job.run({ deps, jobId: job.id, slot: at, date: localDate(at, deps.policy.timeZone), now: at, catchUp: false, aborted: () => false, heartbeat: async () => {} });
  const rows = await t.db.outbox.findMany({ where: { kind: job.id, staffId: m1.id }, orderBy: { id: "desc" }, take: 1 });
  return rows[0] ? (JSON.parse(rows[0].payload).text as string) : null;
}

function say(staff: Staff, text: string): Promise<string> {
  return createAppRouter(deps)
    .handle({ platform: "telegram", chatId: `tg-${staff.code}`, userId: `tg-${staff.code}`, text })
    .then((rs) => rs.map((r) => r.text).join("\n"));
}

describe("credit follow-ups: counted this month, collected receivables stop counting", () => {
  it("0, 1 and 2 contacts this month; the reminder names only the ones short of two", async () => {
    const list = await listCreditFollowUps({ db: t.db, policy: deps.policy, managerId: m1.id, date: "2026-12-15" });
    expect(list.map((x) => [x.customer.code, x.contacts])).toEqual([
      ["K1", 0],
      ["K2", 1],
      ["K3", 2],
    ]);
    const text = await runJob(creditFollowUpJob, local("2026-12-15", "09:30"));
    expect(text!.split("\n")).toEqual([
      "💳 本月赊销客户跟进：2 家还不到 2 次（有未收款的共 3 家）：",
      "1. 华东机械厂 · B类客户 · ☎ 13800000000 · 本月已跟进 0/2 次 · 应收 5,000元，12月20日（周日）到期",
      "2. 宏达物流 · B类客户 · ☎ 13800000000 · 本月已跟进 1/2 次",
      "跟进后请登记拜访（电话或实地），并注明回款情况。",
    ]);
  });

  it("receivables collected (0): the customer drops off; all met: says so", async () => {
    await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: ids.K1!, changes: { receivables: 0 }, at: clock.now() }));
    await t.db.visit.create({ data: { customerId: ids.K2!, managerId: m1.id, mode: "field", visitedAt: local("2026-12-14", "10:00") } });
    const list = await listCreditFollowUps({ db: t.db, policy: deps.policy, managerId: m1.id, date: "2026-12-15" });
    expect(list.map((x) => [x.customer.code, x.contacts])).toEqual([
      ["K2", 2],
      ["K3", 2],
    ]);
    expect(await runJob(creditFollowUpJob, local("2026-12-15", "09:30"))).toBe("💳 本月 2 家有未收款的赊销客户都已跟进 2 次以上，继续盯紧回款。");
    // On the 1st of the next month the count starts again from 0.
    const january = await listCreditFollowUps({ db: t.db, policy: deps.policy, managerId: m1.id, date: "2027-01-01" });
    expect(january.map((x) => x.contacts)).toEqual([0, 0]);
  });
});

describe("purchase plans by the 28th", () => {
  it("the reminder lists only the customers still missing next month's plan, with the count; then says all are in", async () => {
    const at = local("2026-11-25", "09:00");
    await t.db.$transaction(async (tx) => {
      await savePurchasePlan({ tx, managerId: m1.id, customerId: ids.K2!, month: "2026-12", lines: [{ product: "L-HM46 液压油 18L", quantity: 20, unit: "barrels" }], at });
      // A plan for the wrong month does not count for December.
      await savePurchasePlan({ tx, managerId: m1.id, customerId: ids.K3!, month: "2026-11", lines: [{ product: "CI-4 15W-40", quantity: 5, unit: "barrels" }], at });
    });
    const text = await runJob(purchasePlansJob, at);
    expect(text!.split("\n")).toEqual([
      "🛒 2026年12月采购计划请在 11月28日（周六） 前收齐（还有 3 天），还差 4 家（共 5 家）：",
      "1. 华东机械厂 · B类客户",
      "2. 江南纺织 · B类客户",
      "3. 新丰建材 · B类客户",
      "4. 顺发汽修 · B类客户",
      "填写：/purchase 店名",
    ]);
    await t.db.$transaction(async (tx) => {
      for (const code of ["K1", "K3", "K4", "K5"]) await savePurchasePlan({ tx, managerId: m1.id, customerId: ids[code]!, month: "2026-12", lines: [{ product: "SN 5W-30 4L", quantity: 10, unit: "cartons" }], at });
    });
    expect(await runJob(purchasePlansJob, local("2026-11-28", "09:00"))).toBe("✅ 2026年12月采购计划已全部收齐（5 家），辛苦了。");
  });

  it("/purchase 店名: product, quantity, unit, another line; entering again asks before replacing", async () => {
    clock.set(local("2026-11-26", "10:00"));
    expect(await say(m1, "/purchase 华东")).toContain("华东机械厂 2026年12月要进什么油品？");
    expect(await say(m1, "L-HM46 液压油 18L")).toContain("L-HM46 液压油 18L 要多少？");
    expect(await say(m1, "0")).toContain("数量要大于 0。");
    expect(await say(m1, "20")).toContain("单位？");
    expect(await say(m1, "桶")).toContain("还有别的油品吗？");
    await say(m1, "是");
    await say(m1, "SN 5W-30 4L");
    await say(m1, "12");
    await say(m1, "箱");
    const done = await say(m1, "否");
    expect(done).toContain("✅ 已记下 华东机械厂 2026年12月的采购计划（2 项）：");
    expect(done).toContain("· L-HM46 液压油 18L 20 桶");
    expect(done).toContain("· SN 5W-30 4L 12 箱");
    expect(await say(m1, "/purchase")).toContain("🛒 2026年12月采购计划还差 4 家（共 5 家）：");

    expect(await say(m1, "/purchase K1")).toContain("2026年12月的计划已经有了：L-HM46 液压油 18L 20 桶、SN 5W-30 4L 12 箱\n重新填写会替换原计划，继续吗？");
    expect(await say(m1, "否")).toContain("好的，华东机械厂 保留原计划。");
    await say(m1, "/purchase K1");
    await say(m1, "是");
    await say(m1, "CI-4 15W-40 18L");
    await say(m1, "8");
    await say(m1, "升");
    expect(await say(m1, "否")).toContain("✅ 已替换 华东机械厂 2026年12月的采购计划（1 项）：");
    const plans = await t.db.purchasePlan.findMany({ where: { customerId: ids.K1! } });
    expect(plans.map((p) => [p.month, JSON.parse(p.lines)])).toEqual([["2026-12", [{ product: "CI-4 15W-40 18L", quantity: 8, unit: "litres" }]]]);
  });
});

describe("where a supervisor and the manager see the checks", () => {
  it("/team has a compact key-account block per manager; /me names what is missing", async () => {
    clock.set(local("2026-12-15", "11:00"));
    // One file updated this week (Monday 14 December); K1 (large) gets a key person, K2 and K5 (mid) have none.
    await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: ids.K1!, changes: { keyPeople: [{ name: "张伟", role: "采购主管" }] }, at: local("2026-12-14", "16:00") }));
    const team = await say(s1, "/team");
    expect(team).toContain("📁 大客户标准（本周档案 · 关键人 · 本月赊销跟进 · 2027年1月采购计划）：");
    // Next month's plans are due by the 28th: on the 15th still in time (🕓), not a warning yet.
    expect(team).toContain("李明（M1）⚠️档案 1/2 · ⚠️缺关键人 2 · ⚠️赊销跟进 1/3 家达标 · 🕓计划 0/5");

    const me = await say(m1, "/me");
    expect(me).toContain("⚠️ 本周已整理档案 1 份，还差 1 份（每周至少 2 份，/file 店名 改）");
    expect(me).toContain("⚠️ 2 家大中型客户还没有关键人物：宏达物流、顺发汽修");
    expect(me).toContain("⚠️ 赊销客户本月跟进：2/3 家不到 2 次：华东机械厂（0 次）、宏达物流（1 次）");
    expect(me).toContain("🕓 2027年1月采购计划 0/5（12月28日（周一）前收齐），还差：华东机械厂、宏达物流、江南纺织、新丰建材、顺发汽修");

    // From the 25th (the reminder days) they are flagged.
    clock.set(local("2026-12-25", "11:00"));
    expect(await say(s1, "/team")).toContain("⚠️计划 0/5");
    expect(await say(m1, "/me")).toContain("⚠️ 2027年1月采购计划 0/5（12月28日（周一）前收齐）");
  });

  it("Friday's weekly-summary reminder names the files still to do and the customers without a key person", async () => {
    const text = await runJob(weeklySummaryJob, local("2026-12-18", "16:00"));
    expect(text).toContain("⚠️ 本周已整理档案 0 份，还差 2 份（每周至少 2 份，/file 店名 改）");
    expect(text).toContain("⚠️ 3 家大中型客户还没有关键人物：华东机械厂、宏达物流、顺发汽修");
  });

  it("the tobacco preset's /me has no key-account block", async () => {
    deps = { ...deps, policy: loadPolicy({ preset: "tobacco-retail" }) };
    expect(await say(m1, "/me")).not.toContain("大客户标准");
  });
});
