import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDb, type Db } from "../../src/db/client.ts";
import { pgAdmin } from "./pg-cluster.ts";

export type Engine = "sqlite" | "postgres";
/** The engines the storage-level suites run on: `describe.each(ENGINES)("… (%s)", (engine) => …)`. */
export const ENGINES: readonly Engine[] = ["sqlite", "postgres"];

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  engine: Engine;
  close(): Promise<void>;
}

export interface TestDbOptions {
  from?: string;
  busyTimeoutMs?: number;
  /** sqlite (default): a real file in a temp dir; postgres: a fresh database on the run's throw-away cluster. */
  engine?: Engine;
}

/** A real database migrated like production: an SQLite file (optionally a copy of `from`) or a PostgreSQL database. */
export async function createTestDb(opts: TestDbOptions = {}): Promise<TestDb> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-test-"));
  if (opts.engine === "postgres") {
    if (opts.from) throw new Error("createTestDb: `from` copies an SQLite file; use db copy for PostgreSQL");
    const { url, drop } = await createPgTestDatabase();
    const db = await openDb(url, { busyTimeoutMs: opts.busyTimeoutMs });
    return {
      db,
      url,
      dir,
      engine: "postgres",
      async close() {
        await db.$disconnect();
        await drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const file = path.join(dir, "test.db");
  if (opts.from) copyFileSync(opts.from, file);
  const url = `file:${file}`;
  const db = await openDb(url, { busyTimeoutMs: opts.busyTimeoutMs });
  return {
    db,
    url,
    dir,
    engine: "sqlite",
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new, migrated database on the run's cluster (test/setup/pg-global.ts), and how to drop it.
 * `migrated: false` gives an empty one (for the migration runner's own tests).
 */
export async function createPgTestDatabase(opts: { migrated?: boolean } = {}): Promise<{ url: string; adminUrl: string; name: string; drop(): Promise<void> }> {
  const { inject } = await import("vitest");
  const adminUrl = inject("pgAdminUrl");
  const template = inject("pgTemplate");
  const name = `vm_${randomBytes(6).toString("hex")}`;
  const createSql = opts.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`;
  // Two workers copying the template at the same instant can collide ("being accessed by other users"): retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await pgAdmin(adminUrl, createSql);
      break;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test(String((err as Error).message))) throw err;
      await new Promise((r) => setTimeout(r, 50 + attempt * 25));
    }
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    adminUrl,
    name,
    drop: () => pgAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
