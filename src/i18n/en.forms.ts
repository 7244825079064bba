import type { Catalogue } from "./i18n.ts";

/** Conversation forms and visit logging (en). */
export const enForms: Catalogue = {};
