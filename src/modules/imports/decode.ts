import { createReadStream } from "node:fs";
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
  /** Non-empty rows above the header that were passed over (a title such as "客户清单 2026"). */
  skipped?: SkippedRow[];
  /** The worksheet read (xlsx only). */
  sheet?: SheetInfo;
}

export interface SkippedRow {
  rowNumber: number;
  /** Its distinct non-empty cells: a merged title repeats in every cell it spans. */
  text: string[];
}

export interface SheetInfo {
  /** 1-based, as the tabs are counted in Excel/WPS. */
  index: number;
  name: string;
  /** Worksheets in the workbook. */
  count: number;
}

export interface OpenOptions {
  /** xlsx only: the worksheet to read, by name or 1-based number (default: the first). */
  sheet?: string;
  /**
   * How many cells of a row are headers the caller understands. With it, the header is the best
   * of the first HEADER_SCAN_ROWS non-empty rows, so a title row above the header is passed over;
   * without it (or when no row has a known header), the first non-empty row is the header.
   */
  recognise?: (cells: string[]) => number;
}

/** People put a title, a date or a note above the header, rarely more than a couple of rows. */
export const HEADER_SCAN_ROWS = 5;

type RawRecord = { rowNumber: number; cells: string[] };

/** Index into `candidates` (non-empty records in file order) of the header row. */
function pickHeader(candidates: RawRecord[], recognise: OpenOptions["recognise"]): number {
  if (!recognise) return 0;
  let best = 0;
  let bestScore = 0;
  candidates.slice(0, HEADER_SCAN_ROWS).forEach((r, i) => {
    const score = recognise(r.cells.map((c) => c.trim()));
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

function skippedRows(records: RawRecord[]): SkippedRow[] {
  return records.map((r) => ({ rowNumber: r.rowNumber, text: [...new Set(r.cells.map((c) => c.trim()).filter((c) => c !== ""))] }));
}

/** A file on disk, or bytes received from a chat upload (the name supplies the extension). */
export type ImportFile = string | { name: string; data: Uint8Array };

function extensionOf(file: ImportFile): string {
  return path.extname(typeof file === "string" ? file : file.name).toLowerCase();
}

function displayName(file: ImportFile): string {
  return typeof file === "string" ? file : file.name;
}

/** The whole table at once, for files known to be small (staff rosters) and for tests. */
export async function decodeFile(file: ImportFile, opts: OpenOptions = {}): Promise<DecodedTable> {
  const source = await openImportFile(file, opts);
  const rows: DecodedRow[] = [];
  for await (const r of source.rows()) rows.push(r);
  const { headers, headerRow, format, encoding, delimiter, skipped, sheet } = source;
  return { headers, headerRow, rows, format, ...(encoding ? { encoding, delimiter } : {}), ...(skipped?.length ? { skipped } : {}), ...(sheet ? { sheet } : {}) };
}

// ---------------------------------------------------------------------------------------------
// CSV

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
  const parser = new CsvStreamParser(delimiter);
  return [...parser.push(text), ...parser.end()];
}

function isEmptyRecord(cells: string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

function buildTable(records: RawRecord[], recognise?: OpenOptions["recognise"]): Omit<DecodedTable, "format"> {
  const nonEmpty = records.filter((r) => !isEmptyRecord(r.cells));
  if (nonEmpty.length === 0) return { headers: [], headerRow: 1, rows: [] };
  const at = pickHeader(nonEmpty, recognise);
  const header = nonEmpty[at]!;
  const headers = header.cells.map((h) => h.trim());
  const rows = nonEmpty.slice(at + 1).map((r) => ({ rowNumber: r.rowNumber, values: rowValues(headers, r.cells) }));
  return { headers, headerRow: header.rowNumber, rows, ...(at > 0 ? { skipped: skippedRows(nonEmpty.slice(0, at)) } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Reading: CSV is decoded in chunks, so the import can read a large file twice (validate, then
// write) without ever holding its whole text or all its rows.

/** Bytes per read: large enough that per-chunk costs vanish, small enough not to matter for memory. */
const READ_CHUNK = 1 << 16;

/** A decoded header plus a way to read the data rows (again) one at a time. */
export interface RowSource {
  headers: string[];
  headerRow: number;
  format: DecodedTable["format"];
  encoding?: DecodedTable["encoding"];
  delimiter?: string;
  skipped?: SkippedRow[];
  sheet?: SheetInfo;
  /** xlsx only: the other worksheets with their header rows, for "your data is on sheet 2". */
  otherSheets?: () => { index: number; name: string; headers: string[] }[];
  /** Data rows (empty rows skipped) in file order; each call reads the file from the start. */
  rows(): AsyncGenerator<DecodedRow>;
}

async function* byteChunks(file: ImportFile): AsyncGenerator<Uint8Array> {
  if (typeof file !== "string") {
    for (let i = 0; i < file.data.length; i += READ_CHUNK) yield file.data.subarray(i, i + READ_CHUNK);
    return;
  }
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) yield chunk as Buffer;
  } catch (e) {
    throw new AppError("import.file", { message: `Cannot read ${file}: ${(e as Error).message}`, cause: e });
  }
}

/** The leading bytes, enough for a BOM. */
async function headBytes(file: ImportFile): Promise<Uint8Array> {
  if (typeof file !== "string") return file.data.subarray(0, 4);
  for await (const chunk of byteChunks(file)) return chunk.subarray(0, 4);
  return new Uint8Array(0);
}

/**
 * Chinese Excel saves "CSV" in the ANSI code page (GBK) unless the user picks "CSV UTF-8", which
 * adds a BOM; WPS and scripts write UTF-8 without one; Excel's "Unicode text" is UTF-16LE with a
 * BOM. Valid UTF-8 is practically never produced by GBK text of any length, so strict UTF-8
 * decoding of the whole file (streamed, the text thrown away) is a reliable detector. GB18030 is
 * a superset of GBK, so rare characters in shop names still decode.
 */
async function detectEncoding(file: ImportFile): Promise<NonNullable<DecodedTable["encoding"]>> {
  const head = await headBytes(file);
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8-bom";
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  const probe = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of byteChunks(file)) probe.decode(chunk, { stream: true });
    probe.decode();
    return "utf-8";
  } catch (e) {
    if (e instanceof AppError) throw e;
    return "gb18030";
  }
}

async function* textChunks(file: ImportFile, encoding: NonNullable<DecodedTable["encoding"]>): AsyncGenerator<string> {
  let skip = encoding === "utf-8-bom" ? 3 : encoding === "utf-16le" ? 2 : 0;
  if (encoding === "gb18030") {
    const decoder = iconv.getDecoder("gb18030");
    for await (const chunk of byteChunks(file)) {
      const text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
    return;
  }
  const decoder = new TextDecoder(encoding === "utf-16le" ? "utf-16le" : "utf-8", { ignoreBOM: true });
  for await (let chunk of byteChunks(file)) {
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      chunk = chunk.subarray(n);
      skip -= n;
    }
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * parseCsv fed piece by piece: records come out as soon as they are complete, with the same
 * leniency and the same "every line is a record" numbering. `push` never splits a record wrongly
 * when a chunk ends inside a quote, after a quote or between CR and LF.
 */
export class CsvStreamParser {
  private record: string[] = [];
  private field = "";
  private quoted = false;
  /** Inside a quoted part. */
  private inQuotes = false;
  /** Inside a quoted part, the last chunk ended on a quote: escaped quote or closing quote? */
  private quoteAtEnd = false;
  /** The last chunk ended on CR: a following LF belongs to the same line break. */
  private crAtEnd = false;
  private quoteStartRow = 0;
  /** Records completed so far. */
  count = 0;
  private readonly stop: RegExp;

  constructor(private readonly delimiter = ",") {
    const d = delimiter.replace(/[\^$.*+?()[\]{}|-]/g, "\\$&");
    this.stop = new RegExp(`[${d}\r\n"]`, "g");
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = "";
    this.quoted = false;
  }

  private endRecord(out: string[][]): void {
    this.endField();
    out.push(this.record);
    this.record = [];
    this.count++;
  }

  push(text: string): string[][] {
    const out: string[][] = [];
    const n = text.length;
    if (n === 0) return out;
    let i = 0;
    if (this.crAtEnd) {
      this.crAtEnd = false;
      if (text[0] === "\n") i = 1;
    }
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false;
      if (text[0] === '"') {
        this.field += '"';
        i = Math.max(i, 1);
      } else {
        this.inQuotes = false;
        this.quoted = true;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          this.field += text.slice(i);
          return out;
        }
        this.field += text.slice(i, q);
        if (q + 1 === n) {
          this.quoteAtEnd = true;
          return out;
        }
        if (text[q + 1] === '"') {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          this.quoted = true;
          i = q + 1;
        }
        continue;
      }
      const ch = text[i]!;
      if (ch === '"' && this.field === "" && !this.quoted) {
        this.inQuotes = true;
        this.quoteStartRow = this.count + 1;
        i++;
        continue;
      }
      if (ch === this.delimiter) {
        this.endField();
        i++;
        continue;
      }
      if (ch === "\r" || ch === "\n") {
        this.endRecord(out);
        if (ch === "\r") {
          if (i + 1 === n) this.crAtEnd = true;
          else if (text[i + 1] === "\n") i++;
        }
        i++;
        continue;
      }
      // Plain text up to the next character that could matter; a quote inside it is literal.
      this.stop.lastIndex = i + 1;
      let next = -1;
      for (;;) {
        const m = this.stop.exec(text);
        if (!m) break;
        if (m[0] !== '"') {
          next = m.index;
          break;
        }
      }
      const end = next === -1 ? n : next;
      this.field += text.slice(i, end);
      i = end;
    }
    return out;
  }

  end(): string[][] {
    const out: string[][] = [];
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false;
      this.inQuotes = false;
      this.quoted = true;
    }
    if (this.inQuotes) {
      throw new AppError("import.csv", { message: `CSV row ${this.quoteStartRow}: a quoted field is never closed (missing ")` });
    }
    if (this.field !== "" || this.quoted || this.record.length > 0) this.endRecord(out);
    return out;
  }
}

/** Records of a CSV file with their spreadsheet row numbers, read in chunks. */
async function* csvRecords(file: ImportFile, encoding: NonNullable<DecodedTable["encoding"]>, delimiter: string): AsyncGenerator<{ rowNumber: number; cells: string[] }> {
  const parser = new CsvStreamParser(delimiter);
  let row = 0;
  for await (const text of textChunks(file, encoding)) {
    for (const cells of parser.push(text)) yield { rowNumber: ++row, cells };
  }
  for (const cells of parser.end()) yield { rowNumber: ++row, cells };
}

/** The text up to the end of the header line (outside quotes), enough for detectDelimiter. */
async function headerText(file: ImportFile, encoding: NonNullable<DecodedTable["encoding"]>): Promise<string> {
  let text = "";
  for await (const part of textChunks(file, encoding)) {
    text += part;
    if (detectDelimiterEnds(text)) break;
  }
  return text;
}

/** Whether `text` holds a line break outside quotes, i.e. a whole first line. */
function detectDelimiterEnds(text: string): boolean {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === "\n" || ch === "\r")) return true;
  }
  return false;
}

