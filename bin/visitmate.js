#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx visitmate` needs no build step.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

// Settings may live in ./.env (copy .env.example); variables already set in the shell win.
if (existsSync(".env")) process.loadEnvFile(".env");

// The commands src/cli.ts loads with import(): the app, Prisma and the rest. They need tsx's ESM
// hook. Every other command (help, route, an unknown one) touches no database and imports nothing
// dynamically; on Node 20 the ESM hooks run in a worker thread whose start-up alone costs ~150 ms,
// most of such a command's time, so those load through tsx's CommonJS hook, in this thread.
const NEEDS_ESM = new Set(["start", "import", "classify", "plan", "report", "jobs", "staff", "outbox", "status", "db"]);

let main;
if (!NEEDS_ESM.has(process.argv[2])) {
  const require = createRequire(import.meta.url);
  require("tsx/cjs/api").register();
  ({ main } = require("../src/cli.ts"));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli.ts"));
}
await main();
