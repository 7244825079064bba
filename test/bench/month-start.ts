// `npm run bench -- monthstart`: the month job planning every manager in the worker pool (wall, CPU,
// peak RSS, event-loop lag while it runs), then the morning list queued for 1,000 managers whose
// plans are made (wall). BENCH_MANAGERS / BENCH_CUSTOMERS / BENCH_MORNING_MANAGERS shrink the runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadPolicy } from "../../src/config/policy.ts";
import { chunks } from "../../src/core/batch.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { monthPlanJob } from "../../src/jobs/month-plan.job.ts";
import { morningListJob } from "../../src/jobs/morning-list.job.ts";
import { closePlanPool, planPool } from "../../src/modules/planning/plan-pool.ts";
import { generateTerritory, type BenchSection } from "./planner.ts";

/**
 * A synthetic company: `managers` managers (codes M0001…, visiting Monday to Friday) with
 * `customers` customers each from generateTerritory (one seed per manager), optionally each bound
 * to a Telegram chat `tg-<code>`. Classes are the tobacco preset's.
 */
export async function seedCompany(db: Db, opts: { managers: number; customers: number; bind?: boolean; firstSeed?: number }): Promise<void> {
  const first = opts.firstSeed ?? 1;
  for (const part of chunks(Array.from({ length: opts.managers }, (_, i) => i + first), 100)) {
    await db.staff.createMany({ data: part.map((i) => ({ code: `M${String(i).padStart(4, "0")}`, name: `经理${i}`, role: "manager", visitDays: "1,2,3,4,5" })) });
    const staff = await db.staff.findMany({ where: { code: { in: part.map((i) => `M${String(i).padStart(4, "0")}`) } }, select: { id: true, code: true } });
    const rows = staff.flatMap((s) => {
      const seed = Number(s.code.slice(1));
      const territory = generateTerritory({ n: opts.customers, seed, from: "2026-12-01", to: "2027-01-31" });
      return territory.customers.map((c, k) => ({
        code: `${s.code}-C${k + 1}`,
        name: `店${seed}-${k + 1}`,
        lat: c.lat,
        lng: c.lng,
        serviceClass: c.classId,
        managerId: s.id,
        lastVisitAt: c.lastVisit ? new Date(`${c.lastVisit}T02:00:00Z`) : null,
      }));
    });
    for (const batch of chunks(rows, 500)) await db.customer.createMany({ data: batch });
    if (opts.bind) await db.chatIdentity.createMany({ data: staff.map((s) => ({ platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id })) });
  }
}

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);
const env = (name: string, fallback: number) => (process.env[name] ? Math.max(1, Number(process.env[name])) : fallback);

async function withTempDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-monthstart-"));
  const db = await openDb(`file:${path.join(dir, "bench.db")}`);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS sampled while `fn` runs (the process's max RSS also counts seeding and earlier groups). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number; peakRssMb: number; lagP99Ms: number; lagMaxMs: number }> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  lag.enable();
  try {
    const value = await fn();
    const wallMs = performance.now() - t0;
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 2 ** 20, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 };
  } finally {
    clearInterval(sampler);
  }
}

