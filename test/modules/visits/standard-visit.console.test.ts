import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { parseDetails } from "../../../src/modules/visits/visits.service.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Wednesday 2 Dec 2026, 09:30 in Shanghai: a visit day of the demo managers (ISO week 2026-W49).
const WEDNESDAY = "2026-12-02T01:30:00Z";
const at = (minutes: number) => new Date(new Date(WEDNESDAY).getTime() + minutes * 60_000);

/**
 * A visit with every section the company's standard has, per preset, through the terminal chat:
 * what the manager is asked, what the visit records and where the record goes on from there.
 */
describe("a visit as the standard writes it, through the terminal", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    tmp?.cleanup();
  });
  const run = (lines: string[], minutes = 0, env?: Record<string, string>) => runConsoleScript({ url: tmp.url, clock: new FakeClock(at(minutes)), lines, env });

  it("tobacco: every section at an info point — brands per product, inventory, guidance with the 六防, prices — and the week's price figures reach the supervisor", async () => {
    tmp = tempDbUrl();
    // The menu: 1 submit, 2 info … 9 note, 10 guidance, 11 prices (only at an info point not collected this week);
    // the sections picked in one round are asked in the registry's order (info, brand, inventory, guidance, market, prices, …).
    const out = await run([
      "/log TL-W0003",
      "1", // 实地
      "30",
      "2 3 4 5 6 7 8 9 10 11",
      "1 2", // information: marketing, brand
      "利群(新版)", // brand cultivation: a product…
      "是", // …listed
      "3条", // sold since the last visit
      "1", // re-purchased
      "2", // 2 days out of stock
      "是", // promotion / POP done
      "是", // another product
      "中华(硬)",
      "否", // refused
      "1", // money
      "否", // no more products
      "利群(新版)", // inventory
      "10",
      "20",
      "12",
      "否",
      "6", // guidance: 6 products on display
      "缺货推荐了利群(阳光)",
      "2 3 4 5 6", // 六防: all but pests
      "2 3 4", // display, price tags, storage in order; the rest to do
      "建议加进利群(阳光)，减少红双喜", // product-mix advice
      "1 2", // market: demand, slow seller's price
      "黄鹤楼",
      "5",
      "红双喜 8元/包",
      "利群(新版)", // prices
      "30",
      "150",
      "15",
      "160",
      "否",
      "利群 20 条", // forecast
      "1",
      "柜台灯坏了", // a problem
      "5",
      "是",
      "否",
      "是", // manual signed
      "店主说下周进货", // note
      "1", // submit
    ]);
    expect(out).toContain("培育哪个品规？");
    expect(out).toContain("六防：哪些做到了？");
    expect(out).toContain("采集哪个品规？");
    expect(out).toMatch(/✅ 已记录：.* · 实地 · 30 分钟 · .*品牌培育 2 个（上柜 1）.*信息采集 1 个品规/);
    // What the shop must fix and what the manager has still to do with it are told apart.
    expect(out).toContain("经营指导：待整改 防虫 · 未做 零消互动、同期盈利对比、新商盟/POS 指导");

    db = await openDb(tmp.url);
    const shop = await db.customer.findUniqueOrThrow({ where: { code: "TL-W0003" } });
    const v = (await db.visit.findMany({ where: { customerId: shop.id }, orderBy: { id: "desc" }, take: 1 }))[0]!;
    const d = parseDetails(v);
    expect(d.products!.map((p) => [p.name, p.listed, p.refusal, p.sold, p.repurchase, p.daysOutOfStock, p.promotion])).toEqual([
      ["利群(新版)", true, null, 3, "yes", 2, true],
      ["中华(硬)", false, "money", null, null, null, null],
    ]);
    expect(d.inventory!.map((l) => [l.product, l.suggestedOrder])).toEqual([["利群(新版)", 15]]);
    expect(d.guidance).toBeDefined();
    expect(d.guidance!.sixPrevention.toFix).toEqual(["pests"]);
    expect(d.guidance!.mixAdvice).toBe("建议加进利群(阳光)，减少红双喜");
    const prices = await db.priceCollection.findMany({ where: { customerId: shop.id } });
    expect(prices.map((p) => [p.week, p.stock, p.cartonPrice, p.packPrice, p.marketPrice, p.visitId])).toEqual([["2026-W49", 30, 150, 15, 160, v.id]]);
    await db.$disconnect();
    db = undefined;

    // A second info point the same week, another market price: the supervisor's week shows min / median / max.
    await run(["/log TL-W0012", "1", "20", "11", "利群(新版)", "跳过", "150", "15", "170", "否", "1"], 60);
    const week = await run(["/as S001", "/team 本周"], 120);
    expect(week).toContain("信息采集点价格（2026-W49");
    expect(week).toMatch(/利群\(新版\)：2 家 160 \/ 165 \/ 170，指导价 150/);
  }, 120_000);

  it("key account: the file before the visit, the visit's equipment and key person update the file, /undo puts it back", async () => {
    tmp = tempDbUrl();
    const env = { VISITMATE_POLICY_PRESET: "key-account" };
    const first = await run(["/today"], 0, env);
    expect(first).toContain("拜访清单");
    db = await openDb(tmp.url);
    const m001 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stop = (await db.plannedVisit.findFirstOrThrow({ where: { managerId: m001.id, date: "2026-12-02" }, orderBy: [{ sequence: "asc" }, { id: "asc" }], include: { customer: { include: { keyPeople: true } } } }))!;
    const before = stop.customer;
    expect(before.equipment).not.toBe("");
    await db.$disconnect();
    db = undefined;

    // The menu: 1 submit, 2 key-account information, …
    const out = await run(["/log 1", "1", "40", "2", "壳牌", "跳过", "新增换油机 1 台，共 3 台", "关心换油周期", "周建华（车间主任）", "跳过", "1"], 5, env);
    expect(out).toContain(`📁 ${before.name} 档案要点：`);
    expect(out).toContain(`设备情况（档案：${before.equipment}）有变化吗？`);
    expect(out).toContain(`设备 ${before.equipment} → 新增换油机 1 台，共 3 台`);
    expect(out).toContain("关键人新增 周建华（车间主任）");

    db = await openDb(tmp.url);
    const after = await db.customer.findUniqueOrThrow({ where: { id: before.id }, include: { keyPeople: true } });
    expect(after.equipment).toBe("新增换油机 1 台，共 3 台");
    expect(after.fileUpdatedAt).toEqual(at(5));
    expect(after.keyPeople.map((p) => p.name)).toContain("周建华（车间主任）");
    // The primary key person is still the one on file: a person met is added, not promoted.
    expect(after.keyPerson).toBe(before.keyPerson);
    await db.$disconnect();
    db = undefined;

    const file = await run(["/file 1"], 6, env);
    expect(file).toContain("新增换油机 1 台，共 3 台");

    await run(["/undo", "1"], 7, env);
    db = await openDb(tmp.url);
    const undone = await db.customer.findUniqueOrThrow({ where: { id: before.id }, include: { keyPeople: true } });
    expect(undone.equipment).toBe(before.equipment);
    expect(undone.keyPeople.map((p) => p.name).sort()).toEqual(before.keyPeople.map((p) => p.name).sort());
    // …and its "updated" time: an undone visit is not one of the week's file updates.
    expect(undone.fileUpdatedAt).toEqual(before.fileUpdatedAt);
  }, 120_000);
});

