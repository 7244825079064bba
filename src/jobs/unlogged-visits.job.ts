import { formatDay } from "../core/format.ts";
import { planDayList } from "../modules/planning/planning.service.ts";
import { isVisitDay } from "../modules/staff/staff.service.ts";
import { reminderJob } from "./reminder-job.ts";
import { stopLine } from "../modules/reminders/reminder-format.ts";

/**
 * Evening of a visit day: planned stops not logged yet, numbered as in /today so the manager can
 * answer with the number.
 */
export const unloggedVisitsJob = reminderJob({
  id: "unlogged-visits",
  reminder: "unloggedVisits",
  days: () => ({}),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    if (!(await isVisitDay({ db: deps.db, policy: deps.policy, staff, date }))) return null;
    const day = await planDayList({ deps, staff, date, fixNumbers: true });
    const open = day.planned.filter((p) => p.status === "planned");
    if (!open.length) return null;
    const { t } = view;
    return {
      reply: {
        text: [
          t("reminders.unlogged.header", { day: formatDay(date, t), count: open.length, total: day.planned.filter((p) => p.status !== "skipped").length }),
          // All of them (a day holds at most the daily cap): each line must be answerable by its number.
          ...open.map((p) => stopLine(view, p.n, p.customer, null, "address")),
          t("reminders.unlogged.footer"),
        ].join("\n"),
      },
    };
  },
});
