import type { Translate } from "../../i18n/i18n.ts";
import type { Column } from "../reports/reports.export.ts";
import type { PriceReportRow } from "./info-point.service.ts";

/** The weekly report lists this many products; the export has them all. */
export const PRICE_LINES = 12;

const money = (n: number | null) => (n === null ? "–" : String(Math.round(n * 100) / 100));

/** The info-point block of the supervisor's weekly report; empty when nothing was collected. */
export function renderPriceBlock(t: Translate, week: string, rows: PriceReportRow[]): string[] {
  if (!rows.length) return [];
  const lines = [t("info-points.report.title", { week })];
  let brand: string | null = null;
  for (const r of rows.slice(0, PRICE_LINES)) {
    if (r.brand !== brand) {
      brand = r.brand;
      lines.push(t("info-points.report.brand", { brand: r.brand || t("info-points.report.no-brand") }));
    }
    lines.push(
      r.n
        ? t("info-points.report.row", { product: r.product, n: r.n, min: money(r.min), median: money(r.median), max: money(r.max), guide: money(r.guide) })
        : t("info-points.report.row-no-price", { product: r.product, shops: r.shops, guide: money(r.guide) }),
    );
  }
  if (rows.length > PRICE_LINES) lines.push(t("info-points.report.more", { n: rows.length - PRICE_LINES, week }));
  return lines;
}

/** A report row as the export writes it: the week instead of the product id. */
export type PriceExportRow = Omit<PriceReportRow, "productId"> & { week: string };

export function priceExportRows(week: string, rows: PriceReportRow[]): PriceExportRow[] {
  return rows.map(({ productId: _, ...r }) => ({ week, ...r }));
}

export function priceColumns(t: Translate): Column<PriceExportRow>[] {
  return [
    { key: "week", label: t("info-points.col.week"), width: 10 },
    { key: "brand", label: t("info-points.col.brand"), width: 10 },
    { key: "product", label: t("info-points.col.product"), width: 20 },
    { key: "n", label: t("info-points.col.n"), width: 10 },
    { key: "min", label: t("info-points.col.min"), numFmt: "0.00", width: 10 },
    { key: "median", label: t("info-points.col.median"), numFmt: "0.00", width: 10 },
    { key: "max", label: t("info-points.col.max"), numFmt: "0.00", width: 10 },
    { key: "guide", label: t("info-points.col.guide"), numFmt: "0.00", width: 10 },
    { key: "shops", label: t("info-points.col.shops"), width: 10 },
    { key: "stock", label: t("info-points.col.stock"), width: 10 },
  ];
}
