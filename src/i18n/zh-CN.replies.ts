import type { Catalogue } from "./i18n.ts";

/** Durable chat replies: the busy notice of a database fault, retrying failed messages (zh-CN). */
export const zhCNReplies: Catalogue = {
  "inbound.busy": "系统繁忙，请稍后再发。",
  "cli.outbox.retried-all": "{count} 条失败的消息已重新排队，运行中的机器人会尽快发送。",
  "cli.outbox.retried-none": "没有失败的消息需要重新发送。",
};
