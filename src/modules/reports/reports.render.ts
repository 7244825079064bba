import type { TPolicy } from "../../config/policy.ts";
import type { Choice } from "../../core/chat.ts";
import { formatDay, formatMinutes } from "../../core/format.ts";
import type { CommandContext } from "../../core/router.ts";
import { classLabel } from "../customers/class-label.ts";
import { evidenceCountsPart, evidenceParts, evidenceTotalLine } from "../evidence/evidence.render.ts";
import { OVERDUE_SHOWN } from "./reports.service.ts";
import type { ManagerPeriodRow, ManagerReport, PeriodFigures, TeamDay, TeamDayRow, TeamPeriod, CoverageFigures } from "./reports.service.ts";

/**
 * Text of the supervisor's views, shared by the chat commands and the pushed digests and reports, so
 * a digest reads exactly like the command's answer.
 */

type View = Pick<CommandContext, "t" | "deps" | "locale">;

/** A team view lists this many managers by name; the rest are summed up in one line. */
export const TEAM_LINES = 30;

const num = (n: number | null, digits = 1) => (n === null ? "–" : Number.isInteger(n) ? String(n) : n.toFixed(digits));
const mark = (ok: boolean) => (ok ? "✅" : "⚠️");

function dayParts(v: View, r: TeamDayRow, now: Date): string[] {
  const { t } = v;
  const parts: string[] = [];
  if (r.onLeave) parts.push(t("reports.day.on-leave"));
  else if (!r.visitDay && r.planned === 0) parts.push(t("reports.day.no-visit-day"));
  else if (r.planned === 0) parts.push(t("reports.day.no-plan", { n: r.visits }));
  else {
    const ok = r.done >= r.planned;
    parts.push(t("reports.day.visits", { done: r.done, planned: r.planned }) + (ok ? " ✅" : ""));
  }
  if (r.planned > 0 && r.visits > r.done) parts.push(t("reports.day.unplanned", { n: r.visits - r.done }));
  if (r.moved) parts.push(t("reports.day.moved", { n: r.moved }));
  if (r.unlogged) parts.push(t("reports.day.unlogged", { n: r.unlogged }));
  if (r.calls) parts.push(t("reports.day.calls", { n: r.calls }));
  if (r.breachedComplaints) parts.push(t("reports.day.complaints-breached", { n: r.breachedComplaints }));
  const pending = r.openComplaints - r.breachedComplaints;
  if (pending > 0 && r.nextDeadline) {
    parts.push(t("reports.day.complaints-open", { n: pending, left: formatMinutes(Math.max(0, (r.nextDeadline.getTime() - now.getTime()) / 60000), t) }));
  }
  if (r.flags.includes("below-minimum")) parts.push(t("reports.day.below-minimum", { min: v.deps.policy.dailyMinimum }));
  if (r.flags.includes("not-started")) parts.push(t("reports.day.not-started"));
  if (!r.bound) parts.push(t("reports.day.unbound"));
  return parts;
}

function dayLine(v: View, r: TeamDayRow, now: Date): string {
  const parts = dayParts(v, r, now);
  const icon = r.flags.some((f) => f === "breached" || f === "due-soon" || f === "unbound" || f === "unlogged" || f === "below-minimum") ? "🔴" : r.flags.length ? "🟡" : "🟢";
  return `${icon} ${v.t("reports.line", { who: `${r.manager.name} ${r.manager.code}`, parts: parts.join(" · ") })}`;
}

/** /team: one line per manager, most in need of attention first, with buttons into each. */
export function renderTeamDay(v: View, day: TeamDay, now: Date, opts: { title?: string } = {}): { text: string; choices: Choice[] } {
  const { t } = v;
  const lines = [opts.title ?? t("reports.day.title", { day: formatDay(day.date, t), n: day.rows.length })];
  if (!day.rows.length) return { text: [...lines, t("reports.no-team")].join("\n"), choices: [] };
  const shown = day.rows.slice(0, TEAM_LINES);
  lines.push(...shown.map((r) => dayLine(v, r, now)));
  const rest = day.rows.slice(TEAM_LINES);
  if (rest.length) lines.push(t("reports.day.more", { n: rest.length, done: rest.reduce((s, r) => s + r.done, 0), planned: rest.reduce((s, r) => s + r.planned, 0) }));
  const done = day.rows.reduce((s, r) => s + r.done, 0);
  const planned = day.rows.reduce((s, r) => s + r.planned, 0);
  lines.push(t("reports.day.total", { done, planned, calls: day.rows.reduce((s, r) => s + r.calls, 0), unbound: day.rows.filter((r) => !r.bound).length }));
  lines.push(t("reports.day.footer"));
  return { text: lines.join("\n"), choices: shown.map((r) => ({ label: `${r.manager.name} ${r.manager.code}`, value: `/team ${r.manager.code}` })) };
}

