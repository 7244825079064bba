import type { Catalogue } from "./i18n.ts";

/** Shortfall wording with dates, where a /skip went and why, /skip of a later day (zh-CN). */
export const zhCNPolishPlan: Catalogue = {
  "plan.overdue-customer": "{name}：最迟 {due}，计划在 {planned}",
  "plan.overdue-customer-unplanned": "{name}：最迟 {due}，计划内排不进",
  "plan.overdue-separator": "；",
  "plan.shortfall-kept": "已优先保证{classes}。",
  "plan.shortfall-kept-and": "和",
  "plan.day-footer-later": "已完成 {done}/{total}。点 🧭 链接用高德导航；不能去的站发送 /skip {day} 序号 原因。",
  "skip.day-tomorrow": "明天",
  "skip.not-visit-day": "{day} 不是您的拜访日，没有清单可改。",
  "skip.why-nearest": "这是最近一个有空的拜访日",
  "skip.why-later": "{passed}，这是之后最近一个有空的拜访日",
  "skip.why-already-planned": "该客户那天本来就有拜访",
  "skip.passed-full": "{days} 已排满",
  "skip.passed-too-late": "{days} 需提前一天预约，今天的预约时间已过",
  "off.shortfall-some-new": "⚠️ 原定的 {released} 次拜访已重新安排，但计划里共有 {visits} 次排不到期限内，其中 {newly} 户是这次请假造成的（见下）；发送 /plan month 查看全部会逾期的客户。",
  "off.shortfall-known": "原定的 {released} 次拜访已重新安排到其他拜访日，没有新的客户因此逾期；已提醒过的 {visits} 次仍排不到期限内，发送 /plan month 查看。",
  "plan.newly-overdue": "⚠️ 这样一来会逾期：{names}。",
  "plan.newly-overdue-more": "⚠️ 这样一来有 {count} 家客户会逾期：{names}；另有 {more} 家，发送 /plan month 查看。",
};
