import { describe, expect, it } from "vitest";
import pg from "pg";
import { createPgTestDatabase, createTestDb } from "../helpers/db.ts";
import { applyPgMigrations, pgMigrationNames } from "../../src/db/pg-migrate.ts";
import { dbEngine, openDb } from "../../src/db/client.ts";

describe("PostgreSQL: open, migrate, time", () => {
  it("selects PostgreSQL from the URL, round-trips a row and stores instants in UTC whatever the server's zone", async () => {
    const t = await createTestDb({ engine: "postgres" });
    try {
      expect(dbEngine(t.db)).toBe("postgres");
      const s = await t.db.staff.create({ data: { code: "M900", name: "张三", role: "manager" } });
      const back = await t.db.staff.findUnique({ where: { id: s.id } });
      expect(back?.name).toBe("张三");
      const rows = await t.db.$queryRawUnsafe<{ skew: number; zone: string }[]>(
        `SELECT EXTRACT(EPOCH FROM (now() - "createdAt"))::float8 AS skew, current_setting('TimeZone') AS zone FROM "Staff" WHERE id = $1`,
        s.id,
      );
      expect(rows[0]!.zone).toBe("UTC");
      expect(Math.abs(rows[0]!.skew)).toBeLessThan(600);
      const c = new pg.Client({ connectionString: t.url });
      await c.connect();
      // The server's own default is Asia/Shanghai (test/helpers/pg-cluster.ts): a DBA's session sees the same instant.
      const r = await c.query(`SELECT current_setting('TimeZone') AS zone, EXTRACT(EPOCH FROM "createdAt")::float8 * 1000 AS ms FROM "Staff" WHERE id = $1`, [s.id]);
      await c.end();
      expect(r.rows[0].zone).toBe("Asia/Shanghai");
      expect(Math.round(r.rows[0].ms)).toBe(s.createdAt.getTime());
    } finally {
      await t.close();
    }
  });

  it("two instances migrating an empty database together apply each migration once, recorded as Prisma does", async () => {
    const d = await createPgTestDatabase({ migrated: false });
    try {
      const [a, b] = await Promise.all([applyPgMigrations(d.url), applyPgMigrations(d.url)]);
      const names = pgMigrationNames();
      expect([...a, ...b].sort()).toEqual(names);
      const c = new pg.Client({ connectionString: d.url });
      await c.connect();
      const rows = (await c.query(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`)).rows;
      await c.end();
      expect(rows.map((r) => r.migration_name)).toEqual(names);
      for (const r of rows) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(await applyPgMigrations(d.url)).toEqual([]);
      const db = await openDb(d.url);
      expect(await db.staff.count()).toBe(0);
      await db.$disconnect();
    } finally {
      await d.drop();
    }
  });
});

describe("PostgreSQL: what an operator is told when the database cannot be opened", () => {
  it("a server nobody listens on, and a database that does not exist, each get one message naming DATABASE_URL without its password", async () => {
    const { freePort } = await import("../helpers/pg-cluster.ts");
    const { AppError } = await import("../../src/core/errors.ts");
    const { translator } = await import("../../src/i18n/i18n.ts");
    const port = await freePort();
    const err1 = await openDb(`postgresql://visitmate:s3cret@127.0.0.1:${port}/visitmate`).catch((e) => e);
    expect(err1).toBeInstanceOf(AppError);
    expect(err1.userMessage.key).toBe("db.open.pg.unreachable");
    expect(err1.message).not.toContain("s3cret");
    const t = translator("zh-CN");
    const text = t(err1.userMessage.key, err1.userMessage.params);
    expect(text).toContain(`127.0.0.1:${port}`);
    expect(text).not.toContain("s3cret");
    const d = await createPgTestDatabase({ migrated: false });
    await d.drop();
    const err2 = await openDb(d.url.replace("visitmate@", "visitmate:pw@")).catch((e) => e);
    expect(err2.userMessage?.key).toBe("db.open.pg.no-database");
    expect(t(err2.userMessage.key, err2.userMessage.params)).toContain(d.name);
  });

  it("DATABASE_URL accepts postgresql:// and postgres:// URLs beside file:, and nothing else", async () => {
    const { loadEnv } = await import("../../src/config/env.ts");
    expect(loadEnv({ DATABASE_URL: "postgresql://u@h:5432/d" }).DATABASE_URL).toBe("postgresql://u@h:5432/d");
    expect(loadEnv({ DATABASE_URL: "postgres://u@h/d" }).DATABASE_URL).toBe("postgres://u@h/d");
    expect(() => loadEnv({ DATABASE_URL: "mysql://u@h/d" })).toThrow(/postgresql:\/\//);
  });
});

describe("PostgreSQL: transactions keep SQLite's guarantee across instances, single operations run in parallel", () => {
  it("read-check-write transactions from two instances (two pools) never interleave: no increment is lost", async () => {
    const t = await createTestDb({ engine: "postgres" });
    const other = await openDb(t.url);
    try {
      await t.db.appMeta.create({ data: { key: "counter", value: "0" } });
      const bump = (db: typeof t.db) =>
        db.$transaction(async (tx) => {
          const row = await tx.appMeta.findUniqueOrThrow({ where: { key: "counter" } });
          await tx.appMeta.update({ where: { key: "counter" }, data: { value: String(Number(row.value) + 1) } });
        });
      await Promise.all(Array.from({ length: 30 }, (_, i) => bump(i % 2 ? t.db : other)));
      expect((await t.db.appMeta.findUniqueOrThrow({ where: { key: "counter" } })).value).toBe("30");
    } finally {
      await other.$disconnect();
      await t.close();
    }
  });

  it("while another instance is inside a transaction, updateMany and createMany (which Prisma wraps in transactions of its own) do not wait for it", async () => {
    const { TRANSACTION_LOCK_KEY } = await import("../../src/db/pg-client.ts");
    const t = await createTestDb({ engine: "postgres", busyTimeoutMs: 2000 });
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT pg_advisory_xact_lock(${TRANSACTION_LOCK_KEY})`);
      await t.db.appMeta.createMany({ data: [{ key: "a", value: "1" }, { key: "b", value: "2" }] });
      expect(await t.db.appMeta.updateMany({ where: { key: { in: ["a", "b"] } }, data: { value: "3" } })).toEqual({ count: 2 });
      // Inside an interactive transaction, an operation through the outer client is not queued behind it either.
      await holder.query("ROLLBACK");
      const seen = await t.db.$transaction(async (tx) => {
        await tx.appMeta.update({ where: { key: "a" }, data: { value: "4" } });
        return (await t.db.appMeta.updateMany({ where: { key: "b" }, data: { value: "5" } })).count;
      });
      expect(seen).toBe(1);
      expect((await t.db.appMeta.findMany({ orderBy: { key: "asc" } })).map((r) => r.value)).toEqual(["4", "5"]);
    } finally {
      await holder.end();
      await t.close();
    }
  });
});
