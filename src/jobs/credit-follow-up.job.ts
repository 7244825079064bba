import { reminderJob } from "./reminder-job.ts";
import { listCreditCustomers } from "../modules/customers/customers.service.ts";
import { findLastContacts } from "../modules/visits/visits.service.ts";
import { MAX_LINES, lastContactText, moreLine, stopLine } from "./reminder-format.ts";

/** The 1st and the 15th: customers on credit to follow up until receivables are collected. */
export const creditFollowUpJob = reminderJob({
  id: "credit-follow-up",
  reminder: "creditFollowUp",
  days: () => ({ dom: "1,15" }),
  async build({ job, staff, view }) {
    const { deps } = job;
    const customers = await listCreditCustomers({ db: deps.db, managerId: staff.id });
    if (!customers.length) return null;
    const last = await findLastContacts({ db: deps.db, policy: deps.policy, customerIds: customers.map((c) => c.id) });
    const sorted = customers
      .map((c) => ({ c, last: last.get(c.id) ?? null }))
      .sort((a, b) => (a.last ?? "").localeCompare(b.last ?? "") || a.c.id - b.c.id);
    const { t } = view;
    return {
      reply: {
        text: [
          t("reminders.credit.header", { count: customers.length }),
          ...sorted.slice(0, MAX_LINES).map((x, i) => `${stopLine(view, i + 1, x.c, x.c.serviceClass, "phone")} · ${lastContactText(view, x.last)}`),
          ...moreLine(view, sorted.length),
          t("reminders.credit.footer"),
        ].join("\n"),
      },
    };
  },
});
