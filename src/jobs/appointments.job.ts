import { addDays, isoWeekday } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { planDayList } from "../modules/planning/planning.service.ts";
import { appointmentChoices, appointmentLine } from "../modules/planning/plan.commands.ts";
import { nextVisitDay } from "../modules/staff/staff.service.ts";
import { appointmentOf } from "../modules/customers/class-label.ts";
import { workingDaysOf } from "../modules/reminders/reminders.service.ts";
import { reminderJob } from "./reminder-job.ts";

/**
 * Afternoon of the working day before a visit day: the stops whose class books the day before
 * (core; key-account A/B) and are not booked yet, with phone numbers. Friday covers Monday.
 * Keyed by the visit day, so a second run before the same visit day (weekend) adds nothing.
 */
export const appointmentsJob = reminderJob({
  id: "appointments",
  reminder: "appointments",
  days: () => ({}),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const target = await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date });
    if (!target) return null;
    // Only the last working day before the visit day reminds (Thursday does not cover Monday).
    const working = workingDaysOf(deps.policy);
    for (let d = addDays(date, 1); d < target; d = addDays(d, 1)) if (working.includes(isoWeekday(d))) return null;
    const day = await planDayList({ deps, staff, date: target });
    const toBook = day.planned
      .filter((p) => p.status === "planned" && !p.booked && appointmentOf(deps.policy, p.classId) === "day-before");
    if (!toBook.length) return null;
    const { t } = view;
    return {
      subject: target,
      reply: {
        text: [
          t("reminders.appointments.header", { day: formatDay(target, t), count: toBook.length }),
          ...toBook.map((p) => appointmentLine(t, p)),
          t("reminders.appointments.footer"),
        ].join("\n"),
        // Answer per shop right here: 约好了 keeps the visit through any re-plan, 约不上 moves it.
        choices: appointmentChoices(t, toBook),
      },
    };
  },
});
