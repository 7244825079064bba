/** The monthly summary as the standards write it (五步法 月度市场分析: 下月目标, 问题及原因分析, 下月工作重点). */
export const zhCNSummaryStandard: Record<string, string> = {
  "summary.month.brands": "📈 本月品牌培育（每家店按最近一次记录）：",
  "summary.form.problems-month": "本月存在哪些问题？原因是什么？需要主管帮什么？没有就选“无”。",
  "summary.form.goals-month": "下月目标？（如 拜访户数、重点品规上柜率、再购率）",
  "summary.form.goals-label": "下月目标：",
};
