/** Calendar rules of the plan: visit days of the horizon, due dates, spacing, coverage. */
import { addDays, addInterval, daysBetween, isoWeekday, startOfMonth } from "../../../core/dates.ts";
import type { Interval, PlanInput } from "./types.ts";

/** Shortest possible length of an interval in days (months counted as 28 days, 2 months as 59). */
export function minIntervalDays(iv: Interval): number {
  if (iv.unit === "day") return iv.count;
  if (iv.unit === "week") return iv.count * 7;
  return iv.count === 1 ? 28 : Math.floor(iv.count * 29.5);
}

export function meanIntervalDays(iv: Interval): number {
  if (iv.unit === "day") return iv.count;
  if (iv.unit === "week") return iv.count * 7;
  return iv.count * 30.44;
}

/** The date of the earliest sensible next visit after a visit on `date`: half the interval later. */
export function earliestNextVisit(date: string, iv: Interval): string {
  const len = daysBetween(date, addInterval(date, iv));
  return addDays(date, Math.floor(len / 2));
}

/** Due date of the first visit in the horizon (see the module comment). */
export function firstDueDate(lastVisit: string | null, iv: Interval, from: string): string {
  const catchUp = addDays(addInterval(from, iv), -1);
  if (!lastVisit) return catchUp;
  const due = addInterval(lastVisit, iv);
  return due < from ? catchUp : due;
}

/** Whether the customer still needs a visit in [from, to] to be covered. */
export function needsCoverage(lastVisit: string | null, iv: Interval | null, from: string, to: string): boolean {
  if (!lastVisit) return true;
  if (lastVisit >= startOfMonth(from)) return false;
  if (iv && earliestNextVisit(lastVisit, iv) > to) return false;
  return true;
}

export function visitDayDates(input: PlanInput): string[] {
  const out: string[] = [];
  if (!(input.from <= input.to)) return out;
  const off = new Set(input.daysOff);
  const wd = new Set(input.visitDays);
  const n = daysBetween(input.from, input.to);
  for (let i = 0; i <= n; i++) {
    const d = addDays(input.from, i);
    if (wd.has(isoWeekday(d)) && !off.has(d)) out.push(d);
  }
  return out;
}
