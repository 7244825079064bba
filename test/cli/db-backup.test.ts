import { spawn, type ChildProcessWithoutNullStreams, execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { dbCommand } from "../../src/cli/db.cli.ts";
import { cliUsageT } from "../../src/cli/usage.ts";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BETTER_SQLITE3 = createRequire(import.meta.url).resolve("better-sqlite3");

/**
 * A second process writing the database the whole time, the way the bot does while an operator
 * backs it up: each transaction adds one row to probe_a and one to probe_b, so a consistent
 * snapshot always has as many rows in each. It prints the rows it has written after each commit
 * and stops when its stdin closes.
 */
const WRITER = `
const Database = require(${JSON.stringify(BETTER_SQLITE3)});
const db = new Database(process.argv[1], { timeout: 10000 });
db.pragma("busy_timeout = 10000");
const a = db.prepare("INSERT INTO probe_a (v) VALUES (?)");
const b = db.prepare("INSERT INTO probe_b (v) VALUES (?)");
const pair = db.transaction((v) => { a.run(v); b.run(v); });
let n = 0, stop = false;
process.stdin.on("end", () => { stop = true; });
process.stdin.resume();
(function write() {
  if (stop) { db.close(); process.stdout.write("done " + n + "\\n"); return; }
  pair("w".repeat(2000));
  process.stdout.write("wrote " + ++n + "\\n");
  setImmediate(write);
})();
`;

function startWriter(file: string): { child: ChildProcessWithoutNullStreams; wrote: () => number; until: (n: number) => Promise<void>; stop: () => Promise<number> } {
  const child = spawn(process.execPath, ["-e", WRITER, file]);
  let wrote = 0;
  let buf = "";
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) if (l.startsWith("wrote ")) wrote = Number(l.slice(6));
    for (const w of waiters.splice(0)) (wrote >= w.n ? w.resolve() : waiters.push(w));
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return {
    child,
    wrote: () => wrote,
    until: (n) => (wrote >= n ? Promise.resolve() : new Promise<void>((resolve, reject) => {
      waiters.push({ n, resolve });
      void exited.then((code) => reject(new Error(`writer exited (${code}) before ${n} rows: ${stderr}`)));
    })),
    async stop() {
      child.stdin.end();
      const code = await exited;
      expect(stderr).toBe("");
      return code;
    },
  };
}

/** Row counts of every table, and the schema, read with a plain connection. */
function snapshot(file: string): { schema: string[]; counts: Record<string, number>; integrity: string } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const schema = (db.prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS s FROM sqlite_master ORDER BY type, name").all() as { s: string }[]).map((r) => r.s);
    const counts = Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
    return { schema, counts, integrity: String(db.pragma("integrity_check", { simple: true })) };
  } finally {
    db.close();
  }
}

