import type { Catalogue } from "./i18n.ts";

/** Tobacco standard content: products, brand cultivation, operating guidance, info points, brand KPIs (en). */
export const enTobacco: Catalogue = {
  "import.reason.price": "{column} must be a non-negative amount",
  "cli.report.bad-month": "Write the month like 2026-12 (got: {value})",
  "cli.report.bad-week": "Write the week like 2026-W49 (got: {value})",
  "brand-kpi.title": "Brand cultivation (listing rate / re-purchase rate, latest record per shop):",
  "brand-kpi.row": "{name}: {visited} shops, listed {listed} ({listing}), re-purchased {repurchased} ({repurchase})",
  "brand-kpi.short": "{name} listed {listing} re-purchase {repurchase}",
  "brand-kpi.manager": "  {who}: {parts}",
  "brand-kpi.more": "  … {n} more products",
  "brand-kpi.footer": "All products: npx visitmate report brands --month MONTH",
  "brand-kpi.team": "Team",
  "brand-kpi.sheet": "Brand cultivation",
  "brand-kpi.col.manager-code": "Manager code",
  "brand-kpi.col.manager-name": "Manager",
  "brand-kpi.col.brand": "Brand",
  "brand-kpi.col.product": "Product",
  "brand-kpi.col.visited": "Shops cultivated",
  "brand-kpi.col.listed": "Shops listing",
  "brand-kpi.col.listing-pct": "Listing rate",
  "brand-kpi.col.repurchased": "Shops re-purchasing",
  "brand-kpi.col.repurchase-pct": "Re-purchase rate",
};