/** The standard's minimums the figures are checked against, in one line. */
export function standardLine(v: View): string {
  const { t } = v;
  const p = v.deps.policy;
  const parts = [t("reports.std.visit-days", { n: p.minVisitDaysPerWeek }), t("reports.std.daily", { n: p.dailyMinimum })];
  if (p.minCustomersPerOuting > 0) parts.push(t("reports.std.outing", { n: p.minCustomersPerOuting }));
  if (p.phoneContactsPerDay > 0) parts.push(t("reports.std.phone", { n: p.phoneContactsPerDay }));
  parts.push(t("reports.std.sla", { h: num(p.complaint.slaMinutes / 60) }));
  return t("reports.std.line", { rules: parts.join(" · ") });
}

/** A period view of one manager's own figures (/me week) rather than a team's. */
export function isSelfView(p: TeamPeriod): boolean {
  return p.rows.length === 1 && p.self === true;
}

function periodTitle(v: View, p: TeamPeriod): string {
  const { t } = v;
  const range = t("reports.range", { from: formatDay(p.from, t), to: formatDay(p.to, t) });
  const through = p.through < p.to ? t("reports.through", { day: formatDay(p.through, t) }) : "";
  return t(`reports.period.title-${isSelfView(p) ? "self-" : ""}${p.kind}`, { range, through });
}

/**
 * Field visits and visits per visit day, marked against the daily minimum. Today, while it runs,
 * counts in the visits but not in the per-day figure or the mark: it is judged once it is over.
 */
function visitsPart(v: View, f: PeriodFigures): string {
  const { t } = v;
  const judgedDays = f.visitDays - f.openDays;
  if (!f.openDays) return t("reports.fig.visits", { n: f.fieldVisits, per: num(f.visitsPerVisitDay) }) + (f.visitDays ? " " + mark(f.daysBelowMinimum === 0) : "");
  if (!judgedDays) return t("reports.fig.visits-today", { n: f.fieldVisits });
  const per = Math.round((10 * (f.fieldVisits - f.openDayVisits)) / judgedDays) / 10;
  return t("reports.fig.visits-open", { n: f.fieldVisits, per: num(per) }) + " " + mark(f.daysBelowMinimum === 0);
}

function figuresLine(v: View, f: PeriodFigures, policy: TPolicy): string[] {
  const { t } = v;
  const parts = [
    t("reports.fig.visit-days", { n: f.visitDays, need: f.visitDaysRequired }) + " " + mark(f.weeksMet >= f.weeks),
    visitsPart(v, f),
  ];
  if (f.daysBelowMinimum) parts.push(t("reports.fig.below-min", { n: f.daysBelowMinimum, min: policy.dailyMinimum }));
  if (policy.minCustomersPerOuting > 0 && f.outingsBelowMinimum) parts.push(t("reports.fig.below-outing", { n: f.outingsBelowMinimum, min: policy.minCustomersPerOuting }));
  if (f.visits > f.fieldVisits) parts.push(t("reports.fig.remote", { n: f.visits - f.fieldVisits }));
  if (policy.phoneContactsPerDay > 0) parts.push(t("reports.fig.phone-days", { n: f.phoneContacts, met: f.phoneDaysMet, days: f.phoneDays }) + " " + mark(f.phoneDaysMet >= f.phoneDays));
  else if (f.phoneContacts) parts.push(t("reports.fig.phone", { n: f.phoneContacts }));
  if (f.skipped) parts.push(t("reports.fig.skipped", { n: f.skipped }));
  if (f.leaveDays) parts.push(t("reports.fig.leave", { n: f.leaveDays }));
  return parts;
}

function coverageParts(v: View, c: CoverageFigures): string[] {
  const { t } = v;
  const parts = [t("reports.cov.pct", { pct: num(c.coveragePct), covered: c.covered, eligible: c.eligible })];
  if (c.overdue) parts.push(t("reports.cov.overdue", { n: c.overdue }));
  if (c.never) parts.push(t("reports.cov.never", { n: c.never }));
  if (c.phone && c.phone.due) parts.push(t("reports.cov.phone", { done: c.phone.done, due: c.phone.due }));
  return parts;
}

function complaintParts(v: View, f: PeriodFigures): string[] {
  const { t } = v;
  if (!f.complaints) return [];
  return [t("reports.cmp.line", { n: f.complaints, pct: num(f.complaintsOnTimePct), breached: f.complaintsBreached, open: f.complaintsOpen })];
}

