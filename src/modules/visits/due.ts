import type { TInterval } from "../../config/policy.ts";
import { addInterval } from "../../core/dates.ts";

/** Sorts before every real date: a customer never visited is the most overdue of all. */
export const NEVER = "0000-01-01";

export interface DueInput {
  id: number;
  classId: string;
  /** YYYY-MM-DD of the last visit, or null when never visited */
  lastVisit: string | null;
}

export interface DueClass {
  id: string;
  visitEvery: TInterval | null;
  priority: number;
}

/**
 * The date the next visit is due: last visit + the class's interval (calendar months clamp to the
 * month's end: Jan 31 + 1 month = Feb 28). Never visited → NEVER. No scheduled visits → null.
 */
export function nextDueDate(lastVisit: string | null, interval: TInterval | null): string | null {
  if (!interval) return null;
  if (!lastVisit) return NEVER;
  return addInterval(lastVisit, interval);
}

export interface DueItem<T extends DueInput> {
  customer: T;
  dueDate: string | null;
  overdue: boolean;
}

/**
 * The customers to visit on `date`: everyone due by then, most overdue first (class priority breaks
 * ties), at most `cap`; topped up to `minimum` with those due soonest (or longest unvisited, for
 * classes without a frequency).
 */
export function selectDueForDay<T extends DueInput>(opts: {
  customers: T[];
  classes: DueClass[];
  date: string;
  minimum: number;
  cap: number;
}): DueItem<T>[] {
  const classes = new Map(opts.classes.map((c) => [c.id, c]));
  const items = opts.customers.map((customer) => {
    const cls = classes.get(customer.classId);
    const dueDate = nextDueDate(customer.lastVisit, cls?.visitEvery ?? null);
    return { customer, dueDate, overdue: dueDate !== null && dueDate <= opts.date, priority: cls?.priority ?? 99 };
  });
  const byUrgency = (a: (typeof items)[number], b: (typeof items)[number]) =>
    (a.dueDate ?? "9999") < (b.dueDate ?? "9999") ? -1 : (a.dueDate ?? "9999") > (b.dueDate ?? "9999") ? 1 : a.priority - b.priority || a.customer.id - b.customer.id;
  const due = items.filter((i) => i.overdue).sort(byUrgency).slice(0, opts.cap);
  if (due.length < opts.minimum) {
    const rest = items
      .filter((i) => !i.overdue)
      .sort((a, b) => {
        // Scheduled classes by due date first; then unscheduled ones, longest unvisited first.
        if (a.dueDate && b.dueDate) return byUrgency(a, b);
        if (a.dueDate) return -1;
        if (b.dueDate) return 1;
        return (a.customer.lastVisit ?? NEVER).localeCompare(b.customer.lastVisit ?? NEVER) || a.customer.id - b.customer.id;
      });
    due.push(...rest.slice(0, Math.min(opts.minimum, opts.cap) - due.length));
  }
  return due.map(({ customer, dueDate, overdue }) => ({ customer, dueDate, overdue }));
}
