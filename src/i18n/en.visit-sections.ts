import type { Catalogue } from "./i18n.ts";

/** Visit sections: customer details changed in a visit, violation reports to the supervisor. */
export const enVisitSections: Catalogue = {
  "visit-sections.change.prompt": "What changed about the customer?",
  "visit-sections.change.field.phone": "Phone",
  "visit-sections.change.field.keyPerson": "Key person (contact)",
  "visit-sections.change.field.other": "Something else",
  "visit-sections.change.phone": "New phone number?",
  "visit-sections.change.key-person": "Name of the new key person?",
  "visit-sections.change.key-person-role": "What is {name}'s role? (e.g. owner, purchasing manager)",
  "visit-sections.change.key-person-phone": "{name}'s phone?",
  "visit-sections.phone.invalid": "“{input}” is not a valid phone number: a mobile has 11 digits starting with 1; a landline needs its area code (e.g. 0571-64612345).",
  "visit-sections.changed": "📇 Customer record updated: {changes}",
  "visit-sections.changed.phone": "phone {old} → {new}",
  "visit-sections.changed.keyPerson": "key person {old} → {new}",
  "visit-sections.changed.none": "(none)",
  "visit-sections.violation.notice": "⚠️ Violation report: {manager} reports from a visit to {customer}: {text}",
  "visit-sections.violation.told": "📣 The violation was passed on to your supervisor {supervisor}.",
  "visit-sections.violation.unreachable": "⚠️ The violation was not sent: your supervisor {supervisor} has no chat linked yet. Call {supervisor} directly, or ask the administrator to send them a binding code.",
  "visit-sections.violation.no-supervisor": "⚠️ The violation was not sent: you have no supervisor set. Please contact your administrator.",
  "visit-sections.violation.withdrawn": "↩️ The violation was taken out of this visit; the notice to your supervisor {supervisor} was withdrawn (it had not been sent).",
  "visit-sections.violation.already-sent": "⚠️ The violation was taken out of this visit, but your supervisor {supervisor} already has the earlier notice. If it was wrong, tell {supervisor} directly.",
};
