import type { Catalogue } from "./i18n.ts";

/** Tobacco standard content: products, brand cultivation, operating guidance, info points, brand KPIs (en). */
export const enTobacco: Catalogue = {
  "import.reason.price": "{column} must be a non-negative amount",
};
