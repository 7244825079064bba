import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { classRecomputeJob } from "../../src/jobs/class-recompute.job.ts";
import { seedCompany } from "../helpers/company.ts";
import { createTestDb } from "../helpers/db.ts";
import { local } from "../helpers/reminders.ts";
import type { BenchSection } from "./outbox.ts";

/**
 * The nightly class recompute at 1,000 managers × 300 customers (key-account ABC). Every customer
 * is seeded as A with equal sales, so the first run moves 30% of each territory to B/C and tells
 * every manager (the worst night); the second run finds nothing to change (every other night).
 */
async function runCompany(managers: number, perManager: number): Promise<Record<string, string | number>[]> {
  const t = await createTestDb();
  try {
    const clock = new FakeClock(local("2026-12-01", "06:00"));
    const deps: AppDeps = { db: t.db, policy: loadPolicy({ preset: "key-account" }), clock, log: silentLogger };
    const seeded = performance.now();
    await seedCompany(t.db, { managers, customersPerManager: perManager, planDates: [], planFrom: "2026-12-01", planTo: "2027-01-31" });
    const seedSeconds = (performance.now() - seeded) / 1000;
    const scheduler = new Scheduler({ deps, jobs: [classRecomputeJob], instanceId: "bench" });
    const rows: Record<string, string | number>[] = [];
    for (const [night, at] of [["first (30% change)", local("2026-12-01", "06:35")], ["next (no change)", local("2026-12-02", "06:35")]] as const) {
      clock.set(at);
      const before = await t.db.outbox.count();
      const started = performance.now();
      const report = await scheduler.runJob(classRecomputeJob.id);
      const seconds = (performance.now() - started) / 1000;
      const result = (report.result ?? {}) as Record<string, number>;
      rows.push({
        managers,
        customers: managers * perManager,
        night,
        outcome: report.outcome,
        changed: result.changed ?? 0,
        queued: (await t.db.outbox.count()) - before,
        wall_s: Number(seconds.toFixed(2)),
        ms_per_manager: Number(((seconds * 1000) / managers).toFixed(2)),
        seed_s: Number(seedSeconds.toFixed(1)),
        rss_mb: Math.round(process.memoryUsage().rss / 1e6),
        ...(report.error ? { error: report.error.slice(0, 80) } : {}),
      });
      console.error(`  classes bench: ${managers}×${perManager}, ${night}: ${seconds.toFixed(1)} s`);
    }
    return rows;
  } finally {
    await t.close();
  }
}

export async function runClassesBench(): Promise<BenchSection[]> {
  const sizes = (process.env.BENCH_CLASSES ?? "100x300,1000x300").split(",").map((s) => s.split("x").map(Number) as [number, number]);
  const rows: Record<string, string | number>[] = [];
  for (const [m, c] of sizes) rows.push(...(await runCompany(m, c)));
  const big = rows.filter((r) => r.managers === Math.max(...sizes.map((s) => s[0])));
  return [
    {
      name: "nightly class recompute (class-recompute job)",
      rows,
      summary: { worst_night_s: Math.max(...big.map((r) => Number(r.wall_s))), quiet_night_s: Number(big.at(-1)?.wall_s ?? 0) },
    },
  ];
}
