/**
 * Calendar helpers. A "local date" is a YYYY-MM-DD string in the company time zone; arithmetic on
 * it is pure calendar arithmetic (UTC under the hood, so no DST surprises).
 */

const partsCache = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  date: string;
  hour: number;
  minute: number;
}

export function localParts(instant: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** "09:05" from local parts. */
export function clockTime(p: Pick<LocalParts, "hour" | "minute">): string {
  return `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

/** The instant's time of day in the time zone, "09:05". */
export function localClock(instant: Date, timeZone: string): string {
  return clockTime(localParts(instant, timeZone));
}

export function localDate(instant: Date, timeZone: string): string {
  return localParts(instant, timeZone).date;
}

/** The instant at which the wall clock in `timeZone` shows `date` `time` (HH:MM). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [h, m] = time.split(":").map(Number) as [number, number];
  const guess = Date.UTC(...ymd(date), h, m);
  // Offset of the zone at the guessed instant; one correction is enough outside DST gaps.
  const offset = (t: number) => {
    const p = localParts(new Date(t), timeZone);
    const asUtc = Date.UTC(...ymd(p.date), p.hour, p.minute);
    return asUtc - Math.floor(t / 60000) * 60000;
  };
  let t = guess - offset(guess);
  t = guess - offset(t);
  return new Date(t);
}

function ymd(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
}

export function isValidDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function fromUtc(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  const [y, mo, d] = ymd(date);
  return fromUtc(new Date(Date.UTC(y, mo, d + n)));
}

/** Adds calendar months, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, n: number): string {
  const [y, mo, d] = ymd(date);
  const last = new Date(Date.UTC(y, mo + n + 1, 0)).getUTCDate();
  return fromUtc(new Date(Date.UTC(y, mo + n, Math.min(d, last))));
}

export function addInterval(date: string, iv: { count: number; unit: "day" | "week" | "month" }): string {
  if (iv.unit === "month") return addMonths(date, iv.count);
  return addDays(date, iv.unit === "week" ? iv.count * 7 : iv.count);
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.UTC(...ymd(b)) - Date.UTC(...ymd(a))) / 86400000);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const wd = new Date(Date.UTC(...ymd(date))).getUTCDay();
  return wd === 0 ? 7 : wd;
}

export function startOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function endOfMonth(date: string): string {
  return addDays(addMonths(startOfMonth(date), 1), -1);
}

/** Monday of the ISO week containing `date`. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** [start, end) instants of a company-local day: a `where` range on a timestamp column. */
export function dayBounds(date: string, timeZone: string): { gte: Date; lt: Date } {
  return rangeBounds(date, date, timeZone);
}

/** [start, end) instants of local days from..to inclusive. */
export function rangeBounds(from: string, to: string, timeZone: string): { gte: Date; lt: Date } {
  return { gte: zonedInstant(from, "00:00", timeZone), lt: zonedInstant(addDays(to, 1), "00:00", timeZone) };
}
