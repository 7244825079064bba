import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../../src/config/policy.ts";
import { FakeClock } from "../../../../src/core/clock.ts";
import { FormEngine } from "../../../../src/core/forms/form-engine.ts";
import type { ChatFormEnv } from "../../../../src/core/forms/form-router.ts";
import type { Answers, FormDefinition, FormOutcome, SessionKey } from "../../../../src/core/forms/form-types.ts";
import { silentLogger } from "../../../../src/core/logger.ts";
import type { Customer, Staff } from "../../../../src/generated/prisma/client.ts";
import { translator } from "../../../../src/i18n/i18n.ts";
import { DEMO_PRODUCTS } from "../../../../src/modules/demo/demo.service.ts";
import { isoWeekOf } from "../../../../src/modules/products/info-point.service.ts";
import { productSearchText } from "../../../../src/modules/products/products.service.ts";
import { brandProductsSection, parseSold } from "../../../../src/modules/visits/sections/brand-products.ts";
import { guidanceOf, guidanceSection } from "../../../../src/modules/visits/sections/guidance.ts";
import { infoPointSection } from "../../../../src/modules/visits/sections/info-point.ts";
import type { SectionCtx, VisitDraft, VisitSection } from "../../../../src/modules/visits/sections/section.ts";
import { productValue } from "../../../../src/modules/visits/sections/tobacco-helpers.ts";
import { createTestDb, type TestDb } from "../../../helpers/db.ts";

const KEY: SessionKey = { platform: "console", chatId: "c1", userId: "u1" };
// Wednesday 2 Dec 2026, 09:30 in Shanghai: ISO week 2026-W49.
const clock = new FakeClock("2026-12-02T01:30:00Z");
const t = translator("zh-CN");

function emptyDraft(): VisitDraft {
  return { details: { kind: "visit" }, complaints: [], notes: [], nextVisitDate: null, keyPersonMet: null, customerChanges: [] };
}

let tdb: TestDb;
let staff: Staff;
let shop: Customer;
let env: ChatFormEnv;

beforeEach(async () => {
  tdb = await createTestDb();
  const now = clock.now();
  await tdb.db.product.createMany({ data: DEMO_PRODUCTS.map((p) => ({ ...p, searchText: productSearchText(p), createdAt: now, updatedAt: now })) });
  staff = await tdb.db.staff.create({ data: { code: "M001", name: "李明", role: "manager" } });
  shop = await tdb.db.customer.create({ data: { code: "C1", name: "张记烟酒店", lat: 29.8, lng: 119.69, managerId: staff.id, infoPoint: true } });
  const policy = loadPolicy();
  env = { t, now, today: "2026-12-02", deps: { db: tdb.db, policy, clock, log: silentLogger }, staff, locale: "zh-CN", platform: "console" };
});
afterEach(async () => tdb.close());

/** A form of one section's steps, as the visit form asks them once the section is picked; completing stores the draft (and runs afterLog on a real visit). */
function sectionForm<A extends Answers>(section: VisitSection<A>): FormDefinition<ChatFormEnv> {
  return {
    id: `section-${section.id}`,
    version: 1,
    steps: section.steps,
    async complete({ tx, answers, env: e }) {
      const round = section.schema.parse(answers);
      const draft = emptyDraft();
      section.toDetails(round, draft, { factor: 1.5, preset: "tobacco-retail" });
      const visit = await tx.visit.create({ data: { customerId: shop.id, managerId: e.staff.id, visitedAt: e.now, mode: "field", details: JSON.stringify(draft.details) } });
      await section.afterLog?.({ tx, env: e, visitId: visit.id, customer: shop, rounds: [round], edited: false });
      return { text: (section.confirm?.(draft.details, e.t) ?? []).join(" · ") };
    },
  };
}

async function drive(section: VisitSection<Answers>, lines: string[]): Promise<FormOutcome> {
  const engine = new FormEngine<ChatFormEnv>({ db: tdb.db, forms: [sectionForm(section)] });
  await engine.start(KEY, sectionForm(section), env, { meta: { customer: `c:${shop.id}` } });
  let out: FormOutcome | null = null;
  for (const line of lines) {
    out = await engine.handle(KEY, line, env);
    if (!out) throw new Error(`no open form for "${line}"`);
  }
  return out!;
}

const lastText = (o: FormOutcome) => o.replies.map((r) => r.text).join("\n");
const storedDetails = async () => JSON.parse((await tdb.db.visit.findFirstOrThrow({ orderBy: { id: "desc" } })).details);

