import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// The PostgreSQL schema's config, for `prisma generate` (the second client, src/generated/prisma-pg)
// and `prisma migrate diff` (used by `npm run db:pg-schema`). Neither needs a database: the diff's
// SQL dialect follows the schema's provider, and an in-memory SQLite adapter keeps the 6.19 WASM
// CLI from connecting anywhere (docs/postgres-notes.md §3). Migrations are applied by the
// project's own runner (src/db/pg-migrate.ts): `prisma migrate deploy` through adapter-pg fails in 6.19.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  adapter: async () => new PrismaBetterSQLite3({ url: ":memory:" }),
});
