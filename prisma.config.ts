import { mkdirSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Prisma 6.19 runs its CLI fully in WASM when given a driver adapter: no engine binary download,
// which is what makes `npm install` work offline (see shared/spec/stack-notes.md).
const url = process.env.DATABASE_URL ?? "file:./data/visitmate.db";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  // The CLI opens the adapter even for a datamodel-only `migrate diff`: a missing data folder
  // would fail it as "External error id#0" (docs/postgres-notes.md §3).
  adapter: async () => {
    const file = url.replace(/^file:/, "");
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
