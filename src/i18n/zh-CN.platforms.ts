import type { Catalogue } from "./i18n.ts";

/** Chat platforms: account binding, reminder channel, buttons and cards (zh-CN). */
export const zhCNPlatforms: Catalogue = {
  "help.bind": "绑定账号：/bind 绑定码",
  "help.notify": "提醒发到哪个渠道：/notify telegram|lark|wechat",
  "help.unbind": "解除本渠道账号的绑定",

  "bind.usage": "请发送：/bind 绑定码\n绑定码由管理员生成（npx visitmate staff bind-code 员工编码），24 小时内有效，只能使用一次。",
  "bind.usage-bound": "您已绑定为 {name}（{code}）。如需改绑，请向管理员索取新的绑定码，然后发送：/bind 绑定码",
  "bind.ok": "✅ 绑定成功：{name}（{code}，{role}）已关联本{platform}账号。",
  "bind.already": "✅ 本{platform}账号已绑定 {name}（{code}，{role}），无需重复绑定。",
  "bind.reminders-to": "提醒将发送到：{platform}（发送 /notify 可更改）。",
  "bind.next": "发送 /today 查看今天的拜访清单，发送 /help 查看全部命令。",

  "notify.status": "已绑定的渠道：{platforms}\n提醒发送到：{platform}",
  "notify.usage": "更改提醒渠道：/notify telegram、/notify lark 或 /notify wechat（需先在该渠道绑定）。",
  "notify.choose": "点选提醒要发到的渠道：",
  "notify.set": "✅ 以后的提醒将发送到{platform}。",
  "notify.not-bound": "您还没有在{platform}绑定账号。请先在{platform}里发送 /bind 绑定码，再设置提醒渠道。",
  "notify.unknown-platform": "不认识的渠道“{name}”。可选：telegram、lark（飞书）、wechat（微信）。",

  "start.welcome": "您好，{name}！发送 /today 查看今天的拜访清单，发送 /help 查看全部命令。",

  "unbind.ok": "已解除本{platform}账号与 {name}（{code}）的绑定。需要时可用新的绑定码重新绑定。",
  "unbind.not-bound": "本账号没有绑定员工身份。",

  "chat.already-answered": "这个问题已经回答过了。",
  "chat.button-expired": "这个按钮已失效，请重新发送命令。",

  "console.attachment-saved": "📎 {name} 已保存：{path}",
  "console.attachment-failed": "📎 {name} 未能保存到 {dir}",
};
