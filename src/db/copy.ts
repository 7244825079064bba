import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { AppError } from "../core/errors.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { dbEngine, openDb, type Db } from "./client.ts";
import { insertRows, updateByIds, type SqlValue } from "./bulk-sql.ts";
import { isPostgresUrl, redactDbUrl } from "./db-url.ts";
import { applyMigrations, sqlitePathFromUrl } from "./migrate.ts";

/**
 * `visitmate db copy`: every table of one VisitMate database into an empty one (SQLite →
 * PostgreSQL for a pilot that outgrows one process, PostgreSQL → SQLite as its way back), ids kept.
 *
 * Why through the models and not a dump: both ends are the same Prisma models on different
 * engines. Reading through the client gives typed values (an instant is a Date whatever the
 * engine stores), and writing with bound multi-row INSERTs lets each engine store them its own way
 * (timestamptz on PostgreSQL, the adapter's text on SQLite) exactly as the app itself would.
 */

/** Rows read from the source per page (house rule: no unbounded result sets). */
export const COPY_PAGE_ROWS = 2000;

/** One whole copy may run for hours on a large company; it is one transaction on the target. */
const COPY_TRANSACTION_MS = 12 * 3600_000;

export interface TCopyTable {
  table: string;
  source: number;
  target: number;
  /** Largest id (integer ids) or "" (string keys). */
  sourceMaxId: string;
  targetMaxId: string;
  /** Sum of integer ids, or of the keys' lengths for string keys: a cheap checksum of which rows arrived. */
  sourceSum: string;
  targetSum: string;
  ok: boolean;
}

export interface TCopyResult {
  from: string;
  to: string;
  /** Source migrations applied by opening it (the source is otherwise only read). */
  sourceMigrations: string[];
  tables: TCopyTable[];
  rows: number;
  ms: number;
}

export type TCopyRefusal =
  | { refused: "no-source"; from: string; to: string }
  | { refused: "same-database"; from: string; to: string }
  | { refused: "target-not-empty"; from: string; to: string; tables: { table: string; rows: number }[] }
  /** The target holds tables VisitMate does not know: another application's database, never written into. */
  | { refused: "foreign-tables"; from: string; to: string; tables: string[] }
  | { refused: "mismatch"; from: string; to: string; tables: TCopyTable[]; sourceMigrations: string[] }
  | { refused: "failed"; from: string; to: string; table: string; reason: string; sourceMigrations: string[] }
  /** The database could not be opened: `error` is the AppError naming the problem (pg-errors.ts, open-errors.ts). */
  | { refused: "open"; from: string; to: string; side: "source" | "target"; error: AppError };

interface TableShape {
  table: string;
  /** Prisma's client delegate name (`staff`, `chatIdentity`, …). */
  delegate: string;
  columns: string[];
  key: string;
  intKey: boolean;
  /** Columns referencing the table itself (Staff.supervisorId): written after all its rows. */
  selfRefs: string[];
  parents: string[];
}

/** Every model of the generated client: the list follows the schema, never a hand-kept one. */
export function copiedTables(): string[] {
  return Object.values(Prisma.ModelName);
}

function scalarColumns(model: string): string[] {
  const fields = (Prisma as unknown as Record<string, Record<string, string> | undefined>)[`${model}ScalarFieldEnum`];
  if (!fields) throw new Error(`db copy: the generated client has no scalar fields for ${model}`);
  return Object.values(fields);
}

type Row = Record<string, unknown>;

async function rawRows(db: Pick<Db, "$queryRawUnsafe">, sql: string): Promise<Row[]> {
  return db.$queryRawUnsafe<Row[]>(sql);
}