describe("brand cultivation per product (brand-products)", () => {
  it("round answers become details.products; refused entries keep no sell-through", () => {
    const lq = productValue({ id: 7, brand: "利群", name: "利群(新版)" });
    const zh = productValue({ id: 9, brand: "中华", name: "中华(硬)" });
    const round = brandProductsSection.schema.parse({
      products: [
        { cultivatedProduct: lq, listed: true, sold: 2, productRepurchase: "yes", daysOutOfStock: 0, promotion: true },
        // Went back and changed to refused: the listed answers are not the record.
        { cultivatedProduct: zh, listed: false, productRefusal: "demand", sold: 5, productRepurchase: "no" },
        { cultivatedProduct: "something unfinished" },
      ],
    });
    const draft = emptyDraft();
    brandProductsSection.toDetails(round, draft, { factor: 1.5, preset: "tobacco-retail" });
    expect(draft.details.products).toEqual([
      { productId: 7, name: "利群(新版)", brand: "利群", listed: true, refusal: null, sold: 2, repurchase: "yes", daysOutOfStock: 0, promotion: true },
      { productId: 9, name: "中华(硬)", brand: "中华", listed: false, refusal: "demand", sold: null, repurchase: null, daysOutOfStock: null, promotion: null },
    ]);
    expect(brandProductsSection.confirm!(draft.details, t)).toEqual(["品牌培育 2 个（上柜 1）"]);
    expect(brandProductsSection.confirm!({ kind: "visit" }, t)).toEqual([]);
  });

  it("sold is in cartons; packs are converted", () => {
    const ctx = { env } as SectionCtx;
    expect(parseSold("3", ctx)).toEqual({ value: 3 });
    expect(parseSold("３条", ctx)).toEqual({ value: 3 });
    expect(parseSold("25包", ctx)).toEqual({ value: 2.5 });
    expect(parseSold("很多", ctx)).toEqual({ error: "请回复数量，例如 3 或 3条 或 20包。" });
  });

  it("through the form engine: search by name, choose among matches, another product, refused with a reason", async () => {
    const engine = new FormEngine<ChatFormEnv>({ db: tdb.db, forms: [sectionForm(brandProductsSection)] });
    const [first] = await engine.start(KEY, sectionForm(brandProductsSection), env, { meta: { customer: `c:${shop.id}` } });
    expect(first!.text).toContain("培育哪个品规？输入名称（如 利群新版）。");
    const say = async (line: string) => lastText((await engine.handle(KEY, line, env))!);
    const matches = (await engine.handle(KEY, "利群", env))!.replies.at(-1)!;
    expect(matches.text).toBe("“利群”找到 5 个品规，选一个：\n不是这几个？输入更完整的品规名称。");
    expect(matches.choices!.map((c) => c.label)).toEqual(["利群(休闲云端)（指导价 350 元/条）", "利群(富春山居)（指导价 1000 元/条）", "利群(新版)（指导价 150 元/条）", "利群(软红长嘴)（指导价 250 元/条）", "利群(阳光)（指导价 200 元/条）"]);
    expect(await say("3")).toContain("利群(新版) 上柜了吗？");
    expect(await say("是")).toContain("上次拜访以来 利群(新版) 卖了多少？");
    expect(await say("20包")).toContain("有回购吗？");
    expect(await say("有回购")).toContain("断货几天？");
    expect(await say("0")).toContain("做了促销 / 张贴 POP 吗？");
    const more = await say("是");
    expect(more).toContain("已记：利群(新版) 已上柜。");
    expect(more).toContain("还有别的品规要记吗？");
    await say("是");
    // One match: no choice to make.
    expect(await say("中华 软")).toContain("中华(软) 上柜了吗？");
    expect(await say("否")).toContain("中华(软) 没上柜的原因？");
    expect(await say("资金紧张")).toContain("还有别的品规要记吗？");
    expect(await say("否")).toContain("品牌培育 2 个（上柜 1）");
    const lq = await tdb.db.product.findUniqueOrThrow({ where: { code: DEMO_PRODUCTS[0]!.code } });
    const zh = await tdb.db.product.findFirstOrThrow({ where: { name: "中华(软)" } });
    expect((await storedDetails()).products).toEqual([
      { productId: lq.id, name: "利群(新版)", brand: "利群", listed: true, refusal: null, sold: 2, repurchase: "yes", daysOutOfStock: 0, promotion: true },
      { productId: zh.id, name: "中华(软)", brand: "中华", listed: false, refusal: "money", sold: null, repurchase: null, daysOutOfStock: null, promotion: null },
    ]);

    // The next visit offers the shop's products as buttons.
    const [again] = await engine.start(KEY, sectionForm(brandProductsSection), env, { meta: { customer: `c:${shop.id}` } });
    expect(again!.text).toContain("培育哪个品规？点上次的品规，或输入名称。");
    expect(again!.choices!.map((c) => c.label)).toEqual(["利群(新版)", "中华(软)"]);
  });

  it("a name the list does not have is re-asked with a pointer to the product import", async () => {
    const out = await drive(brandProductsSection as unknown as VisitSection<Answers>, ["万宝路"]);
    expect(lastText(out)).toContain("品规表里没有“万宝路”");
  });

  it("a bare number where no numbered choice is shown is said to be one, not searched (every barcode 6901… contains a 1)", async () => {
    const out = await drive(brandProductsSection as unknown as VisitSection<Answers>, ["1"]);
    expect(lastText(out)).toContain("“1”不是品规名称，也不是列出的序号");
    expect(lastText(out)).not.toContain("找到很多品规");
  });
});

