import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-supervisor (en). */
export const enEvidenceSupervisor: Catalogue = {
};
