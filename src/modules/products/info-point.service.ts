import { chunks } from "../../core/batch.ts";
import { addDays, isoWeekday } from "../../core/dates.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { Db } from "../../db/client.ts";
import type { Customer, Staff } from "../../generated/prisma/client.ts";
import { productsByIds } from "./products.service.ts";

/**
 * 信息采集点 (standard §5): flagged shops where the manager collects, once a week, stock and the
 * carton, pack and market (transaction) price of each product. Rows of PriceCollection, one per
 * shop, product and ISO week; a second collection in the same week replaces the first.
 */

/** ISO 8601 week of a YYYY-MM-DD date: "2026-W49" (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeekOf(date: string): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const jan1 = `${year}-01-01`;
  const day = Math.round((Date.parse(`${thursday}T00:00:00Z`) - Date.parse(`${jan1}T00:00:00Z`)) / 86_400_000);
  return `${year}-W${String(Math.floor(day / 7) + 1).padStart(2, "0")}`;
}

/** Monday and Sunday of an ISO week; null when `week` is not one ("2026-W53" only in long years). */
export function isoWeekRange(week: string): { from: string; to: string } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 53) return null;
  const jan4 = `${year}-01-04`;
  const from = addDays(addDays(jan4, 1 - isoWeekday(jan4)), 7 * (n - 1));
  return isoWeekOf(from) === week ? { from, to: addDays(from, 6) } : null;
}

export async function isPriceCollectionDone(opts: { db: Db | Tx; customerId: number; week: string; exceptVisitId?: number | null }): Promise<boolean> {
  const row = await opts.db.priceCollection.findFirst({ where: { customerId: opts.customerId, week: opts.week, ...(opts.exceptVisitId ? { NOT: { visitId: opts.exceptVisitId } } : {}) }, select: { id: true } });
  return row !== null;
}

export interface PriceRowInput {
  productId: number;
  stock: number | null;
  cartonPrice: number | null;
  packPrice: number | null;
  marketPrice: number | null;
}

/** Writes one collection (the visit's rounds); the same product again this week replaces its row. */
export async function recordPriceCollection(opts: { tx: Tx; customerId: number; managerId: number; visitId: number; week: string; collectedAt: Date; rows: PriceRowInput[] }): Promise<number> {
  // An edited visit is collected again: its earlier rows are what the new answers replace.
  await opts.tx.priceCollection.deleteMany({ where: { visitId: opts.visitId } });
  const seen = new Map<number, PriceRowInput>();
  for (const r of opts.rows) seen.set(r.productId, r);
  for (const r of seen.values()) {
    const data = { managerId: opts.managerId, stock: r.stock, cartonPrice: r.cartonPrice, packPrice: r.packPrice, marketPrice: r.marketPrice, visitId: opts.visitId, collectedAt: opts.collectedAt };
    await opts.tx.priceCollection.upsert({
      where: { customerId_productId_week: { customerId: opts.customerId, productId: r.productId, week: opts.week } },
      create: { customerId: opts.customerId, productId: r.productId, week: opts.week, ...data },
      update: data,
    });
  }
  return seen.size;
}

/** A manager's info points with no collection in `week`, in code order. */
export async function missingInfoPoints(opts: { db: Db; managerId: number; week: string }): Promise<Customer[]> {
  const points = await opts.db.customer.findMany({ where: { managerId: opts.managerId, active: true, infoPoint: true }, orderBy: { code: "asc" }, take: 500 });
  if (!points.length) return [];
  const done = new Set<number>();
  for (const part of chunks(points.map((c) => c.id))) {
    const rows = await opts.db.priceCollection.findMany({ where: { week: opts.week, customerId: { in: part } }, distinct: ["customerId"], select: { customerId: true } });
    for (const r of rows) done.add(r.customerId);
  }
  return points.filter((c) => !done.has(c.id));
}

/** Managers (id order, a page at a time) who own at least one active info point. */
export async function managersWithInfoPoints(opts: { db: Db; afterId?: number; take?: number }): Promise<Staff[]> {
  return opts.db.staff.findMany({
    where: { active: true, role: "manager", id: { gt: opts.afterId ?? 0 }, customers: { some: { active: true, infoPoint: true } } },
    orderBy: { id: "asc" },
    take: opts.take ?? 200,
  });
}

