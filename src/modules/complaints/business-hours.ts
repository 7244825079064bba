import { addDays, isoWeekday, localDate, zonedInstant } from "../../core/dates.ts";

/**
 * The SLA clock. Wall-clock by default; with a business-hours calendar, only working time counts
 * (working days, opening hours, lunch break, holidays), all in the company time zone.
 */
export interface BusinessCalendar {
  workingDays: number[];
  /** HH:MM */
  start: string;
  end: string;
  lunch: { start: string; end: string } | null;
  /** YYYY-MM-DD dates that are not working days */
  holidays?: string[];
}

const MINUTE = 60_000;
/** A calendar with no working time at all would loop forever; a year is far beyond any SLA. */
const MAX_DAYS = 366;

/** Working intervals [from, to) of one local date, as instants. */
function workingIntervals(date: string, cal: BusinessCalendar, tz: string): [number, number][] {
  if (!cal.workingDays.includes(isoWeekday(date)) || cal.holidays?.includes(date)) return [];
  const at = (hm: string) => zonedInstant(date, hm, tz).getTime();
  const start = at(cal.start);
  const end = at(cal.end);
  if (!cal.lunch) return [[start, end]];
  return [
    [start, Math.max(start, at(cal.lunch.start))],
    [Math.min(end, at(cal.lunch.end)), end],
  ].filter(([a, b]) => b! > a!) as [number, number][];
}

/** The instant `minutes` of working time after `from`. */
export function addWorkingMinutes(from: Date, minutes: number, cal: BusinessCalendar | null, tz: string): Date {
  if (!cal) return new Date(from.getTime() + minutes * MINUTE);
  let left = minutes * MINUTE;
  let date = localDate(from, tz);
  for (let i = 0; i < MAX_DAYS; i++, date = addDays(date, 1)) {
    for (const [a, b] of workingIntervals(date, cal, tz)) {
      const start = Math.max(a, from.getTime());
      if (start >= b) continue;
      if (b - start >= left) return new Date(start + left);
      left -= b - start;
    }
  }
  throw new Error("business calendar has no working time within a year");
}

/** Working minutes between two instants (negative when `to` is before `from`). */
export function workingMinutesBetween(from: Date, to: Date, cal: BusinessCalendar | null, tz: string): number {
  if (to < from) return -workingMinutesBetween(to, from, cal, tz);
  if (!cal) return (to.getTime() - from.getTime()) / MINUTE;
  let total = 0;
  const endDate = localDate(to, tz);
  let date = localDate(from, tz);
  for (let i = 0; i < MAX_DAYS && date <= endDate; i++, date = addDays(date, 1)) {
    for (const [a, b] of workingIntervals(date, cal, tz)) {
      const s = Math.max(a, from.getTime());
      const e = Math.min(b, to.getTime());
      if (e > s) total += e - s;
    }
  }
  return total / MINUTE;
}
