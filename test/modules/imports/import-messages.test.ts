import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { AppError } from "../../../src/core/errors.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { TEXT_LIMITS, formatImportReport, importCustomers, importManagers, type ImportReport } from "../../../src/modules/imports/import.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

/** What an admin sees when a file is not quite what the import expects (issue #18, "Admin"). */

const policy = loadPolicy();
const clock = new FakeClock("2026-11-22T02:00:00Z");
const HEADER = ["客户编码", "客户名称", "客户经理", "地址", "纬度", "经度"];
const ROWS = [
  ["C001", "老街食杂店", "M01", "桐君街道学圣路1号", "29.80", "119.69"],
  ["C002", "惠民便利店", "M01", "城南街道迎春南路8号", "29.78", "119.70"],
];

let t: TestDb;
let dir: string;

beforeEach(async () => {
  t = await createTestDb();
  dir = mkdtempSync(path.join(tmpdir(), "visitmate-import-msg-"));
  const file = write("managers.csv", "code,name,role,supervisor\nM01,李明,manager,S01\nS01,王建国,supervisor,\n");
  const r = await importManagers({ db: t.db, file });
  expect(r.ok, formatImportReport(r, "en")).toBe(true);
});

afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function csv(rows: string[][]): string {
  return rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",")).join("\r\n") + "\r\n";
}

async function workbook(name: string, sheets: { name: string; rows: string[][]; merge?: string }[]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const r of s.rows) ws.addRow(r);
    if (s.merge) ws.mergeCells(s.merge);
  }
  const file = path.join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

const customers = (file: string, sheet?: string) => importCustomers({ db: t.db, policy, clock, file, ...(sheet !== undefined ? { sheet } : {}) });
const errorsOf = (r: ImportReport) => r.errors.map(({ row, column, reason }) => ({ row, column, reason }));

describe("xlsx sheets", () => {
  const notes = [{ name: "说明", rows: [["本文件由系统导出"], ["请勿修改表头"]] }];

  it("names the sheet read in the report", async () => {
    const file = await workbook("one.xlsx", [{ name: "客户", rows: [HEADER, ...ROWS] }]);
    const r = await customers(file);
    expect(r).toMatchObject({ ok: true, created: 2 });
    expect(formatImportReport(r)).toBe("导入成功：新增 2，更新 0，共 2 行。\n读取的工作表：“客户”。");
  });

  it("data on sheet 2: says which sheet has the columns and how to pick it, not sheet 1's text as ignored columns", async () => {
    const file = await workbook("two.xlsx", [...notes, { name: "客户", rows: [HEADER, ...ROWS] }]);
    const r = await customers(file);
    expect(r.ok).toBe(false);
    expect(r.ignoredColumns).toEqual([]);
    expect(errorsOf(r)).toEqual([{ row: 1, column: "", reason: 'the required columns are on sheet 2 "客户"; import it with --sheet 2' }]);
    const zh = formatImportReport(r);
    expect(zh).toContain("第 2 张表“客户”有这些列，加 --sheet 2 导入");
    expect(zh).toContain("读取的工作表：第 1 张“说明”（共 2 张");
    expect(zh).not.toMatch(/缺少必需的列|已忽略/);
    expect(formatImportReport(r, "en")).toContain("sheet 2 “客户” has them: add --sheet 2");
    expect(await t.db.customer.count()).toBe(0);
  });

  it("--sheet by number or by name reads that sheet", async () => {
    const file = await workbook("two.xlsx", [...notes, { name: "客户", rows: [HEADER, ...ROWS] }]);
    const byNumber = await customers(file, "2");
    expect(byNumber).toMatchObject({ ok: true, created: 2, notes: [{ key: "import.note.sheet-of", params: { index: 2, name: "客户", count: 2 } }] });
    const byName = await customers(file, " 客户 ");
    expect(byName).toMatchObject({ ok: true, created: 0, unchanged: 2 });
  });

  it("an unknown --sheet lists the sheets; --sheet on a CSV is refused", async () => {
    const file = await workbook("two.xlsx", [...notes, { name: "客户", rows: [HEADER, ...ROWS] }]);
    const err = (await customers(file, "3").catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.userMessage?.key).toBe("import.sheet.unknown");
    expect(translator("zh-CN")(err.userMessage!.key, err.userMessage!.params)).toBe(`${file} 里没有工作表“3”（有：1 “说明”, 2 “客户”）。--sheet 后面写工作表名称或序号（从 1 开始）。`);
    const csvErr = (await customers(write("c.csv", csv([HEADER, ...ROWS])), "2").catch((e: unknown) => e)) as AppError;
    expect(csvErr.userMessage?.key).toBe("import.sheet.not-xlsx");
  });
});

