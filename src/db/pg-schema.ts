import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The PostgreSQL schema is generated from the one source of truth, prisma/schema.prisma (SQLite).
 *
 * Why a text transform and not a second hand-kept schema: the models are the same on both engines;
 * only the datasource, the generated client's folder and the column type of time differ (every
 * DateTime is `timestamptz(3)` on PostgreSQL, so an instant stays an instant whatever the server's
 * or a DBA's session time zone). `npm run db:pg-schema` writes the result and the migration that
 * takes the committed PostgreSQL schema to it; a test fails when the committed copy is stale.
 */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SQLITE_SCHEMA = path.join(ROOT, "prisma", "schema.prisma");
export const PG_DIR = path.join(ROOT, "prisma", "postgres");
export const PG_SCHEMA = path.join(PG_DIR, "schema.prisma");
export const PG_MIGRATIONS = path.join(PG_DIR, "migrations");

const HEADER =
  "// GENERATED from prisma/schema.prisma by `npm run db:pg-schema`: do not edit. Change the SQLite\n" +
  "// schema, run the script, commit both (a test fails when this copy is stale).\n";

export function pgSchemaFrom(sqliteSchema: string): string {
  const lines = sqliteSchema.split("\n");
  let inDatasource = false;
  let inGenerator = false;
  const out: string[] = [];
  for (const line of lines) {
    let l = line;
    if (/^generator\s+\w+\s*\{/.test(l)) inGenerator = true;
    if (/^datasource\s+\w+\s*\{/.test(l)) inDatasource = true;
    if (inGenerator && /^\s*output\s*=/.test(l)) l = l.replace(/"[^"]*"/, '"../../src/generated/prisma-pg"');
    if (inDatasource && /^\s*provider\s*=/.test(l)) l = l.replace(/"sqlite"/, '"postgresql"');
    if (inDatasource && /^\s*url\s*=/.test(l)) l = l.replace(/"[^"]*"/, '"postgresql://visitmate@127.0.0.1:5432/visitmate"');
    if (/^\}/.test(l)) (inDatasource = false), (inGenerator = false);
    // A field line: name, type DateTime or DateTime?, attributes. Time is timestamptz on PostgreSQL.
    const m = /^(\s+\w+\s+DateTime\??)(\s.*)?$/.exec(l);
    if (m && !/@db\./.test(l)) l = `${m[1]}${(m[2] ?? "").replace(/\s+$/, "")} @db.Timestamptz(3)`;
    out.push(l);
  }
  return HEADER + out.join("\n");
}

export function expectedPgSchema(): string {
  return pgSchemaFrom(readFileSync(SQLITE_SCHEMA, "utf8"));
}

/** The newest migration folder's name under `dir`, or "". */
function newest(dir: string): string {
  if (!existsSync(dir)) return "";
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().at(-1) ?? "";
}

/**
 * `npm run db:pg-schema [-- --check] [-- --name NAME]`: writes prisma/postgres/schema.prisma from
 * the SQLite schema and, when it changed, the PostgreSQL migration from the committed copy to the
 * new one (`prisma migrate diff`, offline), named like the newest SQLite migration so the two
 * chains stay in step; then regenerates the PostgreSQL client. `--check` only says whether the
 * committed copy is stale (exit 1).
 */
export function runPgSchema(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n")): number {
  const check = argv.includes("--check");
  const nameAt = argv.indexOf("--name");
  const expected = expectedPgSchema();
  const committed = existsSync(PG_SCHEMA) ? readFileSync(PG_SCHEMA, "utf8") : "";
  if (expected === committed) {
    out("prisma/postgres/schema.prisma is up to date with prisma/schema.prisma.");
    return 0;
  }
  if (check) {
    out("prisma/postgres/schema.prisma is stale: run `npm run db:pg-schema` and commit the schema and its migration.");
    return 1;
  }
  const tmp = mkdtempSync(path.join(tmpdir(), "visitmate-pg-schema-"));
  try {
    const next = path.join(tmp, "schema.prisma");
    writeFileSync(next, expected);
    const from = committed ? ["--from-schema-datamodel", PG_SCHEMA] : ["--from-empty"];
    const prismaBin = path.join(ROOT, "node_modules", ".bin", "prisma");
    const sql = execFileSync(prismaBin, ["migrate", "diff", "--config", path.join(PG_DIR, "prisma.config.ts"), ...from, "--to-schema-datamodel", next, "--script"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const sqliteNewest = newest(path.join(ROOT, "prisma", "migrations"));
    const pgNewest = newest(PG_MIGRATIONS);
    let name = nameAt >= 0 ? argv[nameAt + 1] ?? "" : "";
    if (!name) name = sqliteNewest > pgNewest ? sqliteNewest : `${pgStamp(pgNewest)}_schema_change`;
    else if (!/^\d{14}_/.test(name)) name = `${pgStamp(pgNewest > sqliteNewest ? pgNewest : sqliteNewest)}_${name}`;
    if (!/CREATE|ALTER|DROP/i.test(sql)) out("The schema text changed but its SQL did not (comments only): no migration written.");
    else {
      mkdirSync(path.join(PG_MIGRATIONS, name), { recursive: true });
      writeFileSync(path.join(PG_MIGRATIONS, name, "migration.sql"), sql);
      out(`Wrote prisma/postgres/migrations/${name}/migration.sql`);
    }
    writeFileSync(PG_SCHEMA, expected);
    out("Wrote prisma/postgres/schema.prisma");
    execFileSync(prismaBin, ["generate", "--config", path.join(PG_DIR, "prisma.config.ts")], { cwd: ROOT, stdio: "inherit" });
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The timestamp one second after a migration name's (YYYYMMDDHHMMSS, UTC). */
function pgStamp(after: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(after);
  const base = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Date.now();
  const d = new Date(base + 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = runPgSchema(process.argv.slice(2));
