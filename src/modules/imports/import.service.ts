import { translator } from "../../i18n/i18n.ts";
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
  canonicalRow,
  mapHeaders,
  parseBoolean,
  parseDate,
  parseMarketType,
  parseModernTerminal,
  parseNumber,
  parseRetailFormat,
  parseRole,
  parseVisitDays,
  type HeaderMapping,
  type TCustomerKey,
  type TManagerKey,
} from "./columns.ts";
import { chunks as chunksOf } from "../../core/batch.ts";
import { decodeFile, openImportFile, type DecodedTable, type ImportFile } from "./decode.ts";
import { insertRows, updateByIds, type SqlValue } from "../../db/bulk-sql.ts";
import { CodeIndex } from "./code-index.ts";
import { AppError } from "../../core/errors.ts";

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
  kind?: "customers" | "managers";
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
}

export type ProgressFn = (done: number, total: number) => void;

/** Rows per write statement batch: well under SQLite's bound-variable limit, few round trips. */
const CHUNK = 500;
/** Interactive transactions default to 5 s; 10,000 upserts on a slow disk need more. */
const TX_OPTIONS = { maxWait: 30_000, timeout: 10 * 60_000 };

// ---------------------------------------------------------------------------------------------
// Row schemas

const MAX_CODE_LENGTH = 64;

