import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgPrismaClient } from "../generated/prisma-pg/client.ts";
import { applyPgMigrations, pgSessionOptions } from "./pg-migrate.ts";
import { pgOpenError } from "./pg-errors.ts";
import { turnQueue } from "./turns.ts";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Tx = Awaited<ReturnType<Adapter["startTransaction"]>>;

/** The advisory lock an interactive transaction holds until it ends (see `serialTransactions`). */
export const TRANSACTION_LOCK_KEY = 0x5649_5302;

/**
 * Interactive transactions one at a time across every instance, as on SQLite.
 *
 * Why: the services were written against SQLite, where a transaction holds the write lock from
 * its first statement (BEGIN IMMEDIATE): a read-check-write inside one (a form's revision, a
 * duplicate check, a counter) can never interleave with another's. PostgreSQL's default READ
 * COMMITTED would let two instances both pass the check. A transaction-scoped advisory lock
 * restores exactly that guarantee. In this process they first queue in memory, so a waiting one
 * never holds a pool connection that the running one may need for a read through the client.
 *
 * Only `$transaction(async (tx) => …)` takes it (marked by `interactiveTransactions`): Prisma also
 * wraps single operations (updateMany, createMany, nested writes) in transactions of its own, and
 * serialising those queued every outbox claim, heartbeat and job finish behind every other
 * instance's work. A single operation is atomic on PostgreSQL by itself, exactly as a plain
 * `create` or `update` (never wrapped) already was, so they run in parallel on the pool.
 */
const interactive = new AsyncLocalStorage<{ pending: boolean }>();

/** Marks the transactions `db.$transaction(fn)` starts as interactive (see `serialTransactions`). */
export function interactiveTransactions<T extends { $transaction: (...args: never[]) => unknown }>(db: T): T {
  const original = db.$transaction.bind(db) as (...args: unknown[]) => unknown;
  const marked = (...args: unknown[]) =>
    typeof args[0] === "function" ? interactive.run({ pending: true }, () => original(...args)) : original(...args);
  Object.defineProperty(db, "$transaction", { value: marked, configurable: true, writable: true });
  return db;
}

export function serialTransactions(inner: Adapter): Adapter {
  const turn = turnQueue();
  const wrapped = Object.create(inner) as Adapter;
  wrapped.startTransaction = async (isolationLevel) => {
    // The first transaction begun inside `$transaction(fn)` is that one; anything else the callback
    // starts through the outer client (an updateMany of its own) is not, and must not wait for our turn.
    const mark = interactive.getStore();
    const serial = mark?.pending === true;
    if (mark) mark.pending = false;
    if (!serial) return inner.startTransaction(isolationLevel);
    const release = await turn();
    let tx: Tx;
    try {
      tx = await inner.startTransaction(isolationLevel);
    } catch (err) {
      release();
      throw err;
    }
    try {
      await tx.executeRaw({ sql: `SELECT pg_advisory_xact_lock(${TRANSACTION_LOCK_KEY})`, args: [], argTypes: [] });
    } catch (err) {
      await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] }).catch(() => undefined);
      await tx.rollback().catch(() => undefined);
      release();
      throw err;
    }
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    // Prisma sends COMMIT / ROLLBACK itself (usePhantomQuery: false); these release the connection and our turn.
    tx.commit = async () => {
      try {
        await commit();
      } finally {
        release();
      }
    };
    tx.rollback = async () => {
      try {
        await rollback();
      } finally {
        release();
      }
    };
    return tx;
  };
  return wrapped;
}

export interface OpenPgOptions {
  /** How long a statement waits for a lock before failing (lock_timeout). */
  lockTimeoutMs: number;
  /** Connections kept to the server (default 10). */
  poolSize?: number;
}

/** Opens a PostgreSQL database through adapter-pg, applying pending migrations first. */
export async function openPostgres(url: string, opts: OpenPgOptions): Promise<PgPrismaClient> {
  await applyPgMigrations(url, { lockTimeoutMs: Math.max(opts.lockTimeoutMs, 60_000) });
  const factory = new PrismaPg({ connectionString: url, options: pgSessionOptions(opts.lockTimeoutMs), max: opts.poolSize ?? 10 });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => serialTransactions(await connect());
  const db = interactiveTransactions(new PgPrismaClient({ adapter: factory, transactionOptions: { maxWait: 30_000, timeout: 60_000 } }));
  try {
    await db.$connect();
    await db.$queryRawUnsafe("SELECT 1");
  } catch (err) {
    await db.$disconnect().catch(() => undefined);
    throw pgOpenError(err, url);
  }
  return db;
}
