import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-chat (zh-CN). */
export const zhCNEvidenceChat: Catalogue = {
};
