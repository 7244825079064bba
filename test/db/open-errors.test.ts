// Issue #14 must-have 8: every database problem at start-up is one clear message naming
// DATABASE_URL and the fix (no stack trace), from the CLI and from `npm start` alike. Each case
// is a real bad file or folder.
//
// Read-only: the tests may run as root, and root ignores permission bits (chmod 0444 refuses
// nothing). Where chattr works (root with CAP_LINUX_IMMUTABLE, as here) the file or folder is made
// immutable, which refuses writes to root too; otherwise (not root) chmod is enough.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, openSync, writeSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { translator } from "../../src/i18n/i18n.ts";

const REPO = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(REPO, "bin/visitmate.js");
const isRoot = process.getuid?.() === 0;

let dir: string;
const immutable: string[] = [];
const children: ChildProcess[] = [];

/** Refuses writes to `p` even for root (see the top of the file). */
function makeReadOnly(p: string): void {
  if (isRoot) {
    const r = spawnSync("chattr", ["+i", p]);
    if (r.status !== 0) throw new Error(`chattr +i failed (needed to make a file read-only for root): ${r.stderr}`);
    immutable.push(p);
  } else {
    chmodSync(p, 0o555);
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "visitmate-open-"));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const p of immutable.splice(0)) spawnSync("chattr", ["-i", p]);
  rmSync(dir, { recursive: true, force: true });
});

const urlOf = (file: string) => `file:${file}`;

/** A migrated database file. */
function goodDb(name = "good.db"): string {
  const file = path.join(dir, name);
  applyMigrations(urlOf(file));
  return file;
}

function openProblem(url: string, opts: { busyTimeoutMs?: number } = {}): AppError {
  try {
    applyMigrations(url, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`${url} opened`);
}

function expectProblem(err: AppError, key: string, url: string): void {
  expect(err.code).toBe("db.open");
  expect(err.userMessage?.key).toBe(`db.open.${key}`);
  for (const locale of ["zh-CN", "en"] as const) {
    const text = translator(locale)(err.userMessage!.key, err.userMessage!.params);
    expect(text).toContain(`DATABASE_URL=${url}`);
    expect(text).not.toMatch(/\{\w+\}/);
  }
}

/** `node bin/visitmate.js …args` with DATABASE_URL, as an operator runs it. */
function runBin(url: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: url, VISITMATE_LOCALE: "en", VISITMATE_CONSOLE: "false", VISITMATE_DEMO: "false" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** One line naming DATABASE_URL, exit 1, no stack trace. */
function expectCleanExit(r: { code: number | null; err: string }, url: string, words: RegExp): void {
  expect(r.code, r.err).toBe(1);
  expect(r.err).toContain(`DATABASE_URL=${url}`);
  expect(r.err).toMatch(words);
  expect(r.err).not.toMatch(/\n\s+at |SqliteError|node:internal/);
  expect(r.err.trim().split("\n")).toHaveLength(1);
}

describe("database start-up problems", () => {
  it("the parent path is a file", async () => {
    writeFileSync(path.join(dir, "data"), "not a folder");
    const url = urlOf(path.join(dir, "data", "visitmate.db"));
    expectProblem(openProblem(url), "parent-not-folder", url);
    expectCleanExit(await runBin(url, ["import", "managers", "x.csv"]), url, /is not a folder/);
    expectCleanExit(await runBin(url, ["start"]), url, /is not a folder/);
  });

  it("the folder is missing and cannot be created", async () => {
    const locked = path.join(dir, "locked");
    mkdirSync(locked);
    makeReadOnly(locked);
    const url = urlOf(path.join(locked, "new", "visitmate.db"));
    expectProblem(openProblem(url), "folder", url);
    expectCleanExit(await runBin(url, ["staff", "bindings"]), url, /cannot be created/);
  });

  it("a read-only database file", async () => {
    const file = goodDb();
    makeReadOnly(file);
    const url = urlOf(file);
    expectProblem(openProblem(url), "read-only", url);
    expectCleanExit(await runBin(url, ["start"]), url, /read-only/);
  });

  it("a read-only folder (SQLite cannot create its -wal/-shm files beside the database)", async () => {
    const sub = path.join(dir, "ro");
    mkdirSync(sub);
    const file = path.join(sub, "visitmate.db");
    applyMigrations(urlOf(file));
    makeReadOnly(sub);
    const url = urlOf(file);
    const err = openProblem(url);
    expect(["db.open.read-only", "db.open.cant-open"]).toContain(err.userMessage?.key);
    expectProblem(err, err.userMessage!.key.slice("db.open.".length), url);
  });

  it("a file that is not a database", async () => {
    const file = path.join(dir, "notes.db");
    writeFileSync(file, "These are meeting notes, not a database.\n".repeat(200));
    const url = urlOf(file);
    expectProblem(openProblem(url), "not-a-database", url);
    expectCleanExit(await runBin(url, ["import", "customers", "x.csv"]), url, /not an SQLite database/);
  });

  it("a corrupted database (its schema page overwritten)", async () => {
    const file = goodDb();
    // Keep the 100-byte header (so it is still recognised as SQLite) and wreck the b-tree of page 1.
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(3000, 0xa5), 0, 3000, 100);
    closeSync(fd);
    const url = urlOf(file);
    expectProblem(openProblem(url), "corrupt", url);
    expectCleanExit(await runBin(url, ["staff", "bindings"]), url, /damaged/);
  });

  it("another process holds the lock while migrations would run", async () => {
    const file = path.join(dir, "busy.db");
    // A fresh file in rollback-journal mode, held EXCLUSIVE: switching it to WAL has to wait.
    const holder = spawn(
      process.execPath,
      ["-e", `const D=require("better-sqlite3");const d=new D(${JSON.stringify(file)});d.exec("CREATE TABLE t(x)");d.exec("BEGIN EXCLUSIVE");d.exec("INSERT INTO t VALUES (1)");process.stdout.write("held\\n");process.stdin.on("data",()=>{});process.stdin.on("end",()=>process.exit(0));`],
      { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] },
    );
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (c: Buffer) => c.toString().includes("held") && resolve());
      holder.on("close", (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    const url = urlOf(file);
    // A short wait: the start-up default (5 s) is a parameter, not what is under test.
    const err = openProblem(url, { busyTimeoutMs: 200 });
    expectProblem(err, "locked", url);
    holder.stdin!.end();
    await new Promise((r) => holder.on("close", r));
    // The lock gone, the same database opens.
    expect(applyMigrations(url).length).toBeGreaterThan(0);
  });
});
