import { daysBetween } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { classLabel } from "../modules/customers/class-label.ts";
import { PLAN_DEADLINE_DAY, PLAN_REMINDER_DAY, listMissingPurchasePlans, nextMonthOf, planDeadlineOf } from "../modules/customers/purchase-plans.service.ts";
import { MAX_LINES, moreLine } from "../modules/reminders/reminder-format.ts";
import { reminderJob } from "./reminder-job.ts";

/**
 * The 25th and the 28th: 每月28日前，汇总客户下月的油品购进计划. Lists only the customers whose plan
 * for next month is not recorded yet (with the count), and says so when all are in.
 */
export const purchasePlansJob = reminderJob({
  id: "purchase-plans",
  reminder: "purchasePlans",
  days: () => ({ dom: `${PLAN_REMINDER_DAY},${PLAN_DEADLINE_DAY}` }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { t } = view;
    const month = nextMonthOf(date);
    const m = await listMissingPurchasePlans({ db: deps.db, managerId: staff.id, month, take: MAX_LINES });
    if (!m.total) return null;
    const monthText = t("purchase.month", { year: Number(month.slice(0, 4)), month: Number(month.slice(5, 7)) });
    if (!m.missing) return { reply: { text: t("reminders.purchase-plans.all-in", { month: monthText, total: m.total }) } };
    const { deadline } = planDeadlineOf(date);
    const days = daysBetween(date, deadline);
    return {
      reply: {
        text: [
          days > 0
            ? t("reminders.purchase-plans.missing-header", { day: formatDay(deadline, t), days, month: monthText, missing: m.missing, total: m.total })
            : t("reminders.purchase-plans.missing-today", { month: monthText, missing: m.missing, total: m.total }),
          ...m.customers.map((c, i) => `${i + 1}. ${c.name} · ${classLabel(view, c.serviceClass)}`),
          ...moreLine(view, m.missing),
          t("reminders.purchase-plans.enter"),
        ].join("\n"),
      },
    };
  },
});
