import type { TPolicy } from "../../config/policy.ts";
import { formatDay } from "../../core/format.ts";
import type { Translate } from "../../i18n/i18n.ts";
import { totalSuggestedOrder } from "./inventory.ts";
import type { DaySummary } from "./visits.service.ts";

/** /summary's text: the day so far (also what the supervisor receives when it is sent). */
export function renderDaySummary(t: Translate, policy: TPolicy, s: DaySummary, opts: { forSupervisor?: boolean } = {}): string {
  const lines = [t("forms.summary.title", { day: formatDay(s.date, t) })];
  if (s.isVisitDay && s.planned) lines.push(t("forms.summary.visits-plan", { done: s.planDone, planned: s.planned, visits: s.visits.length }));
  else lines.push(t("forms.summary.visits", { visits: s.visits.length }));
  const target = policy.phoneContactsPerDay;
  lines.push(target ? t("forms.summary.calls-target", { n: s.calls.length, target }) : t("forms.summary.calls", { n: s.calls.length }));
  if (s.inventory.length) {
    const total = totalSuggestedOrder(s.inventory.flatMap((x) => x.lines));
    lines.push(t("forms.summary.inventory", { total }));
    for (const x of s.inventory) {
      const parts = x.lines.map((l) => t("forms.inventory.summary-line", { product: l.product, suggested: l.suggestedOrder }));
      lines.push(`  · ${x.customer.name}：${parts.join(t("list.separator"))}`);
    }
  }
  if (s.complaints.length) {
    const open = s.complaints.filter((c) => c.status === "open");
    lines.push(t("forms.summary.problems", { n: s.complaints.length, open: open.length, escalate: s.complaints.filter((c) => !c.canResolve).length }));
    for (const c of s.complaints) {
      const flag = c.status !== "open" ? t("forms.summary.problem-resolved") : c.canResolve ? t("forms.summary.problem-self") : t("forms.summary.problem-escalated");
      lines.push(`  · ${c.customer.name}：${c.text}（${flag}）`);
    }
  } else {
    lines.push(t("forms.summary.no-problems"));
  }
  if (s.unlogged.length) {
    lines.push(t("forms.summary.unlogged", { n: s.unlogged.length }));
    for (const u of s.unlogged) lines.push(`  ${u.n}. ${u.customer.name}`);
    // How to log them is the manager's hint, not the supervisor's.
    if (!opts.forSupervisor) lines.push(t("forms.summary.unlogged-hint"));
    return lines.join("\n");
  }
  if (s.isVisitDay && s.planned) lines.push(t("forms.summary.all-logged"));
  return lines.join("\n");
}

