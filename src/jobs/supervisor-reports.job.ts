import { addDays, isoWeekday, startOfWeek } from "../core/dates.ts";
import { formatDay } from "../core/format.ts";
import { countWaitingComplaints } from "../modules/complaints/complaints.service.ts";
import { periodAttachments } from "../modules/reports/reports.attachments.ts";
import { overdueText, renderTeamDay, renderTeamPeriod, shopWithClass } from "../modules/reports/reports.render.ts";
import { newlyOverdue, periodOf, teamDayOf, teamOf, teamPeriodOf, weeklyMinimumRisks, withNextPlanned } from "../modules/reports/reports.service.ts";
import { workingDaysOf } from "../modules/reminders/reminders.service.ts";
import { reminderJob } from "./reminder-job.ts";
import type { AppDeps } from "../core/router.ts";
import type { Staff } from "../generated/prisma/client.ts";
import type { Translate } from "../i18n/i18n.ts";
import { countOpenCoordinateProposals } from "../modules/evidence/coordinates.service.ts";
import { evidenceCountsOf, sumEvidence } from "../modules/evidence/evidence-report.service.ts";
import { isoWeekOf, weeklyPriceReport } from "../modules/products/info-point.service.ts";
import { renderPriceBlock } from "../modules/products/info-point.render.ts";

/**
 * What supervisors are sent about their team (times and switches in `policy.reminders`, muteable,
 * through the outbox like every reminder): the evening digest, the Friday and month-end reports,
 * and alerts while something can still be done.
 */

const cronDays = (days: number[]) => [...new Set(days.map((d) => d % 7))].sort().join(",");

async function evidenceDayLine(deps: AppDeps, managers: Staff[], date: string, t: Translate): Promise<string | null> {
  const counts = await evidenceCountsOf({ db: deps.db, policy: deps.policy, managers, from: date, through: date });
  if (!counts) return null;
  const total = sumEvidence(counts.values());
  if (!(total.outside || total.missing || total.tooShort || total.duplicates)) return null;
  return t("evidence-sup.digest", { n: total.fieldVisits, outside: total.outside, missing: total.missing, short: total.tooShort, dup: total.duplicates });
}

/** Visit days: the team's day, with what needs action first. */
export const supervisorDigestJob = reminderJob({
  id: "supervisor-digest",
  reminder: "supervisorDigest",
  audience: "supervisors",
  days: (policy) => ({ dow: cronDays(policy.visitDays) }),
  async build({ job, staff, view }) {
    const managers = await teamOf(job.deps.db, staff);
    if (!managers.length) return null;
    const day = await teamDayOf({ deps: job.deps, managers, date: job.date });
    const { t } = view;
    const action = day.rows.filter((r) => r.flags.some((f) => f === "breached" || f === "due-soon" || f === "unlogged" || f === "below-minimum" || f === "unbound"));
    const head = action.length ? t("reports.digest.action", { n: action.length }) : t("reports.digest.all-well");
    // Escalated to the supervisor and not acknowledged yet: theirs to act on tonight.
    const waiting = await countWaitingComplaints(job.deps, staff);
    const coords = await countOpenCoordinateProposals({ db: job.deps.db, viewer: staff });
    // The day's visit evidence, when something is to look at (out of radius, no check-in, too short, a recycled photo).
    const evidence = await evidenceDayLine(job.deps, managers, job.date, t);
    const title = [
      t("reports.digest.title", { day: formatDay(job.date, t), n: managers.length }),
      head,
      ...(waiting ? [t("reports.digest.complaints", { n: waiting })] : []),
      ...(evidence ? [evidence] : []),
      ...(coords ? [t("coords.digest", { n: coords })] : []),
    ].join("\n");
    return { reply: renderTeamDay(view, day, job.deps.clock.now(), { title }) };
  },
});

/** Friday: the week against the standard, with its chart. */
export const weeklyReportJob = reminderJob({
  id: "weekly-report",
  reminder: "weeklyReport",
  audience: "supervisors",
  days: () => ({ dow: "5" }),
  async build({ job, staff, view }) {
    const managers = await teamOf(job.deps.db, staff);
    if (!managers.length) return null;
    const period = await teamPeriodOf({ deps: job.deps, managers, kind: "week", ...periodOf("week", job.date) });
    // The info points' prices of the week (standard §5), per brand and product.
    const week = isoWeekOf(job.date);
    const prices = renderPriceBlock(view.t, week, await weeklyPriceReport({ db: job.deps.db, week, managerIds: managers.map((m) => m.id) }));
    const text = [renderTeamPeriod(view, period), ...prices].join("\n");
    return { reply: { text, attachments: await periodAttachments(view, period) }, subject: startOfWeek(job.date) };
  },
});

