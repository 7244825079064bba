// `npm run bench -- import`: the customer import at company scale (issue #12 item 6: 300k rows in
// ≤ 90 s and ≤ 400 MB peak RSS), and the same import while another process keeps writing to the
// database (issue #14: it must neither fail nor make the writer fail).
//
// Each import runs alone in a child process through the service the CLI uses, so its peak RSS is
// its own and not the bench's. Files are generated (seeded) into a temp dir: 1,000 managers under
// 10 supervisors, 300 customers each, every column filled the way a Chinese export fills them.
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import iconv from "iconv-lite";
import { loadPolicy } from "../../src/config/policy.ts";
import { systemClock } from "../../src/core/clock.ts";
import { openDb } from "../../src/db/client.ts";
import { formatImportReport, importCustomers, importManagers, type ImportReport } from "../../src/modules/imports/import.service.ts";
import type { WriterResult } from "../modules/imports/writer-process.ts";
import { percentile, startBot, startChildProcess } from "../modules/imports/bot-runner.ts";
import { seededRandom } from "../../src/core/random.ts";

export interface BenchSection {
  name: string;
  rows: Record<string, string | number>[];
  summary: Record<string, number>;
}

const HERE = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(HERE), "../..");
const WRITER = path.join(REPO, "test/modules/imports/writer-process.ts");
const MANAGERS = 1000;
const SUPERVISORS = 10;

// ---------------------------------------------------------------------------------------------
// Files

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const managerCode = (i: number) => `M${String(i + 1).padStart(4, "0")}`;

export async function writeLines(file: string, lines: Iterable<string>, encoding: "utf-8-bom" | "gbk"): Promise<void> {
  const out = createWriteStream(file);
  const put = (s: string) => new Promise<void>((resolve, reject) => (out.write(s, (e) => (e ? reject(e) : resolve()))));
  if (encoding === "utf-8-bom") await put("\uFEFF");
  let buffer = "";
  for (const line of lines) {
    buffer += line + "\r\n";
    if (buffer.length > 1 << 16) {
      await new Promise<void>((resolve, reject) => out.write(encoding === "gbk" ? iconv.encode(buffer, "gbk") : buffer, (e) => (e ? reject(e) : resolve())));
      buffer = "";
    }
  }
  await new Promise<void>((resolve, reject) => out.end(encoding === "gbk" ? iconv.encode(buffer, "gbk") : buffer, () => resolve()).on("error", reject));
}

export function* managerLines(): Iterable<string> {
  yield "工号,姓名,岗位,上级工号,拜访日";
  for (let s = 0; s < SUPERVISORS; s++) yield `S${String(s + 1).padStart(3, "0")},主管${s + 1},主管,,`;
  for (let i = 0; i < MANAGERS; i++) yield `${managerCode(i)},客户经理${i + 1},客户经理,S${String((i % SUPERVISORS) + 1).padStart(3, "0")},${pick(seededRandom(i), ["1,3,4", "周一,周三,周五", "2,4"])}`;
}

export function* customerLines(rows: number, seed: number): Iterable<string> {
  const rnd = seededRandom(seed);
  yield "客户编码,客户名称,客户经理,经营地址,联系电话,纬度,经度,市场类型,零售业态,档位,现代终端,最近违规日期,低保,残疾人,年销量,信用客户,关键联系人,客户分类";
  const formats = ["超市", "烟酒店", "便利店", "食杂店", "其他"];
  const markets = ["城市", "城镇", "农村"];
  const terminals = ["已建成", "在建", "有潜力", "未建设"];
  const streets = ["文三路", "教工路", "中山南路", "延安路", "凤起路", "莫干山路"];
  for (let i = 0; i < rows; i++) {
    const m = Math.floor(i / (rows / MANAGERS));
    const violation = rnd() < 0.03 ? `2026/${1 + Math.floor(rnd() * 10)}/${1 + Math.floor(rnd() * 28)}` : "";
    yield [
      `3301${String(i).padStart(8, "0")}`,
      `${pick(rnd, ["联华", "好运", "老街", "便民", "金桥"])}${pick(rnd, formats)}${i}号店`,
      managerCode(m),
      `"杭州市西湖区${pick(rnd, streets)}${1 + Math.floor(rnd() * 400)}号, ${1 + Math.floor(rnd() * 3)}楼"`,
      `138${String(Math.floor(rnd() * 1e8)).padStart(8, "0")}`,
      (30.1 + rnd() * 0.3).toFixed(6),
      (120.0 + rnd() * 0.3).toFixed(6),
      pick(rnd, markets),
      pick(rnd, formats),
      String(1 + Math.floor(rnd() * 30)),
      pick(rnd, terminals),
      violation,
      rnd() < 0.02 ? "是" : "否",
      rnd() < 0.01 ? "是" : "否",
      String(Math.floor(rnd() * 200_000)),
      rnd() < 0.1 ? "是" : "否",
      rnd() < 0.5 ? pick(rnd, ["张丽华", "王国强", "李娜", "陈伟"]) : "",
      rnd() < 0.02 ? "帮扶" : "",
    ].join(",");
  }
}

