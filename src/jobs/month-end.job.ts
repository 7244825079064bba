import { addDays, daysBetween, endOfMonth, rangeBounds, startOfMonth } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { ensurePlan } from "../modules/planning/planning.service.ts";
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
    const visits = await db.visit.findMany({ where: { managerId: staff.id, visitedAt: rangeBounds(from, to, policy.timeZone) }, select: { customerId: true, mode: true } });
    const field = visits.filter((v) => v.mode === "field").length;
    const phone = visits.filter((v) => v.mode === "phone").length;
    const covered = new Set(visits.map((v) => v.customerId)).size;
    const customers = await db.customer.count({ where: { managerId: staff.id, active: true } });
    const remaining = await db.plannedVisit.count({ where: { managerId: staff.id, date: { gte: date, lte: to }, status: "planned" } });
    const nextFrom = addDays(to, 1);
    const nextTo = endOfMonth(nextFrom);
    await ensurePlan({ deps, staff, date: nextTo });
    const nextPlanned = await db.plannedVisit.count({ where: { managerId: staff.id, date: { gte: nextFrom, lte: nextTo }, status: "planned" } });
    return {
      reply: {
        text: [
          t("reminders.month-end.header", { days: daysBetween(date, to) + 1, last: formatDay(to, t) }),
          t("reminders.month-end.figures", { visits: visits.length, field, phone, covered, customers }),
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
