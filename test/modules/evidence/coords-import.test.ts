import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { formatImportReport, importCustomers } from "../../../src/modules/imports/import.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const policy = loadPolicy();
const clock = new FakeClock("2026-11-22T02:00:00Z");

describe("import of shops without coordinates", () => {
  let t: TestDb;
  let dir: string;
  beforeEach(async () => {
    t = await createTestDb();
    dir = mkdtempSync(path.join(tmpdir(), "visitmate-coords-import-"));
    await t.db.staff.create({ data: { code: "M1", name: "李明", role: "manager", startLat: 30.3, startLng: 120.2 } });
    await t.db.staff.create({ data: { code: "M2", name: "钱多", role: "manager" } });
    await t.db.staff.create({ data: { code: "M3", name: "孙新", role: "manager" } });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const csv = (rows: string[][]) => {
    const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, ["code,name,manager,lat,lng", ...rows.map((r) => r.join(","))].join("\r\n") + "\r\n");
    return file;
  };
  const run = (rows: string[][]) => importCustomers({ db: t.db, policy, clock, file: csv(rows) });
  const shop = (code: string) => t.db.customer.findUniqueOrThrow({ where: { code } });

  it("accepts both coordinates empty as an unlocated shop at a placeholder, counts them in the summary, and keeps an error for one of the two", async () => {
    const bad = await run([["C1", "甲店", "M1", "30.1", ""], ["C2", "乙店", "M1", "", "120.1"]]);
    expect(bad.ok).toBe(false);
    expect(bad.errors.map((e) => [e.row, e.column])).toEqual([[2, "lng"], [3, "lat"]]);
    expect(formatImportReport(bad, "zh-CN")).toContain("填了 lat 就必须填 lng（没有坐标的门店两个都留空）");
    expect(await t.db.customer.count()).toBe(0);

    const r = await run([
      ["C1", "甲店", "M1", "", ""],
      ["C2", "乙店", "M2", "30.2", "120.1"],
      ["C3", "丙店", "M2", "30.4", "120.3"],
      ["C4", "丁店", "M2", "", ""],
      ["C5", "戊店", "M3", "", ""],
    ]);
    expect(r).toMatchObject({ ok: true, created: 5 });
    expect(r.notes).toContainEqual({ key: "import.note.unlocated", params: { n: 3 } });
    expect(formatImportReport(r, "zh-CN")).toContain("3 家门店没有坐标：先用占位位置，首次签到后会请主管确认真实坐标。");
    // M1's start point; M2 has none, so the mean of M2's located shops; M3 has neither: the company's located shops.
    expect(await shop("C1")).toMatchObject({ lat: 30.3, lng: 120.2, located: false });
    expect(await shop("C2")).toMatchObject({ lat: 30.2, lng: 120.1, located: true });
    const c4 = await shop("C4");
    expect(c4.located).toBe(false);
    expect(c4.lat).toBeCloseTo(30.3, 9);
    expect(c4.lng).toBeCloseTo(120.2, 9);
    const c5 = await shop("C5");
    expect(c5.located).toBe(false);
    expect(c5.lat).toBeCloseTo(30.3, 9);

    // Re-imported still without coordinates: what is stored stays; with real ones the shop is located.
    await t.db.customer.update({ where: { code: "C1" }, data: { lat: 30.31, lng: 120.21, located: true } });
    const again = await run([["C1", "甲店", "M1", "", ""], ["C4", "丁店", "M2", "30.5", "120.5"]]);
    expect(again).toMatchObject({ ok: true, updated: 1, unchanged: 1 });
    expect(await shop("C1")).toMatchObject({ lat: 30.31, lng: 120.21, located: true });
    expect(await shop("C4")).toMatchObject({ lat: 30.5, lng: 120.5, located: true });
  });
});
