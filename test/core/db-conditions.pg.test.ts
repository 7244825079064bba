import pg from "pg";
import { describe, expect, it } from "vitest";
import { dbCondition, isDbFault } from "../../src/core/db-faults.ts";
import { openDb } from "../../src/db/client.ts";
import { TRANSACTION_LOCK_KEY } from "../../src/db/pg-client.ts";
import { createPgTestDatabase, createTestDb } from "../helpers/db.ts";
import { pgAdmin, startPgCluster } from "../helpers/pg-cluster.ts";

/** Real PostgreSQL faults, classified like SQLite's so jobs retry them and log each once (fault-log.ts). */
describe("PostgreSQL faults are database conditions", () => {
  it("a row held by another session past the lock timeout (55P03) and a transaction waiting on another's are 'locked', and pass", async () => {
    const t = await createTestDb({ engine: "postgres", busyTimeoutMs: 300 });
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      const s = await t.db.staff.create({ data: { code: "M901", name: "王五", role: "manager" } });
      await other.query("BEGIN");
      await other.query(`SELECT id FROM "Staff" WHERE id = $1 FOR UPDATE`, [s.id]);
      const rowErr = await t.db.staff.update({ where: { id: s.id }, data: { name: "王六" } }).catch((e) => e);
      expect(dbCondition(rowErr)).toBe("locked");
      expect(isDbFault(rowErr)).toBe(true);
      await other.query("ROLLBACK");

      // Another instance inside a transaction: ours waits for the advisory lock, then gives up as "locked".
      await other.query("BEGIN");
      await other.query(`SELECT pg_advisory_xact_lock(${TRANSACTION_LOCK_KEY})`);
      const txErr = await t.db.$transaction(async (tx) => tx.staff.count()).catch((e) => e);
      expect(dbCondition(txErr)).toBe("locked");
      await other.query("ROLLBACK");
      // Once it ends, transactions run again and the row was never changed.
      expect(await t.db.$transaction(async (tx) => (await tx.staff.findUniqueOrThrow({ where: { id: s.id } })).name)).toBe("王五");
    } finally {
      await other.end();
      await t.close();
    }
  });

  it("a database switched to read-only is 'read-only' for writes, and refused at start with its own message", async () => {
    const d = await createPgTestDatabase();
    try {
      const db = await openDb(d.url);
      await pgAdmin(d.adminUrl, `ALTER DATABASE ${d.name} SET default_transaction_read_only = on`);
      await db.$disconnect();
      const stale = await openDb(d.url).catch((e) => e);
      expect(stale.userMessage?.key).toBe("db.open.pg.read-only");
      await pgAdmin(d.adminUrl, `ALTER DATABASE ${d.name} SET default_transaction_read_only = off`);
      const db2 = await openDb(d.url);
      await pgAdmin(d.adminUrl, `ALTER DATABASE ${d.name} SET default_transaction_read_only = on`);
      // Pooled connections keep their setting: a new pool sees the change.
      await db2.$disconnect();
      const c = new pg.Client({ connectionString: d.url });
      await c.connect();
      const err = await c.query(`INSERT INTO "Staff" (code, name, role, "updatedAt") VALUES ('M1', 'x', 'manager', now())`).catch((e) => e);
      await c.end();
      expect(dbCondition(err)).toBe("read-only");
    } finally {
      await pgAdmin(d.adminUrl, `ALTER DATABASE ${d.name} SET default_transaction_read_only = off`).catch(() => undefined);
      await d.drop();
    }
  });

  it("the server going away is 'io-error' (retried), not a bug", async () => {
    const cluster = await startPgCluster();
    try {
      await pgAdmin(cluster.adminUrl, "CREATE DATABASE gone");
      const db = await openDb(cluster.urlFor("gone"));
      expect(await db.staff.count()).toBe(0);
      await cluster.stop();
      const err = await db.staff.count().catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(dbCondition(err)).toBe("io-error");
      expect(isDbFault(err)).toBe(true);
      await db.$disconnect().catch(() => undefined);
    } finally {
      await cluster.stop();
    }
  });
});
