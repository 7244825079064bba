import { afterEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { classRecomputeJob } from "../../src/jobs/class-recompute.job.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

const at = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

let t: TestDb | undefined;
afterEach(async () => t?.close());

async function world() {
  t = await createTestDb();
  const clock = new FakeClock(at("2026-12-09", "06:00"));
  const deps: AppDeps = { db: t.db, policy: loadPolicy({ preset: "tobacco-retail" }), clock, log: silentLogger };
  const sup = await t.db.staff.create({ data: { code: "S001", name: "王建国", role: "supervisor" } });
  const m1 = await t.db.staff.create({ data: { code: "M001", name: "李明", role: "manager", supervisorId: sup.id } });
  const m2 = await t.db.staff.create({ data: { code: "M002", name: "张伟", role: "manager", supervisorId: sup.id } });
  for (const s of [m1, m2]) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
  const shop = (code: string, name: string, managerId: number, data: Record<string, unknown>) =>
    t!.db.customer.create({ data: { code, name, lat: 29.8, lng: 119.69, managerId, marketType: "city", retailFormat: "grocery", ...data } });
  // Violation found 10 Sep: 帮扶 while it is within three months (through 9 Dec), from 10 Dec regular.
  const aging = await shop("C1", "钟氏小卖部", m1.id, { serviceClass: "assistance", violationDate: at("2026-09-10", "12:00") });
  // Same violation, but the supervisor set 帮扶 by hand: the override stays.
  const kept = await shop("C2", "胡记烟酒", m1.id, { serviceClass: "assistance", classOverride: "assistance", violationDate: at("2026-09-10", "12:00") });
  const plain = await shop("C3", "赵家副食店", m1.id, { serviceClass: "regular" });
  const other = await shop("C4", "好又多超市", m2.id, { serviceClass: "regular" });
  const scheduler = new Scheduler({ deps, jobs: [classRecomputeJob], instanceId: "test" });
  return { t, clock, deps, m1, m2, aging, kept, plain, other, scheduler };
}

const classOf = async (id: number) => (await t!.db.customer.findUniqueOrThrow({ where: { id } })).serviceClass;

describe("nightly class recompute", () => {
  it("runs before the reminders (its catch-up included), so the morning list reads today's classes", () => {
    const ids = allJobs().map((j) => j.id);
    expect(ids.indexOf("class-recompute")).toBeLessThan(ids.indexOf("morning-list"));
  });

  it("a violation ages out after three months: the manager is told once, names and old → new; overrides stay; nothing changed, nothing said", async () => {
    const w = await world();
    // 9 Dec: still inside the three months, nothing changes and nobody is messaged.
    w.clock.set(at("2026-12-09", "06:31"));
    expect((await w.scheduler.runJob("class-recompute")).outcome).toBe("ran");
    expect(await classOf(w.aging.id)).toBe("assistance");
    expect(await w.t.db.outbox.count()).toBe(0);

    // 10 Dec: the violation of 10 Sep is three months old.
    w.clock.set(at("2026-12-10", "06:31"));
    const report = await w.scheduler.runJob("class-recompute");
    expect(report).toMatchObject({ outcome: "ran", result: { changed: 1, queued: 1 } });
    expect(await classOf(w.aging.id)).toBe("regular");
    expect(await classOf(w.kept.id)).toBe("assistance");
    expect(await classOf(w.plain.id)).toBe("regular");
    const rows = await w.t.db.outbox.findMany();
    expect(rows.map((r) => r.staffId)).toEqual([w.m1.id]);
    const text = JSON.parse(rows[0]!.payload).text as string;
    expect(text).toContain("客户类别有调整（1 家）");
    expect(text).toContain("钟氏小卖部（C1）：帮扶客户 → 常规客户");
    expect(text).not.toContain("胡记烟酒");

    // The next night: nothing left to change, no second message.
    w.clock.set(at("2026-12-11", "06:31"));
    expect(await w.scheduler.runJob("class-recompute")).toMatchObject({ outcome: "ran", result: { changed: 0, queued: 0 } });
    expect(await w.t.db.outbox.count()).toBe(1);
  });

  it("a manager who muted the message still gets the classes recomputed", async () => {
    const w = await world();
    await w.t.db.staff.update({ where: { id: w.m1.id }, data: { mutedReminders: "classChanges" } });
    w.clock.set(at("2026-12-11", "06:31"));
    expect(await w.scheduler.runJob("class-recompute")).toMatchObject({ outcome: "ran", result: { changed: 1, muted: 1, queued: 0 } });
    expect(await classOf(w.aging.id)).toBe("regular");
    expect(await w.t.db.outbox.count()).toBe(0);
  });
});
