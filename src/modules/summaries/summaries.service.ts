import type { Reply } from "../../core/chat.ts";
import { addDays, localDate, startOfMonth, startOfWeek } from "../../core/dates.ts";
import { formatDay } from "../../core/format.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { Staff, WorkSummary } from "../../generated/prisma/client.ts";
import { renderContextFor } from "../reminders/reminders.service.ts";
import { periodOf, periodRows } from "../reports/reports.service.ts";
import { summaryFiguresLine } from "../reports/reports.render.ts";
import { renderDaySummary } from "../visits/day-summary.ts";
import { daySummary, type DaySummary } from "../visits/visits.service.ts";

/**
 * Managers' written summaries (the standards' daily report, weekly summary and plan, monthly
 * summary and next month's plan): stored for the reports and delivered to the supervisor through
 * the outbox.
 */

export type SummaryPeriod = "day" | "week" | "month";

export function periodStartOf(period: SummaryPeriod, date: string): string {
  return period === "day" ? date : period === "week" ? startOfWeek(date) : startOfMonth(date);
}

export interface SummaryInput {
  period: SummaryPeriod;
  achievements: string;
  problems: string;
  focus: string;
  /** Next month's targets (monthly summaries). */
  goals?: string;
}

export interface SavedSummary {
  summary: WorkSummary;
  supervisor: Staff | null;
  /** Queued to a chat the supervisor is bound to (never claimed otherwise). */
  delivered: boolean;
  /** A summary for this period existed and was replaced. */
  replaced: boolean;
}

/** The nearest supervisor above the manager, or null. */
async function supervisorOf(db: Tx | Db, manager: Staff): Promise<Staff | null> {
  return manager.supervisorId ? db.staff.findUnique({ where: { id: manager.supervisorId } }) : null;
}

/**
 * Saves the manager's summary of the current period (a second one for the same period replaces
 * the first) and queues it to the supervisor. Runs in the caller's transaction.
 */
export async function saveSummary(opts: { tx: Tx; deps: AppDeps; manager: Staff; input: SummaryInput; day?: DaySummary }): Promise<SavedSummary> {
  const { tx, deps, manager, input } = opts;
  const now = deps.clock.now();
  const date = localDate(now, deps.policy.timeZone);
  const periodStart = periodStartOf(input.period, date);
  const where = { managerId_period_periodStart: { managerId: manager.id, period: input.period, periodStart } };
  const before = await tx.workSummary.findUnique({ where });
  const data = { achievements: input.achievements, problems: input.problems, focus: input.focus, goals: input.goals ?? "" };
  let summary = await tx.workSummary.upsert({ where, create: { managerId: manager.id, period: input.period, periodStart, ...data, createdAt: now, updatedAt: now }, update: { ...data, updatedAt: now } });
  const supervisor = await supervisorOf(tx, manager);
  let delivered = false;
  if (supervisor) {
    const to = await resolveRecipient(tx as unknown as Db, supervisor);
    if (to) {
      const reply = await summaryNotice({ deps, manager, supervisor, summary, day: opts.day });
      // One message per version: an edited summary is sent again, a retried completion is not.
      await enqueue({ db: tx as unknown as Db, key: `summary-${input.period}:staff:${supervisor.id}:${manager.id}:${periodStart}:${summary.updatedAt.getTime()}`, kind: `summary-${input.period}`, staffId: supervisor.id, platform: to.platform, chatId: to.chatId, reply, notBefore: now });
      delivered = true;
      summary = await tx.workSummary.update({ where: { id: summary.id }, data: { deliveredAt: now } });
    }
  }
  return { summary, supervisor, delivered, replaced: before !== null };
}

/** The message the supervisor reads: who, which period, the three answers and the period's figures. */
async function summaryNotice(opts: { deps: AppDeps; manager: Staff; supervisor: Staff; summary: WorkSummary; day?: DaySummary }): Promise<Reply> {
  const { deps, manager, supervisor, summary } = opts;
  const view = renderContextFor(deps, supervisor);
  const { t } = view;
  const period = summary.period as SummaryPeriod;
  const range =
    period === "day"
      ? { from: summary.periodStart, to: summary.periodStart }
      : periodOf(period, summary.periodStart);
  const { rows } = period === "day" ? { rows: [] } : await periodRows({ deps, managers: [manager], ...range });
  const lines = [
    t(`summary.notice.title-${period}`, { name: manager.name, code: manager.code, range: period === "day" ? formatDay(range.from, t) : t("reports.range", { from: formatDay(range.from, t), to: formatDay(range.to, t) }) }),
  ];
  if (summary.achievements) lines.push(`${t(period === "day" ? "summary.form.note-label" : "summary.form.achievements-label")}${summary.achievements}`);
  if (summary.problems) lines.push(`${t("summary.form.problems-label")}${summary.problems}`);
  if (summary.goals) lines.push(`${t("summary.form.goals-label")}${summary.goals}`);
  if (summary.focus) lines.push(`${t(`summary.form.focus-label-${period}`)}${summary.focus}`);
  if (opts.day) lines.push(renderDaySummary(t, deps.policy, opts.day, { forSupervisor: true }));
  else if (rows[0]) lines.push(summaryFiguresLine(view, rows[0]));
  return { text: lines.join("\n"), choices: [{ label: t("summary.notice.details"), value: `/team ${manager.code}` }] };
}

/** The manager's summary of the current period, if written. */
export async function currentSummary(opts: { deps: AppDeps; manager: Staff; period: SummaryPeriod }): Promise<WorkSummary | null> {
  const date = localDate(opts.deps.clock.now(), opts.deps.policy.timeZone);
  return opts.deps.db.workSummary.findUnique({ where: { managerId_period_periodStart: { managerId: opts.manager.id, period: opts.period, periodStart: periodStartOf(opts.period, date) } } });
}

/** The last day of the period a summary covers (for "week of … – …"). */
export function periodEndOf(period: SummaryPeriod, start: string): string {
  return period === "day" ? start : period === "week" ? addDays(start, 6) : periodOf("month", start).to;
}

/** /summary send: today's summary (and the manager's optional note) to the supervisor. */
export async function sendDaySummary(opts: { deps: AppDeps; manager: Staff; note: string }): Promise<SavedSummary> {
  // Read (and fix the day's stop numbers) before the write transaction, never inside it.
  const day = await daySummary({ deps: opts.deps, staff: opts.manager });
  return opts.deps.db.$transaction((tx) => saveSummary({ tx, deps: opts.deps, manager: opts.manager, day, input: { period: "day", achievements: opts.note.slice(0, 1000), problems: "", focus: "" } }));
}
