import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-telegram (zh-CN). */
export const zhCNEvidenceTelegram: Catalogue = {
};