/** /team week, /team month: the team against the standard, one line per manager. */
export function renderTeamPeriod(v: View, p: TeamPeriod): string {
  const { t } = v;
  const policy = v.deps.policy;
  const lines = [periodTitle(v, p), standardLine(v)];
  if (!p.rows.length) return [...lines, t("reports.no-team")].join("\n");
  const tot = p.totals;
  if (!isSelfView(p)) lines.push(
    t("reports.period.totals", {
      visits: tot.fieldVisits,
      days: tot.visitDays,
      // Today, while it runs, is not in the average (as in each manager's line).
      per: num(tot.openDays ? (tot.visitDays > tot.openDays ? Math.round((10 * (tot.fieldVisits - tot.openDayVisits)) / (tot.visitDays - tot.openDays)) / 10 : null) : tot.visitsPerVisitDay),
      cov: num(tot.coveragePct),
      overdue: tot.overdue,
      met: p.rows.filter((r) => r.figures.weeksMet >= r.figures.weeks).length,
      n: p.rows.length,
    }),
  );
  if (tot.complaints && !isSelfView(p)) lines.push(t("reports.period.complaints", { n: tot.complaints, pct: num(tot.complaintsOnTimePct), breached: tot.complaintsBreached }));
  if (p.evidence && !isSelfView(p)) lines.push(evidenceTotalLine(t, p.evidence.total));
  // Those below the standard first, so the supervisor reads who needs a word.
  const rows = [...p.rows].sort((a, b) => score(b) - score(a) || a.manager.code.localeCompare(b.manager.code));
  for (const r of rows.slice(0, TEAM_LINES)) {
    const parts = [...figuresLine(v, r.figures, policy), ...coverageParts(v, r.coverage), ...complaintParts(v, r.figures)];
    if (r.figures.summaries) parts.push(t("reports.fig.summaries", { n: r.figures.summaries }));
    const evidence = evidenceCountsPart(t, p.evidence?.byManager.get(r.manager.id));
    if (evidence) parts.push(evidence);
    lines.push(t("reports.line", { who: `${r.manager.name} ${r.manager.code}`, parts: parts.join(" · ") }));
  }
  if (rows.length > TEAM_LINES) lines.push(t("reports.period.more", { n: rows.length - TEAM_LINES }));
  if (!isSelfView(p)) lines.push(t("reports.period.footer"));
  return lines.join("\n");
}

function score(r: TeamPeriod["rows"][number]): number {
  const f = r.figures;
  return (f.weeks - f.weeksMet) * 100 + f.daysBelowMinimum * 10 + f.complaintsBreached * 50 + r.coverage.overdue / 10;
}

const STOP_ICON: Record<string, string> = { done: "✅", planned: "⬜", skipped: "↪️" };

/** /team M001 (and /me): one manager's day, week, month and cycle. */
export function renderManager(v: View, r: ManagerReport, now: Date): string {
  const { t } = v;
  const policy = v.deps.policy;
  const lines: string[] = [];
  lines.push(t("reports.mgr.title", { name: r.manager.name, code: r.manager.code }) + (r.supervisor ? t("reports.mgr.supervisor", { name: r.supervisor.name }) : ""));
  lines.push(t("reports.mgr.today", { day: formatDay(r.date, t) }) + dayParts(v, r.day, now).join(" · "));
  const evidenceOf = new Map(r.evidence.map((e) => [e.visitId, e]));
  for (const s of r.stops.slice(0, 25)) {
    const e = s.visitId !== null ? evidenceOf.get(s.visitId) : undefined;
    const proof = e ? evidenceParts(t, e) : [];
    // Measured minutes carry the reported ones beside them: the duration is not said twice.
    const reported = s.durationMin && !(e && e.measuredMin !== null) ? ` · ${formatMinutes(s.durationMin, t)}` : "";
    const when = s.loggedAt ? ` ${s.loggedAt}${reported}${proof.map((p) => ` · ${p}`).join("")}` : "";
    lines.push(`  ${s.n}. ${STOP_ICON[s.status] ?? "⬜"} ${shopWithClass(v, s.name, s.classId)}${s.booked ? t("reports.mgr.booked") : ""}${when}`);
  }
  if (r.stops.length > 25) lines.push(t("reports.mgr.more-stops", { n: r.stops.length - 25 }));
  // Visits not on today's list (unplanned, or a stop beyond the 25 shown) with their evidence.
  const onList = new Set(r.stops.slice(0, 25).map((s) => s.visitId));
  const others = r.evidence.filter((e) => !onList.has(e.visitId));
  if (others.length) {
    lines.push(t("evidence-sup.other-visits"));
    for (const e of others.slice(0, 25)) {
      const reported = e.reportedMin && e.measuredMin === null ? ` · ${formatMinutes(e.reportedMin, t)}` : "";
      lines.push(`  · ${e.time} ${shopWithClass(v, e.shop, e.classId)}${reported}${evidenceParts(t, e).map((p) => ` · ${p}`).join("")}`);
    }
  }
  lines.push(t("reports.mgr.week", { range: t("reports.range", { from: formatDay(r.week.from, t), to: formatDay(r.week.to, t) }) }) + figuresLine(v, r.week, policy).join(" · "));
  lines.push(t("reports.mgr.month") + figuresLine(v, r.month, policy).join(" · "));
  const c = r.coverage;
  lines.push(t("reports.mgr.coverage") + coverageParts(v, c).join(" · "));
  const overdueClasses = c.byClass.filter((b) => b.overdue);
  if (overdueClasses.length) {
    lines.push(t("reports.mgr.overdue") + overdueClasses.map((b) => t("reports.mgr.overdue-class", { cls: classLabel(v, b.classId), n: b.overdue, days: b.maxDaysOverdue })).join(" · "));
    for (const w of c.worst.slice(0, OVERDUE_SHOWN)) {
      lines.push(`  · ${shopWithClass(v, w.name, w.classId)}` + overdueText(v, w, r.date));
    }
  }
  if (c.credit && c.credit.customers) lines.push(t("reports.mgr.credit", { done: c.credit.done, required: c.credit.required, met: c.credit.met, n: c.credit.customers }));
  const cmp = complaintParts(v, r.month);
  lines.push(t("reports.mgr.complaints") + (cmp[0] ?? t("reports.mgr.no-complaints")));
  if (r.month.byClassMinutes.length) {
    lines.push(
      t("reports.mgr.minutes") +
        r.month.byClassMinutes
          .map((b) => t("reports.mgr.minutes-class", { cls: classLabel(v, b.classId), avg: b.avg, min: b.min, max: b.max }) + (b.avg < b.min || b.avg > b.max ? " ⚠️" : ""))
          .join(" · "),
    );
  }
  for (const s of r.lastSummaries) {
    lines.push(t(`reports.mgr.summary-${s.period}`, { day: formatDay(s.periodStart, t) }));
    if (s.achievements) lines.push(`  ${t("summary.form.achievements-label")}${s.achievements}`);
    if (s.problems) lines.push(`  ${t("summary.form.problems-label")}${s.problems}`);
    if (s.focus) lines.push(`  ${t(`summary.form.focus-label-${s.period}`)}${s.focus}`);
  }
  return lines.join("\n");
}

