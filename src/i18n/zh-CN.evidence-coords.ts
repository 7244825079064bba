import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-coords (zh-CN). */
export const zhCNEvidenceCoords: Catalogue = {
};
