import { isLocale, translator } from "../../i18n/i18n.ts";
import { systemClock } from "../../core/clock.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import { localizeReason } from "./reasons.ts";
import { z } from "zod";
import { resolveClassName, type TPolicy } from "../../config/policy.ts";
import type { Clock } from "../../core/clock.ts";
import { localDate, zonedInstant } from "../../core/dates.ts";
import { BUSY_TIMEOUT_MS, type Db } from "../../db/client.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { recomputeServiceClasses } from "../customers/customers.service.ts";
import {
  CUSTOMER_COLUMN_LABELS,
  CUSTOMER_HEADER_ALIASES,
  CUSTOMER_REQUIRED,
  MANAGER_COLUMN_LABELS,
  MANAGER_HEADER_ALIASES,
  MANAGER_REQUIRED,
  PRODUCT_COLUMN_LABELS,
  canonicalRow,
  mapHeaders,
  parseBoolean,
  parseDate,
  parseMarketType,
  parseModernTerminal,
  parseNumber,
  parseRetailFormat,
  parseActive,
  parseRole,
  parseScale,
  parseVisitDays,
  type HeaderMapping,
  type TCustomerKey,
  type TManagerKey,
} from "./columns.ts";
import { chunks as chunksOf } from "../../core/batch.ts";
import { HEADER_SCAN_ROWS, openImportFile, type DecodedTable, type ImportFile, type RowSource } from "./decode.ts";
import { insertRows, updateByIds, type SqlValue } from "../../db/bulk-sql.ts";
import { CodeIndex } from "./code-index.ts";
import { FILE_TEXT_MAX, parseKeyPeople, type KeyPersonValue } from "../customers/customer-file.ts";
import { replaceKeyPeople } from "../customers/customer-file.service.ts";
import { AppError } from "../../core/errors.ts";
import { dbCondition } from "../../core/db-faults.ts";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * Bulk import of managers and customers. All or nothing: every row is validated and every problem
 * reported before anything is written; a file with any error writes nothing. Upserts by code, so
 * re-importing the same file is a no-op.
 *
 * Columns absent from the file leave existing values alone (a file with only code, name, manager
 * and coordinates must not wipe tiers); an empty cell in a present column means "the default".
 */

export interface ImportError {
  /** Spreadsheet row (header = 1). */
  row: number;
  /** Canonical column key ("tier"), or "" for a file-level problem. */
  column: string;
  value: string;
  reason: string;
}

export interface ImportReport {
  kind?: "customers" | "managers" | "products";
  ok: boolean;
  /** Data rows in the file (empty rows excluded). */
  total: number;
  created: number;
  updated: number;
  unchanged?: number;
  errors: ImportError[];
  /** Headers the import did not recognise (not an error: extra columns are common). */
  ignoredColumns?: string[];
  /** Customers whose effective service class changed after the import. */
  reclassified?: number;
  /** What the import did beyond the rows themselves (a manager who left: their complaints, plans), in catalogue terms. */
  notes?: { key: string; params: Record<string, string | number> }[];
}

export type ProgressFn = (done: number, total: number) => void;

/** Rows per write statement batch: well under SQLite's bound-variable limit, few round trips. */
const CHUNK = 500;
/**
 * Rows per commit of the customer write pass. Measured on this 2-core machine beside a writing
 * bot (npm run bench -- import): 5,000 rows held the write lock up to ~0.7 s per commit; smaller
 * commits cost the import more in per-transaction overhead for little gain to the bot's latency.
 */
export const TX_ROWS = 5000;
/** Interactive transactions default to 5 s; 10,000 upserts on a slow disk need more. */
const TX_OPTIONS = { maxWait: 30_000, timeout: 10 * 60_000 };

// ---------------------------------------------------------------------------------------------
// Row schemas

const MAX_CODE_LENGTH = 64;
/**
 * Longest accepted text per column: room for any real value (a mall's full name, an address down
 * to the room number), while a pasted document or a broken export (a 2,000,000-character "name")
 * is a row error instead of a row that bloats every list and message it appears in.
 */
export const TEXT_LIMITS = {
  customerName: 100,
  /** A staff code (≤ 64) or a manager's name. */
  managerRef: 100,
  address: 200,
  phone: 40,
  keyPerson: 50,
  staffName: 50,
  /** One field of the key-account file (equipment, oil usage, needs…). */
  fileText: FILE_TEXT_MAX,
  /** Several "name/role/phone" entries. */
  keyPeople: 1000,
} as const;

export function issue(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

const cell = z.string().optional();

export function requiredText(key: string, maxLength?: number) {
  return cell.transform((v, ctx) => {
    const t = (v ?? "").trim();
    if (t === "") return issue(ctx, `${key} is required`);
    if (maxLength && t.length > maxLength) return issue(ctx, `${key} must be at most ${maxLength} characters`);
    return t;
  });
}

export function optionalText(key: string, maxLength: number) {
  return cell.transform((v, ctx) => {
    const t = (v ?? "").trim();
    if (t.length > maxLength) return issue(ctx, `${key} must be at most ${maxLength} characters`);
    return t;
  });
}

/**
 * Codes are identifiers people type and exports carry: letters, digits and . _ - only, starting
 * with a letter or digit. Nothing a spreadsheet would run as a formula (= + - @) can get in.
 */
const SAFE_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function codeText(key: string) {
  return requiredText(key, MAX_CODE_LENGTH).transform((v, ctx) => (SAFE_CODE.test(v) ? v : issue(ctx, `${key} may only contain letters, digits and . _ - (starting with a letter or digit)`)));
}

function coordinate(key: string, min: number, max: number, required: boolean) {
  return cell.transform((v, ctx): number | null => {
    const t = (v ?? "").trim();
    if (t === "") return required ? issue(ctx, `${key} is required`) : null;
    const n = parseNumber(t);
    if (n === undefined) return issue(ctx, `${key} must be a number`);
    if (n < min || n > max) return issue(ctx, `${key} must be between ${min} and ${max}`);
    return n;
  });
}

function vocabulary<T extends string>(key: string, parse: (v: string) => string | undefined, fallback: T, allowed: string) {
  return cell.transform((v, ctx): T => {
    const t = (v ?? "").trim();
    if (t === "") return fallback;
    const r = parse(t);
    return r === undefined ? issue(ctx, `${key} must be one of ${allowed}`) : (r as T);
  });
}

export function boolean(key: string) {
  return cell.transform((v, ctx) => {
    const r = parseBoolean(v ?? "");
    return r === undefined ? issue(ctx, `${key} must be yes or no (是/否)`) : r;
  });
}

const tierField = cell.transform((v, ctx): number | null => {
  const t = (v ?? "").trim().replace(/档$/, "");
  if (t === "") return null;
  const n = parseNumber(t);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 30) return issue(ctx, "tier must be an integer from 1 to 30");
  return n;
});

const salesField = cell.transform((v, ctx): number | null => {
  const t = (v ?? "").trim();
  if (t === "") return null;
  const n = parseNumber(t);
  if (n === undefined || n < 0) return issue(ctx, "sales_volume must be a non-negative number");
  return n;
});

function violationDateField(today: string | null) {
  return cell.transform((v, ctx): string | null => {
    const t = (v ?? "").trim();
    if (t === "") return null;
    const d = parseDate(t);
    if (!d) return issue(ctx, "violation_date must be a date like 2026-03-15");
    // A typo like 2062 would otherwise silently keep the shop out of the assistance class.
    if (today && d > today) return issue(ctx, `violation_date ${d} is in the future`);
    return d;
  });
}

function serviceClassField(policy: TPolicy | null) {
  return cell.transform((v, ctx): string | null => {
    const t = (v ?? "").trim();
    if (t === "") return null;
    if (!policy) return t;
    const id = resolveClassName(policy, t);
    if (!id) return issue(ctx, `unknown service class "${t}" (known: ${policy.classes.map((c) => c.id).join(", ")})`);
    return id;
  });
}