function rowValues(headers: string[], cells: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  headers.forEach((h, col) => {
    // A blank header labels nothing; with duplicate headers the first column wins (the importer reports the duplicate).
    if (h === "" || h in values) return;
    values[h] = cells[col] ?? "";
  });
  return values;
}

async function openCsv(file: ImportFile, opts: OpenOptions): Promise<RowSource> {
  const encoding = await detectEncoding(file);
  const delimiter = detectDelimiter(await headerText(file, encoding));
  // The header is among the first few non-empty records; reading up to them is cheap.
  const candidates: RawRecord[] = [];
  for await (const r of csvRecords(file, encoding, delimiter)) {
    if (isEmptyRecord(r.cells)) continue;
    candidates.push(r);
    if (!opts.recognise || candidates.length === HEADER_SCAN_ROWS) break;
  }
  const at = candidates.length ? pickHeader(candidates, opts.recognise) : -1;
  const headers = at >= 0 ? candidates[at]!.cells.map((h) => h.trim()) : [];
  const headerRow = at >= 0 ? candidates[at]!.rowNumber : 1;
  return {
    headers,
    headerRow,
    format: "csv",
    encoding,
    delimiter,
    ...(at > 0 ? { skipped: skippedRows(candidates.slice(0, at)) } : {}),
    async *rows() {
      for await (const r of csvRecords(file, encoding, delimiter)) {
        if (r.rowNumber <= headerRow || isEmptyRecord(r.cells)) continue;
        yield { rowNumber: r.rowNumber, values: rowValues(headers, r.cells) };
      }
    },
  };
}

