import type { TPolicy, TServiceClass } from "../config/policy.ts";
import { addDays, addInterval, localDate, startOfWeek } from "../core/dates.ts";
import type { Db } from "../db/client.ts";
import type { Customer } from "../generated/prisma/client.ts";

/** Customer id → local date of the last contact (any visit: field, online or phone). */
export async function lastContacts(db: Db, policy: TPolicy, customerIds: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const groups = await db.visit.groupBy({ by: ["customerId"], where: { customerId: { in: customerIds.slice(i, i + 500) } }, _max: { visitedAt: true } });
    for (const g of groups) if (g._max.visitedAt) out.set(g.customerId, localDate(g._max.visitedAt, policy.timeZone));
  }
  return out;
}

export interface PhoneDue {
  customer: Customer;
  cls: TServiceClass;
  last: string | null;
}

/**
 * Customers of classes with a phone-contact frequency (key-account A/B weekly) who are due by the
 * end of the week of `date`: never contacted, or last contact + interval falls in this week.
 * Most valuable class first, then the longest without contact.
 */
export async function phoneContactsDue(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<PhoneDue[]> {
  const { db, policy } = opts;
  const classes = policy.classes.filter((c) => c.phoneEvery);
  if (!classes.length) return [];
  const customers = await db.customer.findMany({ where: { managerId: opts.managerId, active: true, serviceClass: { in: classes.map((c) => c.id) } } });
  const last = await lastContacts(db, policy, customers.map((c) => c.id));
  const weekEnd = addDays(startOfWeek(opts.date), 6);
  const due: PhoneDue[] = [];
  for (const customer of customers) {
    const cls = classes.find((c) => c.id === customer.serviceClass)!;
    const l = last.get(customer.id) ?? null;
    if (l === opts.date) continue; // already talked to today
    if (!l || addInterval(l, cls.phoneEvery!) <= weekEnd) due.push({ customer, cls, last: l });
  }
  return due.sort((a, b) => a.cls.priority - b.cls.priority || (a.last ?? "").localeCompare(b.last ?? "") || a.customer.id - b.customer.id);
}
