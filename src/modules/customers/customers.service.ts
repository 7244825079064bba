import type { TPolicy } from "../../config/policy.ts";
import type { Clock } from "../../core/clock.ts";
import { localDate } from "../../core/dates.ts";
import type { Db } from "../../db/client.ts";
import type { Customer } from "../../generated/prisma/client.ts";
import { classifyCustomers, type ClassifiableCustomer } from "./classification.ts";

export function toClassifiable(
  c: Pick<Customer, "id" | "managerId" | "marketType" | "retailFormat" | "tier" | "modernTerminal" | "violationDate" | "lowIncome" | "disabled" | "salesVolume" | "classOverride">,
  timeZone: string,
): ClassifiableCustomer {
  return {
    id: c.id,
    managerId: c.managerId,
    marketType: c.marketType,
    retailFormat: c.retailFormat,
    tier: c.tier,
    modernTerminal: c.modernTerminal,
    violationDate: c.violationDate ? localDate(c.violationDate, timeZone) : null,
    lowIncome: c.lowIncome,
    disabled: c.disabled,
    salesVolume: c.salesVolume,
    classOverride: c.classOverride,
  };
}

/**
 * Recomputes every active customer's service class from the policy and stores the effective
 * class. Returns how many changed. Runs in one transaction so readers never see a half-updated mix.
 */
export async function recomputeServiceClasses(opts: { db: Db; policy: TPolicy; clock: Clock; managerIds?: number[] }): Promise<number> {
  const { db, policy, clock } = opts;
  const today = localDate(clock.now(), policy.timeZone);
  const customers = await db.customer.findMany({
    where: { active: true, ...(opts.managerIds ? { managerId: { in: opts.managerIds } } : {}) },
  });
  const result = classifyCustomers(customers.map((c) => toClassifiable(c, policy.timeZone)), policy, today);
  const changes = customers.filter((c) => result.get(c.id)!.effective !== c.serviceClass);
  // Group by target class: one UPDATE per class instead of one per customer.
  const byClass = new Map<string, number[]>();
  for (const c of changes) {
    const cls = result.get(c.id)!.effective;
    byClass.set(cls, [...(byClass.get(cls) ?? []), c.id]);
  }
  // SQLite caps bound parameters per statement (Prisma fails near 1,000 ids), so chunk the lists.
  const updates = [...byClass.entries()].flatMap(([serviceClass, ids]) => {
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += 500) chunks.push(ids.slice(i, i + 500));
    return chunks.map((chunk) => db.customer.updateMany({ where: { id: { in: chunk } }, data: { serviceClass } }));
  });
  await db.$transaction(updates);
  return changes.length;
}
