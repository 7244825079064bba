import { addDays, isValidDate } from "./dates.ts";

/**
 * Parses what a manager types for a date: 2026-11-25, 11-25, 11/25, 11月25日, 25日, today/今天,
 * tomorrow/明天, 后天. Month-day without a year means the next such date on or after today.
 */
export function parseDateInput(input: string, today: string): string | null {
  const s = input.trim().toLowerCase();
  if (["today", "今天", "今日"].includes(s)) return today;
  if (["tomorrow", "明天", "明日"].includes(s)) return addDays(today, 1);
  if (["后天"].includes(s)) return addDays(today, 2);
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) {
    const d = `${m[1]}-${m[2]!.padStart(2, "0")}-${m[3]!.padStart(2, "0")}`;
    return isValidDate(d) ? d : null;
  }
  m = /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) {
    const year = Number(today.slice(0, 4));
    for (const y of [year, year + 1]) {
      const d = `${y}-${m[1]!.padStart(2, "0")}-${m[2]!.padStart(2, "0")}`;
      if (isValidDate(d) && d >= today) return d;
    }
    return null;
  }
  m = /^(\d{1,2})日$/.exec(s);
  if (m) {
    for (let i = 0; i < 62; i++) {
      const d = addDays(today, i);
      if (Number(d.slice(8)) === Number(m[1])) return d;
    }
  }
  return null;
}