async function monthStartSection(): Promise<BenchSection> {
  const managers = env("BENCH_MANAGERS", 200);
  const customers = env("BENCH_CUSTOMERS", 300);
  return withTempDb(async (db) => {
    const clock = new FakeClock(local("2026-11-30", "22:00"));
    const deps: AppDeps = { db, policy: loadPolicy(), clock, log: silentLogger };
    await seedCompany(db, { managers, customers });
    const scheduler = new Scheduler({ deps, jobs: [monthPlanJob], instanceId: "bench" });
    // process.cpuUsage() counts every thread of the process: the workers' planning included.
    const m = await measured(() => scheduler.runJob("month-plan"));
    const runs = await db.planRun.count({ where: { fromDate: "2026-12-01" } });
    const workers = planPool().size;
    await closePlanPool();
    const row = {
      managers,
      customers,
      workers,
      outcome: m.value.outcome,
      planned: runs,
      wall_s: +(m.wallMs / 1000).toFixed(1),
      cpu_s: +(m.cpuMs / 1000).toFixed(1),
      cpu_per_manager_s: +(m.cpuMs / 1000 / managers).toFixed(2),
      peak_rss_mb: Math.round(m.peakRssMb),
      lag_p99_ms: +m.lagP99Ms.toFixed(1),
      lag_max_ms: +m.lagMaxMs.toFixed(1),
    };
    return {
      name: `month-start planning: ${managers} managers × ${customers} customers, month job through the pool`,
      rows: [row],
      summary: { managers, customers, workers, wallS: row.wall_s, cpuS: row.cpu_s, peakRssMb: row.peak_rss_mb, lagP99Ms: row.lag_p99_ms, lagMaxMs: row.lag_max_ms, extrapolated1000WallMin: +((m.wallMs / managers) * 1000 / 60000).toFixed(1) },
    };
  });
}

/**
 * A day of 15 stops and a PlanRun per manager, as the month job would have left them (also the
 * engines bench's company, so both measure the same data).
 */
export async function writeDayPlans(db: Db, date: string): Promise<void> {
  const staff = await db.staff.findMany({ select: { id: true } });
  for (const part of chunks(staff, 100)) {
    const ids = part.map((s) => s.id);
    const cs = await db.customer.findMany({ where: { managerId: { in: ids } }, select: { id: true, managerId: true }, orderBy: { id: "asc" } });
    const rows = ids.flatMap((managerId) => cs.filter((c) => c.managerId === managerId).slice(0, 15).map((c, i) => ({ managerId, customerId: c.id, date, sequence: i + 1 })));
    for (const batch of chunks(rows, 500)) await db.plannedVisit.createMany({ data: batch });
    await db.planRun.createMany({ data: ids.map((managerId) => ({ managerId, fromDate: date, toDate: "2027-01-31", requiredVisits: 0, plannedVisits: 15, shortfallVisits: 0, reason: "month" })) });
  }
}

/**
 * Morning list for many managers whose plans are made: plans are written directly (a day of 15
 * stops per manager and a PlanRun), as the month job would have left them, so only the job's own
 * reads, number fixing and queueing are timed.
 */
async function morningListSection(): Promise<BenchSection> {
  const managers = env("BENCH_MORNING_MANAGERS", 1000);
  const customers = env("BENCH_MORNING_CUSTOMERS", 300);
  const date = "2026-12-01";
  return withTempDb(async (db) => {
    const clock = new FakeClock(local(date, "07:30"));
    const deps: AppDeps = { db, policy: loadPolicy(), clock, log: silentLogger };
    await seedCompany(db, { managers, customers, bind: true });
    await writeDayPlans(db, date);
    const scheduler = new Scheduler({ deps, jobs: [morningListJob], instanceId: "bench" });
    const m = await measured(() => scheduler.runJob("morning-list"));
    const queued = await db.outbox.count({ where: { kind: "morning-list" } });
    const newRuns = (await db.planRun.count()) - managers;
    const row = { managers, customers, outcome: m.value.outcome, queued, new_plan_runs: newRuns, wall_s: +(m.wallMs / 1000).toFixed(1), per_manager_ms: +(m.wallMs / managers).toFixed(1), lag_p99_ms: +m.lagP99Ms.toFixed(1) };
    return { name: `morning list queued for ${managers} managers (plans made, 15 stops each)`, rows: [row], summary: { managers, queued, wallS: row.wall_s, perManagerMs: row.per_manager_ms, newPlanRuns: newRuns } };
  });
}

export async function runMonthStartBench(): Promise<BenchSection[]> {
  const out: BenchSection[] = [];
  if (process.env.BENCH_SKIP_MONTH !== "1") out.push(await monthStartSection());
  out.push(await morningListSection());
  return out;
}
