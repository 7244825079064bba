import ExcelJS from "exceljs";
import type { Translate } from "../../i18n/i18n.ts";
import type { TeamExportRow, VisitExportRow } from "./reports.service.ts";

/**
 * Tables out of the reporting service as CSV, JSON or an Excel workbook. Pure formatting: the rows
 * come from `reports.service.ts`.
 */

export type Cell = string | number | null;
export interface Column<R> {
  key: keyof R & string;
  /** Header in the reader's language (xlsx); CSV and JSON use the key. */
  label: string;
  /** Excel number format, e.g. "0.0" or '0.0"%"'. */
  numFmt?: string;
  width?: number;
}

export interface Sheet<R> {
  name: string;
  columns: Column<R>[];
  rows: R[];
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, and tab/CR that some readers strip
 * before looking) is prefixed with a quote, so an exported shop name never becomes a formula.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvCell(v: Cell): string {
  if (v === null) return "";
  // Numbers are data, never formulas: only text is neutralised (-3 stays -3).
  const s = typeof v === "number" ? String(v) : neutralise(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a UTF-8 BOM, so Excel opens Chinese text correctly. */
export function toCsv<R>(columns: Column<R>[], rows: R[]): string {
  const head = columns.map((c) => c.key).join(",");
  const body = rows.map((r) => columns.map((c) => csvCell(r[c.key] as Cell)).join(","));
  return `\uFEFF${[head, ...body].join("\r\n")}\r\n`;
}

export function toJson<R>(columns: Column<R>[], rows: R[]): string {
  return `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, r[c.key] ?? null]))), null, 2)}\n`;
}

/** An xlsx workbook: one sheet per table, a bold frozen header, widths that fit CJK text. */
export async function toXlsx(sheets: Sheet<any>[], opts: { created?: Date } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "VisitMate";
  // A fixed creation time keeps the bytes stable for the same data.
  const created = opts.created ?? new Date(0);
  wb.created = created;
  wb.modified = created;
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name.replace(/[\\/?*[\]:]/g, " ").slice(0, 31), { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = s.columns.map((c) => ({ header: c.label, key: c.key, width: c.width ?? Math.max(8, displayWidth(c.label) + 2), style: c.numFmt ? { numFmt: c.numFmt } : {} }));
    ws.getRow(1).font = { bold: true };
    for (const r of s.rows) {
      ws.addRow(Object.fromEntries(s.columns.map((c) => {
        const v = r[c.key] as Cell;
        return [c.key, typeof v === "string" ? neutralise(v) : v];
      })));
    }
    for (const [i, c] of s.columns.entries()) {
      if (c.width) continue;
      let w = displayWidth(c.label);
      for (const r of s.rows.slice(0, 200)) w = Math.max(w, displayWidth(String(r[c.key] ?? "")));
      ws.getColumn(i + 1).width = Math.min(60, w + 2);
    }
  }
  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}

/** Columns a CJK character takes in a spreadsheet (two). */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2E80-\uFFEF]/.test(ch) ? 2 : 1;
  return w;
}


const TEAM_KEYS: (keyof TeamExportRow & string)[] = [
  "manager",
  "name",
  "supervisor",
  "visits",
  "fieldVisits",
  "visitDays",
  "visitDaysRequired",
  "weeksMet",
  "visitsPerVisitDay",
  "daysBelowMinimum",
  "outingsBelowMinimum",
  "coveragePct",
  "overdue",
  "neverVisited",
  "phoneContacts",
  "phoneDaysMet",
  "phoneCoveragePct",
  "creditFollowUps",
  "skipped",
  "leaveDays",
  "complaints",
  "complaintsOnTimePct",
  "complaintsBreached",
  "avgVisitMinutes",
  "summaries",
];

const VISIT_KEYS: (keyof VisitExportRow & string)[] = ["date", "time", "manager", "customer", "customerName", "class", "mode", "kind", "durationMin", "notes", "problems", "nextVisit"];

export function teamColumns(t: Translate): Column<TeamExportRow>[] {
  return TEAM_KEYS.map((key) => ({ key, label: t(`reports.col.${key}`), ...(key.endsWith("Pct") ? { numFmt: "0.0" } : key === "visitsPerVisitDay" ? { numFmt: "0.0" } : {}) }));
}

export function visitColumns(t: Translate): Column<VisitExportRow>[] {
  return VISIT_KEYS.map((key) => ({ key, label: t(`reports.col.${key}`) }));
}