function io(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { env: { ...env }, out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

let testDb: TestDb | undefined;
afterEach(async () => {
  await testDb?.close();
  testDb = undefined;
});

describe("visitmate db backup", () => {
  it("copies a database another process keeps writing: a consistent, sound snapshot with the same rows and schema", async () => {
    testDb = await createTestDb();
    const file = sqlitePathFromUrl(testDb.url);
    // Rows in the app's own tables too, written through the bot's client (it stays connected).
    await testDb.db.staff.create({ data: { code: "M001", name: "李明", role: "manager" } });
    await testDb.db.$executeRawUnsafe("CREATE TABLE probe_a (id INTEGER PRIMARY KEY, v TEXT)");
    await testDb.db.$executeRawUnsafe("CREATE TABLE probe_b (id INTEGER PRIMARY KEY, v TEXT)");
    const seed = new Database(file);
    // ~8 MB before the writer starts, so the copy has thousands of pages to read while it writes.
    seed.transaction(() => {
      const a = seed.prepare("INSERT INTO probe_a (v) VALUES (?)");
      const b = seed.prepare("INSERT INTO probe_b (v) VALUES (?)");
      for (let i = 0; i < 2000; i++) a.run("s".repeat(2000)), b.run("s".repeat(2000));
    })();
    seed.close();

    const writer = startWriter(file);
    await writer.until(50);
    const before = writer.wrote();
    const backup = path.join(testDb.dir, "backup.db");
    const run = io({ DATABASE_URL: testDb.url, VISITMATE_LOCALE: "en" });
    expect(await dbCommand(["backup", backup], run.io)).toBe(0);
    // The writer went on writing after the backup: it was never blocked out.
    await writer.until(writer.wrote() + 50);
    expect(await writer.stop()).toBe(0);
    const after = writer.wrote();

    expect(run.err).toEqual([]);
    expect(run.out).toHaveLength(1);
    expect(run.out[0]).toMatch(new RegExp(`^Backed up ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} to .*backup\\.db: [\\d.]+ MB \\(\\d+ bytes, \\d+ pages\\) in \\d+ ms, integrity check ok\\.$`));
    const copy = snapshot(backup);
    const live = snapshot(file);
    expect(copy.integrity).toBe("ok");
    expect(copy.schema).toEqual(live.schema);
    // One transaction's two rows are both in the copy or neither: it is one snapshot, not a torn read.
    expect(copy.counts.probe_a).toBe(copy.counts.probe_b);
    expect(copy.counts.probe_a).toBeGreaterThanOrEqual(2000 + before);
    expect(copy.counts.probe_a).toBeLessThanOrEqual(2000 + after);
    const untouched = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([t]) => !t.startsWith("probe_")));
    expect(untouched(copy.counts)).toEqual(untouched(live.counts));
    expect(copy.counts._prisma_migrations).toBeGreaterThan(0);

    // Once the writer stopped, a fresh backup (replacing the first) has exactly the live rows.
    const again = io({ DATABASE_URL: testDb.url });
    expect(await dbCommand(["backup", backup, "--force"], again.io)).toBe(0);
    const exact = snapshot(backup);
    expect(exact.counts).toEqual(snapshot(file).counts);
    expect(exact.counts.probe_a).toBe(2000 + after);
    expect(exact.integrity).toBe("ok");

    // One self-contained file, owner-only, nothing half-written left beside it.
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(readdirSync(testDb.dir).filter((f) => f.startsWith("backup") || f.includes("partial"))).toEqual(["backup.db"]);
    // The copy opens with the app's own client: migrations already applied, nothing to do.
    const reopened = await createTestDb({ from: backup });
    try {
      expect(await reopened.db.staff.count()).toBe(live.counts.Staff);
    } finally {
      await reopened.close();
    }
  });

  it("refuses to overwrite an existing file without --force, and to back up onto the database itself", async () => {
    testDb = await createTestDb();
    const target = path.join(testDb.dir, "keep.db");
    writeFileSync(target, "an older backup");
    const zh = io({ DATABASE_URL: testDb.url });
    expect(await dbCommand(["backup", target], zh.io)).toBe(1);
    expect(zh.err).toEqual([cliUsageT({ VISITMATE_LOCALE: "zh-CN" })("cli.db.backup.exists", { file: target })]);
    expect(zh.err[0]).toContain("已存在");
    expect(zh.out).toEqual([]);
    expect(readFileSync(target, "utf8")).toBe("an older backup");

    const self = io({ DATABASE_URL: testDb.url, VISITMATE_LOCALE: "en" });
    expect(await dbCommand(["backup", sqlitePathFromUrl(testDb.url), "--force"], self.io)).toBe(1);
    expect(self.err[0]).toMatch(/is the database itself/);
    const wal = io({ DATABASE_URL: testDb.url, VISITMATE_LOCALE: "en" });
    expect(await dbCommand(["backup", `${sqlitePathFromUrl(testDb.url)}-wal`, "--force"], wal.io)).toBe(1);
    expect(wal.err[0]).toMatch(/-wal is the database itself/);

    const folder = io({ DATABASE_URL: testDb.url, VISITMATE_LOCALE: "en" });
    expect(await dbCommand(["backup", testDb.dir, "--force"], folder.io)).toBe(1);
    expect(folder.err).toEqual([`${testDb.dir} is a folder; name the backup file, e.g. ${testDb.dir}/visitmate.db.`]);

    // --force before FILE works the same.
    const forced = io({ DATABASE_URL: testDb.url });
    expect(await dbCommand(["backup", "--force", target], forced.io)).toBe(0);
    expect(snapshot(target).integrity).toBe("ok");
    expect(readdirSync(testDb.dir).filter((f) => f.includes("partial"))).toEqual([]);
  });

  it("says when there is no database to back up, and never creates one", async () => {
    testDb = await createTestDb();
    const missing = path.join(testDb.dir, "nothing-here.db");
    const run = io({ DATABASE_URL: `file:${missing}`, VISITMATE_LOCALE: "en" });
    expect(await dbCommand(["backup", path.join(testDb.dir, "b.db")], run.io)).toBe(1);
    expect(run.err[0]).toMatch(/^There is no database at .*nothing-here\.db/);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(path.join(testDb.dir, "b.db"))).toBe(false);
  });

  it("names DATABASE_URL when it is not a database, and keeps nothing", async () => {
    testDb = await createTestDb();
    const notDb = path.join(testDb.dir, "notes.txt");
    writeFileSync(notDb, "this is not a database, just text that is long enough to fill a header page. ".repeat(20));
    const target = path.join(testDb.dir, "b.db");
    await expect(dbCommand(["backup", target], io({ DATABASE_URL: `file:${notDb}` }).io)).rejects.toMatchObject({
      code: "db.open",
      userMessage: { key: "db.open.not-a-database" },
    });
    expect(readdirSync(testDb.dir).filter((f) => f.startsWith("b.db") || f.includes("partial"))).toEqual([]);
  });

  it("answers a usage error with the usage text (exit 2), in both languages", async () => {
    const env = { DATABASE_URL: "file:/nonexistent/never.db" };
    for (const locale of ["zh-CN", "en"]) {
      const t = cliUsageT({ VISITMATE_LOCALE: locale });
      const usage = t("cli.db.usage");
      const cases: [string[], string[]][] = [
        [[], [usage]],
        [["backup"], [usage]],
        [["backup", "a.db", "b.db"], [usage]],
        [["backup", "a.db", "--overwrite"], [t("cli.db.unknown-option", { option: "--overwrite" }), usage]],
        [["backup", "a.db", "--force=yes"], [t("cli.db.unknown-option", { option: "--force=yes" }), usage]],
        [["backup", "a.db", "-f"], [t("cli.db.unknown-option", { option: "-f" }), usage]],
        [["backup", "--force"], [usage]],
        [["restore", "a.db"], [t("cli.db.unknown-subcommand", { sub: "restore" }), usage]],
      ];
      for (const [argv, expected] of cases) {
        const run = io({ ...env, VISITMATE_LOCALE: locale });
        expect(await dbCommand(argv, run.io), argv.join(" ")).toBe(2);
        expect(run.err).toEqual(expected);
        expect(run.out).toEqual([]);
      }
    }
    expect(cliUsageT({ VISITMATE_LOCALE: "zh-CN" })("cli.db.unknown-option", { option: "--x" })).toBe("未知选项 --x。");
  });

  it("runs through the installed command (bin/visitmate.js) and is listed in help", async () => {
    const run = promisify(execFile);
    const env = { ...process.env, VISITMATE_LOCALE: "en", DATABASE_URL: "file:/nonexistent/dir/never.db" };
    const failed = await run(process.execPath, [path.join(ROOT, "bin/visitmate.js"), "db", "backup", "--what"], { cwd: mkdtempSync(path.join(tmpdir(), "visitmate-db-cli-")), env }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(`Unknown option --what.\n${cliUsageT({ VISITMATE_LOCALE: "en" })("cli.db.usage")}\n`);
    for (const locale of ["zh-CN", "en"]) expect(cliUsageT({ VISITMATE_LOCALE: locale })("cli.usage")).toMatch(/^ {2}db backup \S+ \[--force\] +\S/m);
  });
});
