import { existsSync, linkSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { createPrivateFile } from "../core/private-files.ts";
import { dbOpenError } from "./open-errors.ts";
import { sqlitePathFromUrl } from "./migrate.ts";
import { isPostgresUrl, redactDbUrl } from "./db-url.ts";

export interface TBackupResult {
  /** The database file that was copied. */
  source: string;
  /** The backup file written. */
  file: string;
  bytes: number;
  pages: number;
  /** Result of `PRAGMA quick_check` on the backup: always "ok" (a copy failing it is not kept). */
  check: string;
}

export type TBackupRefusal = { refused: "postgres" | "no-database" | "exists" | "is-folder" | "same-file" | "no-folder" | "check-failed"; file: string; check?: string };

/**
 * Pages per backup step: all of them at once.
 *
 * Why: SQLite restarts a backup from the first page whenever another connection writes to the
 * source between two steps, so copying 100 pages at a time (better-sqlite3's default) from a busy
 * bot's database may never finish. One step reads everything inside one read transaction; in WAL
 * mode a reader does not block the bot's writers, and the snapshot it reads is consistent.
 */
const ALL_PAGES = 0x7fffffff;

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * An online, consistent copy of the SQLite database at `url` into `file`, through SQLite's backup
 * API (a file copy of a database being written can tear: pages from before and after a commit, and
 * the -wal file's recent commits left out). Safe while the bot runs. The copy is written beside
 * `file` under a temporary name and moved into place when complete, so `file` is never a
 * half-written backup; an existing `file` is replaced only with `force`. The result is one
 * self-contained file (rollback journal mode, no -wal), owner-only like the database.
 */
export async function backupDatabase(opts: { url: string; file: string; force?: boolean; busyTimeoutMs?: number }): Promise<TBackupResult | TBackupRefusal> {
  if (isPostgresUrl(opts.url)) return { refused: "postgres", file: redactDbUrl(opts.url) };
  const source = sqlitePathFromUrl(opts.url);
  const file = path.resolve(opts.file);
  // Said plainly: opening would only report "cannot open" (and without fileMustExist create an empty one).
  if (source === ":memory:" || !existsSync(source)) return { refused: "no-database", file: source };
  // Its -wal / -shm files too: replacing the live WAL with --force would destroy the database.
  if (["", "-wal", "-shm", "-journal"].some((suffix) => samePath(source + suffix, file))) return { refused: "same-file", file };
  if (!existsSync(path.dirname(file)) || !statSync(path.dirname(file)).isDirectory()) return { refused: "no-folder", file };
  if (existsSync(file) && statSync(file).isDirectory()) return { refused: "is-folder", file };
  if (existsSync(file) && !opts.force) return { refused: "exists", file };

  let db: Database.Database;
  try {
    // fileMustExist: a wrong DATABASE_URL must not create an empty database and back that up.
    db = new Database(source, { fileMustExist: true, timeout: opts.busyTimeoutMs ?? 15_000 });
  } catch (err) {
    throw dbOpenError(err, { url: opts.url, file: source, busyTimeoutMs: opts.busyTimeoutMs });
  }
  try {
    // Opening is lazy: reading the header here reports a file that is not a database (or a broken
    // one) with the message naming DATABASE_URL, not halfway through the copy.
    db.pragma("schema_version", { simple: true });
  } catch (err) {
    db.close();
    throw dbOpenError(err, { url: opts.url, file: source, busyTimeoutMs: opts.busyTimeoutMs });
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  try {
    rmSync(tmp, { force: true });
    // Created owner-only first: the backup holds the same customers and phone numbers as the database.
    createPrivateFile(tmp);
    let pages = 0;
    await db.backup(tmp, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        return ALL_PAGES;
      },
    });
    const copy = new Database(tmp);
    let check: string;
    try {
      // The backup keeps the source's WAL mode; a single file is what an operator copies off the machine.
      copy.pragma("journal_mode = DELETE");
      check = String(copy.pragma("quick_check", { simple: true }));
      if (!pages) pages = Number(copy.pragma("page_count", { simple: true }));
    } finally {
      copy.close();
    }
    // A copy that fails its check is not put where a restore would find it.
    if (check !== "ok") return { refused: "check-failed", file, check };
    if (opts.force) {
      // rename() replaces an existing file in one step: there is always a whole backup at `file`.
      renameSync(tmp, file);
    } else {
      try {
        // link() fails when `file` appeared meanwhile: never overwritten without --force, even in a race.
        linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return { refused: "exists", file };
        throw err;
      }
    }
    return { source, file, bytes: statSync(file).size, pages, check };
  } finally {
    db.close();
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(f, { force: true });
  }
}
