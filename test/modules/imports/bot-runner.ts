import { spawn } from "node:child_process";
import path from "node:path";
import type { BotResult } from "./bot-process.ts";

const SCRIPT = path.resolve(import.meta.dirname, "bot-process.ts");

/** Starts bot-process.ts on `url`; `ready` once its first message is stored, `stop` for its result. */
export function startBot(url: string, prefix: string, perSecond = 3): { ready: Promise<void>; stop: () => Promise<BotResult> } {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, url, prefix, String(perSecond)], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.startsWith("ready\n")) onReady();
  });
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const done = new Promise<BotResult>((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as BotResult) : reject(new Error(`bot exited ${code}: ${err}`)))),
  );
  return {
    ready: Promise.race([ready, done.then(() => Promise.reject(new Error(`bot exited before its first message: ${err}`)))]),
    stop: async () => {
      child.stdin.end("stop\n");
      return done;
    },
  };
}

/** The p-th percentile (0–100) of `xs`, nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
