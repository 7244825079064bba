import { startChildProcess } from "./bot-runner.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { localDate } from "../../../src/core/dates.ts";
import { dbCondition } from "../../../src/core/db-faults.ts";
import { AppError } from "../../../src/core/errors.ts";
import type { Db } from "../../../src/db/client.ts";
import { mapHeaders, CUSTOMER_HEADER_ALIASES, CUSTOMER_BASE_KEYS, CUSTOMER_KEYS, parseBoolean, parseDate, parseVisitDays } from "../../../src/modules/imports/columns.ts";
import { CsvStreamParser, decodeFile, openImportFile, parseCsv, plainNumber, type DecodedRow, type ImportFile } from "../../../src/modules/imports/decode.ts";
import {
  formatImportReport,
  importCustomers,
  importManagers,
  ZCustomerImportRowSchema,
  ZManagerImportRowSchema,
  TX_ROWS,
  type ImportReport,
} from "../../../src/modules/imports/import.service.ts";
import { createTestDb, ENGINES, type Engine, type TestDb } from "../../helpers/db.ts";
import type { WriterResult } from "./writer-process.ts";

const policy = loadPolicy();
const clock = new FakeClock("2026-11-22T02:00:00Z");
const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/import");

// ---------------------------------------------------------------------------------------------
// Fixture builders

