import { reminderJob } from "./reminder-job.ts";
import { listPhoneContactsDue } from "../modules/reminders/reminders.service.ts";
import { MAX_LINES, lastContactText, moreLine, stopLine } from "./reminder-format.ts";
import { classLabel } from "../modules/customers/class-label.ts";

/** Monday: key-account A/B customers to phone this week (each at least once a week). */
export const weeklyPhoneContactsJob = reminderJob({
  id: "weekly-phone-contacts",
  reminder: "weeklyPhoneContacts",
  days: (policy) => (policy.classes.some((c) => c.phoneEvery) ? { dow: "1" } : null),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const due = await listPhoneContactsDue({ db: deps.db, policy: deps.policy, managerId: staff.id, date });
    if (!due.length) return null;
    const { t } = view;
    const classes = deps.policy.classes.filter((c) => c.phoneEvery).map((c) => classLabel(view, c.id));
    return {
      reply: {
        text: [
          t("reminders.weekly-phone.header", { count: due.length, classes: classes.join(t("list.separator")) }),
          ...due.slice(0, MAX_LINES).map((d, i) => `${stopLine(view, i + 1, d.customer, d.cls.id, "phone")} · ${lastContactText(view, d.last)}`),
          ...moreLine(view, due.length),
          t("reminders.weekly-phone.footer"),
        ].join("\n"),
      },
    };
  },
});
