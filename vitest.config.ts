import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores here and in CI: more workers only add contention on SQLite files and the CPU.
    maxWorkers: 2,
    // A throw-away PostgreSQL cluster for the suites that run on both engines (test/helpers/db.ts).
    globalSetup: ["test/setup/pg-global.ts"],
  },
});
