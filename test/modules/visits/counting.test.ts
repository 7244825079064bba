import { afterEach, describe, expect, it } from "vitest";
import { CONTACT_MODES, loadPolicy, type TPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import type { Customer, Staff } from "../../../src/generated/prisma/client.ts";
import { continuityInputs } from "../../../src/modules/planning/planning.service.ts";
import { listWeeklyPhoneList } from "../../../src/modules/reminders/reminders.service.ts";
import { countedWhere, counts } from "../../../src/modules/visits/counting.ts";
import { countPhoneContacts, daySummary, logCall, logVisit, tallyVisits, type VisitMode } from "../../../src/modules/visits/visits.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const at = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

interface World {
  t: TestDb;
  deps: AppDeps;
  clock: FakeClock;
  m: Staff;
  c: Customer[];
}

let w: World | undefined;
afterEach(async () => w?.t.close());

async function world(preset: "tobacco-retail" | "key-account", now = at("2026-12-02", "10:00")): Promise<World> {
  const t = await createTestDb();
  const clock = new FakeClock(now);
  const policy: TPolicy = loadPolicy({ preset });
  const deps: AppDeps = { db: t.db, policy, clock, log: silentLogger };
  const m = await t.db.staff.create({ data: { code: "M001", name: "王芳", role: "manager" } });
  const cls = preset === "key-account" ? "A" : "core";
  const c: Customer[] = [];
  for (let i = 1; i <= 6; i++) {
    c.push(await t.db.customer.create({ data: { code: `C${i}`, name: `店${i}`, lat: 29.8, lng: 119.69, managerId: m.id, serviceClass: cls, classOverride: cls, lastVisitAt: at("2026-11-02", "10:00") } }));
  }
  w = { t, deps, clock, m, c };
  return w;
}

async function visit(x: World, customer: Customer, mode: VisitMode, when: Date) {
  x.clock.set(when);
  return x.t.db.$transaction((tx) =>
    logVisit({ tx, deps: x.deps, staff: x.m, at: when, input: { customerId: customer.id, mode, durationMin: 15, notes: "", details: { kind: "visit" }, complaints: [] } }),
  );
}

async function call(x: World, customer: Customer, when: Date) {
  x.clock.set(when);
  return x.t.db.$transaction((tx) => logCall({ tx, staff: x.m, customerId: customer.id, topic: "订货", at: when }));
}

describe("counting by mode (policy.counting)", () => {
  it("key-account: a phone-mode visit is no field visit — the customer's last visit and the plan stop stay, the planner still sees the shop due", async () => {
    const x = await world("key-account");
    const stop = await x.t.db.plannedVisit.create({ data: { managerId: x.m.id, customerId: x.c[0]!.id, date: "2026-12-02", sequence: 1 } });
    const r = await visit(x, x.c[0]!, "phone", at("2026-12-02", "10:00"));
    expect(r.planned).toBeNull();
    expect((await x.t.db.customer.findUniqueOrThrow({ where: { id: x.c[0]!.id } })).lastVisitAt).toEqual(at("2026-11-02", "10:00"));
    expect((await x.t.db.plannedVisit.findUniqueOrThrow({ where: { id: stop.id } })).status).toBe("planned");
    const inputs = await continuityInputs({ deps: x.deps, staffId: x.m.id, from: "2026-12-02", to: "2026-12-31", customers: [await x.t.db.customer.findUniqueOrThrow({ where: { id: x.c[0]!.id } })] });
    expect(inputs.get(x.c[0]!.id)!.lastVisit).toBe("2026-11-02");

    // The same stop visited in person: done, and the last visit moves.
    const f = await visit(x, x.c[0]!, "field", at("2026-12-02", "11:00"));
    expect(f.planned?.id).toBe(stop.id);
    expect(f.customer.lastVisitAt).toEqual(at("2026-12-02", "11:00"));
  });

  it("tobacco: 实地、网络、电话拜访 all make the class's visit (the standard's 拜访方式), but only 实地 is a field visit", async () => {
    const x = await world("tobacco-retail");
    const r = await visit(x, x.c[0]!, "phone", at("2026-12-02", "10:00"));
    expect(r.customer.lastVisitAt).toEqual(at("2026-12-02", "10:00"));
    await visit(x, x.c[1]!, "online", at("2026-12-02", "10:30"));
    await visit(x, x.c[2]!, "field", at("2026-12-02", "11:00"));
    const tally = await tallyVisits({ db: x.t.db, policy: x.deps.policy, managerId: x.m.id, from: "2026-12-02", to: "2026-12-02" });
    expect(tally).toMatchObject({ visits: 3, field: 1, phone: 1, fieldDays: 1 });
  });

  it("key-account: the daily phone minimum counts distinct customers phoned — calls, phone and online visits, not field visits", async () => {
    const x = await world("key-account");
    await call(x, x.c[0]!, at("2026-12-02", "09:00"));
    await call(x, x.c[0]!, at("2026-12-02", "09:10")); // the same shop again: still one customer
    await visit(x, x.c[1]!, "phone", at("2026-12-02", "09:20"));
    await visit(x, x.c[2]!, "online", at("2026-12-02", "09:30"));
    await visit(x, x.c[3]!, "field", at("2026-12-02", "10:00"));
    await call(x, x.c[4]!, at("2026-12-01", "16:00")); // yesterday
    expect(await countPhoneContacts({ db: x.t.db, policy: x.deps.policy, managerId: x.m.id, date: "2026-12-02" })).toBe(3);
    x.clock.set(at("2026-12-02", "18:00"));
    const day = await daySummary({ deps: x.deps, staff: x.m });
    expect(new Set(day.calls.map((v) => v.customerId))).toEqual(new Set([x.c[0]!.id, x.c[1]!.id, x.c[2]!.id]));
    const tally = await tallyVisits({ db: x.t.db, policy: x.deps.policy, managerId: x.m.id, from: "2026-12-01", to: "2026-12-02" });
    expect(tally).toMatchObject({ field: 1, phone: 4 });
  });

  it("key-account: a field visit is not the week's phone contact for A/B; a call is", async () => {
    const x = await world("key-account");
    await visit(x, x.c[0]!, "field", at("2026-11-30", "10:00"));
    await call(x, x.c[1]!, at("2026-12-01", "10:00"));
    const list = await listWeeklyPhoneList({ db: x.t.db, policy: x.deps.policy, managerId: x.m.id, date: "2026-12-02" });
    const done = new Map(list.map((e) => [e.customer.code, e.done]));
    expect(done.get("C1")).toBe(false);
    expect(done.get("C2")).toBe(true);
  });

  it("the SQL filter and the JS rule agree for every mode and duty, in both presets", async () => {
    const x = await world("key-account");
    const when = at("2026-12-02", "09:00");
    for (const [i, mode] of (["field", "online", "phone"] as const).entries()) await visit(x, x.c[i]!, mode, new Date(when.getTime() + i * 60_000));
    await call(x, x.c[3]!, new Date(when.getTime() + 10 * 60_000));
    const rows = await x.t.db.visit.findMany();
    expect(rows).toHaveLength(CONTACT_MODES.length);
    for (const preset of ["tobacco-retail", "key-account"] as const) {
      const policy = loadPolicy({ preset });
      for (const duty of ["classVisit", "fieldVisit", "phoneContact"] as const) {
        const sql = (await x.t.db.visit.findMany({ where: countedWhere(policy, duty), select: { id: true } })).map((r) => r.id).sort();
        const js = rows.filter((r) => counts(policy, duty, r)).map((r) => r.id).sort();
        expect(sql, `${preset} ${duty}`).toEqual(js);
      }
    }
  });
});
