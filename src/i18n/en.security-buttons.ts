import type { Catalogue } from "./i18n.ts";

/** Buttons bound to their question: a tap on a question that is over (en). */
export const enSecurityButtons: Catalogue = {
  "forms.tap.over": "This question is over.",
  "forms.tap.over-current": "This question is over; its buttons no longer work. You are filling in “{form}”; the current question is:",
  "forms.tap.over-none": "This question is over; its buttons no longer work. No form is open now; send a command for what you need (/help lists them all).",
  "forms.tap.received": "Received",
  "forms.tap.pending": "Received, still working on it: the answer comes in the chat.",
  "forms.tap.not-taken": "Not taken: VisitMate is restarting. Tap again in a moment.",
};