/**
 * An amount in yuan: "50000", "50,000", "5万", "5万元", "¥8000". A negative or unreadable amount
 * is a row error naming the value, never a silent 0.
 */
function amountField(key: string) {
  return cell.transform((v, ctx): number | null => {
    const t = (v ?? "").trim().replace(/^[¥￥]\s*/, "").replace(/\s*元$/, "");
    if (t === "") return null;
    const wan = /^(.*?)\s*万$/.exec(t);
    const n = parseNumber(wan ? wan[1]! : t);
    if (n === undefined) return issue(ctx, `${key} must be an amount in yuan like 50000 or 5万 (got "${clipValue(v ?? "")}")`);
    if (n < 0) return issue(ctx, `${key} must not be negative`);
    return wan ? Math.round(n * 10_000 * 100) / 100 : n;
  });
}

const creditTermField = cell.transform((v, ctx): number | null => {
  const t = (v ?? "").trim().replace(/\s*(天|日|days?)$/i, "");
  if (t === "") return null;
  const n = parseNumber(t);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 3650) return issue(ctx, "credit_term_days must be a whole number of days from 0 to 3650 (e.g. 30 or 30天)");
  return n;
});

const receivablesDueField = cell.transform((v, ctx): string | null => {
  const t = (v ?? "").trim();
  if (t === "") return null;
  const d = parseDate(t);
  return d ?? issue(ctx, `receivables_due must be a date like 2026-12-31 (got "${clipValue(t)}")`);
});

const scaleField = cell.transform((v, ctx): string => {
  const t = (v ?? "").trim();
  if (t === "") return "";
  const r = parseScale(t);
  return r ?? issue(ctx, "scale must be one of small, mid, large (小型/中型/大型)");
});

const keyPeopleField = cell.transform((v, ctx): KeyPersonValue[] | null => {
  const t = (v ?? "").trim();
  if (t === "") return null;
  if (t.length > TEXT_LIMITS.keyPeople) return issue(ctx, `key_people must be at most ${TEXT_LIMITS.keyPeople} characters`);
  const r = parseKeyPeople(t);
  return "error" in r ? issue(ctx, r.error) : r.people;
});

function customerShape(policy: TPolicy | null, today: string | null) {
  return {
    code: codeText("code"),
    name: requiredText("name", TEXT_LIMITS.customerName),
    manager: requiredText("manager", TEXT_LIMITS.managerRef),
    address: optionalText("address", TEXT_LIMITS.address),
    phone: optionalText("phone", TEXT_LIMITS.phone),
    // Both empty: a shop without coordinates (placed provisionally, its first check-in proposes them).
    lat: coordinate("lat", -90, 90, false),
    lng: coordinate("lng", -180, 180, false),
    market_type: vocabulary("market_type", parseMarketType, "city", "city, town, rural (城市/城镇/乡村)"),
    format: vocabulary(
      "format",
      parseRetailFormat,
      "other",
      "mall, supermarket, tobacco-liquor, convenience, grocery, other (商场/超市/烟酒店/便利店/食杂店/其他)",
    ),
    tier: tierField,
    modern_terminal: vocabulary(
      "modern_terminal",
      parseModernTerminal,
      "none",
      "built, building, potential, none (已建成/在建/有潜力/未建设)",
    ),
    violation_date: violationDateField(today),
    low_income: boolean("low_income"),
    disabled: boolean("disabled"),
    sales_volume: salesField,
    credit: boolean("credit"),
    key_person: optionalText("key_person", TEXT_LIMITS.keyPerson),
    info_point: boolean("info_point"),
    service_class: serviceClassField(policy),
    registration: optionalText("registration", TEXT_LIMITS.fileText),
    scale: scaleField,
    scale_note: optionalText("scale_note", TEXT_LIMITS.fileText),
    equipment: optionalText("equipment", TEXT_LIMITS.fileText),
    oil_usage: optionalText("oil_usage", TEXT_LIMITS.fileText),
    needs: optionalText("needs", TEXT_LIMITS.fileText),
    tech_requirements: optionalText("tech_requirements", TEXT_LIMITS.fileText),
    credit_term_days: creditTermField,
    credit_limit: amountField("credit_limit"),
    receivables: amountField("receivables"),
    receivables_due: receivablesDueField,
    key_people: keyPeopleField,
  } satisfies Record<TCustomerKey, z.ZodType>;
}

function withCustomerChecks<T extends z.ZodType<{ lat: number | null; lng: number | null }>>(schema: T) {
  // `when` keeps the check running while other columns of the row have errors, so one pass lists them all.
  return schema
    .refine((r) => !(r.lat === 0 && r.lng === 0), {
      message: "coordinates 0,0 are not a real location",
      path: ["lat"],
      when: (p) => {
        const v = p.value as { lat?: unknown; lng?: unknown };
        return v.lat === 0 && v.lng === 0;
      },
    })
    .refine((r) => !(r.lat === null && r.lng !== null), { message: "lat is required when lng is given (leave both empty for a shop without coordinates)", path: ["lat"], when: (p) => typeof (p.value as { lng?: unknown }).lng === "number" })
    .refine((r) => !(r.lng === null && r.lat !== null), { message: "lng is required when lat is given (leave both empty for a shop without coordinates)", path: ["lng"], when: (p) => typeof (p.value as { lat?: unknown }).lat === "number" });
}

/** A customer row keyed by canonical column key; vocabulary-checked but not checked against a policy. */
export const ZCustomerImportRowSchema = withCustomerChecks(z.object(customerShape(null, null)));

/** The schema the import uses: service classes resolved through the policy, violations not in the future. */
export function customerImportRowSchema(policy: TPolicy, today: string) {
  return withCustomerChecks(z.object(customerShape(policy, today)));
}
export type TCustomerImportRow = z.output<typeof ZCustomerImportRowSchema>;

export const ZManagerImportRowSchema = z
  .object({
    code: codeText("code"),
    name: requiredText("name", TEXT_LIMITS.staffName),
    role: cell.transform((v, ctx) => {
      const t = (v ?? "").trim();
      if (t === "") return issue(ctx, "role is required");
      const r = parseRole(t);
      return r === undefined ? issue(ctx, "role must be one of manager, supervisor, admin (客户经理/主管/管理员)") : r;
    }),
    supervisor: cell.transform((v, ctx) => {
      const t = (v ?? "").trim();
      if (t.length > MAX_CODE_LENGTH) return issue(ctx, `supervisor must be at most ${MAX_CODE_LENGTH} characters`);
      return t || null;
    }),
    start_lat: coordinate("start_lat", -90, 90, false),
    start_lng: coordinate("start_lng", -180, 180, false),
    visit_days: cell.transform((v, ctx) => {
      const r = parseVisitDays(v ?? "");
      return r === undefined ? issue(ctx, "visit_days must list weekdays, e.g. 1,3,4 or 周一,周三,周四") : r;
    }),
    // Empty means still working here: the column is only filled in for people who left.
    active: cell.transform((v, ctx) => {
      const t = (v ?? "").trim();
      if (t === "") return true;
      const r = parseActive(t);
      return r === undefined ? issue(ctx, "status must be active or inactive (在职/离职)") : r === "true";
    }),
  } satisfies Record<TManagerKey, z.ZodType>)
  .refine((r) => !(r.start_lat === null && r.start_lng !== null), {
    message: "start_lat is required when start_lng is given",
    path: ["start_lat"],
    when: (p) => typeof (p.value as { start_lng?: unknown }).start_lng === "number",
  })
  .refine((r) => !(r.start_lng === null && r.start_lat !== null), {
    message: "start_lng is required when start_lat is given",
    path: ["start_lng"],
    when: (p) => typeof (p.value as { start_lat?: unknown }).start_lat === "number",
  });
export type TManagerImportRow = z.output<typeof ZManagerImportRowSchema>;

// ---------------------------------------------------------------------------------------------
// Shared validation steps

interface RawRow {
  row: number;
  /** Cells by canonical key; undefined when the file has no such column. */
  raw: Record<string, string | undefined>;
}

interface ParsedRow<T> extends RawRow {
  data: T;
}