function checkExtension(file: ImportFile): string {
  const ext = extensionOf(file);
  if (ext !== ".csv" && ext !== ".txt" && ext !== ".tsv" && ext !== ".xlsx") {
    const hint = ext === ".xls" ? " Old .xls workbooks are not supported: save as .xlsx or CSV." : "";
    throw new AppError("import.unsupported-file", {
      message: `Cannot import ${displayName(file)}: unsupported file type "${ext || "(none)"}" (use .csv or .xlsx).${hint}`,
    });
  }
  return ext;
}

/**
 * Opens an import file for streaming. CSV is read in chunks on every pass; an .xlsx workbook is
 * a zip that exceljs unpacks whole, so it is decoded once and its rows kept.
 */
export async function openImportFile(file: ImportFile, opts: OpenOptions = {}): Promise<RowSource> {
  const ext = checkExtension(file);
  if (ext !== ".xlsx") {
    if (opts.sheet !== undefined) {
      throw new AppError("import.xlsx", {
        message: `--sheet applies to .xlsx workbooks only; ${displayName(file)} is a ${ext} file.`,
        userMessage: { key: "import.sheet.not-xlsx", params: { name: displayName(file) } },
      });
    }
    return openCsv(file, opts);
  }
  const data = typeof file === "string" ? await readWhole(file) : file.data;
  const { table, others } = await readXlsx(data, displayName(file), opts);
  return {
    headers: table.headers,
    headerRow: table.headerRow,
    format: "xlsx",
    ...(table.skipped ? { skipped: table.skipped } : {}),
    ...(table.sheet ? { sheet: table.sheet } : {}),
    otherSheets: others,
    async *rows() {
      yield* table.rows;
    },
  };
}

