import type { DistanceMatrix } from "./route-ordering.ts";

export interface TsplibInstance {
  name: string;
  coords: { x: number; y: number }[];
}

/**
 * Reads a TSPLIB file of the coordinate kind (NODE_COORD_SECTION with EUC_2D).
 * Only what the benchmarks and the `route` command need; other weight types are refused
 * loudly rather than silently evaluated with the wrong metric.
 */
export function parseTsplib(text: string): TsplibInstance {
  const lines = text.split(/\r?\n/);
  let name = "";
  let dimension = -1;
  let edgeWeightType = "";
  let i = 0;
  let sawCoordSection = false;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (/^NODE_COORD_SECTION\b/i.test(line)) {
      sawCoordSection = true;
      i++;
      break;
    }
    if (/^EOF\b/i.test(line)) break;
    const m = /^([A-Z_]+)\s*:\s*(.*)$/i.exec(line);
    if (!m) throw new Error(`TSPLIB: unexpected header line ${i + 1}: "${line}"`);
    const key = m[1].toUpperCase();
    const value = m[2].trim();
    if (key === "NAME") name = value;
    else if (key === "DIMENSION") {
      dimension = Number(value);
      if (!Number.isInteger(dimension) || dimension < 0) throw new Error(`TSPLIB: bad DIMENSION "${value}"`);
    } else if (key === "EDGE_WEIGHT_TYPE") edgeWeightType = value.toUpperCase();
    else if (key === "TYPE" && value.toUpperCase() !== "TSP") {
      throw new Error(`TSPLIB: unsupported TYPE "${value}" (only symmetric TSP)`);
    }
  }
  if (edgeWeightType !== "EUC_2D") {
    throw new Error(
      `TSPLIB: unsupported EDGE_WEIGHT_TYPE "${edgeWeightType || "(missing)"}" (only EUC_2D is supported)`,
    );
  }
  if (!sawCoordSection) throw new Error("TSPLIB: missing NODE_COORD_SECTION");

  // TSPLIB numbers nodes 1..DIMENSION; keep them in that order regardless of how the file lists them.
  const byId = new Map<number, { x: number; y: number }>();
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (/^EOF\b/i.test(line) || /^[A-Z_]+(\s*:|$)/.test(line)) break;
    const parts = line.split(/\s+/);
    if (parts.length < 3) throw new Error(`TSPLIB: bad coordinate line ${i + 1}: "${line}"`);
    const id = Number(parts[0]);
    const x = Number(parts[1]);
    const y = Number(parts[2]);
    if (!Number.isInteger(id) || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new Error(`TSPLIB: bad coordinate line ${i + 1}: "${line}"`);
    }
    if (byId.has(id)) throw new Error(`TSPLIB: node ${id} listed twice`);
    byId.set(id, { x, y });
  }
  const n = dimension >= 0 ? dimension : byId.size;
  if (byId.size !== n) throw new Error(`TSPLIB: DIMENSION is ${n} but ${byId.size} coordinates were found`);
  const coords: { x: number; y: number }[] = [];
  for (let id = 1; id <= n; id++) {
    const c = byId.get(id);
    if (!c) throw new Error(`TSPLIB: node ${id} is missing (nodes must be numbered 1..${n})`);
    coords.push(c);
  }
  return { name, coords };
}

/** TSPLIB's EUC_2D metric: Euclidean distance rounded to the nearest integer, as the published optima assume. */
export function tsplibMatrix(coords: { x: number; y: number }[]): DistanceMatrix {
  const n = coords.length;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.round(Math.hypot(coords[i].x - coords[j].x, coords[i].y - coords[j].y));
      data[i * n + j] = d;
      data[j * n + i] = d;
    }
  }
  return { n, data };
}

/** Length of `order` under `m`; `closed` adds the edge from the last node back to the first. */
export function tourLength(m: DistanceMatrix, order: number[], closed: boolean): number {
  const { n, data } = m;
  let len = 0;
  for (let k = 1; k < order.length; k++) len += data[order[k - 1] * n + order[k]];
  if (closed && order.length > 1) len += data[order[order.length - 1] * n + order[0]];
  return len;
}
