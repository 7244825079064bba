import { isoWeekday } from "./dates.ts";
import type { Translate } from "../i18n/i18n.ts";

/** "874 米" / "3.2 公里" (zh-CN), "874 m" / "3.2 km" (en). */
export function formatDistance(metres: number, t: Translate): string {
  // Rounded first: 999.6 m is "1.0 km", never "1000 m".
  const m = Math.round(metres);
  if (m < 1000) return t("format.metres", { n: m });
  return t("format.km", { n: (m / 1000).toFixed(1) });
}

/** "11月23日（周一）" / "Mon 23 Nov"; with `today`, a date in another year shows its year. */
export function formatDay(date: string, t: Translate, today?: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const key = today && today.slice(0, 4) !== date.slice(0, 4) ? "format.day-year" : "format.day";
  return t(key, { year: y, month: m, day: d, weekday: t(`weekday.${isoWeekday(date)}`), monthName: t(`month.${m}`) });
}

export function formatMinutes(min: number, t: Translate): string {
  // Round the total first: 119.6 minutes is 2 hours, not "1 hour 60 minutes".
  const total = Math.round(min);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h > 0 ? t("format.hours-minutes", { h, m }) : t("format.minutes", { m });
}
