import type { Catalogue } from "./i18n.ts";

/** Units, inputs and the weekly phone list (#18 wording polish), zh-CN. */
export const zhCNWords: Catalogue = {
  "format.metres": "{n} 米",
  "format.km": "{n} 公里",

  "appointment.booked": "已预约",
  "appointment.not-booked": "未预约，请先电话确认",

  "complaints.form.opened-too-old": "这个时间已超过 {days} 天。请输入最近 {days} 天内的时间，或选“刚才”。",

  "router.empty-message": "收到一条空消息。发送 /help 查看可用命令，或发送 /today 查看今天的拜访清单。",
  "forms.empty-message": "收到一条空消息，请回答：",

  "calls.header": "☎️ 本周需电话联系的{classes} {count} 家（每周至少一次）{page}：",
  "calls.page": "，第 {page}/{pages} 页",
  "calls.line-done": "{line} · ✅ 本周已联系",
  "calls.more": "……还有 {count} 家：发送 /calls {next} 查看下一页",
  "calls.footer": "打完电话发送 /call 编号登记，如 /call P{example}（编号本周不变，与拜访清单的序号不同）。",
  "calls.none": "本周没有需要电话联系的客户。",
  "calls.no-such-page": "电话清单只有 {pages} 页。发送 /calls 查看第 1 页。",
  "calls.no-such-entry": "本周电话清单里没有 {ref}（共 {count} 家，编号 P1–P{count}）。发送 /calls 查看。",
  "help.calls": "本周需电话联系的客户：/calls、/calls 2（下一页）；登记：/call P3",
};
