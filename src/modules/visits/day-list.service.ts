import { classById, type TPolicy } from "../../config/policy.ts";
import { localDate } from "../../core/dates.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Customer, Staff } from "../../generated/prisma/client.ts";
import { orderStops } from "../planning/route-ordering.ts";
import { isVisitDay, nextVisitDay } from "../staff/staff.service.ts";
import { selectDueForDay } from "./due.ts";

export interface DayStop {
  customer: Customer;
  classId: string;
  /** Metres from the previous stop (the start point for the first). */
  legMetres: number;
  dueDate: string | null;
  overdue: boolean;
}

export interface DayList {
  date: string;
  stops: DayStop[];
  totalMetres: number;
  /** Start point of the route (manager's start location, or the territory's centre). */
  start: { lat: number; lng: number };
}

/** The manager's start point, or the centroid of the customers when none is set. */
export function startPointOf(staff: Staff, customers: { lat: number; lng: number }[]): { lat: number; lng: number } {
  if (staff.startLat !== null && staff.startLng !== null) return { lat: staff.startLat, lng: staff.startLng };
  if (!customers.length) return { lat: 0, lng: 0 };
  return {
    lat: customers.reduce((s, c) => s + c.lat, 0) / customers.length,
    lng: customers.reduce((s, c) => s + c.lng, 0) / customers.length,
  };
}

/** Customers due on `date` by class frequency and last visit, in route order. */
export async function buildDueDayList(opts: { deps: AppDeps; staff: Staff; date: string }): Promise<DayList> {
  const { db, policy } = opts.deps;
  const customers = await db.customer.findMany({ where: { managerId: opts.staff.id, active: true } });
  const tz = policy.timeZone;
  const selected = selectDueForDay({
    customers: customers.map((c) => ({ ...c, classId: c.serviceClass, lastVisit: c.lastVisitAt ? localDate(c.lastVisitAt, tz) : null })),
    classes: policy.classes,
    date: opts.date,
    minimum: policy.dailyMinimum,
    cap: policy.dailyCap,
  });
  const start = startPointOf(opts.staff, customers);
  const route = orderStops(
    start,
    selected.map((s) => ({ id: String(s.customer.id), lat: s.customer.lat, lng: s.customer.lng })),
    { seed: 1 },
  );
  const byId = new Map(selected.map((s) => [String(s.customer.id), s]));
  const stops = route.order.map((id, i) => {
    const s = byId.get(id)!;
    return { customer: s.customer, classId: s.customer.classId, legMetres: route.legsMetres[i]!, dueDate: s.dueDate, overdue: s.overdue };
  });
  return { date: opts.date, stops, totalMetres: route.totalMetres, start };
}

export type DayListBuilder = (opts: { deps: AppDeps; staff: Staff; date: string }) => Promise<DayList>;

export interface TodayResult {
  today: string;
  isVisitDay: boolean;
  /** The day shown: today, or the next visit day when today is not one. */
  list: DayList | null;
}

/** Today's list, or — on a day without visits — the next visit day's. */
export async function getTodayList(opts: { deps: AppDeps; staff: Staff; build?: DayListBuilder }): Promise<TodayResult> {
  const { deps, staff } = opts;
  const build = opts.build ?? buildDueDayList;
  const today = localDate(deps.clock.now(), deps.policy.timeZone);
  if (await isVisitDay({ db: deps.db, policy: deps.policy, staff, date: today })) {
    return { today, isVisitDay: true, list: await build({ deps, staff, date: today }) };
  }
  const next = await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date: today });
  return { today, isVisitDay: false, list: next ? await build({ deps, staff, date: next }) : null };
}

export function appointmentOf(policy: TPolicy, classId: string): "day-before" | "same-day" | "none" {
  return classById(policy, classId)?.appointment ?? "none";
}
