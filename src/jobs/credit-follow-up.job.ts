import { reminderJob } from "./reminder-job.ts";
import { CREDIT_CONTACTS_PER_MONTH, listCreditFollowUps } from "../modules/customers/customer-file.service.ts";
import { formatAmount } from "../modules/customers/customer-file.ts";
import { formatDay } from "../core/format.ts";
import { MAX_LINES, moreLine, stopLine } from "../modules/reminders/reminder-format.ts";

/**
 * The 1st and the 15th: 每月对信用客户至少跟踪访问两次 (润滑油规范 第二十二条). Counts this month's
 * contacts per credit customer with receivables outstanding and names those still short of two;
 * a customer whose receivables are collected (0) drops off.
 */
export const creditFollowUpJob = reminderJob({
  id: "credit-follow-up",
  reminder: "creditFollowUp",
  days: () => ({ dom: "1,15" }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const all = await listCreditFollowUps({ db: deps.db, policy: deps.policy, managerId: staff.id, date });
    if (!all.length) return null;
    const short = all.filter((x) => x.contacts < CREDIT_CONTACTS_PER_MONTH);
    const { t } = view;
    if (!short.length) return { reply: { text: t("reminders.credit.all-met", { count: all.length, min: CREDIT_CONTACTS_PER_MONTH }) } };
    const line = (x: (typeof short)[number], i: number) => {
      const parts = [stopLine(view, i + 1, x.customer, x.customer.serviceClass, "phone"), t("reminders.credit.done", { n: x.contacts, min: CREDIT_CONTACTS_PER_MONTH })];
      if (x.customer.receivables) {
        parts.push(
          x.customer.receivablesDue
            ? t("reminders.credit.owed-due", { amount: formatAmount(x.customer.receivables, t), day: formatDay(x.customer.receivablesDue, t) })
            : t("reminders.credit.owed", { amount: formatAmount(x.customer.receivables, t) }),
        );
      }
      return parts.join(" · ");
    };
    return {
      reply: {
        text: [
          t("reminders.credit.short-header", { short: short.length, count: all.length, min: CREDIT_CONTACTS_PER_MONTH }),
          ...short.slice(0, MAX_LINES).map(line),
          ...moreLine(view, short.length),
          t("reminders.credit.footer"),
        ].join("\n"),
      },
    };
  },
});
