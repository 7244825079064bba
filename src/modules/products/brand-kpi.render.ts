import type { Translate } from "../../i18n/i18n.ts";
import type { Column } from "../reports/reports.export.ts";
import type { BrandKpiExportRow, BrandKpiRow, BrandKpis } from "./brand-kpi.service.ts";

/** The month view shows this many products for the team and this many per manager. */
export const TOP_PRODUCTS = 5;
export const TOP_PRODUCTS_PER_MANAGER = 3;

const pct = (r: number | null) => (r === null ? "–" : `${Math.round(r * 1000) / 10}%`);

function rowText(t: Translate, r: BrandKpiRow): string {
  return t("brand-kpi.row", { name: r.name, visited: r.visited, listed: r.listed, listing: pct(r.listingRate), repurchased: r.repurchased, repurchase: pct(r.repurchaseRate) });
}

/** A manager's own month, for the monthly summary: the products they cultivated, most visited first. */
export function renderOwnBrandKpis(t: Translate, k: BrandKpis, limit = TOP_PRODUCTS): string[] {
  if (!k.team.length) return [];
  return [t("summary.month.brands"), ...k.team.slice(0, limit).map((r) => `  ${rowText(t, r)}`)];
}

/** The brand block of the supervisor's month view; empty when nobody recorded brand cultivation. */
export function renderBrandKpiBlock(t: Translate, k: BrandKpis): string[] {
  if (!k.team.length) return [];
  const lines = [t("brand-kpi.title")];
  for (const r of k.team.slice(0, TOP_PRODUCTS)) lines.push(`  ${rowText(t, r)}`);
  if (k.team.length > TOP_PRODUCTS) lines.push(t("brand-kpi.more", { n: k.team.length - TOP_PRODUCTS }));
  if (k.byManager.length > 1) {
    for (const m of k.byManager) {
      const parts = m.rows.slice(0, TOP_PRODUCTS_PER_MANAGER).map((r) => t("brand-kpi.short", { name: r.name, listing: pct(r.listingRate), repurchase: pct(r.repurchaseRate) }));
      lines.push(t("brand-kpi.manager", { who: `${m.manager.name} ${m.manager.code}`, parts: parts.join(t("list.separator")) }));
    }
  }
  lines.push(t("brand-kpi.footer"));
  return lines;
}

export function brandKpiColumns(t: Translate): Column<BrandKpiExportRow>[] {
  return [
    { key: "managerCode", label: t("brand-kpi.col.manager-code"), width: 12 },
    { key: "managerName", label: t("brand-kpi.col.manager-name"), width: 12 },
    { key: "brand", label: t("brand-kpi.col.brand"), width: 10 },
    { key: "product", label: t("brand-kpi.col.product"), width: 20 },
    { key: "visited", label: t("brand-kpi.col.visited"), width: 10 },
    { key: "listed", label: t("brand-kpi.col.listed"), width: 10 },
    { key: "listingPct", label: t("brand-kpi.col.listing-pct"), numFmt: '0.0"%"', width: 10 },
    { key: "repurchased", label: t("brand-kpi.col.repurchased"), width: 10 },
    { key: "repurchasePct", label: t("brand-kpi.col.repurchase-pct"), numFmt: '0.0"%"', width: 10 },
  ];
}
