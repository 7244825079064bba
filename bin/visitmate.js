#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx visitmate` needs no build step.
import { existsSync } from "node:fs";
import { register } from "tsx/esm/api";

// Settings may live in ./.env (copy .env.example); variables already set in the shell win.
if (existsSync(".env")) process.loadEnvFile(".env");
register();
const { main } = await import("../src/cli.ts");
await main();
