import { isVisitDay } from "../modules/staff/staff.service.ts";
import { renderPlannedDay } from "../modules/planning/plan.commands.ts";
import { planDayList } from "../modules/planning/planning.service.ts";
import { appointmentOf } from "../modules/customers/class-label.ts";
import { wantsReminder } from "../modules/reminders/reminders.service.ts";
import { reminderJob } from "./reminder-job.ts";
import { stopLine } from "./reminder-format.ts";

/**
 * Morning of a visit day: the day's list, the same text as /today, plus the stops whose class
 * books on the same day (potential, assistance) so the calls happen before setting out.
 */
export const morningListJob = reminderJob({
  id: "morning-list",
  reminder: "morningList",
  days: () => ({}),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    if (!(await isVisitDay({ db: deps.db, policy: deps.policy, staff, date }))) return null;
    // The morning push is the day's list first shown: its numbers are fixed from here on.
    const day = await planDayList({ deps, staff, date, fixNumbers: true });
    if (!day.planned.length) return null;
    const { t } = view;
    const lines = [t("reminders.morning.greeting", { name: staff.name }), ...(await renderPlannedDay(view, staff, date, "today.plan-header", { day }))];
    if (wantsReminder(deps.policy, staff, "appointments")) {
      const sameDay = day.planned
        .filter((p) => p.status === "planned" && !p.booked && appointmentOf(deps.policy, p.classId) === "same-day");
      if (sameDay.length) {
        lines.push("", t("reminders.morning.same-day", { count: sameDay.length }));
        for (const p of sameDay) lines.push(stopLine(view, p.n, p.customer, p.classId, "phone"));
        // No buttons here: on WeChat and in the terminal a number under this list must stay a stop number.
        lines.push(t("reminders.morning.same-day-footer"));
      }
    }
    return { reply: { text: lines.join("\n") } };
  },
});
