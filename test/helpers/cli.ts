import { vi } from "vitest";
import { main } from "../../src/cli.ts";

/**
 * Runs `visitmate …` in-process against a test database, the way the command line does (main():
 * refusals printed from the catalogue), capturing what it prints and its exit code.
 */
export async function runCli(url: string, args: string[], locale = "zh-CN"): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c) => ((err += String(c)), true));
  const env = { ...process.env };
  process.env.DATABASE_URL = url;
  process.env.VISITMATE_LOCALE = locale;
  try {
    await main(args);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.env = env;
    process.exitCode = undefined;
  }
}
