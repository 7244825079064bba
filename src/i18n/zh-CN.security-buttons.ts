import type { Catalogue } from "./i18n.ts";

/** Buttons bound to their question: a tap on a question that is over (zh-CN). */
export const zhCNSecurityButtons: Catalogue = {
  "forms.tap.over": "这个问题已经结束。",
  "forms.tap.over-current": "这个问题已经结束，按钮不再有效。您正在填写「{form}」，当前的问题是：",
  "forms.tap.over-none": "这个问题已经结束，按钮不再有效。现在没有正在填写的表单；需要什么请重新发送命令（/help 查看全部命令）。",
  "forms.tap.received": "已收到",
  "forms.tap.pending": "已收到，正在处理，结果会发到聊天里。",
  "forms.tap.not-taken": "没有收下：VisitMate 正在重启，请稍后再点一次。",
};
