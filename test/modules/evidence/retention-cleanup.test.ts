import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import type { Customer, Staff } from "../../../src/generated/prisma/client.ts";
import { allJobs } from "../../../src/jobs/registry.ts";
import { receivePhoto } from "../../../src/modules/evidence/evidence.service.ts";
import { FsPhotoStore, photoKey } from "../../../src/modules/evidence/photo-store.ts";
import { sweepEvidenceRetention } from "../../../src/modules/evidence/retention.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const DAY = 86_400_000;
/** 03:40 in Shanghai on Tue 24 Nov 2026: the job's slot. */
const NIGHT = new Date("2026-11-23T19:40:00Z");
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const image = (n: number) => Buffer.concat([PNG, Buffer.from(`shop photo ${n}`)]);

describe("evidence retention", () => {
  let t: TestDb;
  let clock: FakeClock;
  let deps: AppDeps;
  let store: FsPhotoStore;
  let mgr: Staff;
  let shop: Customer;
  beforeEach(async () => {
    t = await createTestDb();
    clock = new FakeClock(NIGHT);
    store = new FsPhotoStore(path.join(t.dir, "photos"));
    deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger, photos: store };
    mgr = await t.db.staff.create({ data: { code: "M1", name: "李明", role: "manager" } });
    shop = await t.db.customer.create({ data: { code: "C1", name: "钟氏小卖部", managerId: mgr.id, lat: 30.25, lng: 120.15 } });
  });
  afterEach(async () => t.close());

  /** A visit `daysAgo` old with its check-in and check-out, and its photos received and linked. */
  async function visit(daysAgo: number, photos: Buffer[]) {
    const at = new Date(NIGHT.getTime() - daysAgo * DAY);
    const v = await t.db.visit.create({
      data: { customerId: shop.id, managerId: mgr.id, visitedAt: at, mode: "field", checkinStatus: "inside", checkinAt: at, checkinLat: 30.2501, checkinLng: 120.1501, checkinDistanceM: 12, checkoutAt: at, checkoutLat: 30.2502, checkoutLng: 120.1502, measuredMin: 18 },
    });
    const ids: number[] = [];
    for (const bytes of photos) {
      const r = await receivePhoto({ db: t.db, store, staffId: mgr.id, platform: "telegram", bytes, maxBytes: 1 << 20, now: at });
      if (!r.ok) throw new Error(r.reason);
      ids.push(r.photo.id);
    }
    await t.db.visitPhoto.updateMany({ where: { id: { in: ids } }, data: { visitId: v.id, customerId: shop.id } });
    return { visit: v, ids };
  }
  async function unlinked(daysAgo: number, bytes: Buffer) {
    const r = await receivePhoto({ db: t.db, store, staffId: mgr.id, platform: "telegram", bytes, maxBytes: 1 << 20, now: new Date(NIGHT.getTime() - daysAgo * DAY) });
    if (!r.ok) throw new Error(r.reason);
    return r.photo;
  }
  const fileOf = async (id: number) => {
    const p = await t.db.visitPhoto.findUnique({ where: { id } });
    return p ? path.join(t.dir, "photos", p.hash.slice(0, 2), photoKey(p.hash, p.mime)) : null;
  };

  it("the nightly job deletes old and abandoned photos and their files, keeps recent ones and files still shared, clears old check-in positions, once per night", async () => {
    const old = await visit(200, [image(1), image(2)]);
    const recent = await visit(10, [image(2), image(3)]);
    const abandoned = await unlinked(3, image(4));
    const fresh = await unlinked(1, image(5));
    const files = Object.fromEntries(await Promise.all([...old.ids, ...recent.ids, abandoned.id, fresh.id].map(async (id) => [id, (await fileOf(id))!] as const)));
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);

    const scheduler = new Scheduler({ deps, jobs: allJobs(), instanceId: "test" });
    const report = await scheduler.runJob("evidence-retention");
    expect(report).toMatchObject({ outcome: "ran", result: { photosDeleted: 2, unlinkedDeleted: 1, objectsDeleted: 2, visitsCleared: 1 } });
    expect((await t.db.visitPhoto.findMany({ orderBy: { id: "asc" } })).map((p) => p.id)).toEqual([...recent.ids, fresh.id]);
    // image(1) only in the old visit: gone. image(2) also in the recent visit: one stored file, still needed.
    expect(existsSync(files[old.ids[0]!]!)).toBe(false);
    expect(existsSync(files[old.ids[1]!]!)).toBe(true);
    expect(existsSync(files[abandoned.id]!)).toBe(false);
    expect(existsSync(files[fresh.id]!)).toBe(true);
    expect(existsSync(files[recent.ids[1]!]!)).toBe(true);

    const cleared = await t.db.visit.findUniqueOrThrow({ where: { id: old.visit.id } });
    expect(cleared).toMatchObject({ checkinLat: null, checkinLng: null, checkoutLat: null, checkoutLng: null, checkinStatus: "inside", checkinDistanceM: 12, measuredMin: 18 });
    expect(await t.db.visit.findUniqueOrThrow({ where: { id: recent.visit.id } })).toMatchObject({ checkinLat: 30.2501, checkoutLng: 120.1502 });

    // The same night again (a second instance, a restart): the slot ran already.
    expect((await new Scheduler({ deps, jobs: allJobs(), instanceId: "other" }).runJob("evidence-retention")).outcome).toBe("already-done");
  });

  it("works through many rows in small batches, stopping between batches when asked", async () => {
    const old = await visit(400, Array.from({ length: 7 }, (_, i) => image(100 + i)));
    await visit(300, [image(100)]);
    const policy = deps.policy;
    let calls = 0;
    const stopped = await sweepEvidenceRetention({ db: t.db, store, policy, now: NIGHT, batch: 2, between: async () => ++calls < 2 });
    // Two batches of two, then told to stop.
    expect(stopped).toMatchObject({ photosDeleted: 4, unlinkedDeleted: 0, visitsCleared: 0 });
    const rest = await sweepEvidenceRetention({ db: t.db, store, policy, now: NIGHT, batch: 2 });
    expect(rest).toMatchObject({ photosDeleted: 4, visitsCleared: 2 });
    expect(stopped.objectsDeleted + rest.objectsDeleted).toBe(7);
    expect(await t.db.visitPhoto.count()).toBe(0);
    expect(await t.db.visit.count({ where: { id: old.visit.id, checkinLat: null } })).toBe(1);
  });

  it("a full default batch of distinct photos stays within SQLite's parameter limit", async () => {
    const old = new Date(NIGHT.getTime() - 200 * DAY);
    // Rows only (no files): removing a missing object is no error, and the queries are the point.
    const rows = Array.from({ length: 1200 }, (_, i) => ({ hash: i.toString(16).padStart(64, "0"), mime: "image/jpeg", bytes: 1, staffId: mgr.id, platform: "telegram", receivedAt: old }));
    await t.db.visitPhoto.createMany({ data: rows });
    // One recent row shares the content of an old one: that object stays.
    await t.db.visitPhoto.create({ data: { ...rows[7]!, receivedAt: NIGHT } });
    const stats = await sweepEvidenceRetention({ db: t.db, store, policy: deps.policy, now: NIGHT });
    expect(stats).toMatchObject({ photosDeleted: 1200, objectsDeleted: 1199 });
    expect(await t.db.visitPhoto.count()).toBe(1);
  });
});
