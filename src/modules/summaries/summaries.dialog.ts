import { z } from "zod";
import type { Reply } from "../../core/chat.ts";
import { localDate } from "../../core/dates.ts";
import { formatDay } from "../../core/format.ts";
import { FormEngine } from "../../core/forms/form-engine.ts";
import { chatFormEnv, sessionKeyOf, type ChatFormEnv } from "../../core/forms/form-router.ts";
import type { FormDefinition } from "../../core/forms/form-types.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { brandKpis } from "../products/brand-kpi.service.ts";
import { renderOwnBrandKpis } from "../products/brand-kpi.render.ts";
import { periodOf, periodRows } from "../reports/reports.service.ts";
import { periodFiguresText } from "../reports/reports.render.ts";
import { currentSummary, periodEndOf, periodStartOf, saveSummary, type SummaryPeriod } from "./summaries.service.ts";

type Env = ChatFormEnv;

export const SUMMARY_FORM_VERSION = 1;
const text = z.string().trim().min(1).max(1000, "forms.err.too-long");

/**
 * The weekly and the monthly summary as short forms (what went well, problems, next period's focus),
 * opened from the Friday and month-end reminders or typed; the answers go to the supervisor.
 */
function summaryForm(period: Exclude<SummaryPeriod, "day">): FormDefinition<Env> {
  return {
    id: `summary-${period}`,
    version: SUMMARY_FORM_VERSION,
    command: period === "week" ? "/weekly" : "/monthly",
    steps: [
      {
        id: "achievements",
        type: "text",
        schema: text,
        async prompt(ctx) {
          const { env } = ctx;
          const ask = env.t(`summary.form.achievements-${period}`);
          // What the period's figures are so far (the supervisor reads them under the summary): the
          // summary is written from them, not from memory.
          const { rows } = await periodRows({ deps: env.deps, managers: [env.staff], ...periodOf(period, env.today) });
          const own = rows[0] ? [env.t(`summary.form.figures-${period}`) + periodFiguresText(env, rows[0])] : [];
          if (period !== "month") return [...own, "", ask].join("\n");
          // The month's market analysis starts from the month's figures: the products cultivated, 上柜率 and 再购率.
          const start = periodStartOf("month", env.today);
          const k = await brandKpis({ db: env.deps.db, timeZone: env.deps.policy.timeZone, managers: [env.staff], from: start, to: env.today });
          const figures = renderOwnBrandKpis(env.t, k);
          return [...own, ...figures, "", ask].join("\n");
        },
      },
      {
        id: "problems",
        type: "text",
        schema: text,
        prompt: (ctx) => ctx.env.t(period === "month" ? "summary.form.problems-month" : "summary.form.problems"),
        options: (ctx) => [{ value: ctx.env.t("summary.form.none"), label: ctx.env.t("summary.form.none") }],
      },
      ...(period === "month" ? [{ id: "goals", type: "text" as const, schema: text, prompt: (ctx: { env: Env }) => ctx.env.t("summary.form.goals-month") }] : []),
      { id: "focus", type: "text", schema: text, prompt: (ctx) => ctx.env.t(`summary.form.focus-${period}`) },
    ],
    describe(ctx) {
      const start = periodStartOf(period, ctx.env.today);
      const { t } = ctx.env;
      return t(`summary.form.title-${period}`, { range: t("reports.range", { from: formatDay(start, t), to: formatDay(periodEndOf(period, start), t) }) });
    },
    async complete(ctx) {
      const { env, answers, tx } = ctx;
      const { t } = env;
      const saved = await saveSummary({
        tx,
        deps: env.deps,
        manager: env.staff,
        input: { period, achievements: String(answers.achievements), problems: String(answers.problems), focus: String(answers.focus), ...(typeof answers.goals === "string" ? { goals: answers.goals } : {}) },
      });
      const head = t(saved.replaced ? "summary.form.replaced" : "summary.form.saved");
      const tail = !saved.supervisor
        ? t("summary.no-supervisor")
        : saved.delivered
          ? t("summary.sent", { supervisor: saved.supervisor.name })
          : t("summary.saved-unreachable", { supervisor: saved.supervisor.name });
      return { text: `${head}\n${tail}` } satisfies Reply;
    },
  };
}

export const weeklySummaryForm = summaryForm("week");
export const monthlySummaryForm = summaryForm("month");
export const summaryForms: FormDefinition<Env>[] = [weeklySummaryForm, monthlySummaryForm];

async function startSummary(ctx: CommandContext, period: "week" | "month"): Promise<Reply[]> {
  const staff = ctx.staff!;
  // The app's engine (every form); a bare router falls back to one knowing these forms only.
  const engine = ctx.deps.forms ?? new FormEngine<Env>({ db: ctx.deps.db, forms: summaryForms });
  const existing = await currentSummary({ deps: ctx.deps, manager: staff, period });
  const intro = existing ? ctx.t("summary.form.rewrite", { day: formatDay(localDate(existing.updatedAt, ctx.deps.policy.timeZone), ctx.t) }) : undefined;
  const form = period === "week" ? weeklySummaryForm : monthlySummaryForm;
  return engine.start(sessionKeyOf(ctx.msg), form, chatFormEnv({ ...ctx, staff }), { staffId: staff.id, ...(intro ? { intro } : {}) });
}

export const summaryCommands: Command[] = [
  { name: "weekly", audience: "manager", aliases: ["周小结", "周总结", "周报"], helpKey: "help.weekly", run: (ctx) => startSummary(ctx, "week") },
  { name: "monthly", audience: "manager", aliases: ["月小结", "月总结", "月报"], helpKey: "help.monthly", run: (ctx) => startSummary(ctx, "month") },
];
