import { addDays, daysBetween, endOfMonth, startOfMonth } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { ensurePlan } from "../modules/planning/planning.service.ts";
import { countActiveCustomers } from "../modules/customers/customers.service.ts";
import { countPlannedByStatus } from "../modules/reports/reports.service.ts";
import { tallyVisits } from "../modules/visits/visits.service.ts";
import { reminderJob } from "./reminder-job.ts";

/**
 * First of the last three days of the month: the month so far in figures, next month's plan, and
 * the duty to hand in the monthly summary and next month's plan.
 */
export const monthEndJob = reminderJob({
  id: "month-end",
  reminder: "monthEnd",
  days: () => ({ dom: "L-2" }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { db, policy } = deps;
    const { t } = view;
    const from = startOfMonth(date);
    const to = endOfMonth(date);
    const tally = await tallyVisits({ db, policy, managerId: staff.id, from, to });
    const customers = await countActiveCustomers({ db, managerId: staff.id });
    const remaining = (await countPlannedByStatus({ db, managerId: staff.id, from: date, to })).planned ?? 0;
    const nextFrom = addDays(to, 1);
    const nextTo = endOfMonth(nextFrom);
    await ensurePlan({ deps, staff, date: nextTo });
    const nextPlanned = (await countPlannedByStatus({ db, managerId: staff.id, from: nextFrom, to: nextTo })).planned ?? 0;
    return {
      reply: {
        text: [
          t("reminders.month-end.header", { days: daysBetween(date, to) + 1, last: formatDay(to, t) }),
          t("reminders.month-end.figures", { visits: tally.visits, field: tally.field, phone: tally.phone, covered: tally.covered, customers }),
          remaining ? t("reminders.month-end.remaining", { count: remaining }) : null,
          t("reminders.month-end.next", { count: nextPlanned, month: t(`month.${Number(nextFrom.slice(5, 7))}`) }),
          t("reminders.month-end.footer"),
        ]
          .filter((l): l is string => l !== null)
          .join("\n"),
        choices: [{ label: t("summary.write-monthly"), value: "/monthly" }],
      },
    };
  },
});
