/**
 * Zones: angular sectors around the start, one per visit day of the base cycle, balanced by
 * workload and nested per level, so that every cyclic frequency group returns to the same area on
 * the same weekday.
 */
import type { PlanState } from "./state.ts";

/** Angular sectors around the start, balanced by workload, nested per level. */
export function buildZones(st: PlanState): void {
  const { n, Z0 } = st;
  const TWO_PI = 2 * Math.PI;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => st.custs[a]!.phi - st.custs[b]!.phi);
  // Sweep from the widest angular gap.
  let startPhi = -Math.PI;
  if (n > 1) {
    let bestGap = -1;
    for (let k = 0; k < n; k++) {
      const a = st.custs[idx[k]!]!.phi;
      const b = k + 1 < n ? st.custs[idx[k + 1]!]!.phi : st.custs[idx[0]!]!.phi + TWO_PI;
      if (b - a > bestGap) {
        bestGap = b - a;
        startPhi = (a + b) / 2;
      }
    }
  }
  const sweep = (phi: number) => (((phi - startPhi) % TWO_PI) + TWO_PI) % TWO_PI;
  for (const c of st.custs) c.phi = sweep(c.phi);
  idx.sort((a, b) => st.custs[a]!.phi - st.custs[b]!.phi);

  const cut = (members: number[], a: number, b: number, parts: number, weight: (i: number) => number): number[] => {
    // Returns parts+1 boundaries from a to b splitting members (sorted by phi) by equal weight.
    const bounds = [a];
    const total = members.reduce((s, i) => s + weight(i), 0);
    if (members.length < parts || total <= 0) {
      for (let p = 1; p < parts; p++) bounds.push(a + ((b - a) * p) / parts);
      bounds.push(b);
      return bounds;
    }
    let acc = 0;
    let p = 1;
    for (let k = 0; k < members.length && p < parts; k++) {
      acc += weight(members[k]!);
      while (p < parts && acc >= (total * p) / parts) {
        const here = st.custs[members[k]!]!.phi;
        const nxt = k + 1 < members.length ? st.custs[members[k + 1]!]!.phi : b;
        bounds.push((here + nxt) / 2);
        p++;
      }
    }
    while (bounds.length < parts) bounds.push(b);
    bounds.push(b);
    return bounds;
  };

  const weight0 = (i: number) => (st.custs[i]!.covReq || st.custs[i]!.info.iv ? st.custs[i]!.info.load : 0) + 1e-6;
  const b0 = cut(idx, 0, TWO_PI, Z0, weight0);
  st.wedges = { lo: [], hi: [] };
  for (let L = 0; L <= st.maxLevel; L++) {
    const parts = 1 << L;
    const lo = new Float64Array(Z0 * parts);
    const hi = new Float64Array(Z0 * parts);
    for (let k = 0; k < Z0; k++) {
      const a = b0[k]!;
      const b = b0[k + 1]!;
      const members = idx.filter((i) => {
        const c = st.custs[i]!;
        return c.phi >= a && c.phi < b && c.info.level === L;
      });
      const bs = cut(members, a, b, parts, (i) => st.custs[i]!.info.load + 1e-6);
      for (let p = 0; p < parts; p++) {
        lo[k + p * Z0] = bs[p]!;
        hi[k + p * Z0] = bs[p + 1]!;
      }
    }
    st.wedges.lo.push(lo);
    st.wedges.hi.push(hi);
  }
}
