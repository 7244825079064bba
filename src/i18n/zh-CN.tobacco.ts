import type { Catalogue } from "./i18n.ts";

/** Tobacco standard content: products, brand cultivation, operating guidance, info points, brand KPIs (zh-CN). */
export const zhCNTobacco: Catalogue = {
  "import.reason.price": "{column} 必须是不小于 0 的金额",
  "cli.report.bad-month": "月份写成 2026-12 这样（收到：{value}）",
  "cli.report.bad-week": "周写成 2026-W49 这样（收到：{value}）",
  "brand-kpi.title": "品牌培育（上柜率 / 再购率，按每家店最近一次记录）：",
  "brand-kpi.row": "{name}：培育 {visited} 家，上柜 {listed}（{listing}），再购 {repurchased}（{repurchase}）",
  "brand-kpi.short": "{name} 上柜 {listing} 再购 {repurchase}",
  "brand-kpi.manager": "  {who}：{parts}",
  "brand-kpi.more": "  ……另有 {n} 个品规",
  "brand-kpi.footer": "全部品规导出：npx visitmate report brands --month 月份",
  "brand-kpi.team": "全队",
  "brand-kpi.sheet": "品牌培育",
  "brand-kpi.col.manager-code": "客户经理编码",
  "brand-kpi.col.manager-name": "客户经理",
  "brand-kpi.col.brand": "品牌",
  "brand-kpi.col.product": "品规",
  "brand-kpi.col.visited": "培育客户数",
  "brand-kpi.col.listed": "上柜客户数",
  "brand-kpi.col.listing-pct": "上柜率",
  "brand-kpi.col.repurchased": "再购客户数",
  "brand-kpi.col.repurchase-pct": "再购率",
};
