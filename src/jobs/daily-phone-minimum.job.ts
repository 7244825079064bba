import { workingDaysOf } from "../modules/reminders/reminders.service.ts";
import { reminderJob } from "./reminder-job.ts";
import { dayBounds } from "../core/dates.ts";
import { lastContacts, phoneContactsDue } from "./contacts.ts";
import { lastContactText, stopLine } from "./reminder-format.ts";

/** Late afternoon of a working day: fewer phone contacts than the daily minimum so far. */
export const dailyPhoneMinimumJob = reminderJob({
  id: "daily-phone-minimum",
  reminder: "dailyPhoneMinimum",
  days: (policy) => (policy.phoneContactsPerDay > 0 ? { dow: workingDaysOf(policy).map((d) => d % 7).join(",") } : null),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { db, policy } = deps;
    const minimum = policy.phoneContactsPerDay;
    const done = await db.visit.count({ where: { managerId: staff.id, mode: "phone", visitedAt: dayBounds(date, policy.timeZone) } });
    if (done >= minimum) return null;
    const missing = minimum - done;
    // Suggest whom to call: A/B customers due this week, else those longest without contact.
    let suggestions = (await phoneContactsDue({ db, policy, managerId: staff.id, date })).map((d) => ({ customer: d.customer, classId: d.cls.id as string | null, last: d.last }));
    if (!suggestions.length) {
      const customers = await db.customer.findMany({ where: { managerId: staff.id, active: true, phone: { not: "" } }, orderBy: [{ lastVisitAt: "asc" }, { id: "asc" }], take: missing });
      const last = await lastContacts(db, policy, customers.map((c) => c.id));
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
