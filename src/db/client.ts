import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";
import { isPostgresUrl } from "./db-url.ts";
import { turnQueue } from "./turns.ts";

export type Db = PrismaClient;
export { PrismaClient };

export const DEFAULT_DATABASE_URL = "file:./data/visitmate.db";

/** How long a statement waits for another process's write lock before failing (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 15_000;

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type Tx = Awaited<ReturnType<Adapter["startTransaction"]>>;

/**
 * One turn of the event loop before a statement.
 *
 * Why: better-sqlite3 answers synchronously, and Prisma compiles every query (in WebAssembly) on the
 * calling thread, so a service running twenty queries in a row resolved them all in one chain of
 * microtasks: the loop saw no timer, socket or worker message for 60-250 ms at a time (measured
 * while plans were stored beside the plan workers; issue #12 asks for under 50 ms). A turn per
 * statement bounds the stall by the longest single statement. Statements inside a transaction run
 * without it: another task's statement would run inside the open transaction (see below).
 */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Transactions that take the write lock when they begin (BEGIN IMMEDIATE), one at a time.
 *
 * Why: the better-sqlite3 adapter begins transactions DEFERRED on its one connection, and a query
 * another task issues while a transaction is open runs inside it. A read slipped in that way turns
 * the transaction's first write into a read-to-write upgrade, which SQLite cannot wait for: with a
 * second process writing it fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT),
 * whatever the busy timeout. That lost an outbox message in the two-instance test under load.
 * BEGIN IMMEDIATE takes the write lock first, waiting for it through the busy timeout, so nothing
 * inside the transaction can fail to upgrade. Plain statements keep running as they come (some
 * code reads through the outer client inside a transaction; serialising those would deadlock it).
 */
export function immediateTransactions(inner: Adapter): Adapter {
  const turn = turnQueue();
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    // Outside a transaction every statement first gives the event loop a turn (see `yieldToLoop`).
    queryRaw: async (q) => (await yieldToLoop(), inner.queryRaw(q)),
    executeRaw: async (q) => (await yieldToLoop(), inner.executeRaw(q)),
    executeScript: (script) => inner.executeScript(script),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    dispose: () => inner.dispose(),
    async startTransaction(isolationLevel) {
      if (isolationLevel && isolationLevel !== "SERIALIZABLE") return inner.startTransaction(isolationLevel); // the adapter's own error
      const release = await turn();
      try {
        await inner.executeScript("BEGIN IMMEDIATE");
      } catch (err) {
        release();
        throw err;
      }
      // Prisma sends COMMIT / ROLLBACK itself (usePhantomQuery: false); these only end our turn.
      const tx: Tx = {
        provider: inner.provider,
        adapterName: inner.adapterName,
        options: { usePhantomQuery: false },
        queryRaw: (q) => inner.queryRaw(q),
        executeRaw: (q) => inner.executeRaw(q),
        commit: async () => release(),
        rollback: async () => release(),
      };
      return tx;
    },
  };
}

/** The better-sqlite3 adapter factory, its transactions begun IMMEDIATE (see `immediateTransactions`). */
function adapterFactory(url: string, busyTimeoutMs: number): PrismaBetterSQLite3 {
  const factory = new PrismaBetterSQLite3({ url, timeout: busyTimeoutMs });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => immediateTransactions(await connect());
  return factory;
}

export interface OpenDbOptions {
  /** How long a statement waits for another process's write lock (default BUSY_TIMEOUT_MS; tests use small values). */
  busyTimeoutMs?: number;
  /** PostgreSQL only: connections kept to the server (VISITMATE_PG_POOL, default 10). */
  poolSize?: number;
}

/** Which engine a database runs on: every SQL the code writes itself must work on both. */
export function dbEngine(db: Db): "sqlite" | "postgres" {
  return (db as unknown as { [ENGINE]?: "postgres" })[ENGINE] ?? "sqlite";
}
const ENGINE = Symbol.for("visitmate.dbEngine");

/**
 * A `contains` filter that ignores letter case on both engines: SQLite's LIKE ignores ASCII case,
 * PostgreSQL's is exact unless asked (`mode: "insensitive"`, which the SQLite client has no type for).
 */
export function containsIgnoringCase(db: Db, text: string): { contains: string } {
  return dbEngine(db) === "postgres" ? ({ contains: text, mode: "insensitive" } as { contains: string }) : { contains: text };
}

/** Opens the database (SQLite for `file:`, PostgreSQL for `postgresql://`), applying pending migrations first. */
export async function openDb(url: string = DEFAULT_DATABASE_URL, opts: OpenDbOptions = {}): Promise<Db> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (isPostgresUrl(url)) {
    const { openPostgres } = await import("./pg-client.ts");
    const pg = await openPostgres(url, { lockTimeoutMs: busyTimeoutMs, poolSize: opts.poolSize });
    // The PostgreSQL client is generated from the same models (prisma/postgres/schema.prisma): its
    // queries and results are the SQLite client's; only the transaction isolation levels' type differs.
    Object.defineProperty(pg, ENGINE, { value: "postgres" });
    return pg as unknown as Db;
  }
  applyMigrations(url);
  // Generous transaction limits: on a busy machine a transaction may wait its turn for seconds.
  const db = new PrismaClient({ adapter: adapterFactory(url, busyTimeoutMs), transactionOptions: { maxWait: 30_000, timeout: 60_000 } });
  await db.$connect();
  // WAL lets a second process (CLI, another instance) read while the bot writes.
  await db.$queryRawUnsafe(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  return db;
}
