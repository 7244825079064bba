import type { Catalogue } from "./i18n.ts";

/** Simplified Chinese — the default locale. */
export const zhCN: Catalogue = {
  "platform.console": "终端",
  "platform.telegram": "Telegram",
  "platform.lark": "飞书",
  "platform.wechat": "微信",

  "access.unknown-user":
    "您好！这里是 VisitMate 拜访助手。您的{platform}账号还没有绑定员工身份，暂时无法使用。\n请联系管理员获取绑定码，然后发送：/bind 绑定码",
  "router.unknown-command": "没有“/{command}”这个命令。发送 /help 查看可用命令。",
  "router.not-understood": "没听明白。发送 /help 查看可用命令，或发送 /today 查看今天的拜访清单。",
  "router.internal-error": "抱歉，处理时出了问题，已记录。请稍后再试；如果一直出现，请联系管理员。",

  "format.day": "{month}月{day}日（{weekday}）",
  "format.hours-minutes": "{h} 小时 {m} 分钟",
  "format.minutes": "{m} 分钟",
  "list.separator": "、",
  "weekday.1": "周一",
  "weekday.2": "周二",
  "weekday.3": "周三",
  "weekday.4": "周四",
  "weekday.5": "周五",
  "weekday.6": "周六",
  "weekday.7": "周日",
  "month.1": "1月",
  "month.2": "2月",
  "month.3": "3月",
  "month.4": "4月",
  "month.5": "5月",
  "month.6": "6月",
  "month.7": "7月",
  "month.8": "8月",
  "month.9": "9月",
  "month.10": "10月",
  "month.11": "11月",
  "month.12": "12月",

  "role.manager": "客户经理",
  "role.supervisor": "主管",
  "role.admin": "管理员",

  "appointment.day-before": "需提前一天预约",
  "appointment.same-day": "当天预约",

  "today.header": "📋 {day} 拜访清单：{count} 家，按路线排序，全程约 {distance}",
  "today.header-next": "📋 下一个拜访日 {day} 的清单：{count} 家，按路线排序，全程约 {distance}",
  "today.not-visit-day": "今天 {today} 不是您的拜访日。",
  "today.no-upcoming": "未来 60 天内没有安排拜访日。",
  "today.empty": "{day} 没有需要拜访的客户。",
  "today.no-address": "（无地址）",
  "today.leg-first": "距出发点 {distance}",
  "today.leg": "距上一站 {distance}",
  "today.footer": "其中 {overdue} 家已到期或逾期。发送 /help 查看更多命令。",
  "today.not-a-manager": "您名下没有客户，没有拜访清单。主管可发送 /whoami 查看团队信息。",

  "help.header": "可用命令：",
  "help.footer": "直接发送命令即可，例如 /today。",
  "help.help": "查看命令列表",
  "help.today": "今天的拜访清单（按路线排序）",
  "help.whoami": "我的身份、上级和客户数",
  "help.as": "（仅终端）切换身份：/as 员工编码",
  "help.lang": "切换语言：/lang zh 或 /lang en",

  "whoami.name": "👤 {name}（{code}）· {role}",
  "whoami.supervisor": "上级：{name}（{code}）",
  "whoami.customers": "名下客户：{count} 家",
  "whoami.team": "团队成员：{count} 人",
  "whoami.visit-days": "拜访日：{days}",
  "whoami.policy": "服务标准：{preset} · 今天 {today}（{tz}）",
  "whoami.platform": "当前渠道：{platform}",

  "as.usage": "用法：/as 员工编码。可用身份：",
  "as.unknown": "找不到员工编码“{code}”。发送 /as 查看可用身份。",
  "as.now": "已切换为 {name}（{code}，{role}）。",

  "lang.usage": "用法：/lang zh（中文）或 /lang en（English）",
  "lang.set": "已切换为中文。",

  "console.banner": "VisitMate 拜访助手 · 终端聊天。输入 /help 查看命令，Ctrl+D 退出。",
  "console.you-are": "当前身份：{name}（{code}，{role}）。用 /as 员工编码 切换。",
  "console.demo-notice":
    "⚠️ 这是演示数据（1 名主管、2 名客户经理、约 600 家客户，位于浙江省桐庐县）。\n   导入真实数据：npx visitmate import managers 文件.csv，然后 npx visitmate import customers 文件.csv（见 README）。",
  "console.no-staff": "数据库里还没有员工。请先导入：npx visitmate import managers 文件.csv",
  "console.choice-hint": "（回复序号或文字）",
};
