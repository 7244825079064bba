#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx visitmate` needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
await main();