function issue(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

const cell = z.string().optional();

function requiredText(key: string, maxLength?: number) {
  return cell.transform((v, ctx) => {
    const t = (v ?? "").trim();
    if (t === "") return issue(ctx, `${key} is required`);
    if (maxLength && t.length > maxLength) return issue(ctx, `${key} must be at most ${maxLength} characters`);
    return t;
  });
}

const optionalText = cell.transform((v) => (v ?? "").trim());

/**
 * Codes are identifiers people type and exports carry: letters, digits and . _ - only, starting
 * with a letter or digit. Nothing a spreadsheet would run as a formula (= + - @) can get in.
 */
const SAFE_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function codeText(key: string) {
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

function boolean(key: string) {
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

function customerShape(policy: TPolicy | null, today: string | null) {
  return {
    code: codeText("code"),
    name: requiredText("name"),
    manager: requiredText("manager"),
    address: optionalText,
    phone: optionalText,
    lat: coordinate("lat", -90, 90, true),
    lng: coordinate("lng", -180, 180, true),
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
    key_person: optionalText,
    service_class: serviceClassField(policy),
  } satisfies Record<TCustomerKey, z.ZodType>;
}

function withCustomerChecks<T extends z.ZodType<{ lat: number | null; lng: number | null }>>(schema: T) {
  // `when` keeps the check running while other columns of the row have errors, so one pass lists them all.
  return schema.refine((r) => !(r.lat === 0 && r.lng === 0), {
    message: "coordinates 0,0 are not a real location",
    path: ["lat"],
    when: (p) => {
      const v = p.value as { lat?: unknown; lng?: unknown };
      return v.lat === 0 && v.lng === 0;
    },
  });
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
    name: requiredText("name"),
    role: cell.transform((v, ctx) => {
      const t = (v ?? "").trim();
      if (t === "") return issue(ctx, "role is required");
      const r = parseRole(t);
      return r === undefined ? issue(ctx, "role must be one of manager, supervisor, admin (客户经理/主管/管理员)") : r;
    }),
    supervisor: cell.transform((v) => (v ?? "").trim() || null),
    start_lat: coordinate("start_lat", -90, 90, false),
    start_lng: coordinate("start_lng", -180, 180, false),
    visit_days: cell.transform((v, ctx) => {
      const r = parseVisitDays(v ?? "");
      return r === undefined ? issue(ctx, "visit_days must list weekdays, e.g. 1,3,4 or 周一,周三,周四") : r;
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

function sortErrors(errors: ImportError[]): ImportError[] {
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

function failure(kind: ImportReport["kind"], total: number, errors: ImportError[], ignored: string[]): ImportReport {
  return { kind, ok: false, total, created: 0, updated: 0, unchanged: 0, errors: sortErrors(errors), ignoredColumns: ignored };
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

export async function importManagers(opts: { db: Db; file: ImportFile; onProgress?: ProgressFn }): Promise<ImportReport> {
  const { db, onProgress } = opts;
  const table = await decodeFile(opts.file);
  const mapping = mapHeaders(table.headers, MANAGER_HEADER_ALIASES);
  const errors = headerErrors(table, mapping, MANAGER_REQUIRED);
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

  for (const r of all) {
    const sup = cellText(r, "supervisor");
    const code = cellText(r, "code");
    if (!sup) continue;
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
    // Escalations follow the chain upwards; a loop would bounce them forever.
    const seen = new Set([code]);
    let cur: string | null = sup;
    while (cur !== null && !seen.has(cur)) {
      seen.add(cur);
      cur = supervisorAfter(cur);
    }
    if (cur !== null) errors.push({ row: r.row, column: "supervisor", value, reason: `supervisor chain loops back to ${cur}` });
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

  if (errors.length) return failure("managers", table.rows.length, errors, mapping.unknown);

  const has = (k: TManagerKey) => mapping.present.has(k);
  const fieldsOf = (d: TManagerImportRow) => ({
    name: d.name,
    role: d.role,
    ...(has("start_lat") || has("start_lng") ? { startLat: d.start_lat, startLng: d.start_lng } : {}),
    ...(has("visit_days") ? { visitDays: d.visit_days } : {}),
  });

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
    created = toCreate.length;
    updated = changed.size;
    unchanged = total - created - updated;
  }, TX_OPTIONS);
  report(total);
  return { kind: "managers", ok: true, total, created, updated, unchanged, errors: [], ignoredColumns: mapping.unknown };
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
  classOverride?: string | null;
};

/** Which file column feeds which field, so absent columns leave stored values alone. */
const CUSTOMER_FIELD_COLUMN: Record<Exclude<keyof CustomerFields, "name" | "managerId" | "lat" | "lng">, TCustomerKey> = {
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
  classOverride: "service_class",
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
function validateRow<K extends string, T>(
  rowNumber: number,
  raw: Record<string, string | undefined>,
  mapping: HeaderMapping<K>,
  required: readonly K[],
  schema: z.ZodType<T>,
  errors: ImportError[],
): T | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const before = errors.length;
  for (const iss of result.error.issues) {
    const column = String(iss.path[0] ?? "");
    if (column && !mapping.present.has(column as K) && required.includes(column as K)) continue;
    errors.push({ row: rowNumber, column, value: raw[column] ?? "", reason: iss.message });
  }
  // Only the missing-column filter can empty the list, and then the header row already carries an
  // error; this guard keeps a rejected row from ever vanishing silently if that changes.
  if (errors.length === before && !required.some((k) => !mapping.present.has(k))) {
    const iss = result.error.issues[0]!;
    errors.push({ row: rowNumber, column: String(iss.path[0] ?? ""), value: "", reason: iss.message });
  }
  return undefined;
}

/** A stored customer with the columns the diff reads (the file's columns). */
type StoredCustomer = { id: number; code: string; managerId: number; violationDate?: Date | null } & Record<string, unknown>;

/** Stored columns of a new customer, in INSERT order, for the file's columns. */
const CUSTOMER_INSERT_BASE = ["code", "name", "managerId", "lat", "lng"] as const;

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
}): Promise<ImportReport> {
  const { db, policy, clock, onProgress } = opts;
  const tz = policy.timeZone;
  const today = localDate(clock.now(), tz);
  const source = await openImportFile(opts.file);
  const mapping = mapHeaders(source.headers, CUSTOMER_HEADER_ALIASES);
  const errors = headerErrors(source, mapping, CUSTOMER_REQUIRED);
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
  for await (const r of source.rows()) {
    total++;
    const raw = rawOf(r.values);
    validateRow(r.rowNumber, raw, mapping, CUSTOMER_REQUIRED, schema, errors);

    // Codes are compared after trimming; the later occurrences are the errors, naming the first.
    const code = (raw.code ?? "").trim();
    if (code) {
      const seen = codes.addFirst(code, r.rowNumber);
      if (seen !== undefined) errors.push({ row: r.rowNumber, column: "code", value: raw.code ?? "", reason: `duplicate code (first seen in row ${seen})` });
    }

    // References are checked on the raw cell, so a row with other errors still has its manager checked.
    const value = (raw.manager ?? "").trim();
    if (!value) continue;
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

  if (errors.length) return failure("customers", total, errors, mapping.unknown);

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
      classOverride: d.service_class,
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
  const currentSelect = Object.fromEntries(["id", "code", "name", "managerId", "lat", "lng", ...optionalFields.map(([field]) => field)].map((k) => [k, true])) as Prisma.CustomerSelect;
  const insertColumns = [...CUSTOMER_INSERT_BASE, ...optionalFields.map(([field]) => field), "createdAt", "updatedAt"];

  let created = 0;
  let updated = 0;
  let unchanged = 0;
  let affectedManagers = new Set<number>();
  const report = throttled(total, onProgress);
  report(0);
  // The write pass reads the file again anyway, so when another process keeps the database locked
  // past the busy timeout it can simply start over; after a few tries the user is told.
  for (let attempt = 1; ; attempt++) {
    created = updated = unchanged = 0;
    affectedManagers = new Set<number>(managerIdOf.values());
    try {
      await writeCustomers();
      break;
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (attempt === WRITE_ATTEMPTS) {
        throw new AppError("import.busy", {
          message: `The database stayed locked by another process (${WRITE_ATTEMPTS} tries of ${BUSY_TIMEOUT_MS / 1000} s each); nothing was written. Import the file again.`,
          userMessage: { key: "cli.import.busy", params: { tries: WRITE_ATTEMPTS, seconds: BUSY_TIMEOUT_MS / 1000 } },
          cause: err,
        });
      }
    }
  }

  async function writeCustomers(): Promise<void> {
    await db.$transaction(async (tx: Tx) => {
      const now = clock.now();
      let done = 0;
      // The write lock is held from here on, so an empty table stays empty: a first import skips the lookups.
      const anyStored = (await tx.customer.findFirst({ select: { id: true } })) !== null;
      const write = async (batch: TCustomerImportRow[]) => {
        const current = anyStored ? ((await tx.customer.findMany({ where: { code: { in: batch.map((d) => d.code) } }, select: currentSelect })) as unknown as StoredCustomer[]) : [];
        const byCode = new Map(current.map((c) => [c.code, c]));
        const inserts: SqlValue[][] = [];
        // Rows needing the same change (a shop moved to M2, a tier corrected to 25) share one UPDATE.
        const updates = new Map<string, { data: Partial<CustomerFields>; ids: number[] }>();
        for (const d of batch) {
          const fields = fieldsOf(d);
          const cur = byCode.get(d.code);
          if (!cur) {
            const values = toDb(fields);
            inserts.push([d.code, fields.name, fields.managerId, fields.lat, fields.lng, ...optionalFields.map(([field]) => values[field] ?? null), now, now]);
            continue;
          }
          const diff: Partial<CustomerFields> = {};
          for (const [k, v] of Object.entries(fields) as [keyof CustomerFields, unknown][]) {
            const stored = k === "violationDate" ? (cur.violationDate ? localDate(cur.violationDate, tz) : null) : cur[k];
            if (!same(stored, v)) (diff as Record<string, unknown>)[k] = v;
          }
          if (Object.keys(diff).length === 0) {
            unchanged++;
            continue;
          }
          // The old territory loses a shop: its ABC shares move too.
          if (diff.managerId !== undefined) affectedManagers.add(cur.managerId);
          const key = JSON.stringify(diff);
          const group = updates.get(key) ?? { data: diff, ids: [] };
          group.ids.push(cur.id);
          updates.set(key, group);
          updated++;
        }
        await insertRows(tx, "Customer", insertColumns, inserts);
        created += inserts.length;
        for (const { data, ids } of updates.values()) await updateByIds(tx, "Customer", { ...toDb(data), updatedAt: now }, ids);
        done += batch.length;
        report(done);
      };

      // Pass 2: the same rows again, already known to be valid.
      let batch: TCustomerImportRow[] = [];
      let seen = 0;
      for await (const r of source.rows()) {
        seen++;
        const parsed = schema.safeParse(rawOf(r.values));
        if (!parsed.success || seen > total) throw fileChanged(opts.file);
        batch.push(parsed.data);
        if (batch.length === CHUNK) {
          await write(batch);
          batch = [];
        }
      }
      if (seen !== total) throw fileChanged(opts.file);
      if (batch.length) await write(batch);
    }, TX_OPTIONS);
  }

  // One territory (~300 customers) read at a time: the classification is per manager.
  const reclassified = await recomputeServiceClasses({ db, policy, clock, managerIds: [...affectedManagers].sort((a, b) => a - b) });
  return { kind: "customers", ok: true, total, created, updated, unchanged, errors: [], ignoredColumns: mapping.unknown, reclassified };
}

const WRITE_ATTEMPTS = 3;

/** SQLite's busy timeout ran out waiting for another connection's write lock (the adapter reports P1008). */
function isBusy(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (err.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
  return err.code === "P1008" || /^SQLITE_BUSY/.test(cause?.originalCode ?? "");
}

/** The file was edited between the check and the write: roll back rather than write what was not checked. */
function fileChanged(file: ImportFile): AppError {
  const name = typeof file === "string" ? file : file.name;
  return new AppError("import.file-changed", { message: `${name} changed while it was being imported; nothing was written. Import it again.`, userMessage: { key: "cli.import.file-changed", params: { name } } });
}

// ---------------------------------------------------------------------------------------------
// Report

const MAX_LISTED_ERRORS = 200;

function columnLabel(report: ImportReport, column: string, locale: "zh-CN" | "en"): string {
  if (!column) return "";
  if (locale === "en") return column;
  const labels: Record<string, string> =
    report.kind === "managers" ? MANAGER_COLUMN_LABELS : { ...MANAGER_COLUMN_LABELS, ...CUSTOMER_COLUMN_LABELS };
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
      if (e.value !== "") parts.push(t("import.report.value", { value: JSON.stringify(e.value) }));
      parts.push(localizeReason(e.reason, t));
      lines.push(parts.join(" · "));
    }
    const more = report.errors.length - MAX_LISTED_ERRORS;
    if (more > 0) lines.push(t("import.report.more", { n: more }));
  }
  if (report.ignoredColumns?.length) lines.push(t("import.report.ignored", { columns: report.ignoredColumns.join(t("list.separator")) }));
  return lines.join("\n");
}
