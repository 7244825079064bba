/**
 * The one classifier of database faults (SQLite through Prisma and better-sqlite3; PostgreSQL through adapter-pg). Prisma wraps
 * the driver's error (SqliteError with its `code`) in its own, sometimes only in
 * `meta.driverAdapterError.cause`; a lock timeout may only say "Operation has timed out" (Prisma's
 * P1008) or "database is locked". Lasting conditions are logged once while they hold
 * (fault-log.ts); the passing ones are retried rather than answered as a bug (isDbFault).
 */
export type DbCondition = "disk-full" | "read-only" | "locked" | "io-error" | "corrupt";

const CONDITIONS: { condition: DbCondition; codes: RegExp; message: RegExp }[] = [
  // SQLite result codes, PostgreSQL SQLSTATEs (pg's `code`) and adapter-pg's error kinds.
  { condition: "disk-full", codes: /^(SQLITE_FULL|53100$)/, message: /database or disk is full|no space left on device|could not extend file/i },
  { condition: "read-only", codes: /^(SQLITE_READONLY|25006$)/, message: /readonly database|read-only/i },
  // Prisma's own timeout (P1008, "Operation has timed out") is what a write waiting past the busy timeout shows;
  // on PostgreSQL: lock_timeout (55P03), a serialization failure or deadlock, too many connections.
  {
    condition: "locked",
    codes: /^(SQLITE_BUSY|SQLITE_LOCKED|P1008|P2034|SocketTimeout|55P03$|40001$|40P01$|53300$|TransactionWriteConflict$|TooManyConnections$)/,
    message: /database is locked|database table is locked|operation has timed out|lock timeout|deadlock detected|could not serialize/i,
  },
  // On PostgreSQL the server gone or restarting (connection exceptions 08xxx, admin shutdown 57P0x).
  {
    condition: "io-error",
    codes: /^(SQLITE_IOERR|SQLITE_CANTOPEN|08[0-9A-Z]{3}$|57P0[123]$|DatabaseNotReachable$|ConnectionClosed$|ECONNREFUSED$|ECONNRESET$)/,
    message: /disk i\/o error|unable to open database file|connection terminated|server closed the connection|can't reach database server/i,
  },
  { condition: "corrupt", codes: /^(SQLITE_CORRUPT|SQLITE_NOTADB)/, message: /malformed|file is not a database/i },
];

/** The database condition behind an error, or null for anything else. */
export function dbCondition(err: unknown): DbCondition | null {
  const test = (code: string, message: string) => {
    // A code may only be named inside the message ("SqliteError: SQLITE_BUSY_SNAPSHOT: …").
    const named = code || (/\bSQLITE_\w+/.exec(message)?.[0] ?? "");
    return CONDITIONS.find((c) => (named && c.codes.test(named)) || (message && c.message.test(message)))?.condition ?? null;
  };
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    if (typeof e === "string") return test("", e);
    if (typeof e !== "object") return null;
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
    const found = test(typeof o.code === "string" ? o.code : "", typeof o.message === "string" ? o.message : "");
    if (found) return found;
    const meta = o.meta as { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; originalMessage?: unknown } } } | undefined;
    const cause = meta?.driverAdapterError?.cause;
    if (cause) {
      const str = (v: unknown) => (typeof v === "string" ? v : "");
      const hit = test(str(cause.originalCode) || str(cause.kind), str(cause.originalMessage));
      if (hit) return hit;
    }
    e = o.cause;
  }
  return null;
}

/**
 * Database faults that pass: another process holds the write lock past the busy timeout, the disk
 * is full, an I/O error, a database read-only for now. The work that hit one can succeed later
 * unchanged, so it is retried. A corrupt file does not pass.
 */
export function isDbFault(err: unknown): boolean {
  const c = dbCondition(err);
  return c !== null && c !== "corrupt";
}
