import type { Attachment } from "../../core/chat.ts";
import type { CommandContext } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { renderChart } from "./chart.ts";
import { teamColumns, toXlsx, visitColumns } from "./reports.export.ts";
import { chartSpecOf } from "./reports.render.ts";
import { teamExportRows, visitExportRows, type TeamPeriod, type VisitExportRow } from "./reports.service.ts";

type View = Pick<CommandContext, "t" | "deps" | "locale">;

export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The chart image of a week's or month's view (rendered in the chart worker). */
export async function periodAttachments(v: View, p: TeamPeriod): Promise<Attachment[]> {
  if (!p.rows.length) return [];
  const png = await renderChart(chartSpecOf(v, p));
  return [{ kind: "image", name: `${v.t(`reports.chart.file-${p.self ? "self-" : ""}${p.kind}`)}-${p.from}.png`, mime: "image/png", base64: png.toString("base64") }];
}

/** At most this many visit rows go into a chat export; the CLI has no limit. */
const CHAT_VISIT_ROWS = 20_000;

/** /team export: the team's figures and every visit of the period, as one workbook. */
export async function teamWorkbook(v: View, viewer: Staff, range: { from: string; to: string }): Promise<{ attachment: Attachment; managers: number }> {
  const { t, deps } = v;
  const { period, rows } = await teamExportRows({ deps, viewer, ...range });
  const visits: VisitExportRow[] = [];
  for (const r of period.rows) {
    if (visits.length >= CHAT_VISIT_ROWS) break;
    visits.push(...((await visitExportRows({ deps, viewer, code: r.manager.code, ...range })) ?? []));
  }
  const xlsx = await toXlsx(
    [
      { name: t("reports.sheet.team"), columns: teamColumns(t), rows },
      { name: t("reports.sheet.visits"), columns: visitColumns(t), rows: visits.slice(0, CHAT_VISIT_ROWS) },
    ],
    { created: deps.clock.now() },
  );
  return { managers: rows.length, attachment: { kind: "file", name: `${t("reports.export.file")}-${range.from}-${range.to}.xlsx`, mime: XLSX_MIME, base64: xlsx.toString("base64") } };
}
