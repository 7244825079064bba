/**
 * Geometry shared by the planner and route ordering: great-circle distances for routes, and the
 * planner's local projection (km) with its distance matrix and neighbour lists.
 */
import { MATRIX_LIMIT } from "./params.ts";

export interface LatLng {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_M = 6371008.8;
const DEG = Math.PI / 180;

export function haversineMetres(a: LatLng, b: LatLng): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLng = (b.lng - a.lng) * DEG;
  const s1 = Math.sin(dLat / 2);
  const s2 = Math.sin(dLng / 2);
  const h = s1 * s1 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * s2 * s2;
  // min() guards against h creeping above 1 through rounding for near-antipodal points.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Square matrix, row-major, n*n entries. Any metric (haversine, road distances from a provider later). */
export interface DistanceMatrix {
  n: number;
  data: Float64Array;
}

export function matrixFrom(n: number, dist: (i: number, j: number) => number): DistanceMatrix {
  if (!Number.isInteger(n) || n < 0) throw new Error(`matrixFrom: n must be a non-negative integer, got ${n}`);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const v = dist(i, j);
      if (!Number.isFinite(v) || v < 0) {
        throw new Error(`matrixFrom: distance ${i}->${j} must be a finite non-negative number, got ${v}`);
      }
      data[i * n + j] = v;
    }
  }
  return { n, data };
}

/** Customers in a local equirectangular projection (km) around the start, which is the origin. */
export interface Projection {
  n: number;
  X: Float64Array;
  Y: Float64Array;
  /** Distance from the start (km). */
  S: Float64Array;
  /** Full distance matrix (km) for territories up to MATRIX_LIMIT customers. */
  M: Float64Array | null;
}

/** A customer without usable coordinates sits at the start (it costs no detour, it is not lost). */
export function project(start: LatLng, points: { lat: number; lng: number }[]): Projection {
  const n = points.length;
  const lat0 = start.lat;
  const kx = 111.32 * Math.cos((lat0 * Math.PI) / 180);
  const ky = 110.574;
  const X = new Float64Array(n);
  const Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = points[i]!;
    const ok = Number.isFinite(c.lat) && Number.isFinite(c.lng);
    X[i] = ok ? (c.lng - start.lng) * kx : 0;
    Y[i] = ok ? (c.lat - start.lat) * ky : 0;
  }
  const S = new Float64Array(n);
  for (let i = 0; i < n; i++) S[i] = Math.sqrt(X[i]! * X[i]! + Y[i]! * Y[i]!);
  let M: Float64Array | null = null;
  if (n <= MATRIX_LIMIT) {
    M = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const dx = X[a]! - X[b]!;
        const dy = Y[a]! - Y[b]!;
        M[a * n + b] = M[b * n + a] = Math.sqrt(dx * dx + dy * dy);
      }
    }
  }
  return { n, X, Y, S, M };
}

export function dist(g: Projection, a: number, b: number): number {
  const M = g.M;
  if (M) return M[a * g.n + b]!;
  const dx = g.X[a]! - g.X[b]!;
  const dy = g.Y[a]! - g.Y[b]!;
  return Math.sqrt(dx * dx + dy * dy);
}

export function dStart(g: Projection, a: number): number {
  return g.S[a]!;
}

/** Length of an open path from the start (km). */
export function routeLength(g: Projection, r: number[]): number {
  if (r.length === 0) return 0;
  let len = dStart(g, r[0]!);
  for (let k = 1; k < r.length; k++) len += dist(g, r[k - 1]!, r[k]!);
  return len;
}

/** The k nearest customers of each customer (bounded insertion: O(n²) distance look-ups). */
export function neighbours(g: Projection, k: number): Int32Array[] {
  const { n } = g;
  const out: Int32Array[] = [];
  const ids = new Int32Array(k);
  const ds = new Float64Array(k);
  for (let c = 0; c < n; c++) {
    let m = 0;
    for (let o = 0; o < n; o++) {
      if (o === c) continue;
      const d = dist(g, c, o);
      if (m === k && d >= ds[k - 1]!) continue;
      let p = m < k ? m++ : k - 1;
      while (p > 0 && ds[p - 1]! > d) {
        ds[p] = ds[p - 1]!;
        ids[p] = ids[p - 1]!;
        p--;
      }
      ds[p] = d;
      ids[p] = o;
    }
    out.push(ids.slice(0, m));
  }
  return out;
}