/** First of the month's last three days: the month so far, with its chart. */
export const monthlyReportJob = reminderJob({
  id: "monthly-report",
  reminder: "monthlyReport",
  audience: "supervisors",
  days: () => ({ dom: "L-2" }),
  async build({ job, staff, view }) {
    const managers = await teamOf(job.deps.db, staff);
    if (!managers.length) return null;
    const range = periodOf("month", job.date);
    const period = await teamPeriodOf({ deps: job.deps, managers, kind: "month", ...range });
    return { reply: { text: renderTeamPeriod(view, period), attachments: await periodAttachments(view, period) }, subject: range.from.slice(0, 7) };
  },
});

/** Working-day evenings: who can no longer reach the week's visit-day minimum. */
export const weeklyMinimumAlertJob = reminderJob({
  id: "weekly-minimum-alert",
  reminder: "weeklyMinimumAlert",
  audience: "supervisors",
  days: (policy) => (policy.minVisitDaysPerWeek > 0 ? { dow: cronDays(workingDaysOf(policy)) } : null),
  async build({ job, staff, view }) {
    const managers = await teamOf(job.deps.db, staff);
    if (!managers.length) return null;
    const risks = await weeklyMinimumRisks({ deps: job.deps, managers, date: job.date });
    if (!risks.length) return null;
    const { t } = view;
    return {
      reply: {
        text: [
          t("reports.alert.minimum-title", { n: risks.length, min: job.deps.policy.minVisitDaysPerWeek }),
          ...risks.map((r) => t("reports.alert.minimum-line", { name: r.manager.name, code: r.manager.code, done: r.visitDays, left: r.left, min: r.minimum })),
          t("reports.alert.minimum-footer"),
        ].join("\n"),
        choices: risks.slice(0, 10).map((r) => ({ label: `${r.manager.name} ${r.manager.code}`, value: `/team ${r.manager.code}` })),
      },
      // Told once a week per set of people: someone new at risk later in the week is a new message.
      subject: `${startOfWeek(job.date)}:${risks.map((r) => r.manager.id).join(",")}`,
    };
  },
});

/** How many of a manager's newly overdue customers the alert names. */
const OVERDUE_ALERT_SHOWN = 8;

/** Working-day mornings: customers of the closely served classes who just went overdue, and whether the plan has them. */
export const overdueAlertJob = reminderJob({
  id: "overdue-alert",
  reminder: "overdueAlert",
  audience: "supervisors",
  days: (policy) => ({ dow: cronDays(workingDaysOf(policy)) }),
  async build({ job, staff, view }) {
    const { deps } = job;
    const managers = await teamOf(deps.db, staff);
    if (!managers.length) return null;
    // Since the previous working day, so a customer who crossed at the weekend is not missed.
    const work = workingDaysOf(deps.policy);
    let since = addDays(job.date, -1);
    for (let i = 0; i < 7 && !work.includes(isoWeekday(since)); i++) since = addDays(since, -1);
    const alerts = await newlyOverdue({ deps, managers, since, date: job.date });
    if (!alerts.length) return null;
    const { t } = view;
    for (const a of alerts) await withNextPlanned({ db: deps.db, managerId: a.manager.id, customers: a.customers.slice(0, OVERDUE_ALERT_SHOWN), from: job.date });
    const lines = [t("reports.alert.overdue-title", { n: alerts.reduce((s, a) => s + a.customers.length, 0) })];
    for (const a of alerts) {
      lines.push(t("reports.alert.overdue-manager", { name: a.manager.name, code: a.manager.code, n: a.customers.length }));
      for (const c of a.customers.slice(0, OVERDUE_ALERT_SHOWN)) {
        lines.push(`  · ${shopWithClass(view, c.name, c.classId)}` + overdueText(view, c, job.date));
      }
      if (a.customers.length > OVERDUE_ALERT_SHOWN) lines.push(t("reports.alert.overdue-more", { n: a.customers.length - OVERDUE_ALERT_SHOWN }));
    }
    return { reply: { text: lines.join("\n"), choices: alerts.slice(0, 10).map((a) => ({ label: `${a.manager.name} ${a.manager.code}`, value: `/team ${a.manager.code}` })) } };
  },
});

export const supervisorJobs = [supervisorDigestJob, weeklyReportJob, monthlyReportJob, weeklyMinimumAlertJob, overdueAlertJob];
