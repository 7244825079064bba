import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { closeChartRenderer } from "../../src/modules/reports/chart.ts";
import { seedCompany } from "../helpers/company.ts";
import { createTestDb } from "../helpers/db.ts";
import { local } from "../helpers/reminders.ts";
import type { BenchSection } from "./outbox.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * When each job's slot runs, chosen so each has something to say to everyone (the same calendar as
 * test/jobs/scale.test.ts). The morning list is benched by the planning work that rewrites it.
 */
const RUNS: { job: string; at: Date }[] = [
  { job: "complaint-sla", at: local("2026-11-23", "08:01") },
  { job: "overdue-alert", at: local("2026-11-23", "08:35") },
  { job: "weekly-phone-contacts", at: local("2026-11-23", "09:05") },
  { job: "daily-phone-minimum", at: local("2026-11-23", "16:35") },
  { job: "unlogged-visits", at: local("2026-11-23", "18:35") },
  { job: "supervisor-digest", at: local("2026-11-23", "19:05") },
  { job: "appointments", at: local("2026-11-24", "17:05") },
  { job: "weekly-minimum-alert", at: local("2026-11-26", "18:05") },
  { job: "weekly-summary", at: local("2026-11-27", "16:05") },
  { job: "weekly-report", at: local("2026-11-27", "17:35") },
  { job: "purchase-plans", at: local("2026-11-28", "09:05") },
  { job: "month-end", at: local("2026-11-28", "09:05") },
  { job: "monthly-report", at: local("2026-11-28", "17:35") },
  { job: "credit-follow-up", at: local("2026-12-01", "09:35") },
];

/**
 * Jobs run at 10,000 managers too: the manager reminder path and the digest over the whole team.
 * (A plan-reading job such as unlogged-visits scales the same way, ~10 ms a manager, but takes
 * close to two minutes there.)
 */
const AT_10K = ["purchase-plans", "supervisor-digest"];

async function runCompany(managers: number, jobs: string[]): Promise<Record<string, string | number>[]> {
  const t = await createTestDb();
  try {
    const clock = new FakeClock(local("2026-11-22", "12:00"));
    const deps: AppDeps = { db: t.db, policy: loadPolicy({ preset: "key-account" }), clock, log: silentLogger };
    const seeded = performance.now();
    const company = await seedCompany(t.db, {
      managers,
      customersPerManager: 3,
      planDates: ["2026-11-23", "2026-11-25"],
      planFrom: "2026-11-01",
      planTo: "2027-01-31",
      customerCreatedAt: local("2026-10-22", "10:00"),
    });
    // One manager in ten has a complaint past its deadline: the SLA sweep's breach notices.
    const customers = await t.db.customer.findMany({ where: { managerId: { in: company.managerIds.filter((_, i) => i % 10 === 0).slice(0, 500) } }, select: { id: true, managerId: true } });
    const opened = local("2026-11-20", "10:00");
    await t.db.complaint.createMany({ data: customers.map((c) => ({ customerId: c.id, managerId: c.managerId, openedAt: opened, text: "late delivery", deadlineAt: local("2026-11-20", "18:00") })) });
    const seedSeconds = (performance.now() - seeded) / 1000;
    const scheduler = new Scheduler({ deps, jobs: allJobs(), instanceId: "bench" });
    const rows: Record<string, string | number>[] = [];
    for (const run of RUNS.filter((r) => jobs.includes(r.job))) {
      clock.set(run.at);
      const before = await t.db.outbox.count();
      const started = performance.now();
      const report = await scheduler.runJob(run.job);
      const seconds = (performance.now() - started) / 1000;
      const queued = (await t.db.outbox.count()) - before;
      rows.push({
        managers,
        job: run.job,
        outcome: report.outcome,
        queued,
        wall_s: Number(seconds.toFixed(2)),
        ms_per_manager: Number(((seconds * 1000) / managers).toFixed(2)),
        seed_s: Number(seedSeconds.toFixed(1)),
        ...(report.error ? { error: report.error.slice(0, 80) } : {}),
      });
      console.error(`  jobs bench: ${managers} managers, ${run.job}: ${seconds.toFixed(1)} s, ${queued} queued`);
    }
    return rows;
  } finally {
    await closeChartRenderer();
    await t.close();
  }
}

