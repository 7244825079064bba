/** Local search: sweeps that re-plan every chain against the others, then tidy every route. */
import { plan, unplan } from "./chain-dp.ts";
import { setBand } from "./objective.ts";
import { improveDay } from "./route.ts";
import { type PlanState, shuffle, totalLoad } from "./state.ts";

/** Re-plans every customer once (random order), then improves every route. */
export function sweep(st: PlanState): void {
  setBand(st, totalLoad(st), true);
  const perm = shuffle(Array.from({ length: st.n }, (_, i) => i), st.rnd);
  for (const c of perm) {
    unplan(st, c);
    plan(st, c);
  }
  for (const j of st.visitDayIdx) improveDay(st, j);
}
