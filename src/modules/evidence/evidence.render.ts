import { formatDistance } from "../../core/format.ts";
import type { Translate } from "../../i18n/i18n.ts";
import type { Column } from "../reports/reports.export.ts";
import type { CheckinView, EvidenceCounts, EvidenceExportRow, VisitEvidence } from "./evidence-report.service.ts";

/**
 * Evidence as the supervisor reads it: compact parts for a visit's line in the manager view, the
 * period counts of the team reports, the export's columns. Pure text; the figures come from
 * evidence-report.service.ts.
 */

/** "📍 35 米", "⚠️ 850 米 · 原因：门店搬迁", "未签到", "无坐标"; null when no check-in was asked. */
export function checkinText(t: Translate, c: CheckinView): string | null {
  if (!c) return null;
  switch (c.kind) {
    case "inside":
      return c.distanceM === null ? t("evidence-sup.checkin.inside-plain") : t("evidence-sup.checkin.inside", { distance: formatDistance(c.distanceM, t) });
    case "outside": {
      const head = c.distanceM === null ? t("evidence-sup.checkin.outside-plain") : t("evidence-sup.checkin.outside", { distance: formatDistance(c.distanceM, t) });
      return c.reason ? head + t("evidence-sup.checkin.reason", { reason: c.reason }) : head;
    }
    case "nocoords":
      return t("evidence-sup.checkin.nocoords");
    case "missing":
      return t("evidence-sup.checkin.missing") + (c.reason ? t("evidence-sup.checkin.reason", { reason: c.reason }) : "");
  }
}

/**
 * A visit's evidence in a few parts: check-in, measured against reported minutes (flagged under the
 * class minimum), photo count with duplicates. Nothing for a visit without any.
 */
export function evidenceParts(t: Translate, e: VisitEvidence): string[] {
  const parts: string[] = [];
  const checkin = checkinText(t, e.checkin);
  if (checkin) parts.push(checkin);
  if (e.measuredMin !== null) {
    const minutes = e.reportedMin !== null ? t("evidence-sup.minutes", { measured: e.measuredMin, reported: e.reportedMin }) : t("evidence-sup.minutes-measured", { measured: e.measuredMin });
    parts.push(minutes + (e.tooShort && e.minMinutes !== null ? t("evidence-sup.too-short", { min: e.minMinutes }) : ""));
  }
  if (e.photos) parts.push(t("evidence-sup.photos", { n: e.photos }) + (e.duplicates ? t("evidence-sup.duplicates", { n: e.duplicates }) : ""));
  return parts;
}

/** A manager's period counts as one part of their report line; null when there is nothing to flag. */
export function evidenceCountsPart(t: Translate, c: EvidenceCounts | undefined): string | null {
  if (!c || !(c.outside || c.missing || c.tooShort || c.duplicates)) return null;
  return t("evidence-sup.period.part", { outside: c.outside, missing: c.missing, short: c.tooShort, dup: c.duplicates });
}

/** The team's total line (always shown while check-ins are on, so "0" reads as checked, not as missing). */
export function evidenceTotalLine(t: Translate, c: EvidenceCounts): string {
  return t("evidence-sup.period.total", { n: c.fieldVisits, outside: c.outside, missing: c.missing, short: c.tooShort, dup: c.duplicates });
}

const EXPORT_KEYS: (keyof EvidenceExportRow & string)[] = ["manager", "date", "time", "customer", "shop", "mode", "status", "distanceM", "reason", "reportedMin", "measuredMin", "photos", "duplicates"];

export function evidenceColumns(t: Translate): Column<EvidenceExportRow>[] {
  return EXPORT_KEYS.map((key) => ({ key, label: t(`evidence-sup.col.${key}`) }));
}
