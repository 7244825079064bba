import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { PG_MIGRATIONS } from "./pg-schema.ts";
import { pgOpenError } from "./pg-errors.ts";

/** The advisory lock every instance takes to migrate: two starting together apply each migration once. */
export const MIGRATION_LOCK_KEY = 0x5649_5301; // "VIS" 01

/** Connection parameters every VisitMate session on PostgreSQL sets (see docs/postgres-notes.md §4). */
export function pgSessionOptions(lockTimeoutMs: number): string {
  // TimeZone=UTC: adapter-pg 6.19 sends instants as UTC text without an offset and reads them back
  // as UTC whatever the offset; any other session zone would store every time shifted.
  return `-c TimeZone=UTC -c lock_timeout=${lockTimeoutMs} -c idle_in_transaction_session_timeout=120000`;
}

/** Prisma's own bookkeeping table, with the DDL the Prisma CLI creates on PostgreSQL. */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function pgMigrationNames(dir: string = PG_MIGRATIONS): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql"))).map((d) => d.name).sort()
    : [];
}

/**
 * Applies the committed PostgreSQL migrations (prisma/postgres/migrations) in one transaction under
 * an advisory lock, recording each in `_prisma_migrations` with Prisma's checksum (sha256 of the
 * file), so `prisma migrate status` agrees. Why not `prisma migrate deploy`: through adapter-pg it
 * fails in 6.19 ("Column type 'name' could not be deserialized"). PostgreSQL's DDL is
 * transactional: a failing migration leaves nothing behind, and a second instance waiting on the
 * lock finds the migrations applied when it gets it. Returns the names applied.
 */
export async function applyPgMigrations(url: string, opts: { lockTimeoutMs?: number; dir?: string } = {}): Promise<string[]> {
  const lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  const client = new pg.Client({ connectionString: url, options: pgSessionOptions(lockTimeoutMs) });
  try {
    await client.connect();
  } catch (err) {
    throw pgOpenError(err, url);
  }
  try {
    const ro = await client.query<{ ro: string }>("SHOW transaction_read_only");
    if (ro.rows[0]?.ro === "on") throw pgOpenError(Object.assign(new Error("read-only"), { code: "25006" }), url);
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await client.query(MIGRATIONS_TABLE);
      const done = new Set(
        (await client.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)).rows.map(
          (r) => r.migration_name,
        ),
      );
      const dir = opts.dir ?? PG_MIGRATIONS;
      const applied: string[] = [];
      for (const name of pgMigrationNames(dir)) {
        if (done.has(name)) continue;
        const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
        const checksum = createHash("sha256").update(sql).digest("hex");
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at) VALUES ($1, $2, now(), $3, 1, now())`,
          [randomUUID(), checksum, name],
        );
        applied.push(name);
      }
      await client.query("COMMIT");
      return applied;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw pgOpenError(err, url);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
