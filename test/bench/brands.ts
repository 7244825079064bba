import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { addDays } from "../../src/core/dates.ts";
import { openDb } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { brandKpis } from "../../src/modules/products/brand-kpi.service.ts";
import { weeklyPriceReport } from "../../src/modules/products/info-point.service.ts";
import type { BenchSection } from "./outbox.ts";

const MANAGERS = 300;
const PER_MANAGER = 300;
const TEAM = 30;
const PRODUCTS = 40;
const MONTH_FROM = "2026-12-01";
const MONTH_TO = "2026-12-31";
const WEEK = "2026-W49";

/**
 * 300 managers × 300 shops, each shop visited twice in December with brand cultivation of three
 * products (180k visits, 540k entries), and a week of info-point prices (10 points a manager × 20
 * products = 60k rows); written straight with better-sqlite3.
 */
function build(file: string): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const created = new Date("2026-08-01T01:00:00Z").toISOString();
  const staff = db.prepare(`INSERT INTO "Staff" (code, name, role, supervisorId, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`);
  const customer = db.prepare(`INSERT INTO "Customer" (code, name, lat, lng, managerId, infoPoint, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const visit = db.prepare(`INSERT INTO "Visit" (customerId, managerId, visitedAt, mode, details, createdAt, updatedAt) VALUES (?, ?, ?, 'field', ?, ?, ?)`);
  const product = db.prepare(`INSERT INTO "Product" (code, name, brand, packPrice, cartonPrice, searchText, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const price = db.prepare(`INSERT INTO "PriceCollection" (customerId, managerId, productId, week, stock, marketPrice, collectedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  db.transaction(() => {
    const products: number[] = [];
    for (let p = 0; p < PRODUCTS; p++) products.push(Number(product.run(`P${p}`, `品规${p}`, `品牌${p % 8}`, 10 + p, 100 + 10 * p, `p${p}`, created).lastInsertRowid));
    const sups: number[] = [];
    for (let s = 0; s < MANAGERS / TEAM; s++) sups.push(Number(staff.run(`S${s}`, `主管${s}`, "supervisor", null, created, created).lastInsertRowid));
    for (let m = 0; m < MANAGERS; m++) {
      const managerId = Number(staff.run(`M${String(m).padStart(4, "0")}`, `经理${m}`, "manager", sups[Math.floor(m / TEAM)]!, created, created).lastInsertRowid);
      for (let c = 0; c < PER_MANAGER; c++) {
        const id = Number(customer.run(`C${m}-${c}`, `店${m}-${c}`, 30, 120, managerId, c < 10 ? 1 : 0, created, created).lastInsertRowid);
        for (let k = 0; k < 2; k++) {
          const when = new Date(`${addDays(MONTH_FROM, Math.floor(rnd() * 28))}T10:00:00+08:00`).toISOString();
          const entries = [0, 1, 2].map(() => {
            const listed = rnd() < 0.7;
            const productId = products[Math.floor(rnd() * PRODUCTS)]!;
            return { productId, name: `品规${productId}`, brand: "", listed, refusal: listed ? null : "money", sold: listed ? 2 : null, repurchase: listed ? (rnd() < 0.5 ? "yes" : "no") : null, daysOutOfStock: null, promotion: null };
          });
          visit.run(id, managerId, when, JSON.stringify({ kind: "visit", products: entries }), when, when);
        }
        if (c < 10) for (let p = 0; p < 20; p++) price.run(id, managerId, products[p]!, WEEK, Math.floor(rnd() * 50), 100 + 10 * p + Math.round(rnd() * 20 - 10), created);
      }
    }
  })();
  db.close();
}

async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ p50: number; max: number; result: T }> {
  let result = await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    result = await f();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(times[Math.floor(times.length / 2)]!), max: Math.round(times.at(-1)!), result };
}

export async function runBrandsBench(): Promise<BenchSection[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-brands-"));
  const file = path.join(dir, "bench.db");
  const url = `file:${file}`;
  const t0 = performance.now();
  applyMigrations(url);
  build(file);
  const buildSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const db = await openDb(url);
  try {
    const managers = await db.staff.findMany({ where: { role: "manager" }, orderBy: { code: "asc" } });
    const team = managers.slice(0, TEAM);
    const rows: Record<string, string | number>[] = [];
    const heap = () => Math.round(process.memoryUsage().heapUsed / 1e6);
    const teamKpi = await timed(5, () => brandKpis({ db, timeZone: "Asia/Shanghai", managers: team, from: MONTH_FROM, to: MONTH_TO }));
    rows.push({ what: `brand KPIs, a ${TEAM}-manager month (${TEAM * PER_MANAGER * 2} visits)`, p50Ms: teamKpi.p50, maxMs: teamKpi.max, products: teamKpi.result.team.length, heapMB: heap() });
    const allKpi = await timed(2, () => brandKpis({ db, timeZone: "Asia/Shanghai", managers, from: MONTH_FROM, to: MONTH_TO }));
    rows.push({ what: `brand KPIs, the whole company (${MANAGERS * PER_MANAGER * 2} visits)`, p50Ms: allKpi.p50, maxMs: allKpi.max, products: allKpi.result.team.length, heapMB: heap() });
    const teamPrices = await timed(5, () => weeklyPriceReport({ db, week: WEEK, managerIds: team.map((m) => m.id) }));
    rows.push({ what: `week's prices, a ${TEAM}-manager team (${TEAM * 200} rows)`, p50Ms: teamPrices.p50, maxMs: teamPrices.max, products: teamPrices.result.length, heapMB: heap() });
    const allPrices = await timed(3, () => weeklyPriceReport({ db, week: WEEK }));
    rows.push({ what: `week's prices, the whole company (${MANAGERS * 200} rows)`, p50Ms: allPrices.p50, maxMs: allPrices.max, products: allPrices.result.length, heapMB: heap() });
    return [{ name: `brands: brand KPIs and info-point prices (${MANAGERS} managers × ${PER_MANAGER} shops)`, rows, summary: { buildSeconds, teamKpiP50Ms: teamKpi.p50, companyKpiP50Ms: allKpi.p50, teamPricesP50Ms: teamPrices.p50, companyPricesP50Ms: allPrices.p50 } }];
  } finally {
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
