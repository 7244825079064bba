import { reminderJob } from "./reminder-job.ts";
import { listWeeklyPhoneList } from "../modules/reminders/reminders.service.ts";
import { renderPhoneListPage } from "../modules/reminders/phone-list.ts";

/**
 * Monday: key-account A/B customers to phone this week (each at least once a week). The first page
 * of the week's list, numbered P1, P2, … as /calls shows it all week; `/calls 2` has the rest.
 */
export const weeklyPhoneContactsJob = reminderJob({
  id: "weekly-phone-contacts",
  reminder: "weeklyPhoneContacts",
  days: (policy) => (policy.classes.some((c) => c.phoneEvery) ? { dow: "1" } : null),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const list = await listWeeklyPhoneList({ db: deps.db, policy: deps.policy, managerId: staff.id, date });
    // Everyone already phoned (a Monday-morning round before the reminder): nothing worth saying.
    if (!list.some((e) => !e.done)) return null;
    return { reply: renderPhoneListPage(view, list, 1) };
  },
});
