import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { exportPlan, planRowsToCsv } from "../../../src/cli/plan.cli.ts";
import { seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import { ensurePlan, generatePlan, planDayList, skipStop, takeDaysOff } from "../../../src/modules/planning/planning.service.ts";
import { createTestDb, ENGINES, type TestDb } from "../../helpers/db.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai.
const MONDAY = "2026-11-23T00:00:00Z";

describe.each(ENGINES)("stored visit plans (%s)", (engine) => {
  let t: TestDb;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    deps = { db: t.db, policy: loadPolicy(), clock: new FakeClock(MONDAY), log: silentLogger };
    await seedDemoIfEmpty(deps);
  });
  afterEach(async () => t.close());

  const manager = () => t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });

  it("a far date never plans past the horizon; two re-plans of one manager run one after the other", async () => {
    const staff = await manager();
    await ensurePlan({ deps, staff, date: "2028-11-22" });
    const runs = await t.db.planRun.findMany({ where: { managerId: staff.id } });
    expect(runs.map((r) => [r.fromDate, r.toDate])).toEqual([["2026-11-23", "2027-01-22"]]);
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: { gt: "2027-01-22" } } })).toBe(0);
    // Asked again for the far date: the plan reaches the horizon already, nothing is re-planned.
    await ensurePlan({ deps, staff, date: "2099-01-05" });
    expect(await t.db.planRun.count({ where: { managerId: staff.id } })).toBe(1);
    // Concurrent re-plans (a /skip while an /off re-plans) do not interleave: both finish, each whole.
    const [a, b] = await Promise.all([generatePlan({ deps, staff, reason: "skip" }), generatePlan({ deps, staff, reason: "off" })]);
    expect([a.result.stats.plannedVisits, b.result.stats.plannedVisits]).toEqual([b.result.stats.plannedVisits, a.result.stats.plannedVisits]);
    const dup = await t.db.plannedVisit.groupBy({ by: ["customerId", "date"], where: { managerId: staff.id }, _count: { _all: true }, having: { customerId: { _count: { gt: 1 } } } });
    expect(dup).toEqual([]);
    expect((await t.db.planRun.findMany({ where: { managerId: staff.id }, orderBy: { id: "asc" } })).map((r) => r.reason)).toEqual(["generate", "skip", "off"]);
  });

  it("covers every active customer within the two-month horizon, never over the daily cap", async () => {
    const staff = await manager();
    const plan = await generatePlan({ deps, staff });
    expect(plan.from).toBe("2026-11-23");
    expect(plan.to).toBe("2027-01-22");
    const rows = await t.db.plannedVisit.findMany({ where: { managerId: staff.id } });
    expect(rows.length).toBe(plan.result.stats.plannedVisits);
    const customers = await t.db.customer.findMany({ where: { managerId: staff.id, active: true } });
    const planned = new Set(rows.map((r) => r.customerId));
    // The demo territory fits in capacity over two months only partly (Nov has 1 week left): every
    // customer missing from the plan must be reported in the shortfall, never dropped silently.
    const reported = new Set(plan.result.shortfall.customers.map((c) => c.customerId));
    for (const c of customers) expect(planned.has(c.id) || reported.has(c.id)).toBe(true);
    const perDay = new Map<string, number>();
    for (const r of rows) perDay.set(r.date, (perDay.get(r.date) ?? 0) + 1);
    for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(deps.policy.dailyCap);
    for (const date of perDay.keys()) expect([1, 3, 4]).toContain(new Date(date + "T00:00:00Z").getUTCDay() || 7);
    const run = await t.db.planRun.findFirstOrThrow({ where: { managerId: staff.id } });
    expect(run.shortfallVisits).toBe(plan.result.shortfall.visits);
  });

  it("re-planning keeps today's list and booked visits, and re-flows the rest", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    const todayBefore = await t.db.plannedVisit.findMany({ where: { managerId: staff.id, date: "2026-11-23" }, orderBy: { id: "asc" } });
    expect(todayBefore.length).toBeGreaterThan(0);
    const future = await t.db.plannedVisit.findFirstOrThrow({ where: { managerId: staff.id, date: { gt: "2026-11-30" } } });
    await t.db.plannedVisit.update({ where: { id: future.id }, data: { booked: true } });
    await generatePlan({ deps, staff, reason: "replan" });
    const todayAfter = await t.db.plannedVisit.findMany({ where: { managerId: staff.id, date: "2026-11-23" }, orderBy: { id: "asc" } });
    expect(todayAfter.map((r) => [r.id, r.customerId])).toEqual(todayBefore.map((r) => [r.id, r.customerId]));
    expect(await t.db.plannedVisit.findUnique({ where: { id: future.id } })).toMatchObject({ date: future.date, booked: true });
  });

  it("planning next month counts the visits still planned before it as done by then", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    const december = await generatePlan({ deps, staff, from: "2026-12-01", to: "2027-01-31" });
    expect(december.result.shortfall.visits).toBe(0);
    expect(december.result.stats.compliance).toBe(1);
    // November's rows stay as they were.
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: { lt: "2026-12-01" } } })).toBeGreaterThan(0);
  });

  it("a /skip while another re-plan of the manager runs: the moved visit stays where the reply says", async () => {
    deps = { ...deps, clock: new FakeClock("2026-11-25T00:00:00Z") };
    const staff = await manager();
    await generatePlan({ deps, staff });
    // A re-plan already under way (the morning list's catch-up, an /off) read the plan before the move.
    const replan = generatePlan({ deps, staff, reason: "replan" });
    const [moved] = await Promise.all([skipStop({ deps, staff, date: "2026-11-25", n: 2, reason: "店主不在" }), replan]);
    if (moved.kind !== "moved") throw new Error(`not moved: ${moved.kind}`);
    const visits = await t.db.plannedVisit.findMany({ where: { managerId: staff.id, customerId: moved.customer.id, date: { gt: "2026-11-25" }, status: "planned" }, orderBy: { date: "asc" } });
    expect(visits[0]).toMatchObject({ date: moved.to, booked: true });
    // The nearest visit day (tomorrow, Thursday) unless the reply says why not.
    if (!moved.passed.length && !moved.alreadyPlanned) expect(moved.to).toBe("2026-11-26");
  });

  it("a day off next week leaves tomorrow's list as the manager saw it", async () => {
    // Wednesday 25 Nov: tomorrow (Thursday) is a visit day whose list is out.
    deps = { ...deps, clock: new FakeClock("2026-11-25T00:00:00Z") };
    const staff = await manager();
    await generatePlan({ deps, staff });
    const tomorrow = async () => (await t.db.plannedVisit.findMany({ where: { managerId: staff.id, date: "2026-11-26", status: "planned" }, orderBy: { customerId: "asc" } })).map((p) => p.customerId);
    const before = await tomorrow();
    expect(before.length).toBeGreaterThan(0);
    const off = await takeDaysOff({ deps, staff, from: "2026-12-02", to: "2026-12-03", reason: "培训" });
    expect(off.released).toBeGreaterThan(0);
    expect(await tomorrow()).toEqual(before);
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: { in: ["2026-12-02", "2026-12-03"] }, status: "planned" } })).toBe(0);
  });

  it("a day off empties that day and re-plans; a skipped stop moves to a later visit day with room", async () => {
    const staff = await manager();
    await generatePlan({ deps, staff });
    await takeDaysOff({ deps, staff, from: "2026-11-25", to: "2026-11-25", reason: "培训" });
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: "2026-11-25" } })).toBe(0);
    expect(await t.db.dayOff.count({ where: { staffId: staff.id, date: "2026-11-25" } })).toBe(1);

    const day = await planDayList({ deps, staff, date: "2026-11-23", fixNumbers: true });
    const second = day.planned.find((p) => p.n === 2)!;
    const moved = await skipStop({ deps, staff, date: "2026-11-23", n: 2, reason: "店主不在" });
    if (moved.kind !== "moved") throw new Error(`not moved: ${moved.kind}`);
    expect(moved.customer.id).toBe(second.customer.id);
    expect(moved.to && moved.to > "2026-11-23" && moved.to !== "2026-11-25").toBe(true);
    // The stop keeps its number and shows where it went; every other stop keeps its number too.
    const after = await planDayList({ deps, staff, date: "2026-11-23", fixNumbers: true });
    expect(after.planned.find((p) => p.n === 2)).toMatchObject({ status: "skipped", movedTo: moved.to });
    expect(after.planned.filter((p) => p.n !== 2).map((p) => `${p.n}:${p.customer.id}`).sort()).toEqual(day.planned.filter((p) => p.n !== 2).map((p) => `${p.n}:${p.customer.id}`).sort());
    expect(await skipStop({ deps, staff, date: "2026-11-23", n: 2, reason: "" })).toMatchObject({ kind: "already-moved", to: moved.to });
    const target = await t.db.plannedVisit.findFirstOrThrow({ where: { managerId: staff.id, customerId: second.customer.id, date: moved.to! } });
    expect(target).toMatchObject({ booked: true, status: "planned" });
    expect(await t.db.plannedVisit.count({ where: { managerId: staff.id, date: moved.to!, status: "planned" } })).toBeLessThanOrEqual(deps.policy.dailyCap);
    // The export numbers the day's remaining stops 1..n (no gap where the skipped stop was).
    const exported = (await exportPlan(deps, { manager: "M001", from: "2026-11-23", weeks: 1 })).filter((r) => r.date === "2026-11-23");
    expect(exported.map((r) => r.sequence)).toEqual(exported.map((_, i) => i + 1));
    expect(exported.length).toBe(after.planned.filter((p) => p.status !== "skipped").length);
  });

  it("a plan that cannot fit tells the manager and the supervisor, once a day each", async () => {
    const tight: AppDeps = { ...deps, policy: loadPolicy({ overrides: { dailyCap: 15, visitDays: [1, 3] } }) };
    const staff = await manager();
    const supervisor = await t.db.staff.findUniqueOrThrow({ where: { code: "S001" } });
    for (const s of [staff, supervisor]) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
    const plan = await generatePlan({ deps: tight, staff });
    expect(plan.result.shortfall.visits).toBeGreaterThan(0);
    await generatePlan({ deps: tight, staff, reason: "replan" });
    const rows = await t.db.outbox.findMany({ where: { kind: "plan-shortfall" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.staffId)).toEqual([staff.id, supervisor.id]);
    expect(JSON.parse(rows[0]!.payload).text).toContain(`${plan.result.shortfall.visits} 次拜访排不到期限内`);
    expect(JSON.parse(rows[1]!.payload).text).toContain("李明 的拜访计划排不开");
  });

  it("exports one row per planned visit as JSON objects and CSV, and changes nothing", async () => {
    const staff = await manager();
    expect(await exportPlan(deps, { manager: "M001", from: "2026-11-23", weeks: 2 })).toEqual([]);
    await generatePlan({ deps, staff });
    const stored = async () => JSON.stringify([await t.db.plannedVisit.findMany({ orderBy: { id: "asc" } }), await t.db.planRun.findMany({ orderBy: { id: "asc" } })]);
    const before = await stored();
    const rows = await exportPlan(deps, { manager: "M001", from: "2026-11-23", weeks: 2 });
    // Also a range beyond the stored plan: nothing is generated for it.
    await exportPlan(deps, { manager: "M001", from: "2027-06-01", weeks: 8 });
    expect(await stored()).toBe(before);
    expect(rows.length).toBeGreaterThan(60);
    expect(Object.keys(rows[0]!).sort()).toEqual(["address", "customerCode", "customerName", "date", "sequence", "serviceClass"]);
    expect(rows[0]!.customerName).not.toBe("");
    expect(rows.every((r) => r.date >= "2026-11-23" && r.date <= "2026-12-06")).toBe(true);
    const firstDay = rows.filter((r) => r.date === rows[0]!.date).map((r) => r.sequence);
    expect(firstDay).toEqual(firstDay.map((_, i) => i + 1));
    // A UTF-8 BOM first, so Excel reads the Chinese names (trim() takes it off below).
    expect(planRowsToCsv(rows).startsWith("\uFEFFdate,")).toBe(true);
    const csv = planRowsToCsv(rows).trim().split("\r\n");
    expect(csv[0]).toBe("date,sequence,customerCode,customerName,address,serviceClass");
    expect(csv.length).toBe(rows.length + 1);
    // A shop name a spreadsheet would run as a formula is written as text.
    const evil = planRowsToCsv([{ ...rows[0]!, customerName: "=HYPERLINK(\"http://x\")", address: "@SUM(1+1)*cmd|' /C calc'!A0" }]);
    expect(evil).toContain(`,"'=HYPERLINK(""http://x"")",'@SUM(1+1)*cmd|' /C calc'!A0,`);
  });
});
