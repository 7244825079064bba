import type { Catalogue } from "./i18n.ts";

/** Conversation forms and visit logging (zh-CN). */
export const zhCNForms: Catalogue = {};
