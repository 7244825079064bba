import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-coords (en). */
export const enEvidenceCoords: Catalogue = {
};