describe("the monthly summary as the five-step method writes it", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("starts from the month's brand figures, asks problems with their causes, next month's targets and focus; the supervisor's copy has the targets", async () => {
    tmp = tempDbUrl();
    const run = (lines: string[], minutes: number) => runConsoleScript({ url: tmp.url, clock: new FakeClock(at(minutes)), lines });
    await run(["/log 1", "1", "20", "3", "利群(新版)", "是", "3", "1", "0", "是", "否", "1"], 0);
    await run(["/log 2", "1", "20", "3", "利群(新版)", "否", "2", "否", "1"], 30);
    const out = await run(["/monthly", "完成 40 户拜访", "利群(新版) 两家不愿上柜：担心不好卖", "上柜率 60%，再购率 80%", "重点推利群(新版)"], 60);
    expect(out).toContain("📈 本月品牌培育（每家店按最近一次记录）：");
    expect(out).toContain("利群(新版)：培育 2 家，上柜 1（50%），再购 1（100%）");
    expect(out).toContain("本月存在哪些问题？原因是什么？");
    expect(out).toContain("下月目标？");
    expect(out).toContain("📝 小结已保存。");

    const db = await openDb(tmp.url);
    try {
      const s = await db.workSummary.findFirstOrThrow({ where: { period: "month" } });
      expect(s).toMatchObject({ achievements: "完成 40 户拜访", problems: "利群(新版) 两家不愿上柜：担心不好卖", goals: "上柜率 60%，再购率 80%", focus: "重点推利群(新版)" });
      const notice = await db.outbox.findFirstOrThrow({ where: { kind: "summary-month" } });
      expect(notice.payload).toContain("下月目标：上柜率 60%，再购率 80%");
    } finally {
      await db.$disconnect();
    }
  }, 120_000);
});
