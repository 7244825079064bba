/** Routes: improvement of a day's open path during the search, and the final routing of each day. */
import { improveOpenPath, orderStops } from "../route-ordering.ts";
import { type LatLng, dStart, dist } from "./geometry.ts";
import { ROUTE_KICKS } from "./params.ts";
import { bump, type PlanState } from "./state.ts";
import type { PlannedDay } from "./types.ts";

/**
 * Tidies an open path from the start in place with the project's one 2-opt + Or-opt
 * (route-ordering's improveOpenPath, local search only): node 0 is the start, node k the k-th stop.
 * Returns whether the order changed.
 */
export function improveRoute(st: PlanState, r: number[]): boolean {
  const m = r.length;
  if (m < 3) return false;
  const N = m + 1;
  const data = new Float64Array(N * N);
  for (let a = 0; a < m; a++) {
    const ca = r[a]!;
    const s = dStart(st, ca);
    data[a + 1] = s;
    data[(a + 1) * N] = s;
    for (let b = a + 1; b < m; b++) {
      const v = dist(st, ca, r[b]!);
      data[(a + 1) * N + b + 1] = v;
      data[(b + 1) * N + a + 1] = v;
    }
  }
  const before = r.slice();
  const { order } = improveOpenPath({ n: N, data }, Array.from({ length: m }, (_, k) => k + 1));
  let changed = false;
  for (let k = 0; k < m; k++) {
    const c = before[order[k]! - 1]!;
    if (c !== before[k]) changed = true;
    r[k] = c;
  }
  return changed;
}

/** improveRoute on day j's route, which then has a new version if it changed. */
export function improveDay(st: PlanState, j: number): void {
  // Already found without an improving move: improveRoute is a function of the route alone. Two
  // in five of the LNS's periodic tidies meet a route that a rejected step put back.
  if (st.tidyVer[j] === st.ver[j]) return;
  // An unchanged route keeps its version, and with it the insertion costs cached for it.
  if (improveRoute(st, st.days[j]!.route)) bump(st, j);
  else st.tidyVer[j] = st.ver[j]!;
}

export function routeDays(st: PlanState): PlannedDay[] {
  const { input, customers } = st;
  const startLL: LatLng = { lat: input.start.lat, lng: input.start.lng };
  return st.days.map((day) => {
    const stops = day.route.map((c) => {
      const cu = customers[c]!;
      const ok = Number.isFinite(cu.lat) && Number.isFinite(cu.lng) && Math.abs(cu.lat) <= 90 && Math.abs(cu.lng) <= 180;
      return { id: String(c), lat: ok ? cu.lat : startLL.lat, lng: ok ? cu.lng : startLL.lng };
    });
    let order: number[] = [];
    let metres = 0;
    if (stops.length > 0) {
      const routed = orderStops(startLL, stops, { maxKicks: ROUTE_KICKS, seed: 1 });
      order = routed.order.map((s) => customers[Number(s)]!.id);
      metres = routed.totalMetres;
    }
    return { date: day.date, customerIds: [...order, ...day.foreign], metres };
  });
}
