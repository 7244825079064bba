import { daysBetween } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { classLabel } from "../modules/customers/class-label.ts";
import { countCustomersByClass } from "../modules/customers/customers.service.ts";
import { reminderJob } from "./reminder-job.ts";

/** The 25th and the 28th: collect every customer's purchase plan for next month by the 28th. */
export const purchasePlansJob = reminderJob({
  id: "purchase-plans",
  reminder: "purchasePlans",
  days: () => ({ dom: "25,28" }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { t } = view;
    const byClassCount = await countCustomersByClass({ db: deps.db, managerId: staff.id });
    const total = [...byClassCount.values()].reduce((s, n) => s + n, 0);
    if (!total) return null;
    const byClass = deps.policy.classes
      .map((c) => ({ c, n: byClassCount.get(c.id) ?? 0 }))
      .filter((x) => x.n > 0)
      .map((x) => `${classLabel(view, x.c.id)} ${x.n}`)
      .join(" / ");
    const deadline = `${date.slice(0, 7)}-28`;
    const days = daysBetween(date, deadline);
    return {
      reply: {
        text: [
          days > 0 ? t("reminders.purchase-plans.header", { day: formatDay(deadline, t), days, count: total }) : t("reminders.purchase-plans.today", { count: total }),
          t("reminders.purchase-plans.classes", { classes: byClass }),
          t("reminders.purchase-plans.footer"),
        ].join("\n"),
      },
    };
  },
});
