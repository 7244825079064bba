import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-chat (en). */
export const enEvidenceChat: Catalogue = {
};
