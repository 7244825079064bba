import { addDays, localDate, rangeBounds, startOfWeek } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { ensurePlan } from "../modules/planning/planning.service.ts";
import { reminderJob } from "./reminder-job.ts";

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
    const planned = await db.plannedVisit.groupBy({ by: ["status"], where: { managerId: staff.id, date: { gte: from, lte: date } }, _count: { _all: true } });
    const n = (s: string) => planned.find((p) => p.status === s)?._count._all ?? 0;
    const visits = await db.visit.findMany({ where: { managerId: staff.id, visitedAt: rangeBounds(from, to, policy.timeZone) }, select: { visitedAt: true, mode: true } });
    const field = visits.filter((v) => v.mode === "field");
    const days = new Set(field.map((v) => localDate(v.visitedAt, policy.timeZone))).size;
    const nextFrom = addDays(from, 7);
    const nextTo = addDays(nextFrom, 6);
    await ensurePlan({ deps, staff, date: nextTo });
    const next = await db.plannedVisit.groupBy({ by: ["date"], where: { managerId: staff.id, date: { gte: nextFrom, lte: nextTo }, status: "planned" }, _count: { _all: true }, orderBy: { date: "asc" } });
    const nextTotal = next.reduce((s, g) => s + g._count._all, 0);
    return {
      reply: {
        text: [
          t("reminders.weekly-summary.header", { from: formatDay(from, t), to: formatDay(to, t) }),
          t("reminders.weekly-summary.figures", {
            visits: visits.length,
            field: field.length,
            phone: visits.filter((v) => v.mode === "phone").length,
            days,
            done: n("done"),
            planned: n("done") + n("planned"),
            skipped: n("skipped"),
          }),
          nextTotal
            ? t("reminders.weekly-summary.next", { count: nextTotal, days: next.map((g) => `${formatDay(g.date, t)} ${g._count._all}`).join(" · ") })
            : t("reminders.weekly-summary.next-empty"),
          t("reminders.weekly-summary.footer"),
        ].join("\n"),
        // The summary itself is a short form; its answers go to the supervisor.
        choices: [{ label: t("summary.write-weekly"), value: "/weekly" }],
      },
    };
  },
});
