import { createAppContext } from "../app.ts";
import { AppError } from "../core/errors.ts";
import { addDays, endOfMonth, isValidDate, startOfMonth, addMonths } from "../core/dates.ts";
import type { AppDeps } from "../core/router.ts";
import type { Staff } from "../generated/prisma/client.ts";
import { defaultHorizon, generatePlan, today } from "../modules/planning/planning.service.ts";
import { translator } from "../i18n/i18n.ts";
import { toCsv, type Column } from "../modules/reports/reports.export.ts";
import { planExportRows, type PlanExportRow } from "../modules/reports/reports.service.ts";
import { customerLabels } from "../modules/customers/customers.service.ts";
import { findStaffByCode, staffByCodePages } from "../modules/staff/staff.service.ts";
import { cliT, parseArgs, stringOption, unknownStaffMessage } from "./args.ts";
import { isDatabaseEmpty } from "../modules/demo/demo.service.ts";

function emptyDatabase(): AppError {
  return new AppError("cli.unknown-manager", { message: "The database has no staff yet: import managers or seed the demo.", userMessage: unknownStaffMessage("", true) });
}

async function managerByCode(deps: AppDeps, code: string): Promise<Staff> {
  const staff = await findStaffByCode(deps.db, code);
  if (!staff && (await isDatabaseEmpty(deps.db))) throw emptyDatabase();
  if (!staff) throw new AppError("cli.unknown-manager", { message: `No staff member with code "${code}".`, userMessage: unknownStaffMessage(code, false) });
  return staff;
}

/** The named manager, or every active manager in code order, read a page at a time. */
async function* managersFor(deps: AppDeps, code: string | undefined): AsyncGenerator<Staff> {
  if (code) {
    yield await managerByCode(deps, code);
    return;
  }
  let any = false;
  for await (const page of staffByCodePages({ db: deps.db, role: "manager", activeOnly: true })) {
    any ||= page.length > 0;
    yield* page;
  }
  // Planning nobody and saying nothing would look like success.
  if (!any && (await isDatabaseEmpty(deps.db))) throw emptyDatabase();
}

export type { PlanExportRow };

/** The stored plan as it is (an export never generates or changes a plan). */
export async function exportPlan(deps: AppDeps, opts: { manager: string; from: string; weeks: number }): Promise<PlanExportRow[]> {
  const staff = await managerByCode(deps, opts.manager);
  return planExportRows({ db: deps.db, managerId: staff.id, from: opts.from, to: addDays(opts.from, opts.weeks * 7 - 1) });
}

const PLAN_COLUMNS: Column<PlanExportRow>[] = (["date", "sequence", "customerCode", "customerName", "address", "serviceClass"] as const).map((key) => ({ key, label: key }));

/** The plan as CSV, through the one CSV writer (formula-looking cells neutralised, UTF-8 BOM). */
export function planRowsToCsv(rows: PlanExportRow[]): string {
  return toCsv(PLAN_COLUMNS, rows);
}

export async function planCommand(argv: string[]): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const sub = positional[0];
  if (sub !== "generate" && sub !== "export") {
    process.stderr.write(cliT()("cli.plan.usage") + "\n");
    return 2;
  }
  const ctx = await createAppContext();
  try {
    if (sub === "generate") {
      const month = stringOption(options, "month");
      if (month && !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new AppError("cli.bad-month", { message: `--month must look like 2026-12, got "${month}".`, userMessage: { key: "cli.plan.bad-month", params: { month } } });
      const now = today(ctx);
      const monthStart = month ? `${month}-01` : startOfMonth(now);
      const from = monthStart > now ? monthStart : now;
      // Without --month: the same horizon the bot plans on its own (two months ahead from today).
      const to = month ? endOfMonth(addMonths(monthStart, ctx.policy.planningHorizonMonths - 1)) : defaultHorizon(from, ctx.policy.planningHorizonMonths).to;
      if (to < now) throw new AppError("cli.past-month", { message: `${month} is in the past; nothing to plan.`, userMessage: { key: "cli.plan.past-month", params: { month: month ?? "" } } });
      for await (const staff of managersFor(ctx, stringOption(options, "manager"))) {
        const t0 = performance.now();
        const plan = await generatePlan({ deps: ctx, staff, from, to, reason: "generate" });
        const s = plan.result.stats;
        const t = translator(ctx.policy.locale);
        const line = t("cli.plan.line", {
          code: staff.code,
          name: staff.name,
          from,
          to,
          visits: s.plannedVisits,
          days: plan.result.days.filter((d) => d.customerIds.length).length,
          compliance: (s.compliance * 100).toFixed(1),
          coverage: (s.coverage * 100).toFixed(1),
          imbalance: s.imbalance,
          km: (s.totalMetres / 1000).toFixed(1),
          kept: plan.kept ? t("cli.plan.kept", { n: plan.kept }) : "",
          ms: Math.round(performance.now() - t0),
        });
        process.stdout.write(line + "\n");
        if (plan.result.shortfall.visits) {
          const by = Object.entries(plan.result.shortfall.byClass).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(", ");
          process.stdout.write(t("cli.plan.shortfall", { visits: plan.result.shortfall.visits, byClass: by, first: (await customerLabels({ db: ctx.db, ids: plan.result.shortfall.customers.slice(0, 5).map((c) => c.customerId) })).join(", ") }) + "\n");
        }
      }
      return 0;
    }
    const manager = stringOption(options, "manager");
    const from = stringOption(options, "from") ?? today(ctx);
    const weeks = Number(stringOption(options, "weeks") ?? "1");
    const format = stringOption(options, "format") ?? "json";
    const problems = [
      !manager && "--manager CODE is required",
      !isValidDate(from) && `--from must be a date YYYY-MM-DD, got "${from}"`,
      !(Number.isInteger(weeks) && weeks >= 1 && weeks <= 26) && "--weeks must be a whole number from 1 to 26",
      !["json", "csv"].includes(format) && `--format must be json or csv, got "${format}"`,
    ].filter(Boolean);
    if (problems.length) throw new AppError("cli.bad-args", { message: problems.join("\n") });
    const rows = await exportPlan(ctx, { manager: manager!, from, weeks });
    process.stdout.write(format === "csv" ? planRowsToCsv(rows) : JSON.stringify(rows, null, 2) + "\n");
    return 0;
  } finally {
    await ctx.db.$disconnect();
  }
}
