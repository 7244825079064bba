import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { formatDay } from "../../../src/core/format.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import type { Shortfall } from "../../../src/modules/planning/planner.ts";
import { generatePlan, planDayList, skipStop } from "../../../src/modules/planning/planning.service.ts";
import { keptClasses, notifyShortfall } from "../../../src/modules/planning/shortfall.ts";
import { createTestDb, ENGINES, type TestDb } from "../../helpers/db.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai; the demo manager 李明 visits on Monday, Wednesday, Thursday.
const MONDAY = "2026-11-23T00:00:00Z";
const zh = translator("zh-CN");

describe.each(ENGINES)("shortfall wording (%s)", (engine) => {
  let t: TestDb;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    deps = { db: t.db, policy: loadPolicy({ overrides: { dailyCap: 15, visitDays: [1, 3] } }), clock: new FakeClock(MONDAY), log: silentLogger };
    await seedDemoIfEmpty(deps);
  });
  afterEach(async () => t.close());

  const manager = () => t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
  const notices = async () => (await t.db.outbox.findMany({ where: { kind: "plan-shortfall" }, orderBy: { id: "asc" } })).map((r) => ({ staffId: r.staffId, text: JSON.parse(r.payload).text as string }));

  it("names only customers that go overdue, each with its last on-time day and its planned date", async () => {
    const staff = await manager();
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-M001", staffId: staff.id } });
    const plan = await generatePlan({ deps, staff });
    const late = plan.result.shortfall.customers.filter((c) => c.plannedDate === null || c.plannedDate > c.dueDate);
    expect(late.length).toBeGreaterThan(0);
    const [notice] = await notices();
    const names = new Map((await t.db.customer.findMany({ where: { id: { in: late.slice(0, 5).map((c) => c.customerId) } } })).map((c) => [c.id, c.name]));
    for (const c of late.slice(0, 5)) {
      const entry = c.plannedDate ? `${names.get(c.customerId)}：最迟 ${formatDay(c.dueDate, zh)}，计划在 ${formatDay(c.plannedDate, zh)}` : `${names.get(c.customerId)}：最迟 ${formatDay(c.dueDate, zh)}，计划内排不进`;
      expect(notice!.text).toContain(entry);
    }
    // A customer whose visit is planned on time is not named, even when it is on the list first.
    const onTime = await t.db.plannedVisit.findFirst({ where: { managerId: staff.id, customerId: { notIn: plan.result.shortfall.customers.map((c) => c.customerId) } }, include: { customer: true } });
    expect(notice!.text).not.toContain(onTime!.customer.name);
  });

  it("is sent once: a re-plan that makes no further customer overdue says nothing, one that does says it the next day", async () => {
    const staff = await manager();
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-M001", staffId: staff.id } });
    const s: Shortfall = {
      visits: 2,
      byClass: { regular: 2 },
      customers: [
        { customerId: 1, classId: "regular", dueDate: "2026-12-05", plannedDate: "2026-12-09" },
        { customerId: 2, classId: "regular", dueDate: "2026-12-06", plannedDate: null },
      ],
    };
    const base = { deps, manager: staff, from: "2026-11-23", to: "2027-01-22", today: "2026-11-23" };
    expect(await notifyShortfall({ ...base, shortfall: s, previous: null })).toBe(1);
    // The same customers again (an /off that changes nothing for them): no second notice.
    expect(await notifyShortfall({ ...base, shortfall: s, previous: s, today: "2026-11-24" })).toBe(0);
    // Fewer overdue: nothing new to say.
    expect(await notifyShortfall({ ...base, shortfall: { ...s, visits: 1, customers: s.customers.slice(0, 1) }, previous: s, today: "2026-11-24" })).toBe(0);
    // One more customer goes overdue: told, on a day not yet told.
    const more: Shortfall = { ...s, visits: 3, byClass: { regular: 3 }, customers: [...s.customers, { customerId: 3, classId: "regular", dueDate: "2026-12-07", plannedDate: "2026-12-14" }] };
    expect(await notifyShortfall({ ...base, shortfall: more, previous: s, today: "2026-11-24" })).toBe(1);
    expect((await notices()).map((n) => n.staffId)).toEqual([staff.id, staff.id]);
  });

  it("names the classes kept first from the preset (key-account has A/B/C, not 帮扶/核心)", () => {
    const tobacco = { deps: { policy: loadPolicy() }, locale: "zh-CN" as const };
    expect(keptClasses(tobacco, zh, { visits: 3, byClass: { regular: 3 }, customers: [] })).toBe("已优先保证帮扶客户、核心客户和潜力客户。");
    expect(keptClasses(tobacco, zh, { visits: 3, byClass: { core: 1, regular: 2 }, customers: [] })).toBe("已优先保证帮扶客户。");
    const keyAccount = { deps: { policy: loadPolicy({ preset: "key-account" }) }, locale: "zh-CN" as const };
    expect(keptClasses(keyAccount, zh, { visits: 2, byClass: { B: 2 }, customers: [] })).toBe("已优先保证A类客户。");
    expect(keptClasses(keyAccount, zh, { visits: 2, byClass: { A: 2 }, customers: [] })).toBe("");
    expect(keptClasses({ ...keyAccount, locale: "en" }, translator("en"), { visits: 2, byClass: { B: 2 }, customers: [] })).toBe("class A were kept first. ");
  });
});

