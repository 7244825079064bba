import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { createPrivateFile } from "../core/private-files.ts";
import { dbOpenError } from "./open-errors.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

/** Turns a Prisma SQLite URL (`file:./data/x.db`) into a filesystem path, relative to the cwd. */
export function sqlitePathFromUrl(url: string): string {
  const raw = url.startsWith("file:") ? url.slice("file:".length) : url;
  return raw === ":memory:" ? raw : path.resolve(raw);
}

/**
 * Applies the committed Prisma migrations directly with better-sqlite3.
 *
 * Why not `prisma migrate deploy`: spawning the WASM CLI costs seconds on every start and in every
 * test. The bookkeeping table is Prisma's own `_prisma_migrations` with the same checksum, so the
 * Prisma CLI keeps working on a database this function created, and vice versa.
 */
export function applyMigrations(url: string, opts: { busyTimeoutMs?: number } = {}): string[] {
  const file = sqlitePathFromUrl(url);
  const busyTimeoutMs = opts.busyTimeoutMs ?? MIGRATE_BUSY_TIMEOUT_MS;
  try {
    return migrate(file, busyTimeoutMs);
  } catch (err) {
    // A bad path, file or lock becomes one message naming DATABASE_URL (see open-errors.ts).
    throw dbOpenError(err, { url, file, busyTimeoutMs });
  }
}

/** How long start-up waits for another process's lock before saying the database is locked. */
export const MIGRATE_BUSY_TIMEOUT_MS = 5000;

function migrate(file: string, busyTimeoutMs: number): string[] {
  if (file !== ":memory:") createPrivateFile(file);
  // Set before anything else: switching to WAL needs the lock too.
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);
    const done = new Set(
      (db.prepare(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
        migration_name: string;
      }[]).map((r) => r.migration_name),
    );
    const names = existsSync(MIGRATIONS_DIR)
      ? readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
      : [];
    // A read-only file or folder opens and reads fine and would fail at the bot's first write:
    // one write, rolled back, finds it here.
    db.exec("BEGIN IMMEDIATE; CREATE TABLE _visitmate_write_check (x); ROLLBACK");
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      db.transaction(() => {
        db.exec(sql);
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
           VALUES (?, ?, current_timestamp, ?, 1, current_timestamp)`,
        ).run(randomUUID(), checksum, name);
      })();
      applied.push(name);
    }
    return applied;
  } finally {
    db.close();
  }
}
