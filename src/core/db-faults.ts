/**
 * Database faults that pass: another process holds the write lock past the busy timeout, the disk
 * is full, an I/O error, a database that is read-only for now. The work that hit one can succeed
 * later unchanged, so it is retried instead of answered as a bug. Prisma wraps the driver's error
 * (better-sqlite3's SqliteError with its `code`) in its own; a lock timeout may only say
 * "Operation has timed out" (Prisma's P1008) or "database is locked".
 */
const CODES = /\bSQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY)\w*/;
const MESSAGES = /Operation has timed out|database is locked|database or disk is full|disk I\/O error|attempt to write a readonly database/i;
const PRISMA_CODES = new Set(["P1008", "P2034"]);

export function isDbFault(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    if (typeof e !== "object") return typeof e === "string" && (CODES.test(e) || MESSAGES.test(e));
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
    if (typeof o.code === "string" && (CODES.test(o.code) || PRISMA_CODES.has(o.code))) return true;
    if (typeof o.message === "string" && (CODES.test(o.message) || MESSAGES.test(o.message))) return true;
    const meta = o.meta as { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; originalMessage?: unknown } } } | undefined;
    const cause = meta?.driverAdapterError?.cause;
    if (cause && [cause.kind, cause.originalCode, cause.originalMessage].some((v) => typeof v === "string" && (CODES.test(v) || MESSAGES.test(v) || v === "SocketTimeout"))) return true;
    e = o.cause;
  }
  return false;
}
