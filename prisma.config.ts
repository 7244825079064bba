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
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