describe("operating guidance", () => {
  it("what is not ticked is to fix; 'all' ticks every item", () => {
    const g = guidanceOf(guidanceSection.schema.parse({ displayCount: 24, substitutes: "利群(阳光)", sixOk: ["fire", "theft", "robbery", "mould"], checksOk: ["all"] }));
    expect(g).toEqual({
      displayCount: 24,
      substitutes: "利群(阳光)",
      sixPrevention: { ok: ["fire", "mould", "theft", "robbery"], toFix: ["damp", "pests"] },
      checks: { ok: ["display", "price-tags", "storage", "consumer-interaction", "profit-comparison", "pos-guidance"], toFix: [] },
      mixAdvice: null,
    });
    const draft = emptyDraft();
    guidanceSection.toDetails(guidanceSection.schema.parse({ sixOk: ["all"], checksOk: ["all"] }), draft, { factor: 1.5, preset: "tobacco-retail" });
    expect(guidanceSection.confirm!(draft.details, t)).toEqual(["经营指导：均已到位"]);
  });

  it("through the form engine: counts, substitutes and both checklists; the confirmation lists what to fix", async () => {
    const out = await drive(guidanceSection as unknown as VisitSection<Answers>, ["18", "利群(阳光)、南京(炫赫门)", "2 5 7", "2 3 7", "多进细支烟"]);
    expect(out.completed).toBe(true);
    // The shop's to-fix items and the guidance the manager has still to give are told apart.
    expect(lastText(out)).toContain("经营指导：待整改 防潮、防霉、防抢、存储 · 未做 零消互动、同期盈利对比");
    expect((await storedDetails()).guidance).toEqual({
      displayCount: 18,
      substitutes: "利群(阳光)、南京(炫赫门)",
      sixPrevention: { ok: ["fire", "theft", "pests"], toFix: ["damp", "mould", "robbery"] },
      checks: { ok: ["display", "price-tags", "pos-guidance"], toFix: ["storage", "consumer-interaction", "profit-comparison"] },
      mixAdvice: "多进细支烟",
    });
  });
});

describe("information collection at an info point (prices)", () => {
  // A fresh env per call, as each message gets one (the section reads the customer once per message).
  const available = (e = env) => infoPointSection.available!({ env: { ...e }, answers: {}, item: {}, meta: { customer: `c:${shop.id}` } });

  it("is offered only at an info point whose collection for this ISO week is not done", async () => {
    expect(isoWeekOf("2026-12-02")).toBe("2026-W49");
    expect(await available()).toBe(true);
    await tdb.db.customer.update({ where: { id: shop.id }, data: { infoPoint: false } });
    expect(await available()).toBe(false);
    await tdb.db.customer.update({ where: { id: shop.id }, data: { infoPoint: true } });
    const p = await tdb.db.product.findFirstOrThrow();
    await tdb.db.priceCollection.create({ data: { customerId: shop.id, managerId: staff.id, productId: p.id, week: "2026-W48", marketPrice: 150, collectedAt: clock.now() } });
    expect(await available()).toBe(true);
    await tdb.db.priceCollection.create({ data: { customerId: shop.id, managerId: staff.id, productId: p.id, week: "2026-W49", marketPrice: 150, collectedAt: clock.now() } });
    expect(await available()).toBe(false);
    // Next Monday is a new week.
    expect(await available({ ...env, today: "2026-12-07" })).toBe(true);
  });

  it("through the form engine: stock and prices per product, written to PriceCollection for the week", async () => {
    const out = await drive(infoPointSection as unknown as VisitSection<Answers>, ["中华硬", "12", "指导价 450", "45", "430元", "是", "利群新版", "30", "150", "15", "¥140", "否"]);
    expect(out.completed).toBe(true);
    expect(lastText(out)).toContain("信息采集 2 个品规");
    const rows = await tdb.db.priceCollection.findMany({ orderBy: { id: "asc" } });
    const names = new Map((await tdb.db.product.findMany()).map((p) => [p.id, p.name]));
    expect(rows.map((r) => [names.get(r.productId), r.week, r.stock, r.cartonPrice, r.packPrice, r.marketPrice, r.managerId === staff.id, r.visitId !== null])).toEqual([
      ["中华(硬)", "2026-W49", 12, 450, 45, 430, true, true],
      ["利群(新版)", "2026-W49", 30, 150, 15, 140, true, true],
    ]);
    expect((await storedDetails()).prices.map((p: { name: string; marketPrice: number }) => [p.name, p.marketPrice])).toEqual([["中华(硬)", 430], ["利群(新版)", 140]]);
    expect(await available()).toBe(false);
  });
});
