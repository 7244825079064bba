import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { backupDatabase } from "../../src/db/backup.ts";
import type { BenchSection } from "./outbox.ts";

/** How long the default-step copy beside the writer may run before the bench stops it. */
const GIVE_UP_MS = 10_000;

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve("better-sqlite3");

/** Another process committing one small row every ~2 ms, the way a busy bot writes; prints its commit count when its stdin closes. */
const WRITER = `
const Database = require(${JSON.stringify(BETTER_SQLITE3)});
const db = new Database(process.argv[1], { timeout: 10000 });
const ins = db.prepare("INSERT INTO w (v) VALUES (?)");
let n = 0;
const timer = setInterval(() => { ins.run("x"); n++; }, 2);
process.stdin.on("end", () => { clearInterval(timer); db.close(); process.stdout.write(String(n)); });
process.stdin.resume();
`;

/**
 * `db backup` on a ~120 MB database: alone, and while another process writes. Before: the backup
 * API in better-sqlite3's default steps of 100 pages, which SQLite restarts from the first page
 * whenever another connection wrote between two steps. After: the one-step copy `db backup` uses.
 */
export async function runBackupBench(): Promise<BenchSection[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-backup-"));
  const file = path.join(dir, "live.db");
  try {
    const seed = new Database(file);
    seed.pragma("journal_mode = WAL");
    seed.exec("CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT)");
    seed.transaction(() => {
      const ins = seed.prepare("INSERT INTO big (v) VALUES (?)");
      for (let i = 0; i < 60_000; i++) ins.run(`${i}`.padEnd(2000, "v"));
    })();
    seed.close();

    const rows: Record<string, string | number>[] = [];
    let n = 0;
    const measure = async (mode: "one step (db backup)" | "100 pages a step (default)", withWriter: boolean) => {
      const writer = withWriter ? spawn(process.execPath, ["-e", WRITER, file]) : null;
      let commits = "";
      writer?.stdout.on("data", (d: Buffer) => (commits += d.toString()));
      const exited = writer ? new Promise((resolve) => writer.on("exit", resolve)) : Promise.resolve();
      if (writer) await new Promise((r) => setTimeout(r, 300));
      const target = path.join(dir, `b${n++}.db`);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let restarts = 0;
      let steps = 0;
      let finished = true;
      if (mode === "one step (db backup)") {
        const r = await backupDatabase({ url: `file:${file}`, file: target });
        if ("refused" in r) throw new Error(`backup refused: ${r.refused}`);
        steps = 1;
      } else {
        const src = new Database(file, { fileMustExist: true, timeout: 10_000 });
        let last = Infinity;
        await src
          .backup(target, {
            progress: ({ remainingPages }) => {
              steps++;
              if (remainingPages > last) restarts++;
              last = remainingPages;
              // Measured once uncapped: 146 s and 35,630 restarts for this database beside the writer.
              if (performance.now() - t0 > GIVE_UP_MS) throw new Error("gave up");
              return 100;
            },
          })
          .catch((err: Error) => {
            if (err.message !== "gave up") throw err;
            finished = false;
          });
        src.close();
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      writer?.stdin.end();
      await exited;
      const source = new Database(file, { readonly: true });
      const mb = ((source.pragma("page_count", { simple: true }) as number) * (source.pragma("page_size", { simple: true }) as number)) / 1024 / 1024;
      source.close();
      rows.push({ mode, writer: withWriter ? "yes" : "no", mb: Number(mb.toFixed(1)), finished: finished ? "yes" : `no (gave up after ${GIVE_UP_MS / 1000} s)`, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), steps, restarts, writerCommits: withWriter ? Number(commits) : 0 });
    };
    for (const withWriter of [false, true]) {
      await measure("100 pages a step (default)", withWriter);
      await measure("one step (db backup)", withWriter);
    }
    const ms = (mode: string, writer: string) => Number(rows.find((r) => r.mode === mode && r.writer === writer)!.ms);
    return [
      {
        name: "db backup: ~120 MB database, alone and beside a writer (another process, a commit every 2 ms)",
        rows,
        summary: {
          oneStepMsAlone: ms("one step (db backup)", "no"),
          oneStepMsWithWriter: ms("one step (db backup)", "yes"),
          defaultStepsMsWithWriter: ms("100 pages a step (default)", "yes"),
          defaultStepsFinishedWithWriter: rows.find((r) => r.mode === "100 pages a step (default)" && r.writer === "yes")!.finished === "yes" ? 1 : 0,
          defaultStepsRestartsWithWriter: Number(rows.find((r) => r.mode === "100 pages a step (default)" && r.writer === "yes")!.restarts),
        },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
