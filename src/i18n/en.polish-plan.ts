import type { Catalogue } from "./i18n.ts";

/** Shortfall wording with dates, where a /skip went and why, /skip of a later day (en). */
export const enPolishPlan: Catalogue = {
  "plan.overdue-customer": "{name}: due by {due}, planned {planned}",
  "plan.overdue-customer-unplanned": "{name}: due by {due}, does not fit the plan",
  "plan.overdue-separator": "; ",
  "plan.shortfall-kept": "{classes} were kept first. ",
  "plan.shortfall-kept-and": " and ",
  "plan.day-footer-later": "Done {done}/{total}. Tap 🧭 to navigate in Amap; can't make a stop? Send /skip {day} NUMBER REASON.",
  "skip.day-tomorrow": "tomorrow",
  "skip.not-visit-day": "{day} is not one of your visit days; there is no list to change.",
  "skip.why-nearest": "the nearest visit day with room",
  "skip.why-later": "{passed}; this is the next visit day with room",
  "skip.why-already-planned": "the customer already had a visit that day",
  "skip.passed-full": "{days} full",
  "skip.passed-too-late": "{days} needs booking the day before and today's calls are over",
  "off.shortfall-some-new": "⚠️ The {released} visits planned then were re-planned, but {visits} visits of the plan in all cannot be planned by their due date; this leave makes {newly} customer(s) overdue (below). /plan month shows everyone who will be overdue.",
  "off.shortfall-known": "The {released} visits planned then were moved to other visit days; no further customer goes overdue. The {visits} visits already reported still cannot be planned by their due date: /plan month lists them.",
  "plan.newly-overdue": "⚠️ This makes overdue: {names}.",
  "plan.newly-overdue-more": "⚠️ This makes {count} customers overdue: {names}; {more} more: /plan month lists them.",
};