/** Text of a chart's title and its axis, used by the period views' chart image. */
export function chartSpecOf(v: View, p: TeamPeriod): { title: string; subtitle: string; categories: string[]; series: { name: string; values: (number | null)[] }[]; threshold: { name: string; value: number }; unit: string } {
  const { t } = v;
  const rows = p.rows.slice(0, 40);
  return {
    // The chart's font has no emoji: a title's 📊 would be a box.
    title: periodTitle(v, p).replace(/\p{Extended_Pictographic}\uFE0F?\s*/gu, ""),
    subtitle: standardLine(v),
    categories: rows.map((r) => r.manager.name),
    series: [
      { name: t("reports.chart.per-day"), values: rows.map((r) => r.figures.visitsPerVisitDay) },
      { name: t("reports.chart.visit-days"), values: rows.map((r) => r.figures.visitDays) },
    ],
    threshold: { name: t("reports.chart.daily-min", { n: v.deps.policy.dailyMinimum }), value: v.deps.policy.dailyMinimum },
    unit: t("reports.chart.unit"),
  };
}

/** The period's figures in one line, under a manager's weekly or monthly summary. */
export function summaryFiguresLine(v: View, r: ManagerPeriodRow): string {
  return v.t("reports.summary-figures") + periodFiguresText(v, r);
}

/** A manager's figures of a period in one line: visits against the standard, coverage, complaints. */
export function periodFiguresText(v: View, r: ManagerPeriodRow): string {
  return [...figuresLine(v, r.figures, v.deps.policy), ...coverageParts(v, r.coverage), ...complaintParts(v, r.figures)].join(" · ");
}

/** "惠民超市（核心客户）" / "Huimin (core)". */
export function shopWithClass(v: View, name: string, classId: string): string {
  return v.t("reports.shop-class", { name, cls: classLabel(v, classId) });
}

/** " 超期 8 天（上次 11月10日）" or " 超期 78 天（从未拜访）". */
export function overdueText(v: View, w: { daysOverdue: number; last: string | null; next?: string | null }, today?: string): string {
  const base = w.last ? v.t("reports.mgr.overdue-days", { days: w.daysOverdue, last: formatDay(w.last, v.t) }) : v.t("reports.mgr.overdue-never", { days: w.daysOverdue });
  // Whether the plan already has them (looked up only for the customers shown).
  if (w.next === undefined) return base;
  if (w.next === null) return base + v.t("reports.overdue.unplanned");
  return base + (w.next === today ? v.t("reports.overdue.today") : v.t("reports.overdue.planned", { day: formatDay(w.next, v.t) }));
}
