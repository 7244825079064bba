import path from "node:path";
import { AppError } from "../core/errors.ts";

/**
 * Every way opening the database can fail that an operator can fix, mapped in one place to one
 * message naming DATABASE_URL, what is wrong and what to do. Without this, `npm start` and every
 * CLI command died with a better-sqlite3 stack trace that did not say which setting was at fault.
 *
 * Only errors whose cause is known are mapped; anything else stays as it is (a bug, with its stack).
 */
export type TDbOpenProblem = "parent-not-folder" | "folder" | "read-only" | "cant-open" | "not-a-database" | "corrupt" | "locked" | "full";

/** The SQLite result code (better-sqlite3's SqliteError, or the Prisma adapter's wrapped cause) or errno code. */
function codeOf(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } }; cause?: unknown };
    const adapter = x.meta?.driverAdapterError?.cause?.originalCode;
    if (typeof adapter === "string") return adapter;
    if (typeof x.originalCode === "string") return x.originalCode;
    if (typeof x.code === "string" && /^(SQLITE_|E[A-Z]+$)/.test(x.code)) return x.code;
    e = x.cause;
  }
  return "";
}

export function dbOpenProblem(err: unknown): TDbOpenProblem | null {
  const code = codeOf(err);
  if (code === "ENOTDIR" || code === "EEXIST") return "parent-not-folder";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOENT") return "folder";
  if (code.startsWith("SQLITE_READONLY")) return "read-only";
  if (code.startsWith("SQLITE_CANTOPEN")) return "cant-open";
  if (code === "SQLITE_NOTADB") return "not-a-database";
  if (code.startsWith("SQLITE_CORRUPT")) return "corrupt";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "locked";
  if (code === "SQLITE_FULL") return "full";
  return null;
}

/**
 * The AppError for `err` raised while opening `url` (the file `file`), or `err` itself when it is
 * not a problem of the database's file or folder. `busyTimeoutMs` is how long the lock was waited for.
 */
export function dbOpenError(err: unknown, opts: { url: string; file: string; busyTimeoutMs?: number }): unknown {
  if (err instanceof AppError) return err;
  const problem = dbOpenProblem(err);
  if (!problem) return err;
  const code = codeOf(err);
  const params = { url: opts.url, file: opts.file, dir: path.dirname(opts.file), code, seconds: Math.round((opts.busyTimeoutMs ?? 0) / 1000) };
  return new AppError("db.open", {
    message: `Cannot open the database DATABASE_URL=${opts.url} (${problem}, ${code})`,
    userMessage: { key: `db.open.${problem}`, params },
    cause: err,
  });
}
