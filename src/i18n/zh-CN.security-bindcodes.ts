import type { Catalogue } from "./i18n.ts";

/** Bind codes: one answer for every refused code, attempt limits, confirming a switch, notices (zh-CN). */
export const zhCNSecurityBindcodes: Catalogue = {
  // One text for a wrong, used, expired or revoked code and a deactivated person: the reply must not tell which codes exist.
  "bind.refused": "绑定码无效或已失效。请核对后重新发送（不区分大小写），或向管理员索取新的绑定码。",
  "bind.limited-account": "本账号输错绑定码的次数太多（每小时最多 {max} 次）。请在 {time} 之后再试，或向管理员核对绑定码。",
  "bind.limited-global": "最近一小时内输错绑定码的次数太多，为了安全，绑定暂停。请在 {time} 之后再试，或联系管理员。",
  "bind.switch-ask":
    "本{platform}账号目前绑定的是 {current}（{currentCode}）。要改为绑定 {name}（{code}，{role}）吗？\n" +
    "切换后，{current} 的提醒不再发到这个账号。请在 {minutes} 分钟内（{time} 前）选择，超时不切换；也可以发送 /bind 确认 或 /bind 取消。",
  "bind.switch-confirm": "确认切换",
  "bind.switch-cancel": "取消",
  "bind.switch-done": "✅ 已切换：本{platform}账号现在绑定 {name}（{code}，{role}），不再绑定 {previous}（{previousCode}）。",
  "bind.switch-cancelled": "已取消，本账号仍绑定 {name}（{code}）。刚才的绑定码已经用掉；如需切换，请向管理员索取新的绑定码。",
  "bind.switch-none": "没有等待确认的切换（可能已取消、已超过 {minutes} 分钟，或绑定已有变化），什么也没有改。如需切换，请向管理员索取新的绑定码，再发送 /bind 绑定码。",
  "bind.told-previous": "正在通知 {name}（发往其{platform}）。",
  "bind.untold-previous": "⚠ {name} 没有其他已绑定的聊天账号，无法通知本人；请告诉对方或管理员。",
  "bind.told-self": "也在通知您在{platform}上的账号。",
  "bind.notice-added": "🔔 您的员工身份 {name}（{code}）于 {time} 绑定了一个{platform}账号（{account}）。\n如果不是您本人操作，请立即联系管理员解除绑定。",
  "bind.notice-moved": "🔔 您绑定的{platform}账号（{account}）于 {time} 改为绑定 {name}（{code}），您的提醒不再发到那里。\n如果您不知情，请立即联系管理员。",
  "bind.notice-removed": "🔔 管理员于 {time} 解除了本{platform}账号与 {name}（{code}）的绑定，这里不再收到提醒。如有疑问，请联系管理员。",
};
