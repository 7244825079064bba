import { spawn } from "node:child_process";
import path from "node:path";
import type { BotResult } from "./bot-process.ts";

const SCRIPT = path.resolve(import.meta.dirname, "bot-process.ts");

/**
 * Runs a helper process that prints "ready" once it works, stops on "stop" from stdin and prints
 * its result as JSON on its last line (bot-process.ts, writer-process.ts).
 */
export function startChildProcess<R>(script: string, args: string[], label: string): { ready: Promise<void>; stop: () => Promise<R> } {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.startsWith("ready\n")) onReady();
  });
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const done = new Promise<R>((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as R) : reject(new Error(`${label} exited ${code}: ${err}`)))),
  );
  return {
    ready: Promise.race([ready, done.then(() => Promise.reject(new Error(`${label} exited before it was ready: ${err}`)))]),
    stop: async () => {
      child.stdin.end("stop\n");
      return done;
    },
  };
}

/** Starts bot-process.ts on `url`; `ready` once its first message is stored, `stop` for its result. */
export function startBot(url: string, prefix: string, perSecond = 3): { ready: Promise<void>; stop: () => Promise<BotResult> } {
  return startChildProcess<BotResult>(SCRIPT, [url, prefix, String(perSecond)], "bot");
}

/** The p-th percentile (0–100) of `xs`, nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
