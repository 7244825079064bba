/** Public data types of the planner: plain data, structured-clone-able (they cross a worker boundary). */

export interface PlanCustomer {
  id: number;
  classId: string;
  lat: number;
  lng: number;
  /** YYYY-MM-DD */
  lastVisit: string | null;
  /**
   * Continuity across months (every two consecutive calendar months hold a visit): the latest
   * date the customer's first visit of the horizon may take, from the last planned or done visit
   * before `from`. Absent: only the class frequency and the horizon's coverage apply.
   */
  coverBy?: string | null;
  /**
   * The next visit kept after `to` (a later month's plan), if any: the horizon's last visit must
   * leave it on time and not too early (class frequency and spacing across the boundary).
   */
  nextKept?: string | null;
  /**
   * The earliest date the horizon's last visit may take: set when no kept visit follows soon
   * enough, so that the window of to's month and the next one is covered from this horizon.
   */
  coverFrom?: string | null;
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
  /**
   * Seed of the search's random choices (default: the planner's own). The same input and seed give
   * the same plan on any machine; the bench plans with several seeds to tell a change of the search
   * from the luck of one seed.
   */
  searchSeed?: number;
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
    /**
     * The search's effort, counted in work (the same on any machine and under any load): chain
     * solves (one customer's visits chosen by the chain DP) and insertion costs priced (a
     * customer's cheapest position in one day's route, not taken from the cache).
     */
    work: { chainSolves: number; insertions: number };
  };
}

export type Interval = { count: number; unit: "day" | "week" | "month" };