describe("title row above the header", () => {
  it("xlsx: a merged title row is skipped and named once, the header found below it", async () => {
    const title = ["客户清单 2026", "", "", "", "", ""];
    const file = await workbook("title.xlsx", [{ name: "客户", rows: [title, ["导出日期 2026-11-20"], HEADER, ...ROWS], merge: "A1:F1" }]);
    const r = await customers(file);
    expect(r, formatImportReport(r, "en")).toMatchObject({ ok: true, created: 2, ignoredColumns: [] });
    const text = formatImportReport(r);
    expect(text).toContain("表头在第 3 行，上方的标题行已跳过（客户清单 2026 导出日期 2026-11-20）。");
    expect(text).not.toContain("已忽略");
    expect(await t.db.customer.findMany({ select: { code: true }, orderBy: { code: "asc" } })).toEqual([{ code: "C001" }, { code: "C002" }]);
  });

  it("csv: the same; errors keep the spreadsheet's row numbers", async () => {
    const r = await customers(write("title.csv", csv([["客户清单 2026"], HEADER, ROWS[0]!, ["C003", "", "M01", "", "29.8", "119.7"]])));
    expect(r.ok).toBe(false);
    expect(errorsOf(r)).toEqual([{ row: 4, column: "name", reason: "name is required" }]);
  });

  it("no recognisable header in the first rows: says where the header must be", async () => {
    const r = await customers(write("noheader.csv", csv([["客户清单 2026"], ["编号", "店"], ["C001", "老街食杂店"]])));
    expect(r.ok).toBe(false);
    expect(formatImportReport(r)).toContain("第 1 行里没有一个能识别的列名。表头（列名）必须在前 5 行之内，最好就是第 1 行");
  });

  it("managers too", async () => {
    const file = write("staff.csv", csv([["员工名单"], ["工号", "姓名", "角色"], ["M02", "陈静", "客户经理"]]));
    const r = await importManagers({ db: t.db, file });
    expect(r).toMatchObject({ ok: true, created: 1, notes: [{ key: "import.note.header-row", params: { row: 2 } }] });
  });
});

describe("NUL characters", () => {
  it("in the header: one clear file-level error, not 'given more than once'", async () => {
    // UTF-16LE text without its byte-order mark, read as UTF-8: every other byte is a NUL.
    const text = csv([["地址", "address", "客户编码"], ["x", "y", "C1"]]);
    const bytes = Buffer.from(text, "utf16le");
    const r = await customers(write("utf16.csv", bytes));
    expect(errorsOf(r)).toEqual([{ row: 1, column: "", reason: "the header row contains NUL characters" }]);
    expect(formatImportReport(r)).toContain("表头里有 NUL（\\0）字符：文件可能是不带 BOM 的 UTF-16 文本");
    expect(formatImportReport(r)).not.toMatch(/不止一次|缺少/);
  });

  it("in a cell: a row error naming the column; nothing is written", async () => {
    const r = await customers(write("nul.csv", csv([HEADER, ROWS[0]!, ["C002", "惠民\u0000便利店", "M01", "", "29.78", "119.70"]])));
    expect(errorsOf(r)).toEqual([{ row: 3, column: "name", reason: "name contains NUL characters" }]);
    expect(formatImportReport(r)).toContain("第 3 行 · 客户名称(name) · 值 \"惠民便利店\" · name 里有 NUL（\\0）字符");
    expect(await t.db.customer.count()).toBe(0);
  });
});

describe("text caps", () => {
  it("a 2,000,000-character shop name is a row error naming row, column and limit, quoted short; nothing stored", async () => {
    const huge = "店".repeat(2_000_000);
    const long = (n: number) => "路".repeat(n);
    const rows = [
      HEADER.concat(["联系电话", "关键人"]),
      ["C001", huge, "M01", "", "29.8", "119.69", "", ""],
      ["C002", "惠民便利店", "M01", long(TEXT_LIMITS.address + 1), "29.78", "119.70", "1".repeat(TEXT_LIMITS.phone + 1), "李".repeat(TEXT_LIMITS.keyPerson + 1)],
      ["C003", "好运烟酒", huge, long(TEXT_LIMITS.address), "29.78", "119.70", "13800000000", "王国强"],
    ];
    const r = await customers(write("long.csv", csv(rows)));
    expect(errorsOf(r)).toEqual([
      { row: 2, column: "name", reason: `name must be at most ${TEXT_LIMITS.customerName} characters` },
      { row: 3, column: "address", reason: `address must be at most ${TEXT_LIMITS.address} characters` },
      { row: 3, column: "phone", reason: `phone must be at most ${TEXT_LIMITS.phone} characters` },
      { row: 3, column: "key_person", reason: `key_person must be at most ${TEXT_LIMITS.keyPerson} characters` },
      { row: 4, column: "manager", reason: `manager must be at most ${TEXT_LIMITS.managerRef} characters` },
    ]);
    const text = formatImportReport(r);
    expect(text).toContain(`第 2 行 · 客户名称(name) · 值 "${"店".repeat(40)}…" · name 最多 100 个字`);
    expect(text.length).toBeLessThan(2000);
    expect(JSON.stringify(r).length).toBeLessThan(2000);
    expect(await t.db.customer.count()).toBe(0);
  });

  it("values at the limit are accepted", async () => {
    const r = await customers(write("edge.csv", csv([HEADER, ["C001", "店".repeat(TEXT_LIMITS.customerName), "M01", "路".repeat(TEXT_LIMITS.address), "29.8", "119.69"]])));
    expect(r, formatImportReport(r, "en")).toMatchObject({ ok: true, created: 1 });
  });

  it("staff names and supervisor codes are capped too", async () => {
    const file = write("staff.csv", csv([["code", "name", "role", "supervisor"], ["M02", "陈".repeat(TEXT_LIMITS.staffName + 1), "manager", "S".repeat(65)]]));
    const r = await importManagers({ db: t.db, file });
    expect(errorsOf(r)).toEqual([
      { row: 2, column: "name", reason: `name must be at most ${TEXT_LIMITS.staffName} characters` },
      { row: 2, column: "supervisor", reason: "supervisor must be at most 64 characters" },
    ]);
    expect(await t.db.staff.count()).toBe(2);
  });
});
