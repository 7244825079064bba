import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createAppRouter } from "../../src/app.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { addDays, isoWeekday } from "../../src/core/dates.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { openDb } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { closeChartRenderer } from "../../src/modules/reports/chart.ts";
import type { BenchSection } from "./outbox.ts";

const MANAGERS = 1000;
const PER_MANAGER = 300;
const TEAM = 30;
const TODAY = "2026-12-02";
const CLASSES = ["core", "potential", "regular", "regular", "regular", "regular", "assistance", "regular", "potential", "regular"];

/**
 * A company of 1,000 managers × 300 customers (300k) with two months of visit history (one visit
 * per customer on average, plus calls), today's plans and some complaints, written straight with
 * better-sqlite3 so building it takes seconds, not the bench's time.
 */
function buildCompany(file: string): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const now = new Date(`${TODAY}T20:00:00+08:00`).toISOString();
  const insertStaff = db.prepare(`INSERT INTO "Staff" (code, name, role, supervisorId, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`);
  const insertCustomer = db.prepare(
    `INSERT INTO "Customer" (code, name, lat, lng, serviceClass, managerId, lastVisitAt, createdAt, updatedAt, credit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVisit = db.prepare(`INSERT INTO "Visit" (customerId, managerId, visitedAt, mode, durationMin, details, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertPlan = db.prepare(`INSERT INTO "PlannedVisit" (managerId, customerId, date, sequence, status, stopNo, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertComplaint = db.prepare(`INSERT INTO "Complaint" (customerId, managerId, openedAt, text, deadlineAt, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const created = new Date("2026-08-01T01:00:00Z").toISOString();
  db.transaction(() => {
    const supervisors: number[] = [];
    for (let s = 0; s < Math.ceil(MANAGERS / TEAM); s++) supervisors.push(Number(insertStaff.run(`S${String(s).padStart(4, "0")}`, `主管${s}`, "supervisor", null, created, created).lastInsertRowid));
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let m = 0; m < MANAGERS; m++) {
      const managerId = Number(insertStaff.run(`M${String(m).padStart(4, "0")}`, `经理${m}`, "manager", supervisors[Math.floor(m / TEAM)]!, created, created).lastInsertRowid);
      const ids: number[] = [];
      for (let c = 0; c < PER_MANAGER; c++) {
        const id = Number(insertCustomer.run(`C${m}-${c}`, `店${m}-${c}`, 30.2 + rnd() / 10, 120.1 + rnd() / 10, CLASSES[c % CLASSES.length]!, managerId, null, created, created, c % 25 === 0 ? 1 : 0).lastInsertRowid);
        ids.push(id);
        // History over the last two months: visits on visit days, one in twenty also a call.
        const back = Math.floor(rnd() * 60);
        let day = addDays(TODAY, -back);
        while (![1, 3, 4].includes(isoWeekday(day))) day = addDays(day, -1);
        const when = new Date(`${day}T${String(9 + (c % 8)).padStart(2, "0")}:00:00+08:00`).toISOString();
        if (rnd() < 0.92) insertVisit.run(id, managerId, when, "field", 10 + Math.floor(rnd() * 15), '{"kind":"visit"}', when, when);
        if (c % 20 === 0) insertVisit.run(id, managerId, when, "phone", null, '{"kind":"call","topic":"订货"}', when, when);
      }
      for (let k = 0; k < 15; k++) insertPlan.run(managerId, ids[k * 7]!, TODAY, k + 1, k < 9 ? "done" : "planned", k + 1, now, now);
      if (m % 4 === 0) insertComplaint.run(ids[3]!, managerId, new Date(`${TODAY}T10:00:00+08:00`).toISOString(), "断货", new Date(`${TODAY}T18:00:00+08:00`).toISOString(), now, now);
    }
  })();
  db.close();
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export async function runReportsBench(): Promise<BenchSection[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-bench-reports-"));
  const file = path.join(dir, "bench.db");
  const url = `file:${file}`;
  const t0 = performance.now();
  applyMigrations(url);
  buildCompany(file);
  const buildSeconds = (performance.now() - t0) / 1000;
  const db = await openDb(url);
  try {
    const deps: AppDeps = { db, policy: loadPolicy({ preset: "tobacco-retail" }), clock: new FakeClock(new Date(`${TODAY}T20:00:00+08:00`)), log: silentLogger };
    const supervisor = await db.staff.findUniqueOrThrow({ where: { code: "S0010" } });
    await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "bench-s", staffId: supervisor.id } });
    const admin = await db.staff.create({ data: { code: "A0001", name: "管理员", role: "admin" } });
    await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "bench-a", staffId: admin.id } });
    const router = createAppRouter(deps);
    const askAs = (user: string, text: string) => router.handle({ platform: "telegram", chatId: user, userId: user, text });
    const rows: Record<string, string | number>[] = [];
    const summary: Record<string, number> = { buildSeconds: Math.round(buildSeconds * 10) / 10, customers: MANAGERS * PER_MANAGER, team: TEAM };
    for (const [label, text, runs, user, key] of [
      ["/team", "/team", 30, "bench-s", "teamP95Ms"],
      ["/team M0300", "/team M0300", 20, "bench-s", "managerP95Ms"],
      ["/team week (+chart)", "/team week", 10, "bench-s", "teamWeekP95Ms"],
      ["/team month (+chart)", "/team month", 10, "bench-s", "teamMonthP95Ms"],
      ["admin /team (1,000 managers)", "/team", 5, "bench-a", "adminTeamP95Ms"],
      ["admin /team month (1,000 managers, 300k customers)", "/team month", 3, "bench-a", "adminMonthP95Ms"],
    ] as const) {
      const ask = (t: string) => askAs(user, t);
      await ask(text); // warm-up (the chart worker starts on first use)
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        const out = await ask(text);
        times.push(performance.now() - s);
        bytes = out.reduce((n, r) => n + r.text.length + (r.attachments ?? []).reduce((k, a) => k + a.base64.length, 0), 0);
      }
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      rows.push({ view: label, runs, heapMB: Math.round(process.memoryUsage().heapUsed / 1e6), p50Ms: Math.round(p50), p95Ms: Math.round(p95), replyChars: bytes });
      summary[key] = Math.round(p95);
    }
    return [{ name: `reports: a ${TEAM}-manager team in a ${MANAGERS * PER_MANAGER}-customer company (server-side, p95)`, rows, summary }];
  } finally {
    await closeChartRenderer();
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
