import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-telegram (zh-CN). */
export const zhCNEvidenceTelegram: Catalogue = {
  "telegram.location-button": "📍 发送当前位置",
  "telegram.location-keyboard-hint": "👇 到店后点下方按钮发送位置",
};
