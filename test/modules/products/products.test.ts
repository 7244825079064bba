import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { formatImportReport, importCustomers } from "../../../src/modules/imports/import.service.ts";
import { DEMO_INFO_POINTS, DEMO_PRODUCTS, seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import { brandOf, importProducts } from "../../../src/modules/products/products.import.ts";
import { productSearchKey, productsByIds, searchProducts } from "../../../src/modules/products/products.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const clock = new FakeClock("2026-12-02T01:30:00Z");
let tdb: TestDb;
let dir: string;

beforeEach(async () => {
  tdb = await createTestDb();
  dir = mkdtempSync(path.join(tmpdir(), "vm-products-"));
});
afterEach(async () => {
  await tdb.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("product import", () => {
  it("imports a Chinese price list, reports bad rows with their numbers, and re-import updates by code", async () => {
    const bad = file("bad.csv", "卷烟编码,卷烟名称,品牌,盒价,条价\nLQ01,利群(新版),利群,15,150\nLQ01,利群(阳光),利群,20,200\nZH01,,中华,45,450\nZH02,中华(软),中华,贵,650\n");
    const failed = await importProducts({ db: tdb.db, clock, file: bad });
    expect(failed.ok).toBe(false);
    expect(failed.errors.map((e) => [e.row, e.column, e.reason])).toEqual([
      [3, "code", "duplicate code (first seen in row 2)"],
      [4, "name", "name is required"],
      [5, "pack_price", "pack_price must be a non-negative number"],
    ]);
    expect(formatImportReport(failed)).toContain("第 5 行 · 盒价(pack_price) · 值 \"贵\" · pack_price 必须是不小于 0 的金额");
    expect(await tdb.db.product.count()).toBe(0);

    const good = file("good.csv", "卷烟编码,卷烟名称,规格,零售价（元/盒）,条价,状态\nLQ01,利群(新版),硬盒,15,150,在销\nZH02,中华（软）,软盒,¥65,650元,\nYY01,云烟(紫),硬盒,10,100,停售\n");
    const first = await importProducts({ db: tdb.db, clock, file: good });
    expect(first).toMatchObject({ ok: true, created: 3, updated: 0, total: 3 });
    expect(formatImportReport(first)).toBe("导入成功：新增 3，更新 0，共 3 行。");
    const zh = await tdb.db.product.findUniqueOrThrow({ where: { code: "ZH02" } });
    // No brand column: the brand is read off the name.
    expect(zh).toMatchObject({ name: "中华（软）", brand: "中华", spec: "软盒", packPrice: 65, cartonPrice: 650, active: true });
    expect((await tdb.db.product.findUniqueOrThrow({ where: { code: "YY01" } })).active).toBe(false);

    const again = file("again.csv", "code,name,brand,pack_price\nLQ01,利群(新版),利群,16\nZH02,中华（软）,中华,65\n");
    const second = await importProducts({ db: tdb.db, clock, file: again });
    expect(second).toMatchObject({ ok: true, created: 0, updated: 1, unchanged: 1 });
    // The carton price column is absent: the stored one stays.
    expect(await tdb.db.product.findUniqueOrThrow({ where: { code: "LQ01" } })).toMatchObject({ packPrice: 16, cartonPrice: 150 });
  });

  it("reads the brand off a product name", () => {
    expect(brandOf("黄鹤楼(软蓝)")).toBe("黄鹤楼");
    expect(brandOf("红双喜(硬)")).toBe("红双喜");
    expect(brandOf("Marlboro")).toBe("");
  });
});

describe("product search", () => {
  beforeEach(async () => {
    await importProducts({ db: tdb.db, clock, file: file("p.csv", "code,name,brand,pack_price,status\nLQ01,利群(新版),利群,15,\nLQ02,利群(软红长嘴),利群,25,\nZH01,中华(硬),中华,45,\nYY01,云烟(紫),云烟,10,停售\n") });
  });

  it("finds by name fragment, brand, code, full-width and spaced input; inactive products are not offered", async () => {
    const names = async (text: string) => (await searchProducts({ db: tdb.db, text })).products.map((p) => p.code);
    expect(await names("利群")).toEqual(["LQ01", "LQ02"]);
    expect(await names("软红")).toEqual(["LQ02"]);
    expect(await names("利群（新版）")).toEqual(["LQ01"]);
    expect(await names("利 群 新版")).toEqual(["LQ01"]);
    expect(await names("ｚｈ01")).toEqual(["ZH01"]);
    expect(await names("云烟")).toEqual([]);
    expect(await names("  ")).toEqual([]);
    const limited = await searchProducts({ db: tdb.db, text: "利群", limit: 1 });
    expect(limited.products.length).toBe(1);
    expect(limited.more).toBe(true);
    expect(productSearchKey("ＬＱ · 01")).toBe("lq01");
  });

  it("refuses a pasted page as a search", async () => {
    await expect(searchProducts({ db: tdb.db, text: "利".repeat(500) })).rejects.toMatchObject({ code: "input.too-long" });
  });

  it("reads products by id in chunks", async () => {
    const all = await tdb.db.product.findMany({ select: { id: true } });
    const ids = [...all.map((p) => p.id), ...Array.from({ length: 1200 }, (_, i) => 10_000 + i)];
    const map = await productsByIds({ db: tdb.db, ids });
    expect(map.size).toBe(4);
  });
});

describe("info points and the demo", () => {
  it("the customer import reads the 信息采集点 column", async () => {
    await tdb.db.staff.create({ data: { code: "M1", name: "李明", role: "manager" } });
    const csv = file("c.csv", "客户编码,客户名称,客户经理,纬度,经度,信息采集点\nC1,张记副食店,M1,30.1,120.1,是\nC2,王家烟酒店,M1,30.2,120.2,\nC3,老街小卖部,M1,30.3,120.3,Y\n");
    const report = await importCustomers({ db: tdb.db, policy: loadPolicy(), clock, file: csv });
    expect(report.ok).toBe(true);
    const flagged = await tdb.db.customer.findMany({ where: { infoPoint: true }, select: { code: true }, orderBy: { code: "asc" } });
    expect(flagged.map((c) => c.code)).toEqual(["C1", "C3"]);
    const bad = await importCustomers({ db: tdb.db, policy: loadPolicy(), clock, file: file("c2.csv", "客户编码,客户名称,客户经理,纬度,经度,采集点\nC1,张记副食店,M1,30.1,120.1,也许\n") });
    expect(bad.errors.map((e) => [e.row, e.column])).toEqual([[2, "info_point"]]);
  });

  it("the tobacco demo has the product list and info points of M001", async () => {
    await seedDemoIfEmpty({ db: tdb.db, policy: loadPolicy(), clock });
    expect(await tdb.db.product.count()).toBe(DEMO_PRODUCTS.length);
    expect(new Set(DEMO_PRODUCTS.map((p) => p.brand))).toEqual(new Set(["利群", "中华", "玉溪", "黄鹤楼", "云烟", "芙蓉王", "南京", "黄金叶"]));
    const points = await tdb.db.customer.findMany({ where: { infoPoint: true }, include: { manager: true } });
    expect(points.map((c) => c.code).sort()).toEqual([...DEMO_INFO_POINTS]);
    expect(points.every((c) => c.manager.code === "M001")).toBe(true);
    expect((await searchProducts({ db: tdb.db, text: "中华" })).products.map((p) => p.name)).toEqual(["中华(双中支)", "中华(硬)", "中华(软)"]);
  });
});
