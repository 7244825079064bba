import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-telegram (en). */
export const enEvidenceTelegram: Catalogue = {
};
