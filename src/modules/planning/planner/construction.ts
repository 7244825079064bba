/** Construction: every customer's chain inserted one by one, against the zones (not yet routes). */
import { plan } from "./chain-dp.ts";
import { estimateVisits, setBand } from "./objective.ts";
import { improveDay } from "./route.ts";
import { type PlanState, firstWindow } from "./state.ts";

/**
 * Construction order: tightest first window first (packing); over capacity, protected classes
 * first. Then by angle, so that neighbours are seated one after the other. Needs the zones.
 */
export function construct(st: PlanState): void {
  const order = Array.from({ length: st.n }, (_, i) => i);
  const windowOf = (i: number) => firstWindow(st, i);
  const estimate = estimateVisits(st);
  const capacity = st.visitDayIdx.length * st.cap;
  const byPriority = estimate > capacity;
  st.overCapacity = byPriority;
  order.sort((a, b) => {
    const A = st.custs[a]!;
    const B = st.custs[b]!;
    if (byPriority) return A.info.priority - B.info.priority || windowOf(a) - windowOf(b) || A.phi - B.phi || a - b;
    return windowOf(a) - windowOf(b) || A.info.priority - B.info.priority || A.phi - B.phi || a - b;
  });
  st.mode = "zone";
  st.beta = 20;
  setBand(st, estimate, false);
  for (const c of order) plan(st, c);
  for (const j of st.visitDayIdx) improveDay(st, j);
}
