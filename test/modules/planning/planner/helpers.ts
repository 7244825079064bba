import { createState, type PlanState } from "../../../../src/modules/planning/planner/state.ts";
import type { PlanClass, PlanInput } from "../../../../src/modules/planning/planner/types.ts";

export const ORIGIN = { lat: 30.27, lng: 120.15 };
const KM_LAT = 1 / 110.574;
const KM_LNG = 1 / (111.32 * Math.cos((ORIGIN.lat * Math.PI) / 180));

export const CLASSES: PlanClass[] = [
  { id: "weekly", visitEvery: { count: 1, unit: "week" }, priority: 0 },
  { id: "monthly", visitEvery: { count: 1, unit: "month" }, priority: 1 },
  { id: "none", visitEvery: null, priority: 2 },
];

export interface TinyCustomer {
  /** km east / north of the start. */
  x: number;
  y: number;
  classId?: string;
  lastVisit?: string | null;
}

/** A hand-made territory: customers at km offsets from the start, ids 1, 2, … in order. */
export function tinyInput(custs: TinyCustomer[], o: Partial<PlanInput> = {}): PlanInput {
  return {
    customers: custs.map((c, i) => ({
      id: i + 1,
      classId: c.classId ?? "monthly",
      lat: ORIGIN.lat + c.y * KM_LAT,
      lng: ORIGIN.lng + c.x * KM_LNG,
      lastVisit: c.lastVisit ?? null,
    })),
    classes: CLASSES,
    start: { ...ORIGIN },
    visitDays: [1, 3, 5],
    dailyMinimum: 0,
    dailyCap: 10,
    daysOff: [],
    // 2027-03-01 is a Monday.
    from: "2027-03-01",
    to: "2027-03-14",
    ...o,
  };
}

export function tinyState(custs: TinyCustomer[], o: Partial<PlanInput> = {}): PlanState {
  const input = tinyInput(custs, o);
  return createState(input, input.customers);
}

/** Day index of a date in the state. */
export function dayOf(st: PlanState, date: string): number {
  const j = st.days.findIndex((d) => d.date === date);
  if (j < 0) throw new Error(`no day ${date}`);
  return j;
}
