/** The key-account visit proposing updates to the customer file. */
export const enKeyVisit: Record<string, string> = {
  "key-visit.equipment-on-file": "Equipment (on file: {value}): any change? Tap 'Unchanged', or type what it is now.",
  "key-visit.unchanged": "Unchanged",
  "visit-sections.changed.equipment": "equipment {old} → {new}",
  "visit-sections.changed.keyPersonMet": "key person added: {new}",
};
