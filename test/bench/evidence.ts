import path from "node:path";
import { loadPolicy } from "../../src/config/policy.ts";
import { policyTranslator } from "../../src/core/router.ts";
import { considerCheckin } from "../../src/modules/evidence/coordinates.service.ts";
import { FsPhotoStore } from "../../src/modules/evidence/photo-store.ts";
import { sweepEvidenceRetention } from "../../src/modules/evidence/retention.service.ts";
import { createTestDb } from "../helpers/db.ts";
import type { BenchSection } from "./outbox.ts";

const DAY = 86_400_000;

/**
 * Visit evidence at scale: the first retention night over a year of photos and check-ins (every
 * row past the retention, the worst night), and the coordinates check a visit's completion runs in
 * its transaction, on a shop with a long visit history.
 */
async function retention(rows: number): Promise<Record<string, string | number>> {
  const t = await createTestDb();
  try {
    const policy = loadPolicy();
    const now = new Date("2026-11-24T00:00:00Z");
    const old = new Date(now.getTime() - (policy.evidence.retentionDays + 20) * DAY);
    const m = await t.db.staff.create({ data: { code: "M1", name: "m", role: "manager" } });
    const c = await t.db.customer.create({ data: { code: "C1", name: "c", managerId: m.id, lat: 30, lng: 120 } });
    for (let i = 0; i < rows; i += 500) {
      const n = Math.min(500, rows - i);
      await t.db.visit.createMany({ data: Array.from({ length: n }, () => ({ customerId: c.id, managerId: m.id, visitedAt: old, mode: "field", checkinAt: old, checkinLat: 30, checkinLng: 120, checkoutLat: 30, checkoutLng: 120 })) });
      // Every tenth photo re-sends an earlier picture (same hash): its file is shared.
      await t.db.visitPhoto.createMany({ data: Array.from({ length: n }, (_, k) => ({ hash: ((i + k) % 10 === 9 ? i + k - 1 : i + k).toString(16).padStart(64, "0"), mime: "image/jpeg", bytes: 1, staffId: m.id, platform: "telegram", receivedAt: old })) });
    }
    const started = performance.now();
    const stats = await sweepEvidenceRetention({ db: t.db, store: new FsPhotoStore(path.join(t.dir, "photos")), policy, now });
    const seconds = (performance.now() - started) / 1000;
    return { rows, ...stats, wall_s: Number(seconds.toFixed(2)), us_per_row: Math.round((seconds * 1e6) / (2 * rows)) };
  } finally {
    await t.close();
  }
}

async function checkins(history: number, calls: number): Promise<Record<string, string | number>> {
  const t = await createTestDb();
  try {
    const policy = loadPolicy();
    const now = new Date("2026-11-24T00:00:00Z");
    const m = await t.db.staff.create({ data: { code: "M1", name: "m", role: "manager" } });
    const c = await t.db.customer.create({ data: { code: "C1", name: "c", managerId: m.id, lat: 30, lng: 120 } });
    for (let i = 0; i < history; i += 500) {
      const n = Math.min(500, history - i);
      await t.db.visit.createMany({ data: Array.from({ length: n }, (_, k) => { const at = new Date(now.getTime() - (i + k + 1) * 3_600_000); return { customerId: c.id, managerId: m.id, visitedAt: at, mode: "field", checkinAt: at, checkinLat: 30 + ((i + k) % 7) * 0.001, checkinLng: 120 }; }) });
    }
    const visit = await t.db.visit.create({ data: { customerId: c.id, managerId: m.id, visitedAt: now, mode: "field", checkinAt: now, checkinLat: 30.005, checkinLng: 120 } });
    const tr = policyTranslator(policy, "zh-CN");
    const started = performance.now();
    for (let i = 0; i < calls; i++) await t.db.$transaction((tx) => considerCheckin(tx, { policy, customerId: c.id, visitId: visit.id, now, t: tr }));
    const ms = (performance.now() - started) / calls;
    return { shop_visits: history, calls, ms_per_call: Number(ms.toFixed(2)) };
  } finally {
    await t.close();
  }
}

export async function runEvidenceBench(): Promise<BenchSection[]> {
  const sizes = (process.env.BENCH_EVIDENCE ?? "20000,100000").split(",").map(Number);
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    rows.push(await retention(n));
    console.error(`  evidence bench: retention over ${n} photos + ${n} visits done`);
  }
  const checks = [await checkins(100, 200), await checkins(20_000, 200)];
  return [
    { name: "evidence retention, first night (every row past retention)", rows, summary: { largest_rows: Math.max(...sizes), largest_wall_s: Number(rows.at(-1)?.wall_s ?? 0) } },
    { name: "considerCheckin in the visit completion transaction", rows: checks, summary: { ms_per_call_long_history: Number(checks.at(-1)!.ms_per_call) } },
  ];
}
