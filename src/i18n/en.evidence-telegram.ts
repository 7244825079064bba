import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): evidence-telegram (en). */
export const enEvidenceTelegram: Catalogue = {
  "telegram.location-button": "📍 Send my location",
  "telegram.location-keyboard-hint": "👇 At the shop, tap the button below to send your location",
};