/** Wall time of one process start (spawned, output discarded), in ms. */
function timeOnce(args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore", env: { ...process.env, VISITMATE_LOCALE: "zh-CN" } });
  if (r.status === null) throw new Error(`${args.join(" ")} did not exit`);
  return performance.now() - started;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Start-up of the commands that touch no database against bare `node -e 0`, hyperfine-style:
 * interleaved runs (so a burst of load hits every command alike), median and minimum. The "tsx ESM
 * hook" row is what the old single loading path cost before any code ran, for reference.
 */
function startupSection(runs = 15): BenchSection {
  const tsp = path.join(ROOT, "test/fixtures/tsplib/berlin52.tsp");
  const commands: { name: string; args: string[] }[] = [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "tsx ESM hook only (reference)", args: ["--input-type=module", "-e", 'import { register } from "tsx/esm/api"; register();'] },
    { name: "visitmate help", args: ["bin/visitmate.js", "help"] },
    { name: "visitmate route berlin52.tsp", args: ["bin/visitmate.js", "route", tsp] },
    { name: "visitmate (unknown command)", args: ["bin/visitmate.js", "frobnicate"] },
  ];
  const times = new Map(commands.map((c) => [c.name, [] as number[]]));
  for (const c of commands) timeOnce(c.args); // warm the tsx transform cache
  for (let i = 0; i < runs; i++) for (const c of commands) times.get(c.name)!.push(timeOnce(c.args));
  const base = median(times.get("node -e 0")!);
  const baseMin = Math.min(...times.get("node -e 0")!);
  const rows = commands.map((c) => {
    const ts = times.get(c.name)!;
    return { command: c.name, median_ms: Math.round(median(ts)), min_ms: Math.round(Math.min(...ts)), above_node_median_ms: Math.round(median(ts) - base), above_node_min_ms: Math.round(Math.min(...ts) - baseMin) };
  });
  const above = (name: string) => rows.find((r) => r.command === name)!.above_node_median_ms;
  return {
    name: `Start-up of commands without a database (${runs} interleaved runs each; budget 300 ms above node)`,
    rows,
    summary: { node_ms: Math.round(base), help_above_node_ms: above("visitmate help"), route_above_node_ms: above("visitmate route berlin52.tsp"), unknown_above_node_ms: above("visitmate (unknown command)") },
  };
}

export async function runJobsBench(): Promise<BenchSection[]> {
  const sections: BenchSection[] = [startupSection()];
  const at1k = await runCompany(1000, RUNS.map((r) => r.job));
  sections.push({
    name: "Every job once at 1,000 managers × 3 customers (key-account preset, one supervisor over all; morning list benched elsewhere)",
    rows: at1k,
    summary: {
      jobs: at1k.length,
      failed: at1k.filter((r) => r.outcome !== "ran").length,
      total_wall_s: Number(at1k.reduce((s, r) => s + Number(r.wall_s), 0).toFixed(1)),
      slowest_wall_s: Math.max(...at1k.map((r) => Number(r.wall_s))),
      queued: at1k.reduce((s, r) => s + Number(r.queued), 0),
    },
  });
  const at10k = await runCompany(10_000, AT_10K);
  sections.push({
    name: "The reminder path at 10,000 managers (id pages of 200; the digest over a 10,000-manager team)",
    rows: at10k,
    summary: {
      failed: at10k.filter((r) => r.outcome !== "ran").length,
      reminder_wall_s: Number(at10k.find((r) => r.job === "purchase-plans")!.wall_s),
      reminder_queued: Number(at10k.find((r) => r.job === "purchase-plans")!.queued),
    },
  });
  return sections;
}