describe.each(ENGINES)("/skip destination (%s)", (engine) => {
  let t: TestDb;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    deps = { db: t.db, policy: loadPolicy(), clock: new FakeClock(MONDAY), log: silentLogger };
    await seedDemoIfEmpty(deps);
  });
  afterEach(async () => t.close());

  const manager = () => t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });

  it("a core stop of today goes to the nearest visit day, not weeks out, and is kept there (booked)", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    const day = await planDayList({ deps, staff, date: "2026-11-23", fixNumbers: true });
    const core = day.planned.find((p) => p.classId === "core")!;
    const r = await skipStop({ deps, staff, date: "2026-11-23", n: core.n, reason: "店主不在" });
    expect(r).toMatchObject({ kind: "moved", to: "2026-11-25", passed: [] });
    const stored = await t.db.plannedVisit.findFirstOrThrow({ where: { customerId: core.customer.id, date: { gt: "2026-11-23" }, status: "planned" }, orderBy: { date: "asc" } });
    expect(stored).toMatchObject({ date: "2026-11-25", booked: true });
    // The day it went to stays within the cap.
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: "2026-11-25", status: { in: ["planned", "done"] } } })).toBeLessThanOrEqual(deps.policy.dailyCap);
  });

  it("passes over a day full of booked visits and says so; the later day is the next one with room", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    // Wednesday's visits are all booked: none of them can give way.
    await t.db.plannedVisit.updateMany({ where: { managerId: staff.id, date: "2026-11-25" }, data: { booked: true } });
    const day = await planDayList({ deps, staff, date: "2026-11-23", fixNumbers: true });
    const stop = day.planned.find((p) => p.classId === "assistance")!;
    const r = await skipStop({ deps, staff, date: "2026-11-23", n: stop.n, reason: "" });
    expect(r).toMatchObject({ kind: "moved", to: "2026-11-26", passed: [{ date: "2026-11-25", why: "full" }] });
  });

  it("after the evening booking calls, a day-before class cannot go to tomorrow: the day after, said so", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    // Wednesday 20:30, after the 20:00 end of the booking calls: Thursday can no longer be booked.
    (deps.clock as FakeClock).set(new Date("2026-11-25T12:30:00Z"));
    const day = await planDayList({ deps, staff, date: "2026-11-25", fixNumbers: true });
    const core = day.planned.find((p) => p.classId === "core" && p.status === "planned")!;
    const r = await skipStop({ deps, staff, date: "2026-11-25", n: core.n, reason: "" });
    expect(r).toMatchObject({ kind: "moved", to: "2026-11-30", passed: [{ date: "2026-11-26", why: "too-late-to-book" }] });
    // A same-day class still goes to Thursday; Thursday's other visits (a list the manager has seen)
    // stay, but for at most one that gives way at the cap, which the answer names.
    const thursday = async () => new Set((await t.db.plannedVisit.findMany({ where: { managerId: staff.id, date: "2026-11-26", status: "planned" } })).map((p) => p.customerId));
    const before = await thursday();
    const assist = day.planned.find((p) => p.classId === "assistance" && p.status === "planned")!;
    const r2 = await skipStop({ deps, staff, date: "2026-11-25", n: assist.n, reason: "" });
    expect(r2).toMatchObject({ kind: "moved", to: "2026-11-26", passed: [] });
    const after = await thursday();
    const gone = [...before].filter((id) => !after.has(id));
    expect(gone.length).toBeLessThanOrEqual(1);
    if (r2.kind === "moved") for (const id of gone) expect(r2.alsoMoved.map((m) => m.customer.id)).toContain(id);
  });

  it("a stop of tomorrow's list moves (numbers of the list it was on stay), to the nearest later day", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    // Tuesday 09:00: Wednesday is tomorrow.
    (deps.clock as FakeClock).set(new Date("2026-11-24T01:00:00Z"));
    const before = await planDayList({ deps, staff, date: "2026-11-25" });
    const shown = new Map(before.planned.map((p) => [p.n, p.customer.id]));
    const r = await skipStop({ deps, staff, date: "2026-11-25", n: 3, reason: "店主出差" });
    expect(r).toMatchObject({ kind: "moved", to: "2026-11-26" });
    const after = await planDayList({ deps, staff, date: "2026-11-25" });
    for (const p of after.planned) expect(shown.get(p.n), `stop ${p.n}`).toBe(p.customer.id);
    expect(after.planned.find((p) => p.n === 3)).toMatchObject({ status: "skipped", movedTo: "2026-11-26" });
  });
});
