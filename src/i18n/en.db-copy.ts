import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): db-copy (en). */
export const enDbCopy: Catalogue = {};
