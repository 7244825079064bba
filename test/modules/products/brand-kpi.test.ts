import { afterEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../../src/app.ts";
import { brandKpiExportRows, brandKpisFor } from "../../../src/modules/products/brand-kpi.service.ts";
import type { ProductCultivation } from "../../../src/modules/visits/visits.service.ts";
import { runCli } from "../../helpers/cli.ts";
import { at, createScenario, type Scenario } from "../reports/scenario.ts";

/**
 * A hand-made month on the reports scenario's team (S1: M1, M2; S2: M3): two products, the latest
 * entry per shop and product counting, one visit of November outside the period.
 */
async function seedCultivation(s: Scenario) {
  const db = s.t.db;
  const p1 = await db.product.create({ data: { code: "LQ01", name: "利群(新版)", brand: "利群", packPrice: 15, cartonPrice: 150, searchText: "lq01|利群新版|利群" } });
  const p2 = await db.product.create({ data: { code: "ZH01", name: "中华(硬)", brand: "中华", packPrice: 45, cartonPrice: 450, searchText: "zh01|中华硬|中华" } });
  const cust = async (code: string) => (await db.customer.findUniqueOrThrow({ where: { code } })).id;
  const entry = (p: typeof p1, listed: boolean, repurchase: ProductCultivation["repurchase"], refusal: string | null = null): ProductCultivation => ({ productId: p.id, name: p.name, brand: p.brand, listed, refusal, sold: listed ? 2 : null, repurchase, daysOutOfStock: null, promotion: listed ? true : null });
  const visit = async (managerId: number, code: string, when: Date, products: ProductCultivation[]) =>
    db.visit.create({ data: { managerId, customerId: await cust(code), visitedAt: when, mode: "field", details: JSON.stringify({ kind: "visit", products }), createdAt: when, updatedAt: when } });
  const { M1, M2, M3 } = s.staff;
  await visit(M1.id, "C1", at("2026-12-01", "09:00"), [entry(p1, false, null, "money"), entry(p2, true, "yes")]);
  // Listed on the second visit: the latest entry counts.
  await visit(M1.id, "C1", at("2026-12-02", "10:00"), [entry(p1, true, "no")]);
  // "early" is 刚上柜，还看不出: listed, not (yet) re-purchased.
  await visit(M1.id, "C2", at("2026-12-01", "10:00"), [entry(p1, true, "early")]);
  await visit(M1.id, "C3", at("2026-12-02", "11:00"), [entry(p1, false, null, "demand"), entry(p2, true, null)]);
  // November: outside the month.
  await visit(M1.id, "C4", at("2026-11-28", "09:00"), [entry(p1, true, "yes")]);
  await visit(M2.id, "D1", at("2026-12-01", "14:00"), [entry(p1, true, "yes"), entry(p2, false, null, "space")]);
  await visit(M3.id, "E1", at("2026-12-01", "14:00"), [entry(p2, true, "yes")]);
  return { p1, p2 };
}

describe("brand KPIs: 上柜率 and 再购率 over a seeded month", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  it("per product for the team and per manager, exact figures", async () => {
    s = await createScenario();
    const { p1, p2 } = await seedCultivation(s);
    const k = await brandKpisFor({ db: s.t.db, timeZone: "Asia/Shanghai", viewer: s.staff.S1, from: "2026-12-01", to: "2026-12-31" });
    expect(k.team).toEqual([
      { productId: p1.id, name: "利群(新版)", brand: "利群", visited: 4, listed: 3, repurchased: 1, listingRate: 0.75, repurchaseRate: 1 / 3 },
      { productId: p2.id, name: "中华(硬)", brand: "中华", visited: 3, listed: 2, repurchased: 1, listingRate: 2 / 3, repurchaseRate: 0.5 },
    ]);
    expect(k.byManager.map((m) => [m.manager.code, m.rows.map((r) => [r.name, r.visited, r.listed, r.repurchased, r.repurchaseRate])])).toEqual([
      ["M001", [["利群(新版)", 3, 2, 0, 0], ["中华(硬)", 2, 2, 1, 0.5]]],
      ["M002", [["利群(新版)", 1, 1, 1, 1], ["中华(硬)", 1, 0, 0, null]]],
    ]);
    // The other team's supervisor sees only M3.
    const other = await brandKpisFor({ db: s.t.db, timeZone: "Asia/Shanghai", viewer: s.staff.S2, from: "2026-12-01", to: "2026-12-31" });
    expect(other.team.map((r) => [r.name, r.visited, r.listed])).toEqual([["中华(硬)", 1, 1]]);
    expect(brandKpiExportRows(k, "全队").at(-2)).toEqual({ managerCode: "", managerName: "全队", brand: "利群", product: "利群(新版)", visited: 4, listed: 3, listingPct: 75, repurchased: 1, repurchasePct: 33.3 });
  });

  it("/team month shows the brand block; /team week does not", async () => {
    s = await createScenario();
    await seedCultivation(s);
    const router = createAppRouter(s.deps);
    const [month] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team 本月" });
    expect(month!.text).toContain("品牌培育（上柜率 / 再购率，按每家店最近一次记录）：\n  利群(新版)：培育 4 家，上柜 3（75%），再购 1（33.3%）\n  中华(硬)：培育 3 家，上柜 2（66.7%），再购 1（50%）");
    expect(month!.text).toContain("  王芳 M001：利群(新版) 上柜 66.7% 再购 0%、中华(硬) 上柜 100% 再购 50%");
    const [week] = await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team week" });
    expect(week!.text).not.toContain("品牌培育");
  });

  it("npx visitmate report brands --month exports every manager's and the team's rows", async () => {
    s = await createScenario();
    await seedCultivation(s);
    const r = await runCli(s.t.url, ["report", "brands", "--supervisor", "S001", "--month", "2026-12", "--format", "csv"]);
    expect(r.code).toBe(0);
    const lines = r.out.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0]).toBe("managerCode,managerName,brand,product,visited,listed,listingPct,repurchased,repurchasePct");
    expect(lines.slice(1)).toEqual([
      "M001,王芳,利群,利群(新版),3,2,66.7,0,0",
      "M001,王芳,中华,中华(硬),2,2,100,1,50",
      "M002,李强,利群,利群(新版),1,1,100,1,100",
      "M002,李强,中华,中华(硬),1,0,0,0,",
      ",全队,利群,利群(新版),4,3,75,1,33.3",
      ",全队,中华,中华(硬),3,2,66.7,1,50",
    ]);
    expect((await runCli(s.t.url, ["report", "brands", "--month", "12月"])).err).toContain("月份写成 2026-12 这样");
  });
});