/** Tables, primary keys and foreign keys as the database itself declares them (after migrating). */
async function catalogue(db: Db): Promise<{ tables: Set<string>; keys: Map<string, { column: string; int: boolean }>; fks: { table: string; column: string; parent: string }[] }> {
  if (dbEngine(db) === "postgres") {
    // relname is of type `name`, which adapter-pg cannot read: cast to text.
    const tables = await rawRows(db, `SELECT CAST(table_name AS TEXT) AS "t" FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
    const keys = await rawRows(
      db,
      `SELECT CAST(cl.relname AS TEXT) AS "t", CAST(a.attname AS TEXT) AS "c", format_type(a.atttypid, a.atttypmod) AS "type" FROM pg_index i
       JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indisprimary AND n.nspname = current_schema()`,
    );
    const fks = await rawRows(
      db,
      `SELECT CAST(cl.relname AS TEXT) AS "t", CAST(a.attname AS TEXT) AS "c", CAST(p.relname AS TEXT) AS "p" FROM pg_constraint k
       JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
       WHERE k.contype = 'f' AND n.nspname = current_schema()`,
    );
    return shape(tables, keys, fks);
  }
  const tables = await rawRows(db, `SELECT name AS "t" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
  const keys = await rawRows(db, `SELECT m.name AS "t", p.name AS "c", p.type AS "type" FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.pk > 0`);
  const fks = await rawRows(db, `SELECT m.name AS "t", p."from" AS "c", p."table" AS "p" FROM sqlite_master m, pragma_foreign_key_list(m.name) p WHERE m.type = 'table'`);
  return shape(tables, keys, fks);
}

function shape(tables: Row[], keys: Row[], fks: Row[]) {
  const keyMap = new Map<string, { column: string; int: boolean }>();
  for (const k of keys) {
    const t = String(k.t);
    // A composite key would need a composite cursor; none exists, and a new one must fail loudly here.
    if (keyMap.has(t)) throw new Error(`db copy: ${t} has a composite primary key, which db copy does not page through`);
    keyMap.set(t, { column: String(k.c), int: /int/i.test(String(k.type)) });
  }
  return {
    tables: new Set(tables.map((r) => String(r.t)).filter((t) => t !== "_prisma_migrations")),
    keys: keyMap,
    fks: fks.map((r) => ({ table: String(r.t), column: String(r.c), parent: String(r.p) })),
  };
}

/** The tables in an order where every row's parents are already there (self-references aside). */
function planTables(cat: Awaited<ReturnType<typeof catalogue>>): TableShape[] {
  const models = copiedTables();
  const unknown = [...cat.tables].filter((t) => !models.includes(t));
  const missing = models.filter((t) => !cat.tables.has(t));
  if (unknown.length || missing.length) throw new Error(`db copy: the database's tables differ from the schema's models (not in the schema: ${unknown.join(", ") || "-"}; missing: ${missing.join(", ") || "-"})`);
  const shapes = new Map<string, TableShape>();
  for (const table of models) {
    const key = cat.keys.get(table);
    if (!key) throw new Error(`db copy: ${table} has no primary key`);
    const own = cat.fks.filter((f) => f.table === table);
    const columns = scalarColumns(table);
    shapes.set(table, {
      table,
      delegate: table[0]!.toLowerCase() + table.slice(1),
      columns,
      key: key.column,
      intKey: key.int,
      selfRefs: [...new Set(own.filter((f) => f.parent === table).map((f) => f.column))],
      parents: [...new Set(own.filter((f) => f.parent !== table).map((f) => f.parent))],
    });
  }
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (ordered.length < shapes.size) {
    const next = [...shapes.values()].filter((s) => !placed.has(s.table) && s.parents.every((p) => placed.has(p)));
    if (!next.length) throw new Error(`db copy: the foreign keys between ${[...shapes.keys()].filter((t) => !placed.has(t)).join(", ")} form a cycle`);
    for (const s of next) ordered.push(s), placed.add(s.table);
  }
  return ordered;
}

function toBig(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "bigint") return v.toString();
  const n = Number(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)).toString() : String(v);
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Count, largest id and a checksum of ids, each computed by the database (cheap on any size). */
async function tableFigures(db: Pick<Db, "$queryRawUnsafe">, s: TableShape): Promise<{ n: number; max: string; sum: string }> {
  const k = ident(s.key);
  const sql = s.intKey
    ? `SELECT COUNT(*) AS "n", MAX(${k}) AS "max", SUM(${k}) AS "sum" FROM ${ident(s.table)}`
    : `SELECT COUNT(*) AS "n", SUM(LENGTH(${k})) AS "sum" FROM ${ident(s.table)}`;
  const [r] = await rawRows(db, sql);
  return { n: Number(r?.n ?? 0), max: s.intKey ? toBig(r?.max) : "", sum: toBig(r?.sum) || "0" };
}

function sameDatabase(from: string, to: string): boolean {
  if (isPostgresUrl(from) !== isPostgresUrl(to)) return false;
  if (isPostgresUrl(from)) {
    const norm = (url: string) => {
      const u = new URL(url);
      const host = (u.hostname || "localhost").toLowerCase().replace(/^\[|\]$/g, "");
      const local = host === "localhost" || host === "127.0.0.1" || host === "::1" ? "local" : host;
      return `${local}:${u.port || "5432"}/${decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username)}`;
    };
    return norm(from) === norm(to);
  }
  const real = (url: string) => {
    const p = sqlitePathFromUrl(url);
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(from) === real(to);
}

/** Tables at `url` that are neither a model nor migration bookkeeping (nothing when it does not exist yet). */
async function foreignTables(url: string): Promise<string[]> {
  const ours = new Set([...copiedTables(), "_prisma_migrations"]);
  let names: string[];
  if (isPostgresUrl(url)) {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
    } catch {
      // Unreachable, unknown database, bad password: openDb says which, in the operator's words.
      return [];
    }
    try {
      const r = await client.query<{ t: string }>(`SELECT CAST(table_name AS TEXT) AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
      names = r.rows.map((x) => x.t);
    } finally {
      await client.end().catch(() => undefined);
    }
  } else {
    const file = sqlitePathFromUrl(url);
    if (file === ":memory:" || !existsSync(file)) return [];
    const Database = (await import("better-sqlite3")).default;
    let db: InstanceType<typeof Database>;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch {
      return [];
    }
    try {
      names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((x) => x.name);
    } catch {
      return []; // not a database: openDb says so
    } finally {
      db.close();
    }
  }
  return names.filter((n) => !ours.has(n)).sort();
}

class CopyFailed extends Error {
  constructor(
    readonly table: string,
    readonly reason: string,
  ) {
    super(`db copy: ${table}: ${reason}`);
  }
}

class Mismatch extends Error {
  constructor(readonly tables: TCopyTable[]) {
    super("db copy: counts differ");
  }
}

/** The first line of a driver error, without Prisma's "Invalid `…` invocation" preamble. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /Code: |Message: |violates|constraint|error/i.test(l)) ?? lines.at(-1) ?? text;
  return line.slice(0, 300);
}

export interface CopyOptions {
  from: string;
  to: string;
  busyTimeoutMs?: number;
  /** Rows per page (tests use small pages to cross page borders). */
  pageRows?: number;
  /** Called after each page: table, rows copied so far in it. */
  onProgress?: (table: string, rows: number) => void;
}

/**
 * Copies every table of `from` into the empty database `to`, in one transaction on the target:
 * a failure or a count that does not match rolls everything back, so the target is either a whole
 * copy or still empty. Both ends are migrated to the newest schema first. PostgreSQL sequences are
 * moved past the largest id so new rows get new ids.
 */
export async function copyDatabase(opts: CopyOptions): Promise<TCopyResult | TCopyRefusal> {
  const from = redactDbUrl(opts.from);
  const to = redactDbUrl(opts.to);
  if (!isPostgresUrl(opts.from)) {
    const file = sqlitePathFromUrl(opts.from);
    // Opening would create an empty database there, and an empty copy looks like success.
    if (file === ":memory:" || !existsSync(file)) return { refused: "no-source", from, to };
  }
  if (sameDatabase(opts.from, opts.to)) return { refused: "same-database", from, to };
  const started = performance.now();
  const pageRows = opts.pageRows ?? COPY_PAGE_ROWS;

  // Applied here rather than inside openDb, to say which ones the copy applied to the source.
  let sourceMigrations: string[];
  let source: Db;
  try {
    sourceMigrations = isPostgresUrl(opts.from)
      ? await (await import("./pg-migrate.ts")).applyPgMigrations(opts.from)
      : applyMigrations(opts.from, { busyTimeoutMs: opts.busyTimeoutMs });
    source = await openDb(opts.from, { busyTimeoutMs: opts.busyTimeoutMs });
  } catch (err) {
    if (err instanceof AppError) return { refused: "open", from, to, side: "source", error: err };
    throw err;
  }
  let target: Db | undefined;
  try {
    try {
      // Before opening: opening migrates, which would write VisitMate's tables into another application's database.
      const foreign = await foreignTables(opts.to);
      if (foreign.length) return { refused: "foreign-tables", from, to, tables: foreign };
      target = await openDb(opts.to, { busyTimeoutMs: opts.busyTimeoutMs });
    } catch (err) {
      if (err instanceof AppError) return { refused: "open", from, to, side: "target", error: err };
      throw err;
    }
    const sourceCat = await catalogue(source);
    const plan = planTables(await catalogue(target));
    planTables(sourceCat);
    for (const s of plan) {
      const sourceKey = sourceCat.keys.get(s.table);
      if (sourceKey?.column !== s.key || sourceKey.int !== s.intKey) throw new Error(`db copy: ${s.table}'s primary key differs between the databases`);
    }

    const occupied: { table: string; rows: number }[] = [];
    for (const s of plan) {
      const n = await (target as unknown as Record<string, { count(): Promise<number> }>)[s.delegate]!.count();
      if (n > 0) occupied.push({ table: s.table, rows: n });
    }
    if (occupied.length) return { refused: "target-not-empty", from, to, tables: occupied };

    const tables: TCopyTable[] = [];
    const t = target;
    try {
      await t.$transaction(
        async (tx) => {
          for (const s of plan) {
            try {
              await copyTable(source, tx, dbEngine(t) === "postgres", s, pageRows, opts.onProgress);
            } catch (err) {
              throw new CopyFailed(s.table, reasonOf(err));
            }
          }
          // Verified before committing: a copy that does not match is never left behind.
          for (const s of plan) {
            const a = await tableFigures(source, s);
            const b = await tableFigures(tx, s);
            tables.push({ table: s.table, source: a.n, target: b.n, sourceMaxId: a.max, targetMaxId: b.max, sourceSum: a.sum, targetSum: b.sum, ok: a.n === b.n && a.max === b.max && a.sum === b.sum });
          }
          if (tables.some((r) => !r.ok)) throw new Mismatch(tables);
          if (dbEngine(t) === "postgres") {
            for (const s of plan.filter((p) => p.intKey)) {
              // SERIAL columns own their sequence; the next id is max(id) + 1 (1 on an empty table).
              await tx.$queryRawUnsafe(
                `SELECT CAST(setval(pg_get_serial_sequence('${ident(s.table).replace(/'/g, "''")}', '${s.key.replace(/'/g, "''")}'), COALESCE(MAX(${ident(s.key)}), 0) + 1, false) AS TEXT) AS "v" FROM ${ident(s.table)}`,
              );
            }
          }
        },
        { timeout: COPY_TRANSACTION_MS, maxWait: 60_000 },
      );
    } catch (err) {
      if (err instanceof Mismatch) return { refused: "mismatch", from, to, tables: err.tables, sourceMigrations };
      if (err instanceof CopyFailed) return { refused: "failed", from, to, table: err.table, reason: err.reason, sourceMigrations };
      throw err;
    }
    return { from, to, sourceMigrations, tables, rows: tables.reduce((n, r) => n + r.target, 0), ms: Math.round(performance.now() - started) };
  } finally {
    await source.$disconnect().catch(() => undefined);
    await target?.$disconnect().catch(() => undefined);
  }
}

type Tx = Prisma.TransactionClient;

/**
 * One page into PostgreSQL as one statement with one parameter: the rows as JSON, typed by the
 * table's own row type. Why not `insertRows` there: at 1,000 parameters a statement carries only
 * ~25 customers, and PostgreSQL parsed and planned every one of them (3,800 rows/s measured); one
 * statement per page is several times faster. Instants travel as ISO text with `Z`, which
 * timestamptz reads as the same instant whatever the session zone; doubles as JSON numbers, whose
 * shortest form PostgreSQL reads back to the same double.
 */
async function insertPgPage(tx: Tx, s: TableShape, rows: SqlValue[][]): Promise<void> {
  const cols = s.columns.map(ident).join(", ");
  const objects = rows.map((r) => Object.fromEntries(s.columns.map((c, i) => [c, r[i]])));
  await tx.$executeRawUnsafe(`INSERT INTO ${ident(s.table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${ident(s.table)}, CAST($1 AS json))`, JSON.stringify(objects));
}

async function copyTable(source: Db, tx: Tx, toPg: boolean, s: TableShape, pageRows: number, onProgress?: (table: string, rows: number) => void): Promise<void> {
  const delegate = (source as unknown as Record<string, { findMany(args: object): Promise<Row[]> }>)[s.delegate]!;
  const self = new Set(s.selfRefs);
  // Self-references point at rows that may come later in id order: set once every row is there.
  const later = new Map<string, Map<SqlValue, number[]>>(s.selfRefs.map((c) => [c, new Map()]));
  let last: unknown = undefined;
  let copied = 0;
  for (;;) {
    const page = await delegate.findMany({
      where: last === undefined ? {} : { [s.key]: { gt: last } },
      orderBy: { [s.key]: "asc" },
      take: pageRows,
    });
    if (!page.length) break;
    const rows: SqlValue[][] = page.map((r) =>
      s.columns.map((c) => {
        const v = (r[c] ?? null) as SqlValue;
        if (self.has(c) && v !== null) {
          const byValue = later.get(c)!;
          const ids = byValue.get(v) ?? [];
          ids.push(r[s.key] as number);
          byValue.set(v, ids);
          return null;
        }
        return v;
      }),
    );
    if (toPg) await insertPgPage(tx, s, rows);
    else await insertRows(tx, s.table, s.columns, rows);
    copied += page.length;
    last = page[page.length - 1]![s.key];
    onProgress?.(s.table, copied);
    if (page.length < pageRows) break;
  }
  for (const [column, byValue] of later) for (const [value, ids] of byValue) await updateByIds(tx, s.table, { [column]: value }, ids);
}
