/** Routes: improvement of a day's open path during the search, and the final routing of each day. */
import { orderStops } from "../route-ordering.ts";
import { type LatLng, dStart, dist } from "./geometry.ts";
import { ROUTE_KICKS } from "./params.ts";
import type { PlanState } from "./state.ts";
import type { PlannedDay } from "./types.ts";

/** 2-opt and Or-opt on an open path from the start, until no improvement. */
export function improveRoute(st: PlanState, r: number[]): void {
  const m = r.length;
  if (m < 3) return;
  const P = (k: number) => (k < 0 ? -1 : r[k]!);
  const d = (a: number, b: number) => (a < 0 ? dStart(st, b) : b < 0 ? dStart(st, a) : dist(st, a, b));
  let improved = true;
  let guard = 0;
  while (improved && guard++ < 50) {
    improved = false;
    // 2-opt: reverse r[i..k]
    for (let i = 0; i < m - 1; i++) {
      const a = P(i - 1);
      const b = r[i]!;
      for (let k = i + 1; k < m; k++) {
        const c = r[k]!;
        const e = k + 1 < m ? r[k + 1]! : null;
        const before = d(a, b) + (e === null ? 0 : dist(st, c, e));
        const after = d(a, c) + (e === null ? 0 : dist(st, b, e));
        if (after < before - 1e-9) {
          for (let x = i, y = k; x < y; x++, y--) {
            const t = r[x]!;
            r[x] = r[y]!;
            r[y] = t;
          }
          improved = true;
          break;
        }
      }
    }
    // Or-opt: move a segment of 1..3 stops elsewhere (possibly reversed).
    for (let len = 1; len <= 3; len++) {
      for (let i = 0; i + len <= m; i++) {
        const a = P(i - 1);
        const s0 = r[i]!;
        const s1 = r[i + len - 1]!;
        const e = i + len < m ? r[i + len]! : null;
        const removeGain = d(a, s0) + (e === null ? 0 : dist(st, s1, e)) - (e === null ? 0 : d(a, e));
        let bestDelta = -1e-9;
        let bestK = -2;
        let bestRev = false;
        for (let k = -1; k < m; k++) {
          if (k >= i - 1 && k < i + len) continue;
          const p = k < 0 ? -1 : r[k]!;
          const q = k + 1 < m ? r[k + 1]! : null;
          if (q !== null && k + 1 >= i && k + 1 < i + len) continue;
          const qq = q !== null && k + 1 === i ? e : q;
          const base = qq === null ? 0 : d(p, qq);
          const fwd = d(p, s0) + (qq === null ? 0 : dist(st, s1, qq)) - base;
          const rev = d(p, s1) + (qq === null ? 0 : dist(st, s0, qq)) - base;
          if (fwd - removeGain < bestDelta) {
            bestDelta = fwd - removeGain;
            bestK = k;
            bestRev = false;
          }
          if (len > 1 && rev - removeGain < bestDelta) {
            bestDelta = rev - removeGain;
            bestK = k;
            bestRev = true;
          }
        }
        if (bestK !== -2) {
          const seg = r.splice(i, len);
          if (bestRev) seg.reverse();
          const insertAfter = bestK < i ? bestK : bestK - len;
          r.splice(insertAfter + 1, 0, ...seg);
          improved = true;
        }
      }
    }
  }
}

/** Final routing: each day ordered with orderStops from the start point; foreign fixed visits last. */
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
