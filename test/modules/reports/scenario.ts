import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import type { Staff } from "../../../src/generated/prisma/client.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

/** Company-local wall time in Shanghai (UTC+8) as an instant. */
export const at = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

export interface Scenario {
  t: TestDb;
  deps: AppDeps;
  clock: FakeClock;
  staff: Record<"R1" | "S1" | "S2" | "M1" | "M2" | "M3" | "A1", Staff>;
}

/**
 * Two weeks of a small tobacco team, Mon 23 Nov – Wed 2 Dec 2026 (visit days Mon, Wed, Thu; daily
 * minimum 3). R1 heads S1 and S2; S1 has M1 (bound to Telegram) and M2 (no chat, on leave 2 Dec);
 * S2 has M3. Every figure the reports show is known from this data.
 */
export async function createScenario(now = at("2026-12-02", "20:00"), preset: "tobacco-retail" | "key-account" = "tobacco-retail"): Promise<Scenario> {
  const t = await createTestDb();
  const clock = new FakeClock(now);
  const policy = loadPolicy({ preset, overrides: { dailyMinimum: 3, dailyCap: 5 } });
  // The same shops under the lubricant standard's ABC classes.
  const classOf = (c: string) => (preset === "key-account" ? ({ core: "A", potential: "B", assistance: "B", regular: "C" } as Record<string, string>)[c]! : c);
  const deps: AppDeps = { db: t.db, policy, clock, log: silentLogger };
  const db = t.db;
  const mk = (code: string, name: string, role: string, supervisorId: number | null) => db.staff.create({ data: { code, name, role, supervisorId } });
  const R1 = await mk("R001", "区域经理周", "supervisor", null);
  const S1 = await mk("S001", "陈主管", "supervisor", R1.id);
  const S2 = await mk("S002", "林主管", "supervisor", R1.id);
  const M1 = await mk("M001", "王芳", "manager", S1.id);
  const M2 = await mk("M002", "李强", "manager", S1.id);
  const M3 = await mk("M003", "赵敏", "manager", S2.id);
  const A1 = await mk("A001", "管理员", "admin", null);
  await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-m1", staffId: M1.id } });
  await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-s1", staffId: S1.id } });
  await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-r1", staffId: R1.id } });

  const created = at("2026-09-01", "09:00");
  const customers: Record<string, number> = {};
  const cust = async (code: string, managerId: number, tobaccoClass: string, credit = false) => {
    const serviceClass = classOf(tobaccoClass);
    const c = await db.customer.create({
      data: { code, name: `${code}店`, lat: 29.8 + Object.keys(customers).length / 1000, lng: 119.69, managerId, serviceClass, classOverride: serviceClass, credit, createdAt: created },
    });
    customers[code] = c.id;
  };
  for (const [code, cls] of [["C1", "core"], ["C2", "core"], ["C3", "regular"], ["C4", "regular"], ["C5", "assistance"], ["C6", "potential"], ["C7", "core"], ["C8", "core"]] as const) await cust(code, M1.id, cls);
  await cust("D1", M2.id, "regular", true);
  await cust("D2", M2.id, "regular");
  await cust("E1", M3.id, "core");

  const visit = (managerId: number, code: string, when: Date, mode = "field", durationMin: number | null = null, details = '{"kind":"visit"}') =>
    db.visit.create({ data: { managerId, customerId: customers[code]!, visitedAt: when, mode, durationMin, details, createdAt: when, updatedAt: when } });
  // Before the two weeks: C8's last visit (so it is overdue by 2 Dec).
  await visit(M1.id, "C8", at("2026-11-10", "10:00"), "field", 15);
  // Week 1 (23–29 Nov): three visit days; Wednesday under the daily minimum.
  await visit(M1.id, "C1", at("2026-11-23", "09:00"), "field", 18);
  await visit(M1.id, "C2", at("2026-11-23", "10:00"), "field", 20);
  await visit(M1.id, "C3", at("2026-11-23", "11:00"), "field", 12);
  await visit(M1.id, "C4", at("2026-11-25", "09:00"), "field", 10);
  await visit(M1.id, "C5", at("2026-11-25", "10:00"), "field", 25);
  await visit(M1.id, "C6", at("2026-11-26", "09:00"), "field", 16);
  await visit(M1.id, "C3", at("2026-11-26", "10:00"), "field", 14);
  await visit(M1.id, "C4", at("2026-11-26", "11:00"), "field", 11);
  // Week 2 so far: Monday three, Wednesday one field visit, one online visit and one phone call.
  await visit(M1.id, "C1", at("2026-11-30", "09:00"), "field", 17);
  await visit(M1.id, "C2", at("2026-11-30", "10:00"), "field", 19);
  await visit(M1.id, "C5", at("2026-11-30", "11:00"), "field", 22);
  const v6 = await visit(M1.id, "C6", at("2026-12-02", "09:30"), "field", 15);
  await visit(M1.id, "C4", at("2026-12-02", "14:00"), "online", 10);
  await visit(M1.id, "C3", at("2026-12-02", "15:00"), "phone", null, '{"kind":"call","topic":"订货"}');
  // M2: one visit in week 1, none in week 2; on leave on Wednesday.
  await visit(M2.id, "D1", at("2026-11-26", "10:00"), "field", 12);
  await db.dayOff.create({ data: { staffId: M2.id, date: "2026-12-02" } });
  // M3 (the other team).
  await visit(M3.id, "E1", at("2026-11-30", "10:00"), "field", 18);

  // Today's list of M1: C6 done (stop 1), C2 and C3 still to do, C4 moved away.
  const plan = (code: string, status: string, stopNo: number, sequence: number) => db.plannedVisit.create({ data: { managerId: M1.id, customerId: customers[code]!, date: "2026-12-02", status, stopNo, sequence } });
  const p1 = await plan("C6", "done", 1, 1);
  await db.visit.update({ where: { id: v6.id }, data: { plannedVisitId: p1.id } });
  await plan("C2", "planned", 2, 2);
  await plan("C3", "planned", 3, 3);
  await plan("C4", "skipped", 4, 4);

  // Complaints: one closed on time in week 1, one open past its deadline today.
  await db.complaint.create({
    data: { customerId: customers.C4!, managerId: M1.id, openedAt: at("2026-11-25", "10:00"), text: "送货晚", deadlineAt: at("2026-11-25", "18:00"), status: "resolved", resolvedAt: at("2026-11-25", "12:00") },
  });
  // The manager could not resolve it: escalated to S1, who has not acknowledged it.
  await db.complaint.create({ data: { customerId: customers.C6!, managerId: M1.id, openedAt: at("2026-12-02", "10:00"), text: "断货", deadlineAt: at("2026-12-02", "18:00"), canResolve: false, escalationLevel: 1 } });

  return { t, deps, clock, staff: { R1, S1, S2, M1, M2, M3, A1 } };
}
