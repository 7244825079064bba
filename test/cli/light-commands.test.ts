import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cliT } from "../../src/cli/args.ts";
import { cliUsageT, isCliMessage } from "../../src/cli/usage.ts";
import { catalogueKeys } from "../../src/i18n/i18n.ts";
import { enCli } from "../../src/i18n/en.cli.ts";
import { zhCNCli } from "../../src/i18n/zh-CN.cli.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "bin/visitmate.js");
const TSPLIB = path.join(ROOT, "test/fixtures/tsplib");
const run = promisify(execFile);

/**
 * The commands that touch no database, run the way a user runs them: `node bin/visitmate.js …`
 * as a child process (the bin loads them through tsx's in-thread CommonJS hook, not the ESM one the
 * test runner and the database commands use), in a directory without a .env or a database.
 */
async function visitmate(args: string[], locale = "zh-CN"): Promise<{ code: number; out: string; err: string }> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "visitmate-cli-"));
  const env = { ...process.env, VISITMATE_LOCALE: locale, DATABASE_URL: "file:/nonexistent/dir/never.db" };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: err.stdout ?? "", err: err.stderr ?? "" };
  }
}

/** The route output without its timing (the only field that may differ between two runs). */
const withoutMs = (out: string) => {
  const { ms, ...rest } = JSON.parse(out) as { order: number[]; length: number; ms: number };
  expect(typeof ms).toBe("number");
  return rest;
};

describe("visitmate route", () => {
  it("gives the same tour twice on a TSPLIB instance (the search budget is counted in work)", async () => {
    const file = path.join(TSPLIB, "st70.tsp");
    const first = await visitmate(["route", file]);
    const second = await visitmate(["route", file]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(first.err).toBe("");
    const a = withoutMs(first.out);
    expect(a.order).toHaveLength(70);
    expect(new Set(a.order).size).toBe(70);
    expect(withoutMs(second.out)).toEqual(a);
    // One JSON line, as before the command moved into its own module.
    expect(first.out.trim().split("\n")).toHaveLength(1);
    expect(Object.keys(JSON.parse(first.out))).toEqual(["order", "length", "ms"]);
  });

  it("orders an open path from a .json stops file, the same twice", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "visitmate-route-"));
    const stops = Array.from({ length: 25 }, (_, i) => ({ id: `S${i + 1}`, lat: 30.2 + ((i * 37) % 23) / 500, lng: 120.1 + ((i * 53) % 29) / 500 }));
    const file = path.join(dir, "day.json");
    writeFileSync(file, JSON.stringify({ start: { lat: 30.25, lng: 120.15 }, stops }));
    const first = await visitmate(["route", file]);
    const second = await visitmate(["route", file]);
    expect(first.code).toBe(0);
    const a = withoutMs(first.out);
    expect([...a.order].sort()).toEqual(stops.map((s) => s.id).sort());
    expect(withoutMs(second.out)).toEqual(a);
  });

  it("refuses without a file (usage, exit 2) and names a file it cannot read (exit 1)", async () => {
    const none = await visitmate(["route"]);
    expect(none.code).toBe(2);
    expect(none.err).toBe(cliT({ VISITMATE_LOCALE: "zh-CN" })("cli.route.usage") + "\n");
    const missing = await visitmate(["route", "missing.tsp"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^route file "missing.tsp": cannot read it/);
  });
});

describe("visitmate help", () => {
  it("prints the usage in the company's language, and the unknown command refusal", async () => {
    const zh = await visitmate(["help"]);
    expect(zh).toEqual({ code: 0, out: cliT({ VISITMATE_LOCALE: "zh-CN" })("cli.usage"), err: "" });
    const en = await visitmate([], "en");
    expect(en.out).toBe(cliT({ VISITMATE_LOCALE: "en" })("cli.usage"));
    const unknown = await visitmate(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("frobnicate");
  });

  it("the command line's own catalogue reads exactly like the whole one", () => {
    expect(Object.keys(zhCNCli).sort()).toEqual(Object.keys(enCli).sort());
    for (const locale of ["zh-CN", "en"] as const) {
      const light = cliUsageT({ VISITMATE_LOCALE: locale });
      const full = cliT({ VISITMATE_LOCALE: locale });
      for (const key of Object.keys(zhCNCli)) {
        expect(catalogueKeys(locale)).toContain(key);
        expect(light(key, { command: "x", code: "M001", n: 3 })).toBe(full(key, { command: "x", code: "M001", n: 3 }));
      }
    }
    expect(isCliMessage("cli.staff.unknown")).toBe(true);
    expect(isCliMessage("import.bad-header")).toBe(false);
  });
});

describe("bin/visitmate.js", () => {
  it("loads through the ESM hook exactly the commands src/cli.ts imports dynamically", () => {
    const cli = readFileSync(path.join(ROOT, "src/cli.ts"), "utf8");
    const bin = readFileSync(BIN, "utf8");
    // Each `case "x":` up to the next case: those whose code calls import().
    const dynamic = cli
      .split(/\bcase "/)
      .slice(1)
      .filter((part) => part.includes("await import("))
      .map((part) => part.slice(0, part.indexOf('"')));
    const listed = JSON.parse(bin.match(/const NEEDS_ESM = new Set\((\[[^\]]*\])\)/)![1]!) as string[];
    expect(dynamic.length).toBeGreaterThan(5);
    expect([...listed].sort()).toEqual([...new Set(dynamic)].sort());
  });
});
