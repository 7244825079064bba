import type { Catalogue } from "./i18n.ts";

/** Plans made in the background: /today while the plan is being made, and what a failed plan says. */
export const zhCNPlanningPool: Catalogue = {
  "today.plan-making": "⏳ 正在生成计划…大约需要 {wait}。生成好后，清单会发到这个对话。",
  "today.plan-making-no-push": "⏳ 正在生成计划…大约需要 {wait}。请稍后再发送 /today 查看清单。",
  "today.plan-in-progress": "⏳ 计划还在生成中，好了清单会发到这个对话，不用再发送 /today。",
  "today.plan-in-progress-no-push": "⏳ 计划还在生成中，请稍后再发送 /today 查看清单。",
  "today.plan-failed": "⚠️ 计划没有生成：{reason}",
  "plan.being-made": "⏳ 计划正在生成，好了今天的清单会发到这个对话；之后发送 /plan 查看本周计划。",
  "plan.member-being-made": "⏳ {name} {code} 的计划正在生成，请稍后再发送 /plan {code} 查看。",
  "plan.wait-seconds": "{n} 秒",
  "plan.wait-minutes": "{n} 分钟",
  "plan.worker-failed": "生成计划时出错了，计划没有保存。请稍后再试；一直不行请联系管理员。",
};
