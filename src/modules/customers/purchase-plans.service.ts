import { z } from "zod";
import { addMonths } from "../../core/dates.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { Db } from "../../db/client.ts";
import type { Customer, PurchasePlan } from "../../generated/prisma/client.ts";

/**
 * 润滑油规范 第二十二条: 每月28日前，汇总客户下月的油品购进计划. One plan per customer and month;
 * entering it again replaces it (the form asks first).
 */

export const PLAN_UNITS = ["litres", "barrels", "cartons"] as const;
export type PlanUnit = (typeof PLAN_UNITS)[number];
export const MAX_PLAN_LINES = 20;
/** The day of the month next month's plans are due by. */
export const PLAN_DEADLINE_DAY = 28;
/** From this day of the month the missing plans are reminded of (and flagged ⚠️ in /me and /team). */
export const PLAN_REMINDER_DAY = 25;

/** This month's deadline for next month's plans (YYYY-MM-DD), and whether `date` is in the reminder days or past them. */
export function planDeadlineOf(date: string): { deadline: string; pressing: boolean } {
  return { deadline: `${date.slice(0, 7)}-${PLAN_DEADLINE_DAY}`, pressing: Number(date.slice(8, 10)) >= PLAN_REMINDER_DAY };
}

export const ZPurchasePlanLineSchema = z.object({
  product: z.string().trim().min(1).max(100),
  quantity: z.number().positive().max(1e7),
  unit: z.enum(PLAN_UNITS),
});
export type TPurchasePlanLine = z.output<typeof ZPurchasePlanLineSchema>;
const ZLinesSchema = z.array(ZPurchasePlanLineSchema).min(1).max(MAX_PLAN_LINES);

/** "2026-12-02" → "2027-01": the month whose plan is collected now. */
export function nextMonthOf(date: string): string {
  return addMonths(`${date.slice(0, 7)}-01`, 1).slice(0, 7);
}

export function planLines(plan: Pick<PurchasePlan, "lines">): TPurchasePlanLine[] {
  const parsed = ZLinesSchema.safeParse(JSON.parse(plan.lines));
  return parsed.success ? parsed.data : [];
}

export async function findPurchasePlan(opts: { db: Db | Tx; customerId: number; month: string }): Promise<PurchasePlan | null> {
  return opts.db.purchasePlan.findUnique({ where: { customerId_month: { customerId: opts.customerId, month: opts.month } } });
}

/** Stores (or replaces) a customer's plan for a month, in the caller's transaction. */
export async function savePurchasePlan(opts: { tx: Tx; managerId: number; customerId: number; month: string; lines: TPurchasePlanLine[]; at: Date }): Promise<{ plan: PurchasePlan; replaced: boolean }> {
  const { tx, at } = opts;
  const lines = JSON.stringify(ZLinesSchema.parse(opts.lines));
  const key = { customerId_month: { customerId: opts.customerId, month: opts.month } };
  const before = await tx.purchasePlan.findUnique({ where: key, select: { id: true } });
  const plan = await tx.purchasePlan.upsert({
    where: key,
    create: { customerId: opts.customerId, managerId: opts.managerId, month: opts.month, lines, createdAt: at, updatedAt: at },
    update: { managerId: opts.managerId, lines, updatedAt: at },
  });
  return { plan, replaced: before !== null };
}

/** A manager's active customers without a plan for `month`: how many, how many in all, the first `take` by code. */
export async function listMissingPurchasePlans(opts: { db: Db; managerId: number; month: string; take: number }): Promise<{ total: number; missing: number; customers: Pick<Customer, "id" | "code" | "name" | "serviceClass">[] }> {
  const { db, managerId, month } = opts;
  const active = { managerId, active: true };
  const where = { ...active, purchasePlans: { none: { month } } };
  const [total, missing, customers] = await Promise.all([
    db.customer.count({ where: active }),
    db.customer.count({ where }),
    db.customer.findMany({ where, select: { id: true, code: true, name: true, serviceClass: true }, orderBy: [{ serviceClass: "asc" }, { code: "asc" }], take: opts.take }),
  ]);
  return { total, missing, customers };
}