/** Reference checks read raw cells so a row with other errors still has its references checked. */
function cellText(r: RawRow, key: string): string {
  return (r.raw[key] ?? "").trim();
}

export function sortErrors(errors: ImportError[]): ImportError[] {
  return errors.map((e, i) => [e, i] as const).sort((a, b) => a[0].row - b[0].row || a[1] - b[1]).map(([e]) => e);
}

function headerErrors<K extends string>(table: { headerRow: number }, mapping: HeaderMapping<K>, required: readonly K[]): ImportError[] {
  const errors: ImportError[] = [];
  for (const key of required) {
    if (!mapping.present.has(key)) errors.push({ row: table.headerRow, column: key, value: "", reason: "missing required column" });
  }
  for (const d of mapping.duplicates) {
    errors.push({ row: table.headerRow, column: d.key, value: d.headers.join(", "), reason: `column given more than once (${d.headers.join(", ")})` });
  }
  return errors;
}

/**
 * Validates every row. Issues on a required column the file lacks are left out: that column is
 * reported once, on the header row, instead of on every line.
 */
function parseRows<K extends string, T>(
  table: DecodedTable,
  mapping: HeaderMapping<K>,
  required: readonly K[],
  schema: z.ZodType<T>,
  errors: ImportError[],
): { all: RawRow[]; parsed: ParsedRow<T>[] } {
  const all: RawRow[] = [];
  const parsed: ParsedRow<T>[] = [];
  for (const r of table.rows) {
    const raw = canonicalRow(r.values, mapping) as Record<string, string | undefined>;
    all.push({ row: r.rowNumber, raw });
    const data = validateRow(r.rowNumber, raw, mapping, required, schema, errors);
    if (data !== undefined) parsed.push({ row: r.rowNumber, raw, data });
  }
  return { all, parsed };
}

/** Codes are compared after trimming; the later occurrences are the errors, naming the first. */
function duplicateCodeErrors(table: DecodedTable, mapping: HeaderMapping<string>, errors: ImportError[]): void {
  const header = [...mapping.columns.entries()].find(([, k]) => k === "code")?.[0];
  if (header === undefined) return;
  const first = new Map<string, number>();
  for (const r of table.rows) {
    const code = (r.values[header] ?? "").trim();
    if (!code) continue;
    const seen = first.get(code);
    if (seen === undefined) first.set(code, r.rowNumber);
    else errors.push({ row: r.rowNumber, column: "code", value: r.values[header] ?? "", reason: `duplicate code (first seen in row ${seen})` });
  }
}

export function failure(kind: ImportReport["kind"], total: number, errors: ImportError[], ignored: string[], notes: NonNullable<ImportReport["notes"]> = []): ImportReport {
  return { kind, ok: false, total, created: 0, updated: 0, unchanged: 0, errors: sortErrors(errors), ignoredColumns: ignored, ...(notes.length ? { notes } : {}) };
}

/** A long cell is shown by its start: the report names the row and the column, not the whole text. */
const MAX_SHOWN_VALUE = 40;

export function clipValue(v: string): string {
  return v.length > MAX_SHOWN_VALUE ? `${v.slice(0, MAX_SHOWN_VALUE)}…` : v;
}

const NUL = "\u0000";

/** What the report says about the file itself, before any row: which sheet, where the header is. */
interface FileFindings<K extends string> {
  mapping: HeaderMapping<K>;
  /** The header problems (missing, duplicate or unreadable columns). */
  errors: ImportError[];
  notes: NonNullable<ImportReport["notes"]>;
  /** A header that cannot be read at all: nothing else is worth checking. */
  fatal: boolean;
}

export function recogniser<K extends string>(aliases: Record<K, string[]>): (cells: string[]) => number {
  return (cells) => mapHeaders(cells, aliases).present.size;
}

export function examineFile<K extends string>(source: Pick<RowSource, "headers" | "headerRow" | "skipped" | "sheet" | "otherSheets">, aliases: Record<K, string[]>, required: readonly K[], sheetChosen: boolean): FileFindings<K> {
  const notes: NonNullable<ImportReport["notes"]> = [];
  if (source.sheet) {
    const { index, name, count } = source.sheet;
    notes.push({ key: count > 1 ? "import.note.sheet-of" : "import.note.sheet", params: { index, name, count } });
  }
  if (source.headers.some((h) => h.includes(NUL))) {
    // Typically UTF-16 text without its byte-order mark, or a binary file renamed to .csv: column
    // names full of NULs would otherwise surface as "given more than once" or "missing".
    const errors = [{ row: source.headerRow, column: "", value: "", reason: "the header row contains NUL characters" }];
    return { mapping: mapHeaders([], aliases), errors, notes, fatal: true };
  }
  const mapping = mapHeaders(source.headers, aliases);
  if (source.skipped?.length) {
    const text = source.skipped.flatMap((r) => r.text).join(" ");
    notes.push({ key: "import.note.header-row", params: { row: source.headerRow, above: clipValue(text) } });
  }
  let errors = headerErrors(source, mapping, required);
  const missing = required.some((k) => !mapping.present.has(k));
  if (missing && !sheetChosen && source.otherSheets) {
    const other = source.otherSheets().find((s) => {
      const present = mapHeaders(s.headers, aliases).present;
      return required.every((k) => present.has(k));
    });
    if (other) {
      // The data is on another tab: its columns, not this sheet's stray text, are what to report.
      errors = [{ row: source.headerRow, column: "", value: "", reason: `the required columns are on sheet ${other.index} "${other.name}"; import it with --sheet ${other.index}` }];
      return { mapping, errors, notes, fatal: true };
    }
  }
  if (missing && mapping.present.size === 0) notes.push({ key: "import.note.no-header", params: { row: source.headerRow, rows: HEADER_SCAN_ROWS } });
  return { mapping, errors, notes, fatal: false };
}

/** Reports at most every CHUNK rows (and always the end), however the work is split. */
function throttled(total: number, onProgress?: ProgressFn): (done: number) => void {
  let last = -Infinity;
  return (done) => {
    if (!onProgress || done === last || (done - last < CHUNK && done !== total)) return;
    last = done;
    onProgress(done, total);
  };
}

const chunks = <T>(items: T[]) => chunksOf(items, CHUNK);

type Tx = Prisma.TransactionClient;

/**
 * Floats come back from SQLite through Prisma rounded to ~15 significant digits (30.029420000000002
 * reads as 30.02942), so exact comparison would "update" a few rows of every re-import.
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

// ---------------------------------------------------------------------------------------------
// Managers

interface StaffSnapshot {
  id: number;
  code: string;
  name: string;
  role: string;
  supervisorId: number | null;
  startLat: number | null;
  startLng: number | null;
  visitDays: string;
  active: boolean;
}

const STAFF_SELECT = {
  id: true,
  code: true,
  name: true,
  role: true,
  supervisorId: true,
  startLat: true,
  startLng: true,
  visitDays: true,
  active: true,
} as const;

/** At most this many team members are named in a refusal; the count says how many there are. */
const MAX_NAMED_MEMBERS = 10;

