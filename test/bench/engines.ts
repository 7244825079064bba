// `npm run bench -- --db postgres|sqlite|both` (or `-- engines`, SQLite only): the same company on
// each engine — 1,000 managers × 300 customers (300k) with the day's plans made — then the
// morning list's fan-out (the job queueing every manager's list) and `/today` p50/p95 through the
// app's router; and the outbox drained by one process vs two (each its own pool) against a fake
// platform on 127.0.0.1, messages/s and each message sent once. PostgreSQL runs on a throw-away
// cluster the bench starts and removes. BENCH_ENGINE_MANAGERS / BENCH_ENGINE_CUSTOMERS /
// BENCH_ENGINE_MESSAGES shrink the runs; BENCH_ENGINE_SKIP_COMPANY=1 runs the outbox part alone.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createAppRouter } from "../../src/app.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock, systemClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { openDb } from "../../src/db/client.ts";
import { morningListJob } from "../../src/jobs/morning-list.job.ts";
import { closePlanPool } from "../../src/modules/planning/plan-pool.ts";
import type { Engine } from "../helpers/db.ts";
import { FakeSendServer } from "../helpers/fake-send-server.ts";
import { pgAdmin, startPgCluster, type PgCluster } from "../helpers/pg-cluster.ts";
import { seedCompany, writeDayPlans } from "./month-start.ts";
import { fanOut, type BenchSection } from "./outbox.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INSTANCE = path.join(ROOT, "test/bench/outbox-instance-main.ts");
const DATE = "2026-12-01";
const env = (name: string, fallback: number) => (process.env[name] ? Math.max(1, Number(process.env[name])) : fallback);
const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);
const round = (x: number, d = 1) => Number(x.toFixed(d));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Where one engine's databases come from: temp files, or databases on the bench's own cluster. */
interface Databases {
  engine: Engine;
  create(): Promise<{ url: string; drop(): Promise<void> }>;
  close(): Promise<void>;
}

