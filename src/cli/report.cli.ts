import { writeFileSync } from "node:fs";
import { createAppContext } from "../app.ts";
import { isValidDate, localDate, startOfMonth } from "../core/dates.ts";
import { AppError } from "../core/errors.ts";
import { teamColumns, toCsv, toJson, toXlsx, visitColumns, type Column } from "../modules/reports/reports.export.ts";
import { findManagerInScope, teamExportRows, visitExportRows } from "../modules/reports/reports.service.ts";
import { findStaffByCode } from "../modules/staff/staff.service.ts";
import { cliT, parseArgs, stringOption, unknownStaffMessage } from "./args.ts";
import { isDatabaseEmpty } from "../modules/demo/demo.service.ts";
import { brandKpiExportRows, brandKpisFor } from "../modules/products/brand-kpi.service.ts";
import { brandKpiColumns } from "../modules/products/brand-kpi.render.ts";
import { endOfMonth } from "../core/dates.ts";
import { isoWeekOf, isoWeekRange, weeklyPriceReport } from "../modules/products/info-point.service.ts";
import { priceColumns, priceExportRows } from "../modules/products/info-point.render.ts";
import { managersInScope, reportScope } from "../modules/reports/reports.service.ts";
import { evidenceExportRows } from "../modules/evidence/evidence-report.service.ts";
import { evidenceColumns } from "../modules/evidence/evidence.render.ts";

/**
 * `visitmate report team|visits`: the supervisor's figures and the visit log as xlsx, csv or json,
 * computed by the reporting service like every chat view. Read-only.
 */

const FORMATS = ["xlsx", "csv", "json"] as const;
type Format = (typeof FORMATS)[number];

function fail(key: string, params: Record<string, string> = {}): never {
  throw new AppError("cli.report", { message: `report: ${key} ${JSON.stringify(params)}`, userMessage: { key, params } });
}

