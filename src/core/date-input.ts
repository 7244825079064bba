import { addDays, daysBetween, isoWeekday, isValidDate, startOfWeek } from "./dates.ts";

const WEEKDAY_ZH: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7 };
const WEEKDAY_EN = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/**
 * Parses what a manager types for a date: 2026-11-25, 11-25, 11/25, 11月25日, 25日, today/今天,
 * tomorrow/明天, 后天, yesterday/昨天, 前天, weekday words (周四, 星期四, 本周四, 下周三, 下下周一, thu, next wed).
 *
 * A month-day without a year is the occurrence nearest to today, so "11-25" typed on 1 December
 * means the 25 November just gone (the caller says it is past), not one a year away. A bare
 * weekday is the next such day, today included.
 */
export function parseDateInput(input: string, today: string): string | null {
  const s = input.trim().toLowerCase().replace(/\s+/g, " ");
  if (["today", "今天", "今日"].includes(s)) return today;
  if (["tomorrow", "明天", "明日"].includes(s)) return addDays(today, 1);
  if (["后天"].includes(s)) return addDays(today, 2);
  if (["yesterday", "昨天", "昨日"].includes(s)) return addDays(today, -1);
  if (["前天"].includes(s)) return addDays(today, -2);
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/.exec(s);
  if (m) {
    const d = `${m[1]}-${m[2]!.padStart(2, "0")}-${m[3]!.padStart(2, "0")}`;
    return isValidDate(d) ? d : null;
  }
  m = /^(\d{1,2})[-/.月](\d{1,2})[日号]?$/.exec(s);
  if (m) return nearestMonthDay(Number(m[1]), Number(m[2]), today);
  m = /^(\d{1,2})[日号]$/.exec(s);
  if (m) {
    for (let i = 0; i < 62; i++) {
      const d = addDays(today, i);
      if (Number(d.slice(8)) === Number(m[1])) return d;
    }
    return null;
  }
  m = /^(下下|下|本|这)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天1-7])$/.exec(s);
  if (m) return weekdayDate(WEEKDAY_ZH[m[2]!]!, m[1] === "下下" ? 2 : m[1] === "下" ? 1 : m[1] ? 0 : null, today);
  m = /^(next |this )?([a-z]{3})[a-z]*$/.exec(s);
  if (m && WEEKDAY_EN.includes(m[2]!)) return weekdayDate(WEEKDAY_EN.indexOf(m[2]!) + 1, m[1] === "next " ? 1 : m[1] === "this " ? 0 : null, today);
  return null;
}

/** The month-day nearest to `today` (last year, this year or next year). */
function nearestMonthDay(month: number, day: number, today: string): string | null {
  const year = Number(today.slice(0, 4));
  let best: string | null = null;
  for (const y of [year - 1, year, year + 1]) {
    const d = `${y}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
    if (!isValidDate(d)) continue;
    if (!best || Math.abs(daysBetween(today, d)) < Math.abs(daysBetween(today, best))) best = d;
  }
  return best;
}

/** `weekday` of the week `weeksAhead` from this one, or (null) the next such day from today on. */
function weekdayDate(weekday: number, weeksAhead: number | null, today: string): string {
  if (weeksAhead === null) return addDays(today, (weekday - isoWeekday(today) + 7) % 7);
  return addDays(startOfWeek(today), weeksAhead * 7 + weekday - 1);
}

/**
 * A date or a range of dates: "12-09到12-10", "12-09~12-10", "12-09 至 12-11", "周三到周五".
 * An end that would fall before the start is read from the start, so "12-30到01-02" crosses the year.
 */
export function parseDateRange(input: string, today: string): { from: string; to: string } | null {
  const parts = input.trim().split(/\s*(?:到|至|~|～|—|–|\s-\s)\s*/);
  if (parts.length === 1) {
    const d = parseDateInput(parts[0]!, today);
    return d ? { from: d, to: d } : null;
  }
  if (parts.length !== 2) return null;
  const from = parseDateInput(parts[0]!, today);
  if (!from) return null;
  // The end as typed today; if that falls before the start ("12-30到01-02"), as read from the start.
  let to = parseDateInput(parts[1]!, today);
  if (to && to < from) to = parseDateInput(parts[1]!, from);
  if (!to || to < from) return null;
  return { from, to };
}

/** Day words whose last character says the part of the day: "昨晚" is yesterday, in the evening. */
const DAY_WORD: Record<string, string> = { 昨: "昨天", 今: "今天", 前: "前天" };
const DAY_PART: Record<string, string> = { 晚: "晚上", 晚上: "晚上", 早: "早上", 早上: "早上", 上午: "上午", 中午: "中午", 下午: "下午" };
const TIME_TAIL = /^(.*?)[\s,，]*((?:上午|早上|中午|下午|晚上)?\d{1,2}(?:[:：点时](?:\d{1,2})?半?分?)?)$/u;

/**
 * A date and a time of day as people type them: "9:30" (today), "昨天 19:30", "昨晚7点半",
 * "前天下午3点", "12-01 19:30", "yesterday 19:30". The time is left as typed (with any part-of-day
 * word such as 晚上 moved in front of it) for the caller's time parser; null when no date reads.
 */
export function splitDateTimeInput(input: string, today: string): { date: string; time: string } | null {
  const s = input.trim().replace(/\s+/g, " ");
  const m = TIME_TAIL.exec(s);
  if (!m) return null;
  let dayText = m[1]!.trim();
  let time = m[2]!;
  if (!dayText) return { date: today, time };
  const part = /^(.*?)(晚上|早上|上午|中午|下午|晚|早)$/u.exec(dayText);
  if (part && part[1]) {
    dayText = part[1];
    if (!/^(上午|早上|中午|下午|晚上)/.test(time)) time = DAY_PART[part[2]!]! + time;
  }
  const date = parseDateInput(DAY_WORD[dayText] ?? dayText, today);
  return date ? { date, time } : null;
}
