/**
 * Coverage across months through generatePlan (real SQLite): a 240-customer territory planned
 * January then February, and February then January. Every window of two consecutive calendar
 * months must hold a visit for every customer, and the class frequency must hold across the
 * boundary between the two plans.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classById, loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { addInterval, endOfMonth } from "../../../src/core/dates.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { generatePlan } from "../../../src/modules/planning/planning.service.ts";
import { generateTerritory } from "../../bench/planner.ts";
import { createTestDb, ENGINES, type TestDb } from "../../helpers/db.ts";

// Sunday 20 Dec 2026, 10:00 in Shanghai: both months are planned ahead.
const NOW = "2026-12-20T02:00:00Z";

describe.each(ENGINES)("plans of consecutive months keep every customer covered (%s)", (engine) => {
  let t: TestDb;
  let deps: AppDeps;
  let staffId: number;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    deps = { db: t.db, policy: loadPolicy(), clock: new FakeClock(NOW), log: silentLogger };
    const staff = await t.db.staff.create({ data: { code: "M240", name: "County manager", role: "manager", startLat: 30.27, startLng: 120.15 } });
    staffId = staff.id;
    const territory = generateTerritory({ n: 240, seed: 240, from: "2026-12-20", to: "2027-02-28", neverVisitedShare: 0.2 });
    await t.db.customer.createMany({
      data: territory.customers.map((c) => ({
        code: `C${c.id}`,
        name: `Customer ${c.id}`,
        lat: c.lat,
        lng: c.lng,
        serviceClass: c.classId,
        managerId: staff.id,
        lastVisitAt: c.lastVisit ? new Date(`${c.lastVisit}T04:00:00Z`) : null,
      })),
    });
  });
  afterEach(async () => t.close());

  async function check(): Promise<void> {
    const customers = await t.db.customer.findMany({ where: { managerId: staffId } });
    const rows = await t.db.plannedVisit.findMany({ where: { managerId: staffId }, orderBy: { date: "asc" } });
    const byCustomer = new Map<number, string[]>();
    for (const r of rows) byCustomer.set(r.customerId, [...(byCustomer.get(r.customerId) ?? []), r.date]);
    const uncovered: string[] = [];
    const late: string[] = [];
    for (const c of customers) {
      const dates = byCustomer.get(c.id) ?? [];
      for (const [a, b] of [["2027-01-01", "2027-02-28"], ["2027-02-01", "2027-03-31"]] as const) {
        if (!dates.some((d) => d >= a && d <= b)) uncovered.push(`${c.code} ${a}..${b}`);
      }
      // Class frequency: every planned visit follows the previous one within the interval.
      const iv = classById(deps.policy, c.serviceClass)?.visitEvery ?? null;
      if (!iv) continue;
      for (let k = 1; k < dates.length; k++) {
        if (dates[k]! > addInterval(dates[k - 1]!, iv)) late.push(`${c.code} ${dates[k - 1]} → ${dates[k]}`);
      }
    }
    expect(uncovered).toEqual([]);
    expect(late).toEqual([]);
  }

  it("January, then February", async () => {
    const staff = await t.db.staff.findUniqueOrThrow({ where: { id: staffId } });
    const jan = await generatePlan({ deps, staff, from: "2027-01-01" });
    expect(jan.to).toBe(endOfMonth("2027-02-01"));
    const feb = await generatePlan({ deps, staff, from: "2027-02-01" });
    expect(feb.to).toBe("2027-03-31");
    await check();
  });

  it("February, then January", async () => {
    const staff = await t.db.staff.findUniqueOrThrow({ where: { id: staffId } });
    await generatePlan({ deps, staff, from: "2027-02-01" });
    await generatePlan({ deps, staff, from: "2027-01-01" });
    await check();
  });
});
