import cron from "node-cron";
import { addDays, isoWeekday, localParts, zonedInstant } from "./dates.ts";

/**
 * Slot arithmetic for 5-field cron expressions in a time zone: the latest scheduled instant at or
 * before a moment, and the next one after it. node-cron fires the triggers in production, but it
 * keeps no state and cannot answer "which run did we miss while down?", and its next-run helpers
 * read the real clock; the scheduler needs both against an injected clock.
 *
 * Fields are parsed by node-cron itself so both agree on the syntax. Matching follows node-cron:
 * day-of-month AND day-of-week (not Vixie cron's OR when both are restricted). Day-of-month accepts
 * numbers, ranges and lists (`26-31`, `1,15`), `L` (last day) and `L-n` (n days before the last);
 * day-of-week accepts 0–7 (0 and 7 = Sunday), `n#k` (k-th weekday n) and `nL` (last weekday n).
 */

export interface CronSpec {
  expression: string;
  minutes: number[];
  hours: number[];
  daysOfMonth: (number | string)[];
  months: number[];
  daysOfWeek: (number | string)[];
}

export function parseCron(expression: string): CronSpec {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`Cron expression "${expression}" must have 5 fields (minute hour day-of-month month day-of-week)`);
  if (!cron.validate(expression)) throw new Error(`Invalid cron expression "${expression}"`);
  const p = cron.parse(expression);
  return {
    expression,
    minutes: [...p.minute].sort((a, b) => a - b),
    hours: [...p.hour].sort((a, b) => a - b),
    daysOfMonth: p.dayOfMonth,
    months: p.month,
    daysOfWeek: p.dayOfWeek,
  };
}

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether a local calendar date (YYYY-MM-DD) matches the day fields. */
export function matchesDate(spec: CronSpec, date: string): boolean {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  if (!spec.months.includes(m)) return false;
  const last = lastDay(y, m);
  const domOk = spec.daysOfMonth.some((v) => {
    if (typeof v === "number") return v === d;
    if (v === "L") return d === last;
    const off = /^L-(\d{1,2})$/.exec(v);
    if (off) return d === last - Number(off[1]);
    throw new Error(`Unsupported day-of-month token "${v}" in "${spec.expression}"`);
  });
  if (!domOk) return false;
  const wd = isoWeekday(date) % 7; // 0 = Sunday, like cron
  return spec.daysOfWeek.some((v) => {
    if (typeof v === "number") return v % 7 === wd;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth) return Number(nth[1]) % 7 === wd && Math.floor((d - 1) / 7) + 1 === Number(nth[2]);
    const lastWd = /^([0-7])L$/i.exec(v);
    if (lastWd) return Number(lastWd[1]) % 7 === wd && d + 7 > last;
    throw new Error(`Unsupported day-of-week token "${v}" in "${spec.expression}"`);
  });
}

const hhmm = (h: number, m: number) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;

/** Times of day (minutes since midnight) the spec fires at, ascending. */
function timesOfDay(spec: CronSpec): number[] {
  const out: number[] = [];
  for (const h of spec.hours) for (const m of spec.minutes) out.push(h * 60 + m);
  return out.sort((a, b) => a - b);
}

/** Search horizon: covers yearly patterns such as `0 9 29 2 *` (leap days) within 8 years. */
const MAX_DAYS = 366 * 8;

/** The latest instant ≤ `at` the expression fires at, or null within the horizon. */
export function previousSlot(spec: CronSpec, at: Date, timeZone: string): Date | null {
  const times = timesOfDay(spec);
  const now = localParts(at, timeZone);
  const nowMin = now.hour * 60 + now.minute;
  let date = now.date;
  for (let i = 0; i < MAX_DAYS; i++, date = addDays(date, -1)) {
    if (!matchesDate(spec, date)) continue;
    for (let k = times.length - 1; k >= 0; k--) {
      const t = times[k]!;
      if (i === 0 && t > nowMin) continue;
      const instant = zonedInstant(date, hhmm(Math.floor(t / 60), t % 60), timeZone);
      if (instant.getTime() <= at.getTime()) return instant;
    }
  }
  return null;
}

/** The first instant > `at` the expression fires at, or null within the horizon. */
export function nextSlot(spec: CronSpec, at: Date, timeZone: string): Date | null {
  const times = timesOfDay(spec);
  const now = localParts(at, timeZone);
  const nowMin = now.hour * 60 + now.minute;
  let date = now.date;
  for (let i = 0; i < MAX_DAYS; i++, date = addDays(date, 1)) {
    if (!matchesDate(spec, date)) continue;
    for (const t of times) {
      if (i === 0 && t < nowMin) continue;
      const instant = zonedInstant(date, hhmm(Math.floor(t / 60), t % 60), timeZone);
      if (instant.getTime() > at.getTime()) return instant;
    }
  }
  return null;
}

/** `HH:MM` + a day pattern → `M H dom mon dow`. */
export function dailyAt(time: string, days: { dom?: string; dow?: string } = {}): string {
  const [h, m] = time.split(":").map(Number) as [number, number];
  return `${m} ${h} ${days.dom ?? "*"} * ${days.dow ?? "*"}`;
}
