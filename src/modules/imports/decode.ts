import { readFile } from "node:fs/promises";
import path from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { AppError } from "../../core/errors.ts";

/**
 * Turns an uploaded spreadsheet (CSV in whatever encoding Excel/WPS produced, or .xlsx) into rows
 * keyed by the header row. No domain knowledge here: columns.ts maps headers, import.service.ts
 * validates.
 */

export interface DecodedRow {
  /** As a spreadsheet user sees it: header = 1, first data row = 2. */
  rowNumber: number;
  values: Record<string, string>;
}

export interface DecodedTable {
  /** Header cells, trimmed, in file order (duplicates kept so the caller can report them). */
  headers: string[];
  /** Row number of the header (1 unless the file starts with empty rows). */
  headerRow: number;
  rows: DecodedRow[];
  /** What was detected, for diagnostics. */
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "utf-8-bom" | "utf-16le" | "gb18030";
  delimiter?: string;
}

/** A file on disk, or bytes received from a chat upload (the name supplies the extension). */
export type ImportFile = string | { name: string; data: Uint8Array };

function extensionOf(file: ImportFile): string {
  return path.extname(typeof file === "string" ? file : file.name).toLowerCase();
}

function displayName(file: ImportFile): string {
  return typeof file === "string" ? file : file.name;
}

export async function decodeFile(file: ImportFile): Promise<DecodedTable> {
  const ext = extensionOf(file);
  if (ext !== ".csv" && ext !== ".txt" && ext !== ".tsv" && ext !== ".xlsx") {
    const hint = ext === ".xls" ? " Old .xls workbooks are not supported: save as .xlsx or CSV." : "";
    throw new AppError("import.unsupported-file", {
      message: `Cannot import ${displayName(file)}: unsupported file type "${ext || "(none)"}" (use .csv or .xlsx).${hint}`,
    });
  }
  let data: Uint8Array;
  if (typeof file === "string") {
    try {
      data = await readFile(file);
    } catch (e) {
      throw new AppError("import.file", { message: `Cannot read ${file}: ${(e as Error).message}`, cause: e });
    }
  } else {
    data = file.data;
  }
  return ext === ".xlsx" ? decodeXlsx(data, displayName(file)) : decodeCsv(data);
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * Chinese Excel saves "CSV" in the ANSI code page (GBK) unless the user picks "CSV UTF-8", which
 * adds a BOM; WPS and scripts write UTF-8 without one. Valid UTF-8 is practically never produced by
 * GBK text of any length, so strict UTF-8 decoding is a reliable detector.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: NonNullable<DecodedTable["encoding"]> } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(3)), encoding: "utf-8-bom" };
  }
  // Excel's "Unicode text" export: UTF-16LE with BOM, tab-separated.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder("utf-16le", { ignoreBOM: true }).decode(bytes.subarray(2)), encoding: "utf-16le" };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    // GB18030 is a superset of GBK, so rare characters in shop names still decode.
    return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), "gb18030"), encoding: "gb18030" };
  }
}

/**
 * Only the header line decides, and only when unambiguous: a tab- or semicolon-separated header has
 * none of the other separators, while a comma header may legitimately contain neither.
 */
export function detectDelimiter(text: string): string {
  let commas = 0;
  let tabs = 0;
  let semicolons = 0;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === "\n" || ch === "\r")) break;
    else if (!inQuotes && ch === ",") commas++;
    else if (!inQuotes && ch === "\t") tabs++;
    else if (!inQuotes && ch === ";") semicolons++;
  }
  if (tabs > 0 && commas === 0) return "\t";
  if (semicolons > 0 && commas === 0 && tabs === 0) return ";";
  return ",";
}

/**
 * RFC 4180 with the leniency real files need: CR, LF or CRLF line ends; a quote inside an unquoted
 * field is literal; text after a closing quote is kept. Every line is a record (an empty line gives
 * `[""]`) so record i is spreadsheet row i + 1; a final line break does not start a record.
 */
