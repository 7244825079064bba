import type { Catalogue } from "./i18n.ts";

/** Tobacco standard content: products, brand cultivation, operating guidance, info points, brand KPIs (zh-CN). */
export const zhCNTobacco: Catalogue = {
  "import.reason.price": "{column} 必须是不小于 0 的金额",
};
