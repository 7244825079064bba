import { afterEach, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/core/chat.ts";
import { createAppRouter } from "../../../src/app.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import { infoPointsJob } from "../../../src/jobs/info-points.job.ts";
import { supervisorJobs } from "../../../src/jobs/supervisor-reports.job.ts";
import { isoWeekOf, isoWeekRange, median, weeklyPriceReport } from "../../../src/modules/products/info-point.service.ts";
import { runCli } from "../../helpers/cli.ts";
import { at, createScenario, type Scenario } from "../reports/scenario.ts";

async function outbox(s: Scenario, kind: string) {
  const rows = await s.t.db.outbox.findMany({ where: { kind }, orderBy: { id: "asc" } });
  const staff = await s.t.db.staff.findMany();
  return rows.map((r) => ({ to: staff.find((x) => x.id === r.staffId)?.code, reply: JSON.parse(r.payload) as Reply }));
}

/**
 * Week 2026-W49 (30 Nov – 6 Dec) at the reports scenario's shops: S1's team (M1: C1–C3, M2: D1)
 * and S2's M3 (E1); one collection of the week before.
 */
async function seedPrices(s: Scenario) {
  const db = s.t.db;
  const zh = await db.product.create({ data: { code: "ZH01", name: "中华(硬)", brand: "中华", packPrice: 45, cartonPrice: 450, searchText: "zh01|中华硬|中华" } });
  const lq = await db.product.create({ data: { code: "LQ01", name: "利群(新版)", brand: "利群", packPrice: 15, cartonPrice: 150, searchText: "lq01|利群新版|利群" } });
  const id = async (code: string) => (await db.customer.findUniqueOrThrow({ where: { code } })).id;
  const { M1, M2, M3 } = s.staff;
  const row = async (code: string, managerId: number, productId: number, week: string, marketPrice: number | null, stock: number) =>
    db.priceCollection.create({ data: { customerId: await id(code), managerId, productId, week, marketPrice, stock, cartonPrice: null, packPrice: null, collectedAt: at("2026-12-02", "10:00") } });
  await row("C1", M1.id, zh.id, "2026-W49", 430, 20);
  await row("C2", M1.id, zh.id, "2026-W49", 445, 10);
  await row("C3", M1.id, zh.id, "2026-W49", 450, 5);
  await row("D1", M2.id, zh.id, "2026-W49", 420, 8);
  await row("C1", M1.id, lq.id, "2026-W49", 140, 30);
  await row("C2", M1.id, lq.id, "2026-W49", null, 12);
  await row("E1", M3.id, zh.id, "2026-W49", 300, 1);
  await row("C1", M1.id, zh.id, "2026-W48", 100, 1);
  return { zh, lq };
}

describe("ISO weeks", () => {
  it("numbers weeks as ISO 8601 does, across year ends", () => {
    expect(isoWeekOf("2026-12-02")).toBe("2026-W49");
    expect(isoWeekOf("2026-11-30")).toBe("2026-W49");
    expect(isoWeekOf("2026-12-06")).toBe("2026-W49");
    expect(isoWeekOf("2026-01-01")).toBe("2026-W01");
    expect(isoWeekOf("2027-01-01")).toBe("2026-W53");
    expect(isoWeekOf("2024-12-30")).toBe("2025-W01");
    expect(isoWeekRange("2026-W49")).toEqual({ from: "2026-11-30", to: "2026-12-06" });
    expect(isoWeekRange("2026-W53")).toEqual({ from: "2026-12-28", to: "2027-01-03" });
    expect(isoWeekRange("2025-W53")).toBeNull();
    expect(isoWeekRange("2026-49")).toBeNull();
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe("the week's collected prices", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("per brand and product: n, min / median / max market price, guide price, for a team or everyone", async () => {
    s = await createScenario();
    const { zh, lq } = await seedPrices(s);
    const team = [s.staff.M1.id, s.staff.M2.id];
    expect(await weeklyPriceReport({ db: s.t.db, week: "2026-W49", managerIds: team })).toEqual([
      // Brands in pinyin order (利 li, 中 zhong).
      { productId: lq.id, brand: "利群", product: "利群(新版)", n: 1, min: 140, median: 140, max: 140, guide: 150, shops: 2, stock: 42 },
      { productId: zh.id, brand: "中华", product: "中华(硬)", n: 4, min: 420, median: 437.5, max: 450, guide: 450, shops: 4, stock: 43 },
    ]);
    const all = await weeklyPriceReport({ db: s.t.db, week: "2026-W49" });
    expect(all[1]).toMatchObject({ product: "中华(硬)", n: 5, min: 300, median: 430, max: 450 });
  });

  it("the Friday weekly report lists them; so does /team week; the export has every product", async () => {
    s = await createScenario(at("2026-12-04", "17:35"));
    await seedPrices(s);
    await new Scheduler({ deps: s.deps, jobs: supervisorJobs.filter((j) => j.id === "weekly-report"), instanceId: "a" }).runDue();
    const report = (await outbox(s, "weekly-report")).find((r) => r.to === "S001")!.reply;
    expect(report.text).toContain(
      ["信息采集点价格（2026-W49，成交价 元/条：最低 / 中位 / 最高，对比指导价）：", "  【利群】", "    利群(新版)：1 家 140 / 140 / 140，指导价 150", "  【中华】", "    中华(硬)：4 家 420 / 437.5 / 450，指导价 450"].join("\n"),
    );
    const [week] = await createAppRouter(s.deps).handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team 本周" });
    expect(week!.text).toContain("  【中华】\n    中华(硬)：4 家 420 / 437.5 / 450，指导价 450");
    const csv = await runCli(s.t.url, ["report", "prices", "--week", "2026-w49", "--supervisor", "S001", "--format", "csv"]);
    expect(csv.code).toBe(0);
    expect(csv.out.replace(/^\uFEFF/, "").trim().split("\r\n")).toEqual([
      "week,brand,product,n,min,median,max,guide,shops,stock",
      "2026-W49,利群,利群(新版),1,140,140,140,150,2,42",
      "2026-W49,中华,中华(硬),4,420,437.5,450,450,4,43",
    ]);
    expect((await runCli(s.t.url, ["report", "prices", "--week", "49"])).err).toContain("周写成 2026-W49 这样");
  });
});

describe("the weekly info-point reminder", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("Thursday 16:00 lists the shops not collected this week, with today's stop numbers; Friday only what is still missing", async () => {
    s = await createScenario(at("2026-12-03", "16:05"));
    const db = s.t.db;
    const { zh } = await seedPrices(s);
    const uncollected = await db.customer.findMany({ where: { code: { in: ["C2", "C3"] } }, select: { id: true } });
    await db.priceCollection.deleteMany({ where: { week: "2026-W49", customerId: { in: uncollected.map((c) => c.id) } } });
    await db.customer.updateMany({ where: { code: { in: ["C1", "C2", "C3", "D1"] } }, data: { infoPoint: true } });
    const c3 = await db.customer.findUniqueOrThrow({ where: { code: "C3" } });
    await db.plannedVisit.create({ data: { managerId: s.staff.M1.id, customerId: c3.id, date: "2026-12-03", status: "planned", stopNo: 2, sequence: 2 } });
    await new Scheduler({ deps: s.deps, jobs: [infoPointsJob], instanceId: "a" }).runDue();
    const thursday = await outbox(s, "info-points");
    // M2 collected at D1; M3 has no info point.
    expect(thursday.map((r) => r.to)).toEqual(["M001"]);
    expect(thursday[0]!.reply.text).toBe(
      ["📋 本周（2026-W49）还有 2 个信息采集点没采集价格：", "  · C2店", "  · C3店（今天第 2 站）", "到店后在拜访记录里选“信息采集”，逐个品规填库存和条价、盒价、成交价。"].join("\n"),
    );
    // A second run the same day adds nothing.
    await new Scheduler({ deps: s.deps, jobs: [infoPointsJob], instanceId: "b" }).runDue();
    expect(await outbox(s, "info-points")).toHaveLength(1);

    // C2 and C3 are collected on Thursday evening: nothing on Friday.
    for (const code of ["C2", "C3"]) {
      await db.priceCollection.create({ data: { customerId: (await db.customer.findUniqueOrThrow({ where: { code } })).id, managerId: s.staff.M1.id, productId: zh.id, week: "2026-W49", marketPrice: 440, collectedAt: at("2026-12-03", "18:00") } });
    }
    s.clock.set(at("2026-12-04", "16:05"));
    await new Scheduler({ deps: s.deps, jobs: [infoPointsJob], instanceId: "c" }).runDue();
    expect(await outbox(s, "info-points")).toHaveLength(1);
  });
});