export function parseCsv(text: string, delimiter = ","): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  // The current field began with a quoted part, so a further quote is literal text.
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endField = () => {
    record.push(field);
    field = "";
    quoted = false;
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === '"' && field === "" && !quoted) {
      const startRow = records.length + 1;
      i++;
      let closed = false;
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q === -1) break;
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          closed = true;
          break;
        }
      }
      if (!closed) {
        throw new AppError("import.csv", {
          message: `CSV row ${startRow}: a quoted field is never closed (missing ")`,
        });
      }
      quoted = true;
      continue;
    }
    if (ch === delimiter) {
      endField();
      i++;
      continue;
    }
    if (ch === "\r" || ch === "\n") {
      endRecord();
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch;
    i++;
  }
  // A last line without a line break; a final line break alone does not start a record.
  if (field !== "" || quoted || record.length > 0) endRecord();
  return records;
}

function isEmptyRecord(cells: string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

function buildTable(records: { rowNumber: number; cells: string[] }[]): Omit<DecodedTable, "format"> {
  const headerIdx = records.findIndex((r) => !isEmptyRecord(r.cells));
  if (headerIdx === -1) return { headers: [], headerRow: 1, rows: [] };
  const header = records[headerIdx]!;
  const headers = header.cells.map((h) => h.trim());
  const rows: DecodedRow[] = [];
  for (const r of records.slice(headerIdx + 1)) {
    if (isEmptyRecord(r.cells)) continue;
    const values: Record<string, string> = {};
    headers.forEach((h, col) => {
      // A blank header labels nothing; with duplicate headers the first column wins (the importer reports the duplicate).
      if (h === "" || h in values) return;
      values[h] = r.cells[col] ?? "";
    });
    rows.push({ rowNumber: r.rowNumber, values });
  }
  return { headers, headerRow: header.rowNumber, rows };
}

export function decodeCsv(bytes: Uint8Array): DecodedTable {
  const { text, encoding } = decodeText(bytes);
  const delimiter = detectDelimiter(text);
  const records = parseCsv(text, delimiter).map((cells, i) => ({ rowNumber: i + 1, cells }));
  return { ...buildTable(records), format: "csv", encoding, delimiter };
}

// ---------------------------------------------------------------------------------------------
// XLSX

/** Decimal notation for any finite number: codes and phone numbers must never become "1.38e+10". */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, intDigit, frac = "", expStr] = m;
  const exp = Number(expStr);
  const digits = intDigit! + frac;
  if (exp >= 0) {
    const intLen = 1 + exp;
    return sign + (digits.length <= intLen ? digits + "0".repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`);
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** Excel dates carry no zone; exceljs hands them over as UTC midnight of the shown date. */
function excelDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

export function cellToString(v: ExcelJS.CellValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return plainNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Date) return excelDate(v);
  if (typeof v === "object") {
    if ("richText" in v && Array.isArray(v.richText)) return v.richText.map((t) => t.text).join("");
    if ("formula" in v || "sharedFormula" in v) {
      return cellToString((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue | undefined);
    }
    if ("hyperlink" in v) {
      const text = (v as ExcelJS.CellHyperlinkValue).text as unknown;
      return typeof text === "string" ? text : cellToString(text as ExcelJS.CellValue);
    }
    if ("error" in v) return String((v as ExcelJS.CellErrorValue).error);
  }
  return String(v);
}

export async function decodeXlsx(bytes: Uint8Array, name = "workbook"): Promise<DecodedTable> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs' typings predate Buffer's generic parameter.
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new AppError("import.xlsx", {
      message: `Cannot read ${name} as an .xlsx workbook: ${(e as Error).message}`,
      cause: e,
    });
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new AppError("import.xlsx", { message: `${name} has no worksheet` });
  const width = ws.columnCount;
  const records: { rowNumber: number; cells: string[] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellToString(row.getCell(c).value));
    records.push({ rowNumber, cells });
  });
  return { ...buildTable(records), format: "xlsx" };
}
