import { rangeBounds } from "../../core/dates.ts";
import type { Db } from "../../db/client.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { parseDetails, type ProductCultivation } from "../visits/visits.service.ts";
import { productsByIds } from "./products.service.ts";
import { managersInScope, reportScope } from "../reports/reports.service.ts";

/**
 * The five-step method's targets per product (standard §3): 上柜率 = target customers with the
 * product listed / target customers visited for it, 再购率 = listed customers who re-purchased /
 * listed customers. A "target customer" of a product is one whose visit in the period recorded
 * brand cultivation for it; the latest entry per customer and product counts (a shop that refused
 * on the 3rd and listed on the 20th is listed).
 */

export interface BrandKpiRow {
  productId: number;
  name: string;
  brand: string;
  /** Target customers visited for the product. */
  visited: number;
  listed: number;
  repurchased: number;
  /** listed / visited, 0–1; null when nobody was visited for it. */
  listingRate: number | null;
  /** repurchased / listed, 0–1; null when nobody listed it. */
  repurchaseRate: number | null;
}

export interface BrandKpis {
  from: string;
  to: string;
  /** All managers together, most visited first. */
  team: BrandKpiRow[];
  byManager: { manager: Pick<Staff, "id" | "code" | "name">; rows: BrandKpiRow[] }[];
}

/** Visits read per page: a month of a large team is tens of thousands of visits, never held at once. */
export const KPI_PAGE = 1000;

interface Latest {
  at: number;
  visitId: number;
  managerId: number;
  entry: ProductCultivation;
}

/** "early" is 刚上柜，还看不出 (too early to tell): listed, not re-purchased yet. */
const repurchased = (e: ProductCultivation) => e.listed && e.repurchase === "yes";

export async function brandKpis(opts: { db: Db; timeZone: string; managers: Pick<Staff, "id" | "code" | "name">[]; from: string; to: string }): Promise<BrandKpis> {
  const { db } = opts;
  const visitedAt = rangeBounds(opts.from, opts.to, opts.timeZone);
  // customer → product → latest entry.
  const latest = new Map<number, Map<number, Latest>>();
  // One manager at a time: the (managerId, visitedAt) index finds the month's visits and only that
  // manager's few thousand are ordered for the id pages. (An IN list of 300 managers ordered by id
  // sorted every matching visit of the company again for each page: 26 s for 180k visits.)
  for (const m of opts.managers) {
    for (let afterId = 0; ; ) {
      const page = await db.visit.findMany({
        // Only visits whose form recorded brand cultivation per product.
        where: { managerId: m.id, visitedAt, id: { gt: afterId }, details: { contains: '"products"' } },
        select: { id: true, customerId: true, managerId: true, visitedAt: true, details: true },
        orderBy: { id: "asc" },
        take: KPI_PAGE,
      });
      for (const v of page) {
        const at = v.visitedAt.getTime();
        let byProduct = latest.get(v.customerId);
        for (const entry of parseDetails(v).products ?? []) {
          if (!Number.isInteger(entry?.productId)) continue;
          if (!byProduct) latest.set(v.customerId, (byProduct = new Map()));
          const cur = byProduct.get(entry.productId);
          if (!cur || at > cur.at || (at === cur.at && v.id > cur.visitId)) byProduct.set(entry.productId, { at, visitId: v.id, managerId: v.managerId, entry });
        }
      }
      if (page.length < KPI_PAGE) break;
      afterId = page.at(-1)!.id;
    }
  }
  const entries = [...latest.values()].flatMap((byProduct) => [...byProduct.values()]);

  const products = await productsByIds({ db, ids: [...new Set(entries.map((l) => l.entry.productId))] });
  const tally = (entries: Iterable<Latest>): BrandKpiRow[] => {
    const rows = new Map<number, BrandKpiRow>();
    for (const { entry } of entries) {
      const p = products.get(entry.productId);
      const row = rows.get(entry.productId) ?? { productId: entry.productId, name: p?.name ?? entry.name, brand: p?.brand ?? entry.brand, visited: 0, listed: 0, repurchased: 0, listingRate: null, repurchaseRate: null };
      row.visited++;
      if (entry.listed) row.listed++;
      if (repurchased(entry)) row.repurchased++;
      rows.set(entry.productId, row);
    }
    for (const r of rows.values()) {
      r.listingRate = r.visited ? r.listed / r.visited : null;
      r.repurchaseRate = r.listed ? r.repurchased / r.listed : null;
    }
    return [...rows.values()].sort((a, b) => b.visited - a.visited || b.listed - a.listed || a.name.localeCompare(b.name, "zh-CN") || a.productId - b.productId);
  };

  const perManager = new Map<number, Latest[]>();
  for (const l of entries) {
    const list = perManager.get(l.managerId) ?? [];
    list.push(l);
    perManager.set(l.managerId, list);
  }
  return {
    from: opts.from,
    to: opts.to,
    team: tally(entries),
    byManager: opts.managers.filter((m) => perManager.has(m.id)).map((m) => ({ manager: { id: m.id, code: m.code, name: m.name }, rows: tally(perManager.get(m.id)!) })),
  };
}

export interface BrandKpiExportRow {
  managerCode: string;
  managerName: string;
  brand: string;
  product: string;
  visited: number;
  listed: number;
  listingPct: number | null;
  repurchased: number;
  repurchasePct: number | null;
}

const pct = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);

/** One row per manager and product, then the team's rows (manager code empty). */
export function brandKpiExportRows(k: BrandKpis, teamLabel: string): BrandKpiExportRow[] {
  const row = (code: string, name: string, r: BrandKpiRow): BrandKpiExportRow => ({ managerCode: code, managerName: name, brand: r.brand, product: r.name, visited: r.visited, listed: r.listed, listingPct: pct(r.listingRate), repurchased: r.repurchased, repurchasePct: pct(r.repurchaseRate) });
  return [...k.byManager.flatMap((m) => m.rows.map((r) => row(m.manager.code, m.manager.name, r))), ...k.team.map((r) => row("", teamLabel, r))];
}

/** The viewer's managers (a supervisor's team, everyone for an admin or the command line). */
export async function brandKpisFor(opts: { db: Db; timeZone: string; viewer: Staff | null; from: string; to: string }): Promise<BrandKpis> {
  const managers = await managersInScope(opts.db, await reportScope(opts.db, opts.viewer));
  return brandKpis({ db: opts.db, timeZone: opts.timeZone, managers, from: opts.from, to: opts.to });
}