export async function importManagers(opts: { db: Db; file: ImportFile; onProgress?: ProgressFn; clock?: Clock; policy?: TPolicy; sheet?: string }): Promise<ImportReport> {
  const { db, onProgress } = opts;
  const clock = opts.clock ?? systemClock;
  const source = await openImportFile(opts.file, { sheet: opts.sheet, recognise: recogniser(MANAGER_HEADER_ALIASES) });
  const found = examineFile(source, MANAGER_HEADER_ALIASES, MANAGER_REQUIRED, opts.sheet !== undefined);
  const table: DecodedTable = { headers: source.headers, headerRow: source.headerRow, format: source.format, rows: [] };
  for await (const r of source.rows()) table.rows.push(r);
  const { mapping, errors, notes: fileNotes } = found;
  if (found.fatal) return failure("managers", table.rows.length, errors, [], fileNotes);
  if (table.rows.length === 0) errors.push({ row: table.headerRow, column: "", value: "", reason: "the file has no data rows" });
  const { all, parsed: rows } = parseRows(table, mapping, MANAGER_REQUIRED, ZManagerImportRowSchema, errors);
  duplicateCodeErrors(table, mapping as HeaderMapping<string>, errors);

  // Staff tables are small (hundreds), so the whole roster is read once.
  const existing: StaffSnapshot[] = await db.staff.findMany({ select: STAFF_SELECT });
  const byCode = new Map(existing.map((s) => [s.code, s]));
  const byId = new Map(existing.map((s) => [s.id, s]));

  // The roster as it would be after the import: file rows (first occurrence) override the database.
  const fileRows = new Map<string, RawRow>();
  for (const r of all) {
    const code = cellText(r, "code");
    if (code && !fileRows.has(code)) fileRows.set(code, r);
  }
  const exists = (code: string) => fileRows.has(code) || byCode.has(code);
  /** undefined when the file's role cell is not understood (already reported). */
  const roleAfter = (code: string) => {
    const f = fileRows.get(code);
    return f ? parseRole(cellText(f, "role")) : byCode.get(code)?.role;
  };
  const supervisorAfter = (code: string): string | null => {
    const f = fileRows.get(code);
    if (f && mapping.present.has("supervisor")) return cellText(f, "supervisor") || null;
    const s = byCode.get(code);
    return s?.supervisorId ? (byId.get(s.supervisorId)?.code ?? null) : null;
  };
  /** undefined when the file's status cell is not understood (already reported). */
  const activeAfter = (code: string): boolean | undefined => {
    const f = fileRows.get(code);
    if (f && mapping.present.has("active")) {
      const t = cellText(f, "active");
      return t === "" ? true : parseActive(t) === undefined ? undefined : parseActive(t) === "true";
    }
    return byCode.get(code)?.active ?? true;
  };
  const nameAfter = (code: string) => (fileRows.has(code) ? cellText(fileRows.get(code)!, "name") : "") || byCode.get(code)?.name || "";

  for (const r of all) {
    const sup = cellText(r, "supervisor");
    const code = cellText(r, "code");
    // An over-long cell is already a row error; naming it again in a reference error would quote it whole.
    if (!sup || sup.length > MAX_CODE_LENGTH) continue;
    const value = r.raw.supervisor ?? "";
    if (sup === code) {
      errors.push({ row: r.row, column: "supervisor", value, reason: "a person cannot be their own supervisor" });
      continue;
    }
    if (!exists(sup)) {
      errors.push({ row: r.row, column: "supervisor", value, reason: `unknown supervisor ${sup}` });
      continue;
    }
    const role = roleAfter(sup);
    if (role === "manager") {
      errors.push({ row: r.row, column: "supervisor", value, reason: `${sup} is a manager, not a supervisor` });
      continue;
    }
    if (activeAfter(sup) === false && activeAfter(code) !== false) {
      errors.push({ row: r.row, column: "supervisor", value, reason: `supervisor ${sup} is inactive` });
      continue;
    }
    // Escalations follow the chain upwards; a loop would bounce them forever.
    const seen = new Set([code]);
    let cur: string | null = sup;
    while (cur !== null && !seen.has(cur)) {
      seen.add(cur);
      cur = supervisorAfter(cur);
    }
    if (cur !== null) errors.push({ row: r.row, column: "supervisor", value, reason: `supervisor chain loops back to ${cur}` });
  }

  // A supervisor demoted or leaving would strand their team: escalations would go to a manager or to
  // nobody. The team as it is after the import counts (the same file may move it), active members only.
  const teamAfter = new Map<string, string[]>();
  for (const code of new Set([...byCode.keys(), ...fileRows.keys()])) {
    const sup = supervisorAfter(code);
    if (sup === null || activeAfter(code) === false) continue;
    const list = teamAfter.get(sup) ?? [];
    list.push(code);
    teamAfter.set(sup, list);
  }
  for (const r of rows) {
    const cur = byCode.get(r.data.code);
    if (!cur) continue;
    const demotes = cur.role !== "manager" && r.data.role === "manager";
    const leaves = cur.active && !r.data.active;
    const team = (teamAfter.get(r.data.code) ?? []).sort();
    if (!team.length || !(demotes || leaves)) continue;
    const named = team.slice(0, MAX_NAMED_MEMBERS).map((c) => `${c} ${nameAfter(c)}`);
    const members = named.join(", ") + (team.length > named.length ? ", …" : "");
    const change = leaves ? "deactivated" : "made a customer manager";
    errors.push({ row: r.row, column: leaves ? "active" : "role", value: (leaves ? r.raw.active : r.raw.role) ?? "", reason: `${r.data.code} still has ${team.length} active team members (${members}) and cannot be ${change}` });
  }

  // Demoting a manager would leave their shops with nobody to visit them.
  const demoted = rows.filter((r) => byCode.get(r.data.code)?.role === "manager" && r.data.role !== "manager");
  if (demoted.length) {
    const counts = await db.customer.groupBy({
      by: ["managerId"],
      where: { active: true, managerId: { in: demoted.map((r) => byCode.get(r.data.code)!.id) } },
      _count: { _all: true },
    });
    const countOf = new Map(counts.map((c) => [c.managerId, c._count._all]));
    for (const r of demoted) {
      const n = countOf.get(byCode.get(r.data.code)!.id) ?? 0;
      if (n > 0) {
        errors.push({ row: r.row, column: "role", value: r.raw.role ?? "", reason: `${r.data.code} still has ${n} customers; reassign them before changing the role` });
      }
    }
  }

  if (errors.length) return failure("managers", table.rows.length, errors, mapping.unknown, fileNotes);

  const has = (k: TManagerKey) => mapping.present.has(k);
  const fieldsOf = (d: TManagerImportRow) => ({
    name: d.name,
    role: d.role,
    ...(has("start_lat") || has("start_lng") ? { startLat: d.start_lat, startLng: d.start_lng } : {}),
    ...(has("visit_days") ? { visitDays: d.visit_days } : {}),
    ...(has("active") ? { active: d.active } : {}),
  });
  const timeZone = opts.policy?.timeZone ?? DEFAULT_TIME_ZONE;
  const today = localDate(clock.now(), timeZone);
  // Managers this import deactivates: what they leave behind is handed on in the same transaction.
  const leaving = rows.filter((r) => has("active") && byCode.get(r.data.code)?.active && !r.data.active && r.data.role === "manager");
  const notes: NonNullable<ImportReport["notes"]> = [];

  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const total = rows.length;
  const report = throttled(total, onProgress);
  report(0);
  await db.$transaction(async (tx: Tx) => {
    const toCreate: Prisma.StaffCreateManyInput[] = [];
    const toUpdate: { id: number; data: Prisma.StaffUpdateInput }[] = [];
    const changed = new Set<string>();
    for (const r of rows) {
      const cur = byCode.get(r.data.code);
      const fields = fieldsOf(r.data);
      if (!cur) {
        toCreate.push({ code: r.data.code, ...fields });
        continue;
      }
      const diff = Object.fromEntries(
        Object.entries(fields).filter(([k, v]) => !same(cur[k as keyof StaffSnapshot], v)),
      ) as Prisma.StaffUpdateInput;
      if (Object.keys(diff).length) {
        toUpdate.push({ id: cur.id, data: diff });
        changed.add(r.data.code);
      }
    }
    let done = 0;
    for (const batch of chunks(toCreate)) {
      await tx.staff.createMany({ data: batch });
      done += batch.length;
      report(done);
    }
    for (const u of toUpdate) await tx.staff.update({ where: { id: u.id }, data: u.data });

    // Second pass: supervisors may be rows of this same file, which only now have ids.
    if (has("supervisor")) {
      const codes = new Set([...fileRows.keys(), ...rows.flatMap((r) => (r.data.supervisor ? [r.data.supervisor] : []))]);
      const found = await tx.staff.findMany({ where: { code: { in: [...codes] } }, select: { id: true, code: true } });
      const ids = new Map(found.map((s) => [s.code, s.id]));
      const bySupervisor = new Map<number | null, number[]>();
      for (const r of rows) {
        const wanted = r.data.supervisor === null ? null : ids.get(r.data.supervisor)!;
        const cur = byCode.get(r.data.code);
        if (cur && cur.supervisorId === wanted) continue;
        if (!cur && wanted === null) continue;
        if (cur) changed.add(r.data.code);
        const list = bySupervisor.get(wanted) ?? [];
        list.push(ids.get(r.data.code)!);
        bySupervisor.set(wanted, list);
      }
      for (const [supervisorId, staffIds] of bySupervisor) {
        for (const batch of chunks(staffIds)) await tx.staff.updateMany({ where: { id: { in: batch } }, data: { supervisorId } });
      }
    }
    notes.length = 0;
    notes.push(...fileNotes);
    for (const r of leaving) notes.push(...(await handOverLeaver(tx, { staff: byCode.get(r.data.code)!, name: r.data.name, today, now: clock.now(), policy: opts.policy })));
    created = toCreate.length;
    updated = changed.size;
    unchanged = total - created - updated;
  }, TX_OPTIONS);
  report(total);
  return { kind: "managers", ok: true, total, created, updated, unchanged, errors: [], ignoredColumns: mapping.unknown, ...(notes.length ? { notes } : {}) };
}