function csvCell(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function toCsv(rows: string[][], eol = "\r\n"): string {
  return rows.map((r) => r.map(csvCell).join(",")).join(eol) + eol;
}

// The tobacco columns; the key-account file columns have their own tests (customer-file.test.ts).
const KEYS = CUSTOMER_BASE_KEYS;
type Row = Record<(typeof KEYS)[number], string>;

const ZH_HEADERS: Record<(typeof KEYS)[number], string> = {
  code: "客户编码",
  name: "客户名称",
  manager: "客户经理",
  address: "经营地址",
  phone: "联系电话",
  lat: "纬度",
  lng: "经度",
  market_type: "市场类型",
  format: "零售业态",
  tier: "档位",
  modern_terminal: "现代终端",
  violation_date: "最近违规日期",
  low_income: "低保",
  disabled: "残疾人",
  sales_volume: "年销量",
  credit: "信用客户",
  key_person: "关键联系人",
  info_point: "信息采集点",
  service_class: "客户分类",
};

const ZH_VALUES: Record<string, string> = {
  city: "城市",
  town: "城镇",
  rural: "农村",
  supermarket: "超市",
  "tobacco-liquor": "烟酒店",
  grocery: "食杂店",
  convenience: "便利店",
  built: "已建成",
  potential: "有潜力",
  none: "未建设",
  yes: "是",
  no: "否",
  regular: "常规客户",
};

const GOOD: Row[] = [
  {
    code: "C001",
    name: "联华超市(文三路店)",
    manager: "M1",
    address: "杭州市西湖区文三路259号, 1楼",
    phone: "0571-88210001",
    lat: "30.2796",
    lng: "120.1402",
    market_type: "city",
    format: "supermarket",
    tier: "27",
    modern_terminal: "built",
    violation_date: "",
    low_income: "no",
    disabled: "no",
    sales_volume: "182000",
    credit: "no",
    key_person: "张丽华",
    info_point: "yes",
    service_class: "",
  },
  {
    code: "C002",
    name: "好运烟酒商行",
    manager: "M1",
    address: "杭州市西湖区教工路88号",
    phone: "13805710002",
    lat: "30.2765",
    lng: "120.1458",
    market_type: "town",
    format: "tobacco-liquor",
    tier: "18",
    modern_terminal: "potential",
    violation_date: "2026-10-08",
    low_income: "no",
    disabled: "no",
    sales_volume: "54000",
    credit: "yes",
    key_person: "王国强",
    info_point: "",
    service_class: "",
  },
  {
    code: "C003",
    name: "老街食杂店",
    manager: "M2",
    address: "杭州市上城区中山南路42号",
    phone: "13905710003",
    lat: "30.2468",
    lng: "120.1702",
    market_type: "rural",
    format: "grocery",
    tier: "9",
    modern_terminal: "none",
    violation_date: "",
    low_income: "yes",
    disabled: "no",
    sales_volume: "8000",
    credit: "no",
    key_person: "",
    info_point: "no",
    service_class: "regular",
  },
];

function englishCsv(rows: Row[], keys: readonly string[] = KEYS): string {
  return toCsv([[...keys], ...rows.map((r) => keys.map((k) => (r as Record<string, string>)[k] ?? ""))]);
}

function chineseCsv(rows: Row[]): string {
  const zhValue = (k: string, v: string) => (k === "violation_date" ? v.replace(/-/g, "/") : (ZH_VALUES[v] ?? v));
  return toCsv([KEYS.map((k) => ZH_HEADERS[k]), ...rows.map((r) => KEYS.map((k) => zhValue(k, r[k])))]);
}

async function chineseXlsx(file: string, rows: Row[]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("客户");
  ws.addRow(KEYS.map((k) => ZH_HEADERS[k]));
  rows.forEach((r, i) => {
    // Typed cells as Excel users produce them: numbers, real dates, rich text, a formula.
    const cells: ExcelJS.CellValue[] = KEYS.map((k): ExcelJS.CellValue => {
      const v = r[k];
      if (v === "") return null;
      if (["lat", "lng", "tier", "sales_volume"].includes(k)) return Number(v);
      if (k === "phone" && /^\d+$/.test(v)) return Number(v);
      if (k === "violation_date") return new Date(`${v}T00:00:00Z`);
      return ZH_VALUES[v] ?? v;
    });
    if (i === 0) cells[KEYS.indexOf("sales_volume")] = { formula: "100000+82000", result: 182000 };
    if (i === 2) cells[KEYS.indexOf("name")] = { richText: [{ text: "老街" }, { text: "食杂店", font: { bold: true } }] };
    ws.addRow(cells);
  });
  await wb.xlsx.writeFile(file);
}

const MANAGERS_CSV = toCsv([
  ["code", "name", "role", "supervisor", "start_lat", "start_lng", "visit_days"],
  ["M1", "李明", "manager", "S1", "30.2741", "120.1551", "1,3,4"],
  ["M2", "张伟", "客户经理", "S1", "", "", "周一,周三,周五"],
  ["S1", "王建国", "主管", "", "", "", ""],
]);

// ---------------------------------------------------------------------------------------------

let t: TestDb;
let dir: string;
/** The engine of the storage-level describes (`onEngines`); the pure ones run on SQLite. */
let engine: Engine = "sqlite";

beforeEach(async () => {
  t = await createTestDb({ engine });
  dir = mkdtempSync(path.join(tmpdir(), "visitmate-import-"));
});

afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The storage-level describes, once per engine. */
function onEngines(body: () => void): void {
  describe.each(ENGINES)("on %s", (e) => {
    beforeAll(() => void (engine = e));
    afterAll(() => void (engine = "sqlite"));
    body();
  });
}

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function seedManagers(db: Db): Promise<void> {
  const r = await importManagers({ db, file: write("managers.csv", MANAGERS_CSV) });
  expect(r.ok, formatImportReport(r, "en")).toBe(true);
}

async function customersSnapshot(db: Db) {
  const rows = await db.customer.findMany({ include: { manager: true }, orderBy: { code: "asc" } });
  return rows.map((c) => ({
    code: c.code,
    name: c.name,
    manager: c.manager.code,
    address: c.address,
    phone: c.phone,
    lat: c.lat,
    lng: c.lng,
    marketType: c.marketType,
    retailFormat: c.retailFormat,
    tier: c.tier,
    modernTerminal: c.modernTerminal,
    violationDate: c.violationDate ? localDate(c.violationDate, policy.timeZone) : null,
    lowIncome: c.lowIncome,
    disabled: c.disabled,
    salesVolume: c.salesVolume,
    credit: c.credit,
    keyPerson: c.keyPerson,
    classOverride: c.classOverride,
    serviceClass: c.serviceClass,
  }));
}

const importFile = (file: string, p = policy) => importCustomers({ db: t.db, policy: p, clock, file });

function errorsOf(report: ImportReport) {
  return report.errors.map(({ row, column, reason }) => ({ row, column, reason }));
}

// ---------------------------------------------------------------------------------------------

describe("decode", () => {
  it("parses RFC 4180 CSV: quotes, escaped quotes, separators and line breaks inside quotes, CRLF/LF", () => {
    const text = 'a,b,c\r\n"x, y","he said ""hi""",\n"two\r\nlines",2,3\n\n"",""""\n';
    expect(parseCsv(text)).toEqual([["a", "b", "c"], ["x, y", 'he said "hi"', ""], ["two\r\nlines", "2", "3"], [""], ["", '"']]);
    expect(parseCsv("a,b\n1,2")).toEqual([["a", "b"], ["1", "2"]]);
    expect(() => parseCsv('a\n"b,c\n')).toThrow(/row 2.*never closed/);
  });

  it("detects UTF-8 with BOM, plain UTF-8, GBK, and tab-separated text", async () => {
    const text = "客户编码,客户名称\nC1,便利店\n";
    const bom = await decodeFile(write("bom.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
    const utf8 = await decodeFile(write("utf8.csv", text));
    const gbk = await decodeFile(write("gbk.csv", iconv.encode(text, "gbk")));
    const tsv = await decodeFile(write("tab.csv", "客户编码\t客户名称\nC1\t便利店, 东门\n"));
    expect([bom.encoding, utf8.encoding, gbk.encoding]).toEqual(["utf-8-bom", "utf-8", "gb18030"]);
    for (const d of [bom, utf8, gbk]) {
      expect(d.headers).toEqual(["客户编码", "客户名称"]);
      expect(d.rows).toEqual([{ rowNumber: 2, values: { 客户编码: "C1", 客户名称: "便利店" } }]);
    }
    // Bytes from a chat upload: the name only supplies the extension.
    const upload = await decodeFile({ name: "客户.CSV", data: iconv.encode(text, "gbk") });
    expect(upload.rows[0]!.values).toEqual({ 客户编码: "C1", 客户名称: "便利店" });
    expect(tsv.delimiter).toBe("\t");
    expect(tsv.rows[0]!.values).toEqual({ 客户编码: "C1", 客户名称: "便利店, 东门" });
  });

  it("skips empty rows but keeps the spreadsheet row numbers; a multi-line cell is one row", async () => {
    const d = await decodeFile(write("gaps.csv", 'code,name\n\nC1,"a\nb"\n,\nC2,x\n'));
    expect(d.rows.map((r) => [r.rowNumber, r.values.code])).toEqual([
      [3, "C1"],
      [5, "C2"],
    ]);
  });

  it("reads .xlsx cells as strings: plain numbers, dates, rich text, formula results", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("s");
    ws.addRow(["n", "big", "small", "date", "rich", "formula", "bool"]);
    ws.addRow([
      30.2796,
      330106100001,
      1.5e-7,
      new Date(Date.UTC(2026, 2, 5)),
      { richText: [{ text: "联华" }, { text: "超市" }] },
      { formula: "1+1", result: 2 },
      true,
    ]);
    await wb.xlsx.writeFile(path.join(dir, "cells.xlsx"));
    const d = await decodeFile(path.join(dir, "cells.xlsx"));
    expect(d.rows).toEqual([
      {
        rowNumber: 2,
        values: { n: "30.2796", big: "330106100001", small: "0.00000015", date: "2026-03-05", rich: "联华超市", formula: "2", bool: "true" },
      },
    ]);
    expect(plainNumber(1e21)).toBe("1000000000000000000000");
  });

  it("rejects an unknown extension with a clear error", async () => {
    const file = write("customers.xls", "whatever");
    await expect(decodeFile(file)).rejects.toThrow(AppError);
    await expect(decodeFile(file)).rejects.toThrow(/unsupported file type "\.xls".*\.csv or \.xlsx/);
    await expect(importCustomers({ db: t.db, policy, clock, file: write("c.json", "{}") })).rejects.toMatchObject({
      code: "import.unsupported-file",
    });
  });
});

describe("columns", () => {
  it("maps English keys and Chinese headers, trimmed and case-insensitive", () => {
    const m = mapHeaders([" 客户编码 ", "店名", "所属客户经理", "LAT", "经度", "销售额", "备注"], CUSTOMER_HEADER_ALIASES);
    expect([...m.columns.values()]).toEqual(["code", "name", "manager", "lat", "lng", "sales_volume"]);
    expect(m.unknown).toEqual(["备注"]);
    expect(mapHeaders(["销量", "销售额"], CUSTOMER_HEADER_ALIASES).duplicates).toEqual([{ key: "sales_volume", headers: ["销量", "销售额"] }]);
  });

  it("understands weekdays, booleans and dates in English and Chinese", () => {
    for (const v of ["1,3,4", "Mon,Wed,Thu", "周一,周三,周四", "一三四", "星期一、星期三、星期四", "4,1,3,3"]) expect(parseVisitDays(v)).toBe("1,3,4");
    expect(parseVisitDays("周日")).toBe("7");
    expect(parseVisitDays("")).toBe("");
    expect(parseVisitDays("8")).toBeUndefined();
    expect(["是", "有", "Y", "1", "true", ""].map(parseBoolean)).toEqual([true, true, true, true, true, false]);
    expect(["否", "无", "no", "0"].map(parseBoolean)).toEqual([false, false, false, false]);
    expect(parseBoolean("maybe")).toBeUndefined();
    expect(["2026-03-05", "2026/3/5", "2026/02/30"].map(parseDate)).toEqual(["2026-03-05", "2026-03-05", undefined]);
  });

  it("row schemas report every bad field of a row", () => {
    const r = ZCustomerImportRowSchema.safeParse({ code: "C1", name: "店", manager: "M1", lat: "95", lng: "abc", tier: "31", format: "kiosk" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path[0], i.message])).toEqual([
      ["lat", "lat must be between -90 and 90"],
      ["lng", "lng must be a number"],
      ["format", "format must be one of mall, supermarket, tobacco-liquor, convenience, grocery, other (商场/超市/烟酒店/便利店/食杂店/其他)"],
      ["tier", "tier must be an integer from 1 to 30"],
    ]);
    const m = ZManagerImportRowSchema.safeParse({ code: "M1", name: "李明", role: "客户经理", visit_days: "周一 周四", start_lat: "30.1" });
    expect(m.success).toBe(false);
    expect(m.error!.issues.map((i) => [i.path[0], i.message])).toEqual([["start_lng", "start_lng is required when start_lat is given"]]);
  });
});

onEngines(() => {
  describe("importManagers", () => {
    it("imports staff with supervisors defined later in the same file, then re-imports idempotently", async () => {
      const file = write("managers.csv", MANAGERS_CSV);
      const progress: [number, number][] = [];
      const r = await importManagers({ db: t.db, file, onProgress: (d, n) => progress.push([d, n]) });
      expect(r).toMatchObject({ ok: true, total: 3, created: 3, updated: 0, unchanged: 0, errors: [] });
      expect(progress.at(-1)).toEqual([3, 3]);
      const staff = await t.db.staff.findMany({ include: { supervisor: true }, orderBy: { code: "asc" } });
      expect(staff.map((s) => [s.code, s.name, s.role, s.supervisor?.code ?? null, s.visitDays, s.startLat, s.startLng])).toEqual([
        ["M1", "李明", "manager", "S1", "1,3,4", 30.2741, 120.1551],
        ["M2", "张伟", "manager", "S1", "1,3,5", null, null],
        ["S1", "王建国", "supervisor", null, "", null, null],
      ]);

      const again = await importManagers({ db: t.db, file });
      expect(again).toMatchObject({ ok: true, created: 0, updated: 0, unchanged: 3 });
      expect(await t.db.staff.count()).toBe(3);

      // A new supervisor in the file and M2 moved under them.
      const moved = MANAGERS_CSV.replace("M2,张伟,客户经理,S1", "M2,张伟,客户经理,S2") + "S2,赵丽,区域经理,,,,\r\n";
      const r3 = await importManagers({ db: t.db, file: write("moved.csv", moved) });
      expect(r3).toMatchObject({ ok: true, created: 1, updated: 1, unchanged: 2 });
      const m2 = await t.db.staff.findUnique({ where: { code: "M2" }, include: { supervisor: true } });
      expect(m2?.supervisor?.code).toBe("S2");
    });

    it("reports bad rows and unknown, self-referencing or non-supervisor supervisors; writes nothing", async () => {
      const file = write(
        "bad.csv",
        toCsv([
          ["工号", "姓名", "岗位", "上级工号", "拜访日"],
          ["M1", "李明", "客户经理", "S9", "1,3,4"],
          ["M2", "张伟", "boss", "S8", "周八"],
          ["S1", "王建国", "主管", "S1", ""],
          ["M3", "陈静", "客户经理", "M1", ""],
          ["", "无名", "客户经理", "", ""],
        ]),
      );
      const r = await importManagers({ db: t.db, file });
      expect(r.ok).toBe(false);
      expect(errorsOf(r)).toEqual([
        { row: 2, column: "supervisor", reason: "unknown supervisor S9" },
        { row: 3, column: "role", reason: "role must be one of manager, supervisor, admin (客户经理/主管/管理员)" },
        { row: 3, column: "visit_days", reason: "visit_days must list weekdays, e.g. 1,3,4 or 周一,周三,周四" },
        { row: 3, column: "supervisor", reason: "unknown supervisor S8" },
        { row: 4, column: "supervisor", reason: "a person cannot be their own supervisor" },
        { row: 5, column: "supervisor", reason: "M1 is a manager, not a supervisor" },
        { row: 6, column: "code", reason: "code is required" },
      ]);
      expect(await t.db.staff.count()).toBe(0);

      const loop = await importManagers({
        db: t.db,
        file: write("loop.csv", "code,name,role,supervisor\nS1,王建国,supervisor,S2\nS2,赵丽,supervisor,S1\n"),
      });
      expect(errorsOf(loop)).toEqual([
        { row: 2, column: "supervisor", reason: "supervisor chain loops back to S1" },
        { row: 3, column: "supervisor", reason: "supervisor chain loops back to S2" },
      ]);

      // A column the file lacks can still be the one a row needs: the error is kept, not swallowed.
      const half = await importManagers({ db: t.db, file: write("half.csv", "code,name,role,起点纬度\nS1,王建国,主管,30.27\n") });
      expect(errorsOf(half)).toEqual([{ row: 2, column: "start_lng", reason: "start_lng is required when start_lat is given" }]);

      const missing = await importManagers({ db: t.db, file: write("missing.csv", "code,name\nM1,李明\n") });
      expect(errorsOf(missing)).toEqual([{ row: 1, column: "role", reason: "missing required column" }]);
    });

    it("refuses to change the role of a manager who still has customers", async () => {
      await seedManagers(t.db);
      expect((await importFile(write("c.csv", englishCsv(GOOD)))).ok).toBe(true);
      const r = await importManagers({ db: t.db, file: write("demote.csv", "code,name,role\nM2,张伟,supervisor\n") });
      expect(errorsOf(r)).toEqual([{ row: 2, column: "role", reason: "M2 still has 1 customers; reassign them before changing the role" }]);
      expect((await t.db.staff.findUnique({ where: { code: "M2" } }))?.role).toBe("manager");
    });
  });

  describe("importCustomers", () => {
    beforeEach(async () => seedManagers(t.db));

    it("imports the same data from UTF-8, UTF-8 with BOM (Chinese headers), GBK and .xlsx", async () => {
      const utf8 = write("utf8.csv", englishCsv(GOOD));
      const bom = write("bom.csv", "\uFEFF" + chineseCsv(GOOD));
      const gbk = write("gbk.csv", iconv.encode(chineseCsv(GOOD), "gbk"));
      const xlsx = path.join(dir, "customers.xlsx");
      await chineseXlsx(xlsx, GOOD);

      const r = await importFile(utf8);
      expect(r).toMatchObject({ ok: true, total: 3, created: 3, updated: 0, errors: [] });
      const expected = await customersSnapshot(t.db);
      expect(expected[0]).toMatchObject({
        code: "C001",
        address: "杭州市西湖区文三路259号, 1楼",
        manager: "M1",
        lat: 30.2796,
        tier: 27,
        salesVolume: 182000,
        serviceClass: "core",
        classOverride: null,
      });
      expect(expected[1]).toMatchObject({ violationDate: "2026-10-08", credit: true, serviceClass: "assistance", marketType: "town" });
      expect(expected[2]).toMatchObject({ lowIncome: true, classOverride: "regular", serviceClass: "regular", keyPerson: "" });

      for (const file of [bom, gbk, xlsx]) {
        const other = await createTestDb({ engine });
        try {
          await seedManagers(other.db);
          const report = await importCustomers({ db: other.db, policy, clock, file });
          expect(report, `${path.basename(file)}: ${formatImportReport(report, "en")}`).toMatchObject({ ok: true, created: 3 });
          expect(await customersSnapshot(other.db)).toEqual(expected);
        } finally {
          await other.close();
        }
      }
    });

    it("re-importing the same file changes nothing; an edited row is an update", async () => {
      const file = write("c.csv", englishCsv(GOOD));
      await importFile(file);
      const before = await customersSnapshot(t.db);
      const again = await importFile(file);
      expect(again).toMatchObject({ ok: true, total: 3, created: 0, updated: 0, unchanged: 3 });
      expect(await t.db.customer.count()).toBe(3);
      expect(await customersSnapshot(t.db)).toEqual(before);
      expect(formatImportReport(again)).toBe("导入成功：新增 0，更新 0，未变化 3，共 3 行。");

      const edited = GOOD.map((r) => (r.code === "C003" ? { ...r, tier: "12", manager: "M1" } : r));
      const r = await importFile(write("edited.csv", englishCsv(edited)));
      expect(r).toMatchObject({ ok: true, created: 0, updated: 1, unchanged: 2 });
      const c3 = await t.db.customer.findUnique({ where: { code: "C003" }, include: { manager: true } });
      expect([c3?.tier, c3?.manager.code]).toEqual([12, "M1"]);
    });

    it("leaves columns the file does not have untouched", async () => {
      await importFile(write("c.csv", englishCsv(GOOD)));
      const minimal = write("min.csv", englishCsv(GOOD, ["code", "name", "manager", "lat", "lng"]));
      expect(await importFile(minimal)).toMatchObject({ ok: true, created: 0, updated: 0, unchanged: 3 });
      expect((await t.db.customer.findUnique({ where: { code: "C001" } }))?.tier).toBe(27);
    });

    it("service_class becomes classOverride and wins over the computed class; clearing it restores the rules", async () => {
      const withOverride = GOOD.map((r) => (r.code === "C001" ? { ...r, service_class: "帮扶" } : r));
      await importFile(write("o.csv", englishCsv(withOverride)));
      expect(await t.db.customer.findUnique({ where: { code: "C001" } })).toMatchObject({ classOverride: "assistance", serviceClass: "assistance" });

      await importFile(write("c.csv", englishCsv(GOOD)));
      expect(await t.db.customer.findUnique({ where: { code: "C001" } })).toMatchObject({ classOverride: null, serviceClass: "core" });
    });

    it("key-account preset: ABC by sales, with a class override by Chinese name", async () => {
      const ka = loadPolicy({ preset: "key-account" });
      const rows = GOOD.map((r) => ({ ...r, manager: "M1", service_class: r.code === "C003" ? "A类" : "" }));
      const r = await importFile(write("ka.csv", englishCsv(rows)), ka);
      expect(r.ok).toBe(true);
      const got = await t.db.customer.findMany({ orderBy: { code: "asc" } });
      expect(got.map((c) => [c.code, c.classOverride, c.serviceClass])).toEqual([
        ["C001", null, "A"],
        ["C002", null, "B"],
        ["C003", "A", "A"],
      ]);
      const bad = await importFile(write("kab.csv", englishCsv([{ ...rows[0]!, service_class: "core" }])), ka);
      expect(errorsOf(bad)).toEqual([{ row: 2, column: "service_class", reason: 'unknown service class "core" (known: A, B, C)' }]);
    });

    it("keeps quoted fields with commas, quotes and line breaks; row numbers follow the spreadsheet", async () => {
      const tricky: Row = { ...GOOD[0]!, name: '王记"老字号"烟酒店', address: "杭州市西湖区文三路259号,\n东门进" };
      const bad: Row = { ...GOOD[1]!, tier: "31" };
      const text = englishCsv([tricky, bad]).replace(/\r\n/g, "\n");
      expect(text).toContain('"杭州市西湖区文三路259号,\n东门进"');
      const failed = await importFile(write("q.csv", text));
      // The multi-line record is spreadsheet row 2, so the bad tier is row 3 (line 4 of the file).
      expect(errorsOf(failed)).toEqual([{ row: 3, column: "tier", reason: "tier must be an integer from 1 to 30" }]);

      expect((await importFile(write("q2.csv", englishCsv([tricky])))).ok).toBe(true);
      expect(await t.db.customer.findUnique({ where: { code: "C001" } })).toMatchObject({
        name: '王记"老字号"烟酒店',
        address: "杭州市西湖区文三路259号,\n东门进",
      });
    });

    it("accepts the manager's name when it names exactly one manager", async () => {
      const r = await importFile(write("byname.csv", englishCsv([{ ...GOOD[0]!, manager: "张伟" }])));
      expect(r.ok).toBe(true);
      expect((await t.db.customer.findUnique({ where: { code: "C001" }, include: { manager: true } }))?.manager.code).toBe("M2");
    });

    describe("bad files write nothing", () => {
      // A valid import first, so "nothing written" also means "nothing changed".
      beforeEach(async () => {
        expect((await importFile(write("good.csv", englishCsv(GOOD)))).ok).toBe(true);
      });

      async function expectNothingWritten(): Promise<void> {
        expect(await t.db.customer.count()).toBe(3);
        expect((await t.db.customer.findUnique({ where: { code: "C001" } }))?.name).toBe("联华超市(文三路店)");
      }

      // Every bad file also renames C001 and adds C004 (both valid) to prove neither is written.
      function withValidChanges(rows: Row[]): Row[] {
        return [
          ...rows.map((r) => (r.code === "C001" ? { ...r, name: "改名超市" } : r)),
          { ...GOOD[2]!, code: "C004", name: "新开便利店" },
        ];
      }

      it("missing required column", async () => {
        const keys = KEYS.filter((k) => k !== "lng");
        const r = await importFile(write("nolng.csv", englishCsv(withValidChanges(GOOD), keys)));
        expect(r.ok).toBe(false);
        expect(r.errors).toEqual([{ row: 1, column: "lng", value: "", reason: "missing required column" }]);
        await expectNothingWritten();
      });

      it("tier 31", async () => {
        const rows = withValidChanges(GOOD.map((r) => (r.code === "C002" ? { ...r, tier: "31" } : r)));
        const r = await importFile(write("tier.csv", englishCsv(rows)));
        expect(r.errors).toEqual([{ row: 3, column: "tier", value: "31", reason: "tier must be an integer from 1 to 30" }]);
        await expectNothingWritten();
      });

      it("a code a spreadsheet would run as a formula, or with spaces", async () => {
        const rows = withValidChanges([...GOOD, { ...GOOD[1]!, code: "=HYPERLINK(1)" }, { ...GOOD[1]!, code: "@SUM(1+1)" }, { ...GOOD[1]!, code: "C 9" }]);
        const r = await importFile(write("codes.csv", englishCsv(rows)));
        const reason = "code may only contain letters, digits and . _ - (starting with a letter or digit)";
        expect(errorsOf(r)).toEqual([
          { row: 5, column: "code", reason },
          { row: 6, column: "code", reason },
          { row: 7, column: "code", reason },
        ]);
        await expectNothingWritten();
      });

      it("duplicate code", async () => {
        const rows = withValidChanges([...GOOD, { ...GOOD[1]!, name: "又一个" }]);
        const r = await importFile(write("dup.csv", englishCsv(rows)));
        expect(errorsOf(r)).toEqual([{ row: 5, column: "code", reason: "duplicate code (first seen in row 3)" }]);
        await expectNothingWritten();
      });

      it("unknown manager, and a manager code that is not a customer manager", async () => {
        const rows = withValidChanges(GOOD.map((r) => (r.code === "C002" ? { ...r, manager: "M9" } : r.code === "C003" ? { ...r, manager: "S1" } : r)));
        const r = await importFile(write("mgr.csv", englishCsv(rows)));
        expect(errorsOf(r)).toEqual([
          { row: 3, column: "manager", reason: "unknown manager M9" },
          { row: 4, column: "manager", reason: "S1 is a supervisor, not a customer manager" },
        ]);
        await expectNothingWritten();
      });

      it("bad coordinates: lat 95, non-number lng, 0,0", async () => {
        const rows = withValidChanges(
          GOOD.map((r) =>
            r.code === "C001" ? { ...r, lat: "95" } : r.code === "C002" ? { ...r, lng: "120.14E" } : { ...r, lat: "0", lng: "0" },
          ),
        );
        const r = await importFile(write("coords.csv", englishCsv(rows)));
        expect(r.errors).toEqual([
          { row: 2, column: "lat", value: "95", reason: "lat must be between -90 and 90" },
          { row: 3, column: "lng", value: "120.14E", reason: "lng must be a number" },
          { row: 4, column: "lat", value: "0", reason: "coordinates 0,0 are not a real location" },
        ]);
        await expectNothingWritten();
      });

      it("collects every bad field of every bad row, with a localised report", async () => {
        const rows = withValidChanges(
          GOOD.map((r) =>
            r.code === "C002"
              ? { ...r, tier: "31", format: "kiosk", violation_date: "2027-01-01", low_income: "maybe" }
              : r.code === "C003"
                ? { ...r, name: "", lat: "", service_class: "VIP", manager: "M9" }
                : r,
          ),
        );
        const r = await importFile(write("many.csv", englishCsv(rows)));
        expect(errorsOf(r)).toEqual([
          { row: 3, column: "format", reason: expect.stringMatching(/^format must be one of mall/) },
          { row: 3, column: "tier", reason: "tier must be an integer from 1 to 30" },
          { row: 3, column: "violation_date", reason: "violation_date 2027-01-01 is in the future" },
          { row: 3, column: "low_income", reason: "low_income must be yes or no (是/否)" },
          { row: 4, column: "name", reason: "name is required" },
          { row: 4, column: "service_class", reason: 'unknown service class "VIP" (known: core, potential, regular, assistance)' },
          // Only one of the two coordinates empty (both empty is a shop without coordinates).
          { row: 4, column: "lat", reason: "lat is required when lng is given (leave both empty for a shop without coordinates)" },
          { row: 4, column: "manager", reason: "unknown manager M9" },
        ]);
        await expectNothingWritten();

        const zh = formatImportReport(r, "zh-CN").split("\n");
        expect(zh[0]).toBe("导入失败：2 行有错误，未写入任何数据。");
        expect(zh).toContain('第 3 行 · 档位(tier) · 值 "31" · 档位必须是 1–30 的整数');
        expect(zh).toContain("第 4 行 · 客户名称(name) · name 为必填项");
        const en = formatImportReport(r, "en").split("\n");
        expect(en[0]).toBe("Import failed: rows with errors: 2; nothing was written.");
        expect(en).toContain('Row 3 · tier · value "31" · tier must be an integer from 1 to 30');
      });
    });

    it("imports 10,000 rows in short commits with progress, and re-imports them as unchanged", async () => {
      const managers = [["code", "name", "role", "supervisor"], ...Array.from({ length: 20 }, (_, i) => [`K${i + 1}`, `经理${i + 1}`, "manager", "S1"])];
      expect((await importManagers({ db: t.db, file: write("k.csv", toCsv(managers)) })).ok).toBe(true);
      const rows = Array.from({ length: 10_000 }, (_, i): Row => ({
        ...GOOD[0]!,
        code: `B${String(i).padStart(5, "0")}`,
        name: `便利店${i}`,
        manager: `K${1 + (i % 20)}`,
        lat: String(30.2 + (i % 1000) / 10_000),
        lng: String(120.1 + Math.floor(i / 1000) / 1000),
        tier: String(1 + (i % 30)),
        sales_volume: String(1000 + i),
      }));
      const file = write("big.csv", englishCsv(rows));
      const progress: number[] = [];
      const r = await importCustomers({ db: t.db, policy, clock, file, onProgress: (done, total) => progress.push(done / total) });
      expect(r).toMatchObject({ ok: true, total: 10_000, created: 10_000 });
      expect(progress.at(-1)).toBe(1);
      expect(progress.length).toBeGreaterThan(5);
      expect(progress.length).toBeLessThan(50);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(await t.db.customer.count()).toBe(10_000);

      const again = await importCustomers({ db: t.db, policy, clock, file });
      expect(again).toMatchObject({ ok: true, created: 0, updated: 0, unchanged: 10_000 });
    }, 180_000);
  });

  describe("example files", () => {
    it("test/fixtures/import/*.example.csv import cleanly", async () => {
      const m = await importManagers({ db: t.db, file: path.join(FIXTURES, "managers.example.csv") });
      expect(m).toMatchObject({ ok: true, created: 3 });
      const c = await importCustomers({ db: t.db, policy, clock, file: path.join(FIXTURES, "customers.example.csv") });
      expect(c, formatImportReport(c, "en")).toMatchObject({ ok: true, total: 8, created: 8, updated: 0, errors: [], ignoredColumns: [] });
      expect(formatImportReport(c)).toBe("导入成功：新增 8，更新 0，共 8 行。");
      const classes = await t.db.customer.findMany({ orderBy: { code: "asc" }, select: { code: true, serviceClass: true } });
      expect(Object.fromEntries(classes.map((x) => [x.code, x.serviceClass]))).toEqual({
        "330106100001": "core",
        "330106100002": "core",
        "330106100003": "assistance", // violation six weeks ago
        "330106100004": "assistance", // 低保
        "330102100005": "core",
        "330102100006": "assistance", // disabled
        "330105100007": "regular", // city shop: not eligible for potential
        "330105100008": "core", // tier 24 would be regular; the file's override wins
      });
    });
  });
});

describe("streaming", () => {
  it("the chunked CSV parser gives the same records wherever the chunks split", () => {
    const text = 'a,b,c\r\n"x, y","he said ""hi""",\n"two\r\nlines",2,3\r\n\r\n"",""""\r"q"x"y,z\n""\r\nlast';
    const expected = [["a", "b", "c"], ["x, y", 'he said "hi"', ""], ["two\r\nlines", "2", "3"], [""], ["", '"'], ['qx"y', "z"], [""], ["last"]];
    expect(parseCsv(text)).toEqual(expected);
    const pieces = (parts: string[]) => {
      const p = new CsvStreamParser(",");
      return [...parts.flatMap((part) => p.push(part)), ...p.end()];
    };
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) expect(pieces([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(expected);
    }
    expect(pieces([...text])).toEqual(expected);
    expect(pieces(["a\tb\n1\t", "2\n"].map((x) => x))).toEqual([["a\tb"], ["1\t2"]]);
    const tabs = new CsvStreamParser("\t");
    expect([...tabs.push("a\tb\n1\t"), ...tabs.push("2"), ...tabs.end()]).toEqual([["a", "b"], ["1", "2"]]);
    for (const cut of [2, 3, 5]) {
      const p = new CsvStreamParser(",");
      const src = 'a\n"b,c\n';
      expect(() => [p.push(src.slice(0, cut)), p.push(src.slice(cut)), p.end()]).toThrow(/row 2.*never closed/);
    }
  });

  it("reads files larger than a read chunk in every encoding, characters split across chunks included", async () => {
    // ~40 bytes a row: a few MB, so 1 MB reads end inside multi-byte characters and quoted fields.
    const rows = Array.from({ length: 60_000 }, (_, i) => [`C${i}`, `便利店"${i}"号`, i % 7 === 0 ? "杭州,\n西湖" : "杭州"]);
    const text = toCsv([["客户编码", "客户名称", "地址"], ...rows]);
    const files: [string, ImportFile][] = [
      ["utf-8", write("u.csv", text)],
      ["utf-8-bom", write("b.csv", "\uFEFF" + text)],
      ["gb18030", write("g.csv", iconv.encode(text, "gbk"))],
      ["utf-16le", write("w.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text.replace(/,/g, "\t"), "utf-16le")]))],
      ["gb18030", { name: "upload.csv", data: iconv.encode(text, "gbk") }],
    ];
    // Built from the rows themselves, not by another decoder: a multi-line cell is still one row.
    const expected = (tsv: boolean): DecodedRow[] =>
      rows.map(([code, name, address], i) => ({
        rowNumber: i + 2,
        values: { 客户编码: code!, 客户名称: name!, 地址: tsv ? address!.replace(",", "\t") : address! },
      }));
    for (const [encoding, file] of files) {
      const source = await openImportFile(file);
      expect([source.encoding, source.headers, source.headerRow]).toEqual([encoding, ["客户编码", "客户名称", "地址"], 1]);
      const got: DecodedRow[] = [];
      for await (const r of source.rows()) got.push(r);
      expect(got.length).toBe(60_000);
      expect(got).toEqual(expected(encoding === "utf-16le"));
      // A second pass reads the same rows again.
      let again = 0;
      for await (const _ of source.rows()) again++;
      expect(again).toBe(60_000);
    }
  });
});

onEngines(() => {
  describe("import beside other writers", () => {
    it("a file changed between the check and the write rolls back everything", async () => {
      await seedManagers(t.db);
      const rows = Array.from({ length: 1200 }, (_, i): Row => ({ ...GOOD[i % 3]!, code: `S${String(i).padStart(4, "0")}` }));
      const data = Buffer.from(englishCsv(rows));
      const at = data.lastIndexOf(Buffer.from(",27,"));
      const r = importCustomers({
        db: t.db,
        policy,
        clock,
        file: { name: "live.csv", data },
        // Called once the file is checked and before the write pass: the last rows' tier becomes invalid.
        onProgress: (done) => done === 0 && data.write(",31,", at),
      });
      await expect(r).rejects.toMatchObject({ code: "import.file-changed", userMessage: { key: "cli.import.file-changed" }, message: expect.stringMatching(/changed while it was being imported; nothing was written/) });
      expect(await t.db.customer.count()).toBe(0);
    });

    it("imports while another process keeps writing; the writer's rows all stay", async () => {
      await seedManagers(t.db);
      const rows = Array.from({ length: 3000 }, (_, i): Row => ({ ...GOOD[i % 3]!, code: `W${String(i).padStart(5, "0")}` }));
      const file = write("w.csv", englishCsv(rows));
      const script = path.resolve(import.meta.dirname, "writer-process.ts");
      // No pause between writes: the writer is always in or about to start a write transaction.
      const child = startChildProcess<WriterResult>(script, [t.url, "side", "0"], "writer");
      await child.ready;

      // Twice: a fresh import, then a re-import that reads every row back while the writer writes.
      const first = await importCustomers({ db: t.db, policy, clock, file });
      const second = await importCustomers({ db: t.db, policy, clock, file });
      // Rejects (failing the test) unless the writer exits 0.
      const writer = await child.stop();

      expect(first, formatImportReport(first, "en")).toMatchObject({ ok: true, created: 3000 });
      expect(second).toMatchObject({ ok: true, created: 0, unchanged: 3000 });
      expect(await t.db.customer.count()).toBe(3000);
      expect(writer.errors).toEqual([]);
      expect(writer.written).toBeGreaterThan(0);
      const stored = await t.db.outbox.findMany({ where: { kind: "bench-writer" }, select: { key: true }, orderBy: { id: "asc" } });
      expect(stored.map((o) => o.key)).toEqual(writer.keys);
    });
  });
});

// SQLite's disk-full twin on PostgreSQL: there is no page limit to lower, so the server answers
// 53100 (disk_full) from a trigger on one row of the second commit, as a full volume would.
describe("a database that fills up mid-import (postgres)", () => {
  beforeAll(() => void (engine = "postgres"));
  afterAll(() => void (engine = "sqlite"));

  it("the failing commit leaves nothing, the commits before it stay, and importing again once there is room finishes the file", async () => {
    await seedManagers(t.db);
    const rows = Array.from({ length: TX_ROWS + 1000 }, (_, i): Row => ({ ...GOOD[i % 3]!, code: `F${String(i).padStart(5, "0")}` }));
    const file = write("full.csv", englishCsv(rows));
    const failing = `F${String(TX_ROWS + 500).padStart(5, "0")}`;
    await t.db.$executeRawUnsafe(`CREATE FUNCTION vm_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW."code" = '${failing}' THEN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END IF;
      RETURN NEW; END $$`);
    await t.db.$executeRawUnsafe(`CREATE TRIGGER vm_disk_full BEFORE INSERT ON "Customer" FOR EACH ROW EXECUTE FUNCTION vm_disk_full()`);

    const err = await importCustomers({ db: t.db, policy, clock, file }).then(() => null, (e: unknown) => e);
    expect(dbCondition(err)).toBe("disk-full");
    expect(await t.db.customer.count()).toBe(TX_ROWS);
    expect(await t.db.customer.count({ where: { code: { gte: `F${String(TX_ROWS).padStart(5, "0")}` } } })).toBe(0);

    // Space returned: the same file again writes the rest, the committed rows matched by code.
    await t.db.$executeRawUnsafe(`DROP TRIGGER vm_disk_full ON "Customer"`);
    const again = await importCustomers({ db: t.db, policy, clock, file });
    expect(again).toMatchObject({ ok: true, created: 1000, unchanged: TX_ROWS });
    expect(await t.db.customer.count()).toBe(TX_ROWS + 1000);
  });
});
