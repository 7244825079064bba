import { isoWeekday } from "./dates.ts";
import type { Translate } from "../i18n/i18n.ts";

export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toFixed(1)} km`;
}

/** "11月23日（周一）" / "Mon 23 Nov" */
export function formatDay(date: string, t: Translate): string {
  const [, m, d] = date.split("-").map(Number) as [number, number, number];
  return t("format.day", { month: m, day: d, weekday: t(`weekday.${isoWeekday(date)}`), monthName: t(`month.${m}`) });
}

export function formatMinutes(min: number, t: Translate): string {
  const h = Math.floor(min / 60);
  const m = Math.round(min % 60);
  return h > 0 ? t("format.hours-minutes", { h, m }) : t("format.minutes", { m });
}