async function write<R>(format: Format, columns: Column<R>[], rows: R[], sheet: string, out: string | undefined, created: Date): Promise<void> {
  const t = cliT();
  if (format === "xlsx") {
    if (!out) fail("cli.report.xlsx-needs-out");
    writeFileSync(out, await toXlsx([{ name: sheet, columns, rows }], { created }));
    process.stderr.write(t("cli.report.written", { file: out, n: String(rows.length) }) + "\n");
    return;
  }
  const text = format === "csv" ? toCsv(columns, rows) : toJson(columns, rows);
  if (out) {
    writeFileSync(out, text);
    process.stderr.write(t("cli.report.written", { file: out, n: String(rows.length) }) + "\n");
  } else process.stdout.write(text);
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const sub = positional[0];
  const t = cliT();
  if (sub !== "team" && sub !== "visits" && sub !== "brands" && sub !== "prices" && sub !== "evidence") {
    process.stderr.write(t("cli.report.usage") + "\n" + t("evidence-sup.cli.usage") + "\n");
    return 2;
  }
  const ctx = await createAppContext();
  try {
    const today = localDate(ctx.clock.now(), ctx.policy.timeZone);
    const from = stringOption(options, "from") ?? startOfMonth(today);
    const to = stringOption(options, "to") ?? today;
    for (const [name, d] of [["--from", from], ["--to", to]] as const) if (!isValidDate(d)) fail("cli.report.bad-date", { option: name, value: d });
    if (from > to) fail("cli.report.from-after-to", { from, to });
    const format = (stringOption(options, "format") ?? "json") as Format;
    if (!FORMATS.includes(format)) fail("cli.report.bad-format", { format });
    const out = stringOption(options, "out");
    const lt = cliT({ VISITMATE_LOCALE: ctx.policy.locale });
    if (sub === "prices") {
      // --week 2026-W49 (default this week); the team of --supervisor, else the whole company.
      const week = (stringOption(options, "week") ?? isoWeekOf(today)).toUpperCase();
      if (!isoWeekRange(week)) fail("cli.report.bad-week", { value: week });
      const code = stringOption(options, "supervisor");
      const viewer = code ? await findStaffByCode(ctx.db, code) : null;
      if (code && !viewer) {
        const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db));
        fail(m.key, m.params);
      }
      const managerIds = viewer ? (await managersInScope(ctx.db, await reportScope(ctx.db, viewer))).map((m) => m.id) : undefined;
      const rows = await weeklyPriceReport({ db: ctx.db, week, managerIds });
      await write(format, priceColumns(lt), priceExportRows(week, rows), lt("info-points.sheet"), out, ctx.clock.now());
      return 0;
    }
    if (sub === "evidence") {
      // --week [2026-W48] or --month [2026-11] (bare: this one); the team of --supervisor, else the whole company.
      const week = options.week;
      const month = options.month;
      let range: { from: string; to: string } | null = null;
      if (week !== undefined) {
        const w = (week === true ? isoWeekOf(today) : week).toUpperCase();
        range = isoWeekRange(w);
        if (!range) fail("cli.report.bad-week", { value: w });
      } else if (month !== undefined) {
        const m = month === true ? today.slice(0, 7) : month;
        if (!/^\d{4}-\d{2}$/.test(m) || !isValidDate(`${m}-01`)) fail("cli.report.bad-month", { value: m });
        range = { from: `${m}-01`, to: endOfMonth(`${m}-01`) };
      } else fail("evidence-sup.cli.needs-period");
      const code = stringOption(options, "supervisor");
      const viewer = code ? await findStaffByCode(ctx.db, code) : null;
      if (code && !viewer) {
        const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db));
        fail(m.key, m.params);
      }
      const managers = await managersInScope(ctx.db, await reportScope(ctx.db, viewer));
      const rows = await evidenceExportRows({ db: ctx.db, policy: ctx.policy, managers, ...range });
      await write(format, evidenceColumns(lt), rows, lt("evidence-sup.sheet"), out, ctx.clock.now());
      return 0;
    }
    if (sub === "brands") {
      // --month 2026-12 (default this month); the team of --supervisor, else the whole company.
      const month = stringOption(options, "month") ?? today.slice(0, 7);
      if (!/^\d{4}-\d{2}$/.test(month) || !isValidDate(`${month}-01`)) fail("cli.report.bad-month", { value: month });
      const code = stringOption(options, "supervisor");
      const viewer = code ? await findStaffByCode(ctx.db, code) : null;
      if (code && !viewer) {
        const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db));
        fail(m.key, m.params);
      }
      const kpis = await brandKpisFor({ db: ctx.db, timeZone: ctx.policy.timeZone, viewer, from: `${month}-01`, to: endOfMonth(`${month}-01`) });
      await write(format, brandKpiColumns(lt), brandKpiExportRows(kpis, lt("brand-kpi.team")), lt("brand-kpi.sheet"), out, ctx.clock.now());
      return 0;
    }
    if (sub === "team") {
      const code = stringOption(options, "supervisor");
      const viewer = code ? await findStaffByCode(ctx.db, code) : null;
      if (code && !viewer) {
        const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db));
        fail(m.key, m.params);
      }
      const { rows } = await teamExportRows({ deps: ctx, viewer, from, to });
      await write(format, teamColumns(lt), rows, lt("reports.sheet.team"), out, ctx.clock.now());
      return 0;
    }
    const code = stringOption(options, "manager");
    if (!code) fail("cli.report.needs-manager");
    if (!(await findManagerInScope(ctx.db, null, code))) {
      const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db));
      fail(m.key, m.params);
    }
    const rows = (await visitExportRows({ deps: ctx, viewer: null, code, from, to }))!;
    await write(format, visitColumns(lt), rows, lt("reports.sheet.visits"), out, ctx.clock.now());
    return 0;
  } finally {
    await ctx.db.$disconnect();
  }
}
