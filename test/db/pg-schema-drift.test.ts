import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { expectedPgSchema, PG_DIR, PG_SCHEMA, pgSchemaFrom, ROOT } from "../../src/db/pg-schema.ts";
import { createPgTestDatabase } from "../helpers/db.ts";

/** Tables, columns (any order: ADD COLUMN appends), indexes and constraints of a database. */
async function catalog(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = await c.query(
      `SELECT table_name, column_name, data_type, COALESCE(character_maximum_length::text, '') AS len, COALESCE(datetime_precision::text, '') AS prec,
              is_nullable, COALESCE(column_default, '') AS def
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    );
    const idx = await c.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename, indexname`);
    const cons = await c.query(
      `SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT IN ('_prisma_migrations', '"_prisma_migrations"') ORDER BY 1, 2`,
    );
    return [
      ...cols.rows.map((r) => `col ${r.table_name}.${r.column_name} ${r.data_type}(${r.len}${r.prec}) ${r.is_nullable} ${r.def}`),
      ...idx.rows.map((r) => `idx ${r.indexname} ${r.indexdef}`),
      ...cons.rows.map((r) => `con ${r.t} ${r.conname} ${r.def}`),
    ];
  } finally {
    await c.end();
  }
}

describe("PostgreSQL schema and migrations stay in step with prisma/schema.prisma", () => {
  it("the committed PostgreSQL schema is the one generated from the SQLite schema (npm run db:pg-schema)", () => {
    expect(readFileSync(PG_SCHEMA, "utf8"), "prisma/postgres/schema.prisma is stale: run `npm run db:pg-schema` and commit").toBe(expectedPgSchema());
  });

  it("the generator changes only the datasource, the client folder and the time columns (timestamptz)", () => {
    const out = pgSchemaFrom(readFileSync(path.join(ROOT, "prisma", "schema.prisma"), "utf8"));
    expect(out).toContain('provider = "postgresql"');
    expect(out).toContain('output     = "../../src/generated/prisma-pg"');
    const dateLines = out.split("\n").filter((l) => /^\s+\w+\s+DateTime\??(\s|$)/.test(l));
    expect(dateLines.length).toBeGreaterThan(50);
    for (const l of dateLines) expect(l).toMatch(/@db\.Timestamptz\(3\)$/);
    expect(out).not.toContain(`provider = "sqlite"`);
  });

  it("the committed migration chain builds the same tables, columns, indexes and constraints as the schema itself", async () => {
    const chain = await createPgTestDatabase(); // the template: every committed migration applied
    const fresh = await createPgTestDatabase({ migrated: false });
    try {
      const sql = execFileSync(
        path.join(ROOT, "node_modules", ".bin", "prisma"),
        ["migrate", "diff", "--config", path.join(PG_DIR, "prisma.config.ts"), "--from-empty", "--to-schema-datamodel", PG_SCHEMA, "--script"],
        { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
      );
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      await c.query(sql);
      await c.end();
      const [a, b] = await Promise.all([catalog(chain.url), catalog(fresh.url)]);
      expect(a.length).toBeGreaterThan(300);
      expect(a, "prisma/postgres/migrations do not build prisma/postgres/schema.prisma: run `npm run db:pg-schema`").toEqual(b);
    } finally {
      await chain.drop();
      await fresh.drop();
    }
  });
});