export interface PriceReportRow {
  productId: number;
  brand: string;
  product: string;
  /** Shops that reported a market price. */
  n: number;
  min: number | null;
  median: number | null;
  max: number | null;
  /** The list's carton guide price (market prices are per carton, as shops quote them). */
  guide: number | null;
  /** Shops collected (with or without a market price) and their stock in packs. */
  shops: number;
  stock: number;
}

export function median(sorted: number[]): number | null {
  if (!sorted.length) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100;
}

/** Rows read per page of a week's collections. */
export const PRICE_PAGE = 1000;

/**
 * The week's collected prices per product (brand order), for the managers given (a supervisor's
 * team) or everyone. Market prices are kept per product while the pages are read: a week is a few
 * hundred shops × a few dozen products.
 */
export async function weeklyPriceReport(opts: { db: Db; week: string; managerIds?: number[] }): Promise<PriceReportRow[]> {
  const byProduct = new Map<number, { prices: number[]; shops: Set<number>; stock: number }>();
  const add = (r: { productId: number; customerId: number; marketPrice: number | null; stock: number | null }) => {
    const e = byProduct.get(r.productId) ?? { prices: [], shops: new Set<number>(), stock: 0 };
    if (r.marketPrice !== null) e.prices.push(r.marketPrice);
    e.shops.add(r.customerId);
    e.stock += r.stock ?? 0;
    byProduct.set(r.productId, e);
  };
  const select = { id: true, productId: true, customerId: true, marketPrice: true, stock: true } as const;
  if (opts.managerIds) {
    // Per manager: the (managerId, week) index hands the rows over in id order, nothing is sorted.
    for (const managerId of opts.managerIds) {
      for (let afterId = 0; ; ) {
        const page = await opts.db.priceCollection.findMany({ where: { managerId, week: opts.week, id: { gt: afterId } }, orderBy: { id: "asc" }, take: PRICE_PAGE, select });
        page.forEach(add);
        if (page.length < PRICE_PAGE) break;
        afterId = page.at(-1)!.id;
      }
    }
  } else {
    // Everyone: keyset on (productId, id), the order of the (week, productId) index.
    for (let after: { productId: number; id: number } | null = null; ; ) {
      const page: { id: number; productId: number; customerId: number; marketPrice: number | null; stock: number | null }[] = await opts.db.priceCollection.findMany({
        where: { week: opts.week, ...(after ? { OR: [{ productId: { gt: after.productId } }, { productId: after.productId, id: { gt: after.id } }] } : {}) },
        orderBy: [{ productId: "asc" }, { id: "asc" }],
        take: PRICE_PAGE,
        select,
      });
      page.forEach(add);
      if (page.length < PRICE_PAGE) break;
      after = page.at(-1)!;
    }
  }
  const products = await productsByIds({ db: opts.db, ids: [...byProduct.keys()] });
  return [...byProduct.entries()]
    .map(([productId, e]) => {
      const sorted = e.prices.sort((a, b) => a - b);
      const p = products.get(productId);
      return { productId, brand: p?.brand ?? "", product: p?.name ?? String(productId), n: sorted.length, min: sorted[0] ?? null, median: median(sorted), max: sorted.at(-1) ?? null, guide: p?.cartonPrice ?? null, shops: e.shops.size, stock: e.stock };
    })
    .sort((a, b) => a.brand.localeCompare(b.brand, "zh-CN") || a.product.localeCompare(b.product, "zh-CN") || a.productId - b.productId);
}

/** Today's stop numbers (as /today numbered them) of these customers, where they are on the list. */
export async function stopNumbersOn(opts: { db: Db; managerId: number; date: string; customerIds: number[] }): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const part of chunks(opts.customerIds)) {
    const rows = await opts.db.plannedVisit.findMany({ where: { managerId: opts.managerId, date: opts.date, customerId: { in: part }, status: "planned" }, select: { customerId: true, stopNo: true } });
    for (const r of rows) if (r.stopNo !== null) out.set(r.customerId, r.stopNo);
  }
  return out;
}
