import type { Db } from "../../src/db/client.ts";

/**
 * A company at scale, written with createMany (the ORM's per-row path would take minutes): one
 * supervisor over `managers` managers, each with `customersPerManager` (default one) active
 * key-account class A customers on credit with a phone number, everyone bound to a Telegram chat,
 * and a stored plan (PlanRun + each customer planned on every date in `planDates`) so the jobs only
 * read plans instead of generating 1,000 of them.
 */
export interface Company {
  supervisorId: number;
  managerIds: number[];
}

const BATCH = 500;

async function inBatches<T>(rows: T[], write: (part: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
}

export async function seedCompany(
  db: Db,
  opts: { managers: number; planDates: string[]; planFrom: string; planTo: string; customerCreatedAt?: Date; prefix?: string; customersPerManager?: number },
): Promise<Company> {
  const p = opts.prefix ?? "";
  const width = String(opts.managers).length;
  const sup = await db.staff.create({ data: { code: `${p}S0001`, name: "supervisor", role: "supervisor" } });
  const codes = Array.from({ length: opts.managers }, (_, i) => `${p}M${String(i + 1).padStart(width, "0")}`);
  await inBatches(codes, (part) => db.staff.createMany({ data: part.map((code) => ({ code, name: `manager ${code}`, role: "manager", supervisorId: sup.id })) }));
  const managers = await db.staff.findMany({ where: { supervisorId: sup.id }, select: { id: true, code: true }, orderBy: { id: "asc" } });
  const perManager = opts.customersPerManager ?? 1;
  const owners = managers.flatMap((m) => Array.from({ length: perManager }, (_, k) => ({ ...m, k })));
  await inBatches(owners, (part) =>
    db.customer.createMany({
      data: part.map((m, i) => ({
        code: `${p}C-${m.code}-${m.k}`,
        name: `shop of ${m.code}`,
        address: `road ${i + 1}`,
        phone: `1380000${String(m.id).padStart(4, "0")}`,
        lat: 30.25 + (m.id % 100) / 1000,
        lng: 120.15 + (m.id % 97) / 1000,
        serviceClass: "A",
        credit: true,
        salesVolume: 100,
        managerId: m.id,
        ...(opts.customerCreatedAt ? { createdAt: opts.customerCreatedAt } : {}),
      })),
    }),
  );
  const customers = await db.customer.findMany({ where: { managerId: { gte: managers[0]!.id, lte: managers.at(-1)!.id } }, select: { id: true, managerId: true } });
  await inBatches([{ id: sup.id }, ...managers], (part) => db.chatIdentity.createMany({ data: part.map((s) => ({ platform: "telegram", platformUserId: `tg-${s.id}`, staffId: s.id })) }));
  await inBatches(managers, (part) =>
    db.planRun.createMany({ data: part.map((m) => ({ managerId: m.id, fromDate: opts.planFrom, toDate: opts.planTo, requiredVisits: opts.planDates.length, plannedVisits: opts.planDates.length, shortfallVisits: 0 })) }),
  );
  const stops = customers.flatMap((c, i) => opts.planDates.map((date) => ({ managerId: c.managerId, customerId: c.id, date, sequence: (i % perManager) + 1 })));
  await inBatches(stops, (part) => db.plannedVisit.createMany({ data: part }));
  return { supervisorId: sup.id, managerIds: managers.map((m) => m.id) };
}