async function databasesFor(engine: Engine): Promise<Databases> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-engines-"));
    let n = 0;
    return {
      engine,
      async create() {
        const file = path.join(dir, `bench-${++n}.db`);
        return { url: `file:${file}`, drop: async () => rmSync(file, { force: true }) };
      },
      async close() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const cluster: PgCluster = await startPgCluster();
  return {
    engine,
    async create() {
      const name = `bench_${randomBytes(4).toString("hex")}`;
      await pgAdmin(cluster.adminUrl, `CREATE DATABASE ${name}`);
      return { url: cluster.urlFor(name), drop: () => pgAdmin(cluster.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
    },
    close: () => cluster.stop(),
  };
}

interface CompanyFigures {
  seedS: number;
  morningS: number;
  morningQueued: number;
  newPlanRuns: number;
  todayRuns: number;
  todayP50: number;
  todayP95: number;
  todayMax: number;
  todayWithoutList: number;
}

/** The company, the morning list at 07:30, then `/today` for every fifth manager at 09:00. */
async function companyRun(dbs: Databases, managers: number, customers: number): Promise<CompanyFigures> {
  const { url, drop } = await dbs.create();
  const db = await openDb(url);
  try {
    const s0 = performance.now();
    await seedCompany(db, { managers, customers, bind: true });
    await writeDayPlans(db, DATE);
    const seedS = (performance.now() - s0) / 1000;
    console.error(`  engines bench (${dbs.engine}): company of ${managers} × ${customers} seeded in ${seedS.toFixed(0)} s`);

    const clock = new FakeClock(local(DATE, "07:30"));
    const deps: AppDeps = { db, policy: loadPolicy(), clock, log: silentLogger, chatPlanning: "background" };
    const scheduler = new Scheduler({ deps, jobs: [morningListJob], instanceId: "bench" });
    const m0 = performance.now();
    const report = await scheduler.runJob("morning-list");
    const morningS = (performance.now() - m0) / 1000;
    if (report.outcome !== "ran") throw new Error(`morning-list ${report.outcome}: ${report.error ?? ""}`);
    const morningQueued = await db.outbox.count({ where: { kind: "morning-list" } });
    const newPlanRuns = (await db.planRun.count()) - managers;

    clock.set(local(DATE, "09:00"));
    const router = createAppRouter(deps);
    const codes = Array.from({ length: managers }, (_, i) => `M${String(i + 1).padStart(4, "0")}`);
    const ask = (code: string) => router.handle({ platform: "telegram", chatId: `tg-${code}`, userId: `tg-${code}`, text: "/today" });
    for (const code of codes.slice(0, 5)) await ask(code); // warm-up: module caches, prepared shapes
    const times: number[] = [];
    let withoutList = 0;
    for (const code of codes.filter((_, i) => i % 5 === 0)) {
      const t = performance.now();
      const out = await ask(code);
      times.push(performance.now() - t);
      if (!out.some((r) => r.text.includes("📋"))) withoutList++;
    }
    return {
      seedS: round(seedS),
      morningS: round(morningS, 2),
      morningQueued,
      newPlanRuns,
      todayRuns: times.length,
      todayP50: round(percentile(times, 50)),
      todayP95: round(percentile(times, 95)),
      todayMax: round(Math.max(...times)),
      todayWithoutList: withoutList,
    };
  } finally {
    await closePlanPool();
    await db.$disconnect();
    await drop();
  }
}

interface InstanceResult {
  instanceId: string;
  ms: number;
  stats: { sent: number; claimed: number; failed: number; lost: number };
}

/** Runs `n` dispatcher processes at once; resolves when all have drained. */
async function runInstances(url: string, platformPort: number, n: number): Promise<{ wallMs: number; results: InstanceResult[] }> {
  const children = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, ["--import", "tsx", INSTANCE, url, String(platformPort), `bench-${i + 1}`], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let onReady!: () => void;
    const ready = new Promise<void>((r) => (onReady = r));
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.startsWith("ready\n")) onReady();
    });
    child.stderr.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    const done = new Promise<InstanceResult>((resolve, reject) =>
      child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as InstanceResult) : reject(new Error(`instance ${i + 1} exited ${code}: ${err}`)))),
    );
    return { child, ready: Promise.race([ready, done.then(() => Promise.reject(new Error(`instance ${i + 1} exited before ready: ${err}`)))]), done };
  });
  await Promise.all(children.map((c) => c.ready));
  const t0 = performance.now();
  for (const c of children) c.child.stdin.end("go\n");
  const results = await Promise.all(children.map((c) => c.done));
  return { wallMs: performance.now() - t0, results };
}

interface DrainFigures {
  instances: number;
  messages: number;
  delivered: number;
  duplicates: number;
  notSent: number;
  wallS: number;
  perSecond: number;
  split: string;
}

/** `messages` reminders queued (10 per manager, like the jobs), then drained by `instances` processes. */
async function drainRun(dbs: Databases, messages: number, instances: number): Promise<DrainFigures> {
  const { url, drop } = await dbs.create();
  const db = await openDb(url);
  const platform = new FakeSendServer(5);
  try {
    const perManager = 10;
    const queued = await fanOut({ db }, systemClock, { platform: "telegram", managers: Math.ceil(messages / perManager), perManager });
    const port = await platform.start();
    const { wallMs, results } = await runInstances(url, port, instances);
    // fanOut gives every message its own text (kind + manager): a text seen twice was sent twice.
    const keys = platform.received.map((r) => `${r.chatId}|${r.text}`);
    const delivered = new Set(keys).size;
    const notSent = await db.outbox.count({ where: { status: { not: "sent" } } });
    return {
      instances,
      messages: queued,
      delivered,
      duplicates: keys.length - delivered,
      notSent,
      wallS: round(wallMs / 1000, 2),
      perSecond: Math.round(delivered / (wallMs / 1000)),
      split: results.map((r) => r.stats.sent).join(" / "),
    };
  } finally {
    await platform.stop();
    await db.$disconnect();
    await drop();
  }
}

