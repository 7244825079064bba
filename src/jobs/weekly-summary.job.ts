import { addDays, startOfWeek } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { ensurePlan } from "../modules/planning/planning.service.ts";
import { countPlannedByStatus, countPlannedPerDay } from "../modules/reports/reports.service.ts";
import { tallyVisits } from "../modules/visits/visits.service.ts";
import { reminderJob } from "./reminder-job.ts";
import { listFilesUpdatedThisWeek, listMissingKeyPeople } from "../modules/customers/customer-file.service.ts";
import { DETAIL_NAMES, renderKeyAccountWeek } from "../modules/customers/key-account.render.ts";

/** Friday afternoon: the week in figures and next week's plan, to write the weekly summary and plan. */
export const weeklySummaryJob = reminderJob({
  id: "weekly-summary",
  reminder: "weeklySummary",
  days: () => ({ dow: "5" }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { db, policy } = deps;
    const { t } = view;
    const from = startOfWeek(date);
    const to = addDays(from, 6);
    const planned = await countPlannedByStatus({ db, managerId: staff.id, from, to: date });
    const n = (s: string) => planned[s] ?? 0;
    const tally = await tallyVisits({ db, policy, managerId: staff.id, from, to });
    const nextFrom = addDays(from, 7);
    const nextTo = addDays(nextFrom, 6);
    await ensurePlan({ deps, staff, date: nextTo });
    const next = await countPlannedPerDay({ db, managerId: staff.id, from: nextFrom, to: nextTo });
    const nextTotal = next.reduce((s, g) => s + g.count, 0);
    // 润滑油规范 第二十一、三十三条: two files a week; every mid/large customer has a key person.
    const keyAccount =
      policy.preset === "key-account"
        ? renderKeyAccountWeek(view, {
            files: await listFilesUpdatedThisWeek({ db, policy, managerId: staff.id, date, take: DETAIL_NAMES }),
            missingKeyPerson: await listMissingKeyPeople({ db, managerId: staff.id, take: DETAIL_NAMES }),
          })
        : [];
    return {
      reply: {
        text: [
          t("reminders.weekly-summary.header", { from: formatDay(from, t), to: formatDay(to, t) }),
          t("reminders.weekly-summary.figures", {
            visits: tally.visits,
            field: tally.field,
            phone: tally.phone,
            days: tally.fieldDays,
            done: n("done"),
            planned: n("done") + n("planned"),
            skipped: n("skipped"),
          }),
          nextTotal
            ? t("reminders.weekly-summary.next", { count: nextTotal, days: next.map((g) => `${formatDay(g.date, t)} ${g.count}`).join(" · ") })
            : t("reminders.weekly-summary.next-empty"),
          ...keyAccount,
          t("reminders.weekly-summary.footer"),
        ].join("\n"),
        // The summary itself is a short form; its answers go to the supervisor.
        choices: [{ label: t("summary.write-weekly"), value: "/weekly" }],
      },
    };
  },
});
