import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-supervisor (zh-CN). */
export const zhCNEvidenceSupervisor: Catalogue = {
};
