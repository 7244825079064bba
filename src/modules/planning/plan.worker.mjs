// The plan worker's entry point. A worker thread does not inherit the TypeScript loader of the
// process that starts it (bin/visitmate.js registers tsx programmatically; vitest transforms only
// its own module graph), so the worker registers tsx itself before loading its TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./plan.worker.ts");