async function readWhole(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new AppError("import.file", { message: `Cannot read ${file}: ${(e as Error).message}`, cause: e });
  }
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

export async function decodeXlsx(bytes: Uint8Array, name = "workbook", opts: OpenOptions = {}): Promise<DecodedTable> {
  return (await readXlsx(bytes, name, opts)).table;
}

function sheetRecords(ws: ExcelJS.Worksheet, upTo = Infinity): RawRecord[] {
  const width = ws.columnCount;
  const records: RawRecord[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (records.length >= upTo) return;
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellToString(row.getCell(c).value));
    records.push({ rowNumber, cells });
  });
  return records;
}

/** "2", " 客户 " or "customers" (names compared trimmed, case-insensitively). */
function findSheet(wb: ExcelJS.Workbook, wanted: string, name: string): ExcelJS.Worksheet {
  const w = wanted.trim();
  const sheets = wb.worksheets;
  const byNumber = /^\d+$/.test(w) ? sheets[Number(w) - 1] : undefined;
  const ws = byNumber ?? sheets.find((s) => s.name.trim().toLowerCase() === w.toLowerCase());
  if (ws) return ws;
  const list = sheets.map((s, i) => `${i + 1} “${s.name}”`).join(", ");
  throw new AppError("import.xlsx", {
    message: `${name} has no worksheet "${w}" (it has ${list}).`,
    userMessage: { key: "import.sheet.unknown", params: { sheet: w, name, sheets: list } },
  });
}

async function readXlsx(bytes: Uint8Array, name: string, opts: OpenOptions): Promise<{ table: DecodedTable; others: NonNullable<RowSource["otherSheets"]> }> {
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
  const sheets = wb.worksheets;
  const ws = opts.sheet !== undefined ? findSheet(wb, opts.sheet, name) : sheets[0];
  if (!ws) throw new AppError("import.xlsx", { message: `${name} has no worksheet` });
  const index = sheets.indexOf(ws) + 1;
  const table: DecodedTable = { ...buildTable(sheetRecords(ws), opts.recognise), format: "xlsx", sheet: { index, name: ws.name, count: sheets.length } };
  const others = () =>
    sheets.flatMap((s, i) => (s === ws ? [] : [{ index: i + 1, name: s.name, headers: buildTable(sheetRecords(s, HEADER_SCAN_ROWS), opts.recognise).headers }]));
  return { table, others };
}
