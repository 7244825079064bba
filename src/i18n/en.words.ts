import type { Catalogue } from "./i18n.ts";

/** Units, inputs and the weekly phone list (#18 wording polish), en. */
export const enWords: Catalogue = {
  "format.metres": "{n} m",
  "format.km": "{n} km",

  "appointment.booked": "booked",
  "appointment.not-booked": "not booked: phone first",

  "complaints.form.opened-too-old": "That is more than {days} days ago. Type a time within the last {days} days, or choose “just now”.",

  "router.empty-message": "That message was empty. Send /help for the commands, or /today for today's visit list.",
  "forms.empty-message": "That message was empty. Please answer:",

  "calls.header": "☎️ {classes} to phone this week: {count} (at least once a week){page}:",
  "calls.page": ", page {page}/{pages}",
  "calls.line-done": "{line} · ✅ contacted this week",
  "calls.more": "… {count} more: send /calls {next} for the next page",
  "calls.footer": "After the call send /call with its number, e.g. /call P{example} (numbers hold all week and differ from the visit list's).",
  "calls.none": "No customers to phone this week.",
  "calls.no-such-page": "The phone list has {pages} page(s). Send /calls for page 1.",
  "calls.no-such-entry": "There is no {ref} on this week's phone list ({count} customers, P1–P{count}). Send /calls to see it.",
  "help.calls": "customers to phone this week: /calls, /calls 2 (next page); log one: /call P3",
};
