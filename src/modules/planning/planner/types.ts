/** Public data types of the planner: plain data, structured-clone-able (they cross a worker boundary). */

export interface PlanCustomer {
  id: number;
  classId: string;
  lat: number;
  lng: number;
  /** YYYY-MM-DD */
  lastVisit: string | null;
}
export interface PlanClass {
  id: string;
  visitEvery: { count: number; unit: "day" | "week" | "month" } | null;
  priority: number;
}
export interface PlanInput {
  /** Active customers of ONE manager. */
  customers: PlanCustomer[];
  classes: PlanClass[];
  /** Manager's start point. */
  start: { lat: number; lng: number };
  /** ISO weekdays. */
  visitDays: number[];
  dailyMinimum: number;
  dailyCap: number;
  /** Holidays and leave days (no visits). */
  daysOff: string[];
  /** Horizon, inclusive. */
  from: string;
  to: string;
  /** Visits that must stay where they are (today's list, booked appointments). */
  fixed?: { customerId: number; date: string }[];
}
export interface PlannedDay {
  date: string;
  /** Route order. */
  customerIds: number[];
  metres: number;
}
export interface Shortfall {
  visits: number;
  byClass: Record<string, number>;
  /** Most important first: lowest class priority number first, then earliest due date. */
  customers: { customerId: number; classId: string; dueDate: string; plannedDate: string | null }[];
}
export interface PlanResult {
  days: PlannedDay[];
  shortfall: Shortfall;
  stats: {
    requiredVisits: number;
    plannedVisits: number;
    compliance: number;
    coverage: number;
    imbalance: number;
    totalMetres: number;
  };
}

export type Interval = { count: number; unit: "day" | "week" | "month" };