// ---------------------------------------------------------------------------------------------
// Child process: one import, measured alone

interface ChildResult {
  ok: boolean;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: number;
  firstError: string;
  importSeconds: number;
  maxRssMb: number;
  /** Longest time one commit of the write pass held the write lock. */
  longestCommitMs: number;
  commits: number;
}

async function childMain(url: string, kind: string, file: string): Promise<void> {
  const db = await openDb(url);
  const policy = loadPolicy();
  const started = performance.now();
  let longestCommitMs = 0;
  let commits = 0;
  const onCommit = (_rows: number, ms: number) => ((longestCommitMs = Math.max(longestCommitMs, ms)), commits++);
  const report: ImportReport =
    kind === "managers" ? await importManagers({ db, file }) : await importCustomers({ db, policy, clock: systemClock, file, onCommit });
  const importSeconds = (performance.now() - started) / 1000;
  await db.$disconnect();
  const result: ChildResult = {
    ok: report.ok,
    total: report.total,
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged ?? 0,
    errors: report.errors.length,
    firstError: report.ok ? "" : formatImportReport(report, "en").split("\n").slice(0, 3).join(" | "),
    importSeconds,
    // maxRSS is in kilobytes.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    longestCommitMs,
    commits,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

function runChild(url: string, kind: string, file: string): Promise<ChildResult & { wallSeconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", HERE, "--child", url, kind, file], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`import child exited ${code}: ${err}`));
      resolve({ ...(JSON.parse(out.trim().split("\n").at(-1)!) as ChildResult), wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}

function startWriter(url: string, prefix: string): { ready: Promise<void>; stop: () => Promise<WriterResult> } {
  return startChildProcess<WriterResult>(WRITER, [url, prefix, "5"], "writer");
}

// ---------------------------------------------------------------------------------------------

async function freshDb(dir: string, name: string): Promise<string> {
  const url = `file:${path.join(dir, name)}`;
  const db = await openDb(url);
  await db.$disconnect();
  return url;
}

export async function runImportBench(): Promise<BenchSection[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-import-"));
  try {
    const managers = path.join(dir, "managers.csv");
    await writeLines(managers, managerLines(), "utf-8-bom");
    const files = [
      { rows: 100_000, encoding: "gbk" as const, file: path.join(dir, "customers-100k-gbk.csv") },
      { rows: 300_000, encoding: "utf-8-bom" as const, file: path.join(dir, "customers-300k-utf8.csv") },
    ];
    for (const f of files) await writeLines(f.file, customerLines(f.rows, f.rows), f.encoding);

    const rows: Record<string, string | number>[] = [];
    const row = (run: string, f: (typeof files)[number], r: ChildResult & { wallSeconds: number }) => ({
      run,
      rows: f.rows,
      encoding: f.encoding,
      "file MB": +(statSync(f.file).size / 2 ** 20).toFixed(1),
      ok: r.ok ? "yes" : `NO: ${r.firstError}`,
      created: r.created,
      unchanged: r.unchanged,
      "import s": +r.importSeconds.toFixed(1),
      "wall s": +r.wallSeconds.toFixed(1),
      "peak RSS MB": Math.round(r.maxRssMb),
    });
    const summary: Record<string, number> = {};
    for (const f of files) {
      const url = await freshDb(dir, `bench-${f.rows}.db`);
      const m = await runChild(url, "managers", managers);
      if (!m.ok) throw new Error(`manager import failed: ${m.firstError}`);
      const first = await runChild(url, "customers", f.file);
      rows.push(row("fresh", f, first));
      const k = `${f.rows / 1000}k`;
      summary[`${k}_import_s`] = +first.importSeconds.toFixed(1);
      summary[`${k}_peak_rss_mb`] = Math.round(first.maxRssMb);
      if (f.rows === 300_000) {
        const again = await runChild(url, "customers", f.file);
        rows.push(row("re-import (unchanged)", f, again));
        summary[`${k}_reimport_s`] = +again.importSeconds.toFixed(1);
        summary[`${k}_reimport_peak_rss_mb`] = Math.round(again.maxRssMb);
      }
    }

    // Beside a writer: the writer is committing before the import starts and keeps going until it ends.
    const f = files[0]!;
    const url = await freshDb(dir, "bench-concurrent.db");
    if (!(await runChild(url, "managers", managers)).ok) throw new Error("manager import failed");
    const writer = startWriter(url, "bench");
    await writer.ready;
    const imported = await runChild(url, "customers", f.file);
    const written = await writer.stop();
    const db = await openDb(url);
    const kept = await db.outbox.count({ where: { kind: "bench-writer" } });
    const customers = await db.customer.count();
    await db.$disconnect();
    const concurrent = [
      {
        ...row("beside a writer", f, imported),
        "customers stored": customers,
        "writer rows": written.written,
        "writer rows stored": kept,
        "writer errors": written.errors.length,
        "writer longest write ms": Math.round(written.maxWriteMs),
      },
    ];
    // Beside the bot: per message the bot's writes (processed event, outbox reply, form state) at 3/s.
    const botUrl = await freshDb(dir, "bench-bot.db");
    if (!(await runChild(botUrl, "managers", managers)).ok) throw new Error("manager import failed");
    const bot = startBot(botUrl, "bench", 3);
    await bot.ready;
    const besideBot = await runChild(botUrl, "customers", f.file);
    const served = await bot.stop();
    const botDb = await openDb(botUrl);
    const botStored = await botDb.processedEvent.count();
    await botDb.$disconnect();
    const botP99 = Math.round(percentile(served.latenciesMs, 99));
    const botMax = Math.round(Math.max(0, ...served.latenciesMs));
    return [
      { name: "import: customers (child process per import; wall includes process start)", rows, summary },
      {
        name: "import: 100k customers beside the bot (its per-message writes at 3 messages/s, own process, 15 s busy timeout)",
        rows: [{ ...row("beside the bot", f, besideBot), commits: besideBot.commits, "longest lock hold ms": Math.round(besideBot.longestCommitMs), "bot messages": served.messages, "bot stored": botStored, "bot errors": served.errors.length, "bot p99 ms": botP99, "bot max ms": botMax }],
        summary: {
          import_ok: besideBot.ok ? 1 : 0,
          import_s: +besideBot.importSeconds.toFixed(1),
          longest_lock_hold_ms: Math.round(besideBot.longestCommitMs),
          bot_messages: served.messages,
          bot_messages_lost: served.messages - botStored,
          bot_errors: served.errors.length,
          bot_write_p99_ms: botP99,
          bot_write_max_ms: botMax,
        },
      },
      {
        name: "import: 100k customers while another process writes outbox rows every 5 ms",
        rows: concurrent,
        summary: {
          import_ok: imported.ok ? 1 : 0,
          import_s: +imported.importSeconds.toFixed(1),
          writer_rows: written.written,
          writer_rows_lost: written.written - kept,
          writer_errors: written.errors.length,
          writer_longest_write_ms: Math.round(written.maxWriteMs),
        },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, url, kind, file] = process.argv.slice(2);
  if (flag === "--child" && url && kind && file) await childMain(url, kind, file);
  else {
    for (const s of await runImportBench()) {
      console.log(`\n## ${s.name}`);
      console.table(s.rows);
      console.log("summary:", s.summary);
    }
  }
}