export async function runEnginesBench(engines: readonly Engine[]): Promise<BenchSection[]> {
  const managers = env("BENCH_ENGINE_MANAGERS", 1000);
  const customers = env("BENCH_ENGINE_CUSTOMERS", 300);
  const messages = env("BENCH_ENGINE_MESSAGES", 10_000);
  const company = new Map<Engine, CompanyFigures>();
  const drains = new Map<Engine, DrainFigures[]>();
  const seconds = new Map<Engine, number>();
  for (const engine of engines) {
    const started = performance.now();
    const dbs = await databasesFor(engine);
    try {
      if (process.env.BENCH_ENGINE_SKIP_COMPANY !== "1") company.set(engine, await companyRun(dbs, managers, customers));
      const runs: DrainFigures[] = [];
      for (const n of [1, 2]) {
        runs.push(await drainRun(dbs, messages, n));
        console.error(`  engines bench (${engine}): ${n} instance(s) drained ${runs.at(-1)!.delivered} in ${runs.at(-1)!.wallS} s`);
      }
      drains.set(engine, runs);
    } finally {
      await dbs.close();
    }
    seconds.set(engine, round((performance.now() - started) / 1000));
  }

  const side = (label: string, pick: (e: Engine) => string | number) => ({ measure: label, ...Object.fromEntries(engines.map((e) => [e, pick(e)])) });
  const c = (e: Engine) => company.get(e)!;
  const d = (e: Engine, n: number) => drains.get(e)!.find((r) => r.instances === n)!;
  const companyRows = !company.size ? [] : [
    side(`seed ${managers} managers × ${customers} customers + day plans (s)`, (e) => c(e).seedS),
    side(`morning list queued for ${managers} managers (s)`, (e) => c(e).morningS),
    side("morning list: messages queued", (e) => c(e).morningQueued),
    side(`/today p50 ms (${company.get(engines[0]!)?.todayRuns ?? 0} managers)`, (e) => c(e).todayP50),
    side("/today p95 ms", (e) => c(e).todayP95),
    side("/today max ms", (e) => c(e).todayMax),
    side("/today answers without the list", (e) => c(e).todayWithoutList),
  ];
  const rows = [
    ...companyRows,
    side(`outbox ${messages} messages, 1 instance (msg/s)`, (e) => d(e, 1).perSecond),
    side(`outbox ${messages} messages, 2 instances (msg/s)`, (e) => d(e, 2).perSecond),
    side("2 instances vs 1 (×)", (e) => round(d(e, 2).perSecond / d(e, 1).perSecond, 2)),
    side("2 instances: sent by each", (e) => d(e, 2).split),
    side("duplicates / not sent (1 and 2 instances)", (e) => `${d(e, 1).duplicates}/${d(e, 1).notSent}, ${d(e, 2).duplicates}/${d(e, 2).notSent}`),
    side("engine run time (s)", (e) => seconds.get(e)!),
  ];
  const summary: Record<string, number> = { managers, customers: managers * customers, messages };
  for (const e of engines) {
    if (company.size) {
      summary[`${e}TodayP95Ms`] = c(e).todayP95;
      summary[`${e}MorningS`] = c(e).morningS;
    }
    summary[`${e}OneInstancePerS`] = d(e, 1).perSecond;
    summary[`${e}TwoInstancesPerS`] = d(e, 2).perSecond;
    summary[`${e}Duplicates`] = d(e, 1).duplicates + d(e, 2).duplicates;
    summary[`${e}NotSent`] = d(e, 1).notSent + d(e, 2).notSent;
    summary[`${e}RunS`] = seconds.get(e)!;
  }
  const drainRows = engines.flatMap((e) => drains.get(e)!.map((r) => ({ engine: e, ...r })));
  return [
    { name: `engines side by side: ${managers} managers / ${managers * customers} customers, /today and morning fan-out; outbox one vs two instances`, rows, summary },
    { name: `outbox drained by separate processes (own pools) to a fake platform on 127.0.0.1 (5 ms a send, no rate limit)`, rows: drainRows, summary: { messages } },
  ];
}
