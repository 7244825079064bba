import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): db-copy (zh-CN). */
export const zhCNDbCopy: Catalogue = {};
