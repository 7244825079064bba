import type { Catalogue } from "./i18n.ts";

/** Strangers, group chats and inbound limits (zh-CN). */
export const zhCNSecurityStrangers: Catalogue = {
  "group.private-only": "请私聊我：在群里我不显示客户和员工信息，也不办理绑定。",
  "help.group-note": "（在群里我只回答 /help；其他命令请私聊我。）",
  "chat.not-your-question": "这是问别人的问题，只有被问的人可以回答。",
  "inbound.too-long": "这条消息太长了（{length} 个字，最多 {max} 个字），没有处理。请分几条发送，或只发要点。",
  "inbound.slow-down": "消息发得太快了，请稍等一分钟再发。在此之前发来的消息不会处理。",
  "search.too-long": "要找的客户名称或编码太长了（最多 {max} 个字），没有查找。请只发名称里的几个字或客户编码。",
  "skip.reason-too-long": "改期原因太长了（{length} 个字，最多 {max} 个字），这一站没有改期。请写得简短些，重新发送：/skip 站号 原因",
};
