import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): check-in and photos in the visit form (en). */
export const enEvidence: Catalogue = {
  "evidence.location-outside-visit": "📍 Locations are used only to check in during a visit log; this one was not kept. At the shop, send the stop number (or /log) to start the visit, then send your location.",
  "evidence.photo-outside-visit": "📷 Photos go with a visit log; this one was not kept. Send the stop number (or /log) to start the visit, then send the photo.",
};
