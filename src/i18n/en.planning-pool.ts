import type { Catalogue } from "./i18n.ts";

/** Plans made in the background: /today while the plan is being made, and what a failed plan says. */
export const enPlanningPool: Catalogue = {
  "today.plan-making": "⏳ Making your plan… about {wait}. The list will be sent to this chat when it is ready.",
  "today.plan-making-no-push": "⏳ Making your plan… about {wait}. Send /today again in a moment to see the list.",
  "today.plan-in-progress": "⏳ Your plan is still being made; the list will be sent to this chat, no need to send /today again.",
  "today.plan-in-progress-no-push": "⏳ Your plan is still being made; send /today again in a moment to see the list.",
  "today.plan-failed": "⚠️ Your plan was not made: {reason}",
  "plan.being-made": "⏳ Your plan is being made; today's list will be sent to this chat when it is ready. Send /plan afterwards to see the week.",
  "plan.member-being-made": "⏳ The plan of {name} {code} is being made; send /plan {code} again in a moment.",
  "plan.wait-seconds": "{n} s",
  "plan.wait-minutes": "{n} min",
  "plan.worker-failed": "Something went wrong while making the plan; nothing was saved. Please try again later, and tell your administrator if it keeps failing.",
};
