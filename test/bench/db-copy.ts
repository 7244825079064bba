import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDb } from "../../src/db/client.ts";
import { copyDatabase } from "../../src/db/copy.ts";
import { seedCompany } from "../helpers/company.ts";
import { pgAdmin, startPgCluster } from "../helpers/pg-cluster.ts";
import type { BenchSection } from "./outbox.ts";

/**
 * `db copy` of a provincial pilot's SQLite database (1,000 managers × 300 customers and a week of
 * stored plan: ~300k customers, ~600k planned visits) into an empty PostgreSQL database on a
 * throw-away cluster, then back into a new SQLite file. VISITMATE_BENCH_COPY_PER_MANAGER makes it
 * smaller for a quick look.
 */
export async function runDbCopyBench(): Promise<BenchSection[]> {
  const managers = 1000;
  const perManager = Number(process.env.VISITMATE_BENCH_COPY_PER_MANAGER ?? 300);
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-copy-"));
  const cluster = await startPgCluster();
  try {
    const source = `file:${path.join(dir, "pilot.db")}`;
    const db = await openDb(source);
    const seeded = performance.now();
    await seedCompany(db, { managers, customersPerManager: perManager, planDates: ["2026-12-01", "2026-12-03"], planFrom: "2026-12-01", planTo: "2026-12-07" });
    const seedSeconds = (performance.now() - seeded) / 1000;
    await db.$disconnect();
    await pgAdmin(cluster.adminUrl, "CREATE DATABASE copy_target");
    const rows: Record<string, string | number>[] = [];
    const measure = async (direction: string, from: string, to: string) => {
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      const r = await copyDatabase({ from, to });
      const seconds = (performance.now() - started) / 1000;
      if ("refused" in r) throw new Error(`db copy refused: ${r.refused}${"reason" in r ? ` ${r.reason}` : ""}`);
      const cpu = process.cpuUsage(cpu0);
      const big = [...r.tables].sort((a, b) => b.target - a.target).slice(0, 3);
      rows.push({
        direction,
        rows: r.rows,
        seconds: Number(seconds.toFixed(1)),
        "rows/s": Math.round(r.rows / seconds),
        "cpu s (this process)": Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
        largest: big.map((t) => `${t.table} ${t.target}`).join(", "),
        verified: r.tables.every((t) => t.ok) ? "yes" : "NO",
      });
      return r.rows / seconds;
    };
    const toPg = await measure("SQLite → PostgreSQL", source, cluster.urlFor("copy_target"));
    const back = await measure("PostgreSQL → SQLite", cluster.urlFor("copy_target"), `file:${path.join(dir, "back.db")}`);
    return [
      {
        name: `db copy: ${managers} managers × ${perManager} customers (seeded in ${seedSeconds.toFixed(0)} s)`,
        rows,
        summary: { sqliteToPgRowsPerSecond: Math.round(toPg), pgToSqliteRowsPerSecond: Math.round(back) },
      },
    ];
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
