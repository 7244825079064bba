import type { Catalogue } from "./i18n.ts";

/** visitmate status：各聊天平台的连接状态（zh-CN）。 */
export const zhCNPlatformStatus: Catalogue = {
  "cli.status.none": "还没有聊天平台的状态记录：机器人还没有带着任何平台运行过（设置 TELEGRAM_BOT_TOKEN、LARK_APP_ID 或 WECHATY_PUPPET 后运行 npx visitmate start）。",
  "cli.status.header": "实例|平台|状态|自|尝试次数|最近的错误|更新于",
  "cli.status.state.up": "已连接",
  "cli.status.state.starting": "连接中",
  "cli.status.state.retrying": "重试中",
  "cli.status.state.stopped": "已停止",
  "cli.status.stale": "（{minutes} 分钟没有更新：该实例可能已不在运行）",
  "cli.status.summary": "已连接 {up} 个，未连接 {down} 个。",
};