/** The policy's default zone, for callers (tests, old scripts) that pass no policy. */
const DEFAULT_TIME_ZONE = "Asia/Shanghai";
/** Open complaints handed over per statement page. */
const HANDOVER_PAGE = 200;

/**
 * A manager left (status 离职 in the roster). What a supervisor expects of the system then:
 * - open complaints stay open (the customer still waits) and are escalated to the supervisor at
 *   once, instead of waiting for an SLA stage to ping them; they are told in one message and
 *   reassign from there (/reassign). Without a supervisor nobody can be escalated to: the report
 *   says an administrator must reassign them.
 * - planned visits from today on are removed: nobody would make them, and the supervisor's
 *   plan-versus-done views would count them as missed. Done and skipped visits are history and stay.
 * - customers stay with the manager until reassigned (the customer import does that), and the
 *   report says how many.
 * Returns the report's notes.
 */
async function handOverLeaver(tx: Tx, o: { staff: StaffSnapshot; name: string; today: string; now: Date; policy?: TPolicy }): Promise<NonNullable<ImportReport["notes"]>> {
  const { staff } = o;
  const who = { code: staff.code, name: o.name };
  const notes: NonNullable<ImportReport["notes"]> = [];
  // Read after this import's supervisor changes: the team may have moved in the same file.
  const fresh = await tx.staff.findUniqueOrThrow({ where: { id: staff.id }, select: { supervisorId: true } });
  const supervisor = fresh.supervisorId ? await tx.staff.findUnique({ where: { id: fresh.supervisorId } }) : null;

  let complaints = 0;
  const ids: number[] = [];
  for (let afterId = 0; ; ) {
    const page = await tx.complaint.findMany({ where: { managerId: staff.id, status: "open", id: { gt: afterId } }, orderBy: { id: "asc" }, take: HANDOVER_PAGE, select: { id: true, escalationLevel: true } });
    if (!page.length) break;
    afterId = page.at(-1)!.id;
    complaints += page.length;
    for (const c of page) if (ids.length < MAX_NAMED_MEMBERS) ids.push(c.id);
    const below = page.filter((c) => c.escalationLevel < 1).map((c) => c.id);
    if (supervisor && below.length) {
      // Level 1 is "the supervisor has it": the SLA sweep then goes on up the chain if nobody acknowledges.
      await tx.complaint.updateMany({ where: { id: { in: below }, escalationLevel: { lt: 1 } }, data: { escalationLevel: 1 } });
      await tx.complaintEvent.createMany({ data: below.map((complaintId) => ({ complaintId, kind: "escalate", text: "level:1:manager-inactive", staffId: supervisor.id, createdAt: o.now })) });
    }
  }
  const removed = await tx.plannedVisit.deleteMany({ where: { managerId: staff.id, date: { gte: o.today }, status: "planned" } });
  const customers = await tx.customer.count({ where: { managerId: staff.id, active: true } });
  if (!complaints && !removed.count && !customers) return notes;

  notes.push({ key: "import.note.deactivated", params: who });
  if (complaints && supervisor) {
    const to = await resolveRecipient(tx as unknown as Db, supervisor);
    if (to) {
      const t = translator(isLocale(supervisor.locale) ? supervisor.locale : (o.policy?.locale ?? "zh-CN"));
      const list = ids.map((id) => `#${id}`).join(t("list.separator")) + (complaints > ids.length ? " …" : "");
      await enqueue({
        db: tx as unknown as Db,
        key: `manager-inactive:${staff.id}:${supervisor.id}:${o.today}`,
        kind: "complaint-handover",
        staffId: supervisor.id,
        platform: to.platform,
        chatId: to.chatId,
        reply: { text: t("import.notice.complaints-handed-over", { ...who, n: complaints, ids: list }) },
        clock: { now: () => o.now },
      });
    }
    notes.push({ key: to ? "import.note.complaints-escalated" : "import.note.complaints-escalated-unreachable", params: { ...who, n: complaints, supervisor: supervisor.name, supervisorCode: supervisor.code } });
  } else if (complaints) {
    notes.push({ key: "import.note.complaints-no-supervisor", params: { ...who, n: complaints } });
  }
  if (removed.count) notes.push({ key: "import.note.plan-removed", params: { ...who, n: removed.count, from: o.today } });
  if (customers) notes.push({ key: "import.note.customers-kept", params: { ...who, n: customers } });
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Customers

type CustomerFields = {
  name: string;
  managerId: number;
  address?: string;
  phone?: string;
  lat: number;
  lng: number;
  located?: boolean;
  marketType?: string;
  retailFormat?: string;
  tier?: number | null;
  modernTerminal?: string;
  violationDate?: string | null;
  lowIncome?: boolean;
  disabled?: boolean;
  salesVolume?: number | null;
  credit?: boolean;
  keyPerson?: string;
  infoPoint?: boolean;
  classOverride?: string | null;
  registration?: string;
  scale?: string;
  scaleNote?: string;
  equipment?: string;
  oilUsage?: string;
  needs?: string;
  techRequirements?: string;
  creditTermDays?: number | null;
  creditLimit?: number | null;
  receivables?: number | null;
  receivablesDue?: string | null;
};

/** Which file column feeds which field, so absent columns leave stored values alone. */
const CUSTOMER_FIELD_COLUMN: Record<Exclude<keyof CustomerFields, "name" | "managerId" | "lat" | "lng" | "located">, TCustomerKey> = {
  address: "address",
  phone: "phone",
  marketType: "market_type",
  retailFormat: "format",
  tier: "tier",
  modernTerminal: "modern_terminal",
  violationDate: "violation_date",
  lowIncome: "low_income",
  disabled: "disabled",
  salesVolume: "sales_volume",
  credit: "credit",
  keyPerson: "key_person",
  infoPoint: "info_point",
  classOverride: "service_class",
  registration: "registration",
  scale: "scale",
  scaleNote: "scale_note",
  equipment: "equipment",
  oilUsage: "oil_usage",
  needs: "needs",
  techRequirements: "tech_requirements",
  creditTermDays: "credit_term_days",
  creditLimit: "credit_limit",
  receivables: "receivables",
  receivablesDue: "receivables_due",
};

interface StaffRef {
  id: number;
  code: string;
  name: string;
  role: string;
  active: boolean;
}

/** A code, or (as many Chinese exports list the manager's name) a name that identifies one manager. */
function resolveManager(value: string, staff: StaffRef[], byCode: Map<string, StaffRef>): { staff?: StaffRef; reason?: string } {
  const exact = byCode.get(value);
  if (exact) return { staff: exact };
  const byName = staff.filter((s) => s.name === value && s.role === "manager");
  if (byName.length === 1) return { staff: byName[0] };
  if (byName.length > 1) return { reason: `${byName.length} managers are named ${value}; use the staff code` };
  return { reason: `unknown manager ${value}` };
}

/** Validates one decoded row: its schema issues go to `errors`; the parsed row when there are none. */
export function validateRow<K extends string, T>(
  rowNumber: number,
  raw: Record<string, string | undefined>,
  mapping: HeaderMapping<K>,
  required: readonly K[],
  schema: z.ZodType<T>,
  errors: ImportError[],
): T | undefined {
  const withNul = Object.entries(raw).filter(([, v]) => v?.includes(NUL));
  for (const [column, v] of withNul) errors.push({ row: rowNumber, column, value: clipValue(v!.replaceAll(NUL, "")), reason: `${column} contains NUL characters` });
  const result = schema.safeParse(raw);
  if (result.success) return withNul.length ? undefined : result.data;
  const before = errors.length;
  for (const iss of result.error.issues) {
    const column = String(iss.path[0] ?? "");
    if (column && !mapping.present.has(column as K) && required.includes(column as K)) continue;
    if (withNul.some(([c]) => c === column)) continue;
    errors.push({ row: rowNumber, column, value: clipValue(raw[column] ?? ""), reason: iss.message });
  }
  // Only the missing-column filter can empty the list, and then the header row already carries an
  // error; this guard keeps a rejected row from ever vanishing silently if that changes.
  if (errors.length === before && !withNul.length && !required.some((k) => !mapping.present.has(k))) {
    const iss = result.error.issues[0]!;
    errors.push({ row: rowNumber, column: String(iss.path[0] ?? ""), value: "", reason: iss.message });
  }
  return undefined;
}

/** A stored customer with the columns the diff reads (the file's columns). */
type StoredCustomer = { id: number; code: string; managerId: number; violationDate?: Date | null } & Record<string, unknown>;

/** Stored columns of a new customer, in INSERT order, for the file's columns. */
const CUSTOMER_INSERT_BASE = ["code", "name", "managerId", "lat", "lng", "located"] as const;

/**
 * Customers: validated in one streaming pass over the file, then written in a second pass inside
 * one transaction, a chunk of rows at a time. Neither pass holds the file's text or all its rows:
 * what lives for the whole import is the first row of every code (duplicates, in a CodeIndex) and
 * the managers.
 */
export async function importCustomers(opts: {
  db: Db;
  policy: TPolicy;
  clock: Clock;
  file: ImportFile;
  onProgress?: ProgressFn;
  /** After each commit of the write pass: its rows and how long it held the write lock (for the bench). */
  onCommit?: (rows: number, heldMs: number) => void;
  /** xlsx: the worksheet by name or 1-based number (default: the first). */
  sheet?: string;
}): Promise<ImportReport> {
  const { db, policy, clock, onProgress } = opts;
  const fingerprint = await fileFingerprint(opts.file);
  const tz = policy.timeZone;
  const today = localDate(clock.now(), tz);
  const source = await openImportFile(opts.file, { sheet: opts.sheet, recognise: recogniser(CUSTOMER_HEADER_ALIASES) });
  const found = examineFile(source, CUSTOMER_HEADER_ALIASES, CUSTOMER_REQUIRED, opts.sheet !== undefined);
  const { mapping, errors, notes } = found;
  // The rows are not read: the header already says the file cannot be imported as it is.
  if (found.fatal) return failure("customers", 0, errors, [], notes);
  const schema = customerImportRowSchema(policy, today);
  const rawOf = (values: Record<string, string>) => canonicalRow(values, mapping) as Record<string, string | undefined>;

  const staff: StaffRef[] = await db.staff.findMany({ select: { id: true, code: true, name: true, role: true, active: true } });
  const staffByCode = new Map(staff.map((s) => [s.code, s]));
  const resolved = new Map<string, ReturnType<typeof resolveManager>>();
  const managerIdOf = new Map<string, number>();
  let codes = new CodeIndex();

  // Pass 1: every check, row by row. Per row the errors come in the order the report lists them:
  // the row's own fields, then a duplicate code, then the manager reference.
  let total = 0;
  let unlocatedRows = 0;
  const fileSums = new Map<string, { lat: number; lng: number; n: number }>();
  for await (const r of source.rows()) {
    total++;
    const raw = rawOf(r.values);
    const row = validateRow(r.rowNumber, raw, mapping, CUSTOMER_REQUIRED, schema, errors);
    if (row && row.lat === null && row.lng === null) unlocatedRows++;
    else if (row && row.lat !== null && row.lng !== null) {
      // The file's own positions count for placeholders: a first import has nothing stored yet.
      const sum = fileSums.get(row.manager.trim()) ?? { lat: 0, lng: 0, n: 0 };
      fileSums.set(row.manager.trim(), { lat: sum.lat + row.lat, lng: sum.lng + row.lng, n: sum.n + 1 });
    }

    // Codes are compared after trimming; the later occurrences are the errors, naming the first.
    const code = (raw.code ?? "").trim();
    if (code && code.length <= MAX_CODE_LENGTH) {
      const seen = codes.addFirst(code, r.rowNumber);
      if (seen !== undefined) errors.push({ row: r.rowNumber, column: "code", value: raw.code ?? "", reason: `duplicate code (first seen in row ${seen})` });
    }

    // References are checked on the raw cell, so a row with other errors still has its manager checked.
    const value = (raw.manager ?? "").trim();
    if (!value || value.length > TEXT_LIMITS.managerRef) continue;
    if (!resolved.has(value)) resolved.set(value, resolveManager(value, staff, staffByCode));
    const { staff: s, reason } = resolved.get(value)!;
    const cell = raw.manager ?? "";
    if (!s) errors.push({ row: r.rowNumber, column: "manager", value: cell, reason: reason! });
    else if (s.role !== "manager") errors.push({ row: r.rowNumber, column: "manager", value: cell, reason: `${s.code} is a ${s.role}, not a customer manager` });
    else if (!s.active) errors.push({ row: r.rowNumber, column: "manager", value: cell, reason: `manager ${s.code} is inactive` });
    else managerIdOf.set(value, s.id);
  }
  if (total === 0) errors.push({ row: source.headerRow, column: "", value: "", reason: "the file has no data rows" });
  codes = new CodeIndex();

  if (errors.length) return failure("customers", total, errors, mapping.unknown, notes);
  const placeholderOf = unlocatedRows ? await placeholderPositions(db, managerIdOf, fileSums) : new Map<number, { lat: number; lng: number }>();

  const has = (k: TCustomerKey) => mapping.present.has(k);
  const optionalFields = (Object.entries(CUSTOMER_FIELD_COLUMN) as [keyof CustomerFields, TCustomerKey][]).filter(([, column]) => has(column));
  const fieldsOf = (d: TCustomerImportRow): CustomerFields => {
    const fields: CustomerFields = {
      name: d.name,
      managerId: managerIdOf.get(d.manager)!,
      lat: d.lat!,
      lng: d.lng!,
      address: d.address,
      phone: d.phone,
      marketType: d.market_type,
      retailFormat: d.format,
      tier: d.tier,
      modernTerminal: d.modern_terminal,
      violationDate: d.violation_date,
      lowIncome: d.low_income,
      disabled: d.disabled,
      salesVolume: d.sales_volume,
      credit: d.credit,
      keyPerson: d.key_person,
      infoPoint: d.info_point,
      classOverride: d.service_class,
      registration: d.registration,
      scale: d.scale,
      scaleNote: d.scale_note,
      equipment: d.equipment,
      oilUsage: d.oil_usage,
      needs: d.needs,
      techRequirements: d.tech_requirements,
      creditTermDays: d.credit_term_days,
      creditLimit: d.credit_limit,
      receivables: d.receivables,
      receivablesDue: d.receivables_due,
    };
    for (const [field, column] of Object.entries(CUSTOMER_FIELD_COLUMN)) {
      if (!has(column)) delete fields[field as keyof CustomerFields];
    }
    return fields;
  };
  // Noon local time: the stored instant reads back as the same calendar date in any nearby zone.
  // Few distinct dates occur, and each conversion asks Intl for the zone's offset.
  const instants = new Map<string, Date>();
  const violationInstant = (d: string) => instants.get(d) ?? instants.set(d, zonedInstant(d, "12:00", tz)).get(d)!;
  const toDb = (f: Partial<CustomerFields>): Record<string, SqlValue> => {
    const out = { ...f } as Record<string, SqlValue>;
    if (f.violationDate !== undefined) out.violationDate = f.violationDate ? violationInstant(f.violationDate) : null;
    return out;
  };
  // Only what the diff compares: a re-import reads every stored row once.
  const currentSelect = Object.fromEntries(["id", "code", "name", "managerId", "lat", "lng", "located", ...optionalFields.map(([field]) => field)].map((k) => [k, true])) as Prisma.CustomerSelect;
  const insertColumns = [...CUSTOMER_INSERT_BASE, ...optionalFields.map(([field]) => field), "createdAt", "updatedAt"];

  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const affectedManagers = new Set<number>(managerIdOf.values());
  const report = throttled(total, onProgress);
  report(0);
  // Pass 1 checked the bytes read then; writing a file that changed since would write what was not checked.
  if (!(await sameFingerprint(opts.file, fingerprint))) throw fileChanged(opts.file, 0, total);

  /**
   * Whether every stored customer is one this import created: then a batch's codes (unique in the
   * file, checked in pass 1) cannot be stored yet, and a first import skips the lookups.
   */
  let onlyOurs: boolean | undefined;
  /** Codes of the current batch already counted as updated by the column diff. */
  const updatedCodes = new Set<string>();
  const writeBatch = async (tx: Tx, batch: TCustomerImportRow[], now: Date, counts: { created: number; updated: number; unchanged: number; moved: number[] }) => {
    const current = onlyOurs ? [] : ((await tx.customer.findMany({ where: { code: { in: batch.map((d) => d.code) } }, select: currentSelect })) as unknown as StoredCustomer[]);
    const byCode = new Map(current.map((c) => [c.code, c]));
    updatedCodes.clear();
    const inserts: SqlValue[][] = [];
    // Rows needing the same change (a shop moved to M2, a tier corrected to 25) share one UPDATE.
    const updates = new Map<string, { data: Partial<CustomerFields>; ids: number[] }>();
    for (const d of batch) {
      const fields = fieldsOf(d);
      const cur = byCode.get(d.code);
      const unlocated = d.lat === null || d.lng === null;
      if (!cur) {
        const values = toDb(fields);
        const at = unlocated ? placeholderOf.get(fields.managerId)! : fields;
        inserts.push([d.code, fields.name, fields.managerId, at.lat, at.lng, !unlocated, ...optionalFields.map(([field]) => values[field] ?? null), now, now]);
        continue;
      }
      // A row without coordinates keeps the stored ones (perhaps confirmed from check-ins); real ones locate the shop.
      if (unlocated) {
        delete (fields as Partial<CustomerFields>).lat;
        delete (fields as Partial<CustomerFields>).lng;
      } else if (cur.located === false) fields.located = true;
      const diff: Partial<CustomerFields> = {};
      for (const [k, v] of Object.entries(fields) as [keyof CustomerFields, unknown][]) {
        const stored = k === "violationDate" ? (cur.violationDate ? localDate(cur.violationDate, tz) : null) : cur[k];
        if (!same(stored, v)) (diff as Record<string, unknown>)[k] = v;
      }
      if (Object.keys(diff).length === 0) {
        counts.unchanged++;
        continue;
      }
      updatedCodes.add(d.code);
      // The old territory loses a shop: its ABC shares move too.
      if (diff.managerId !== undefined) counts.moved.push(cur.managerId);
      const key = JSON.stringify(diff);
      const group = updates.get(key) ?? { data: diff, ids: [] };
      group.ids.push(cur.id);
      updates.set(key, group);
      counts.updated++;
    }
    await insertRows(tx, "Customer", insertColumns, inserts);
    counts.created += inserts.length;
    for (const { data, ids } of updates.values()) await updateByIds(tx, "Customer", { ...toDb(data), updatedAt: now }, ids);
    if (has("key_people")) await writeKeyPeople(tx, batch, byCode, now, counts);
  };

  /**
   * The key_people column: a filled cell makes the customer's key people exactly the listed ones;
   * an empty cell leaves them alone (most rows of a file carry none, and clearing would wipe what
   * managers recorded in chat). A row whose people changed counts as updated.
   */
  const writeKeyPeople = async (tx: Tx, batch: TCustomerImportRow[], byCode: Map<string, StoredCustomer>, now: Date, counts: { updated: number; unchanged: number }) => {
    const listed = batch.filter((d) => d.key_people !== null);
    if (!listed.length) return;
    const ids = await tx.customer.findMany({ where: { code: { in: listed.map((d) => d.code) } }, select: { id: true, code: true } });
    const idOf = new Map(ids.map((c) => [c.code, c.id]));
    const stored = await tx.keyPerson.findMany({ where: { customerId: { in: ids.map((c) => c.id) } }, orderBy: [{ primary: "desc" }, { id: "asc" }] });
    const storedOf = new Map<number, string>();
    for (const p of stored) storedOf.set(p.customerId, `${storedOf.get(p.customerId) ?? ""}|${p.name}/${p.role}/${p.phone}/${p.primary}`);
    const changed = new Map<number, KeyPersonValue[]>();
    for (const d of listed) {
      const id = idOf.get(d.code)!;
      const people = d.key_people!;
      if ((storedOf.get(id) ?? "") === people.map((p) => `|${p.name}/${p.role}/${p.phone}/${p.primary}`).join("")) continue;
      changed.set(id, people);
      // Counted unchanged by the column diff, but its people are new: an update after all.
      if (byCode.has(d.code) && !updatedCodes.has(d.code)) {
        counts.unchanged--;
        counts.updated++;
      }
    }
    if (changed.size) await replaceKeyPeople({ tx, people: changed, at: now });
  };

  /**
   * One commit of up to TX_ROWS rows. The bot writes beside the import (every message is a write
   * transaction waiting up to BUSY_TIMEOUT_MS for the lock), so no commit may hold the lock for
   * long: the whole 100k-row write pass as one transaction held it ~20 s and the bot's writes timed
   * out. Each commit is retried on its own when another process kept the lock past the busy
   * timeout; its rows are in memory, so a retry re-reads nothing.
   */
  const commit = async (rows: TCustomerImportRow[]) => {
    for (let attempt = 1; ; attempt++) {
      const counts = { created: 0, updated: 0, unchanged: 0, moved: [] as number[] };
      const wasOnlyOurs = onlyOurs;
      let started = 0;
      try {
        await db.$transaction(async (tx: Tx) => {
          // The transaction has begun (SQLite: BEGIN IMMEDIATE; PostgreSQL: the instances' advisory lock): the lock is ours from here to the commit.
          started = performance.now();
          // Inside the transaction: the write lock is held, so the answer stays true until the commit.
          if (onlyOurs === undefined) onlyOurs = (await tx.customer.findFirst({ select: { id: true } })) === null;
          else if (onlyOurs) onlyOurs = (await tx.customer.count()) === created;
          const now = clock.now();
          for (const batch of chunks(rows)) {
            await writeBatch(tx, batch, now, counts);
            report(created + updated + unchanged + counts.created + counts.updated + counts.unchanged);
          }
        }, TX_OPTIONS);
      } catch (err) {
        onlyOurs = wasOnlyOurs;
        if (!isBusy(err)) throw err;
        if (attempt === WRITE_ATTEMPTS) throw busyError(err, created + updated + unchanged, total);
        continue;
      }
      opts.onCommit?.(rows.length, performance.now() - started);
      created += counts.created;
      updated += counts.updated;
      unchanged += counts.unchanged;
      for (const id of counts.moved) affectedManagers.add(id);
      report(created + updated + unchanged);
      return;
    }
  };

  // Pass 2: the same rows again, already known to be valid, committed TX_ROWS at a time.
  let pending: TCustomerImportRow[] = [];
  let seen = 0;
  for await (const r of source.rows()) {
    seen++;
    const parsed = schema.safeParse(rawOf(r.values));
    if (!parsed.success || seen > total) throw fileChanged(opts.file, created + updated + unchanged, total);
    pending.push(parsed.data);
    if (pending.length === TX_ROWS) {
      await commit(pending);
      pending = [];
    }
  }
  if (seen !== total) throw fileChanged(opts.file, created + updated + unchanged, total);
  if (pending.length) await commit(pending);

  // One territory (~300 customers) read at a time: the classification is per manager.
  const reclassified = await recomputeServiceClasses({ db, policy, clock, managerIds: [...affectedManagers].sort((a, b) => a - b) });
  if (unlocatedRows) notes.push({ key: "import.note.unlocated", params: { n: unlocatedRows } });
  return { kind: "customers", ok: true, total, created, updated, unchanged, errors: [], ignoredColumns: mapping.unknown, reclassified, ...(notes.length ? { notes } : {}) };
}

/** Where nobody would plan a route through by mistake if a company had no positions at all: Beijing's centre. */
const LAST_RESORT_POSITION = { lat: 39.9042, lng: 116.4074 };

/**
 * Where a shop imported without coordinates is put until a check-in proposes real ones (route
 * planning needs some position): the manager's start point, else the mean of the manager's located
 * shops (stored and in the file), else the company's centre (the mean of all of them). Two
 * aggregates per manager of the file at most.
 */
async function placeholderPositions(db: Db, managerIdOf: Map<string, number>, fileSums: Map<string, { lat: number; lng: number; n: number }>): Promise<Map<number, { lat: number; lng: number }>> {
  type Sum = { lat: number; lng: number; n: number };
  const add = (a: Sum, b: Sum): Sum => ({ lat: a.lat + b.lat, lng: a.lng + b.lng, n: a.n + b.n });
  const fileOf = new Map<number, Sum>();
  for (const [ref, sum] of fileSums) {
    const id = managerIdOf.get(ref);
    if (id !== undefined) fileOf.set(id, add(fileOf.get(id) ?? { lat: 0, lng: 0, n: 0 }, sum));
  }
  const stored = async (where: { managerId?: number }): Promise<Sum> => {
    const a = await db.customer.aggregate({ where: { ...where, located: true, active: true }, _sum: { lat: true, lng: true }, _count: { _all: true } });
    return { lat: a._sum.lat ?? 0, lng: a._sum.lng ?? 0, n: a._count._all };
  };
  const out = new Map<number, { lat: number; lng: number }>();
  let company: { lat: number; lng: number } | undefined;
  for (const id of new Set(managerIdOf.values())) {
    const s = await db.staff.findUnique({ where: { id }, select: { startLat: true, startLng: true } });
    if (s?.startLat != null && s.startLng != null && !(s.startLat === 0 && s.startLng === 0)) {
      out.set(id, { lat: s.startLat, lng: s.startLng });
      continue;
    }
    const own = add(await stored({ managerId: id }), fileOf.get(id) ?? { lat: 0, lng: 0, n: 0 });
    if (own.n) {
      out.set(id, { lat: own.lat / own.n, lng: own.lng / own.n });
      continue;
    }
    if (!company) {
      // Rows of a re-imported shop count twice here (stored and in the file): good enough for a placeholder.
      const all = [...fileOf.values()].reduce(add, await stored({}));
      company = all.n ? { lat: all.lat / all.n, lng: all.lng / all.n } : LAST_RESORT_POSITION;
    }
    out.set(id, company);
  }
  return out;
}

const WRITE_ATTEMPTS = 3;

/**
 * Another connection kept the lock past the timeout: SQLite's busy timeout (P1008, SQLITE_BUSY) or,
 * on PostgreSQL, lock_timeout (55P03), a deadlock or serialization failure. The shared classifier
 * knows both engines' codes; matching SQLITE_BUSY here alone left a PostgreSQL commit unretried.
 */
function isBusy(err: unknown): boolean {
  return dbCondition(err) === "locked";
}

/**
 * The file was edited between the check and the write. Noticed before the first commit, nothing
 * was written; noticed in the write pass, the rows committed so far stay (each commit is short, see
 * `commit`) and importing the file again is safe: rows are matched by code.
 */
function fileChanged(file: ImportFile, written: number, total: number): AppError {
  const name = typeof file === "string" ? file : file.name;
  if (written === 0) {
    return new AppError("import.file-changed", { message: `${name} changed while it was being imported; nothing was written. Import it again.`, userMessage: { key: "cli.import.file-changed", params: { name } } });
  }
  return new AppError("import.file-changed", {
    message: `${name} changed while it was being imported; ${written} of ${total} rows were written before that. Import it again (written rows are matched by code).`,
    userMessage: { key: "cli.import.file-changed-partial", params: { name, written, total } },
  });
}

function busyError(err: unknown, written: number, total: number): AppError {
  const params = { tries: WRITE_ATTEMPTS, seconds: BUSY_TIMEOUT_MS / 1000, written, total };
  const what = written === 0 ? "nothing was written" : `${written} of ${total} rows were written before that`;
  return new AppError("import.busy", {
    message: `The database stayed locked by another process (${WRITE_ATTEMPTS} tries of ${BUSY_TIMEOUT_MS / 1000} s each); ${what}. Import the file again.`,
    userMessage: { key: written === 0 ? "cli.import.busy" : "cli.import.busy-partial", params },
    cause: err,
  });
}

/** SHA-256 of the file's bytes, read in chunks (a 300k-row file is ~60 MB; never held whole). */
async function fileFingerprint(file: ImportFile): Promise<string> {
  const hash = createHash("sha256");
  if (typeof file !== "string") return hash.update(file.data).digest("hex");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function sameFingerprint(file: ImportFile, before: string): Promise<boolean> {
  return (await fileFingerprint(file)) === before;
}

// ---------------------------------------------------------------------------------------------
// Report

const MAX_LISTED_ERRORS = 200;

function columnLabel(report: ImportReport, column: string, locale: "zh-CN" | "en"): string {
  if (!column) return "";
  if (locale === "en") return column;
  const labels: Record<string, string> =
    report.kind === "managers" ? MANAGER_COLUMN_LABELS : report.kind === "products" ? PRODUCT_COLUMN_LABELS : { ...MANAGER_COLUMN_LABELS, ...CUSTOMER_COLUMN_LABELS };
  const zh = labels[column];
  return zh ? `${zh}(${column})` : column;
}

export function formatImportReport(report: ImportReport, locale: "zh-CN" | "en" = "zh-CN"): string {
  const t = translator(locale);
  const lines: string[] = [];
  if (report.ok) {
    const unchanged = report.unchanged ?? 0;
    lines.push(t("import.report.ok", { created: report.created, updated: report.updated, unchanged: unchanged ? t("import.report.unchanged", { n: unchanged }) : "", total: report.total }));
  } else {
    const badRows = new Set(report.errors.map((e) => e.row)).size;
    lines.push(t("import.report.failed", { rows: badRows }));
    for (const e of report.errors.slice(0, MAX_LISTED_ERRORS)) {
      const parts = [t("import.report.row", { row: e.row })];
      if (e.column) parts.push(columnLabel(report, e.column, locale));
      if (e.value !== "") parts.push(t("import.report.value", { value: JSON.stringify(clipValue(e.value)) }));
      parts.push(localizeReason(e.reason, t));
      lines.push(parts.join(" · "));
    }
    const more = report.errors.length - MAX_LISTED_ERRORS;
    if (more > 0) lines.push(t("import.report.more", { n: more }));
  }
  for (const n of report.notes ?? []) lines.push(t(n.key, n.params));
  if (report.ignoredColumns?.length) lines.push(t("import.report.ignored", { columns: report.ignoredColumns.join(t("list.separator")) }));
  return lines.join("\n");
}
