import { listPhoneContactsDue, workingDaysOf } from "../modules/reminders/reminders.service.ts";
import { listLongestUnvisited } from "../modules/customers/customers.service.ts";
import { countPhoneContacts, findLastContacts } from "../modules/visits/visits.service.ts";
import { reminderJob } from "./reminder-job.ts";
import { lastContactText, stopLine } from "../modules/reminders/reminder-format.ts";

/** Late afternoon of a working day: fewer phone contacts than the daily minimum so far. */
export const dailyPhoneMinimumJob = reminderJob({
  id: "daily-phone-minimum",
  reminder: "dailyPhoneMinimum",
  days: (policy) => (policy.phoneContactsPerDay > 0 ? { dow: workingDaysOf(policy).map((d) => d % 7).join(",") } : null),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { db, policy } = deps;
    const minimum = policy.phoneContactsPerDay;
    const done = await countPhoneContacts({ db, policy, managerId: staff.id, date });
    if (done >= minimum) return null;
    const missing = minimum - done;
    // Suggest whom to call: A/B customers due this week, else those longest without contact.
    let suggestions = (await listPhoneContactsDue({ db, policy, managerId: staff.id, date })).map((d) => ({ customer: d.customer, classId: d.cls.id as string | null, last: d.last }));
    if (!suggestions.length) {
      const customers = await listLongestUnvisited({ db, managerId: staff.id, take: missing });
      const last = await findLastContacts({ db, policy, customerIds: customers.map((c) => c.id) });
      suggestions = customers.map((c) => ({ customer: c, classId: c.serviceClass, last: last.get(c.id) ?? null }));
    }
    const { t } = view;
    const picks = suggestions.slice(0, missing);
    return {
      reply: {
        text: [
          t("reminders.phone-minimum.header", { done, minimum, missing }),
          ...(picks.length ? [t("reminders.phone-minimum.suggest")] : []),
          ...picks.map((s, i) => `${stopLine(view, i + 1, s.customer, s.classId, "phone")} · ${lastContactText(view, s.last)}`),
        ].join("\n"),
      },
    };
  },
});
