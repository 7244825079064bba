import { readFileSync } from "node:fs";
import path from "node:path";
import { orderStops, solveClosedTour, type LatLng, type Stop } from "./route-ordering.ts";
import { parseTsplib, tsplibMatrix } from "./tsplib.ts";

export interface RouteFileResult {
  /** TSPLIB node numbers (1-based) for a .tsp file, stop ids for a .json file. */
  order: (number | string)[];
  /** TSPLIB-rounded tour length, or whole metres of the open path. */
  length: number;
  /** Time spent solving, excluding reading and parsing the file. */
  ms: number;
}

/**
 * Solves a route file for `visitmate route FILE`:
 * - `.tsp` (TSPLIB, EUC_2D): closed tour over all nodes;
 * - `.json` `{ "start": {lat, lng}, "stops": [{id, lat, lng}, ...] }`: open path from start, haversine metres.
 */
export function solveRouteFile(file: string): RouteFileResult {
  const ext = path.extname(file).toLowerCase();
  if (ext !== ".tsp" && ext !== ".json") {
    throw new Error(`route file "${file}": unsupported type "${ext || "(none)"}", expected .tsp or .json`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`route file "${file}": cannot read it (${(e as Error).message})`);
  }

  if (ext === ".tsp") {
    let inst;
    try {
      inst = parseTsplib(text);
    } catch (e) {
      throw new Error(`route file "${file}": ${(e as Error).message}`);
    }
    const m = tsplibMatrix(inst.coords);
    const t = performance.now();
    const res = solveClosedTour(m);
    const ms = performance.now() - t;
    return { order: res.order.map((i) => i + 1), length: res.length, ms: roundMs(ms) };
  }

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`route file "${file}": not valid JSON (${(e as Error).message})`);
  }
  const { start, stops } = validateStopsFile(raw, file);
  const t = performance.now();
  const res = orderStops(start, stops);
  const ms = performance.now() - t;
  return { order: res.order, length: Math.round(res.totalMetres), ms: roundMs(ms) };
}

function validateStopsFile(raw: unknown, file: string): { start: LatLng; stops: Stop[] } {
  const fail = (msg: string): never => {
    throw new Error(`route file "${file}": ${msg}`);
  };
  if (!isObject(raw)) return fail('expected an object { "start": {...}, "stops": [...] }');
  if (!("start" in raw)) fail('missing "start"');
  if (!("stops" in raw)) fail('missing "stops"');
  const start = latLngAt(raw.start, "start", fail);
  if (!Array.isArray(raw.stops)) return fail('"stops" must be an array');
  const seen = new Set<string>();
  const stops: Stop[] = raw.stops.map((s: unknown, i: number) => {
    const where = `stops[${i}]`;
    if (!isObject(s)) return fail(`${where} must be an object { "id", "lat", "lng" }`);
    if (typeof s.id !== "string" || s.id.trim() === "") fail(`${where}.id must be a non-empty string`);
    const id = s.id as string;
    if (seen.has(id)) fail(`${where}.id "${id}" is used by an earlier stop`);
    seen.add(id);
    const { lat, lng } = latLngAt(s, where, fail);
    return { id, lat, lng };
  });
  return { start, stops };
}

function latLngAt(v: unknown, where: string, fail: (msg: string) => never): LatLng {
  if (!isObject(v)) return fail(`${where} must be an object with "lat" and "lng"`);
  const { lat, lng } = v;
  if (typeof lat !== "number" || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    fail(`${where}.lat must be a number between -90 and 90, got ${JSON.stringify(lat) ?? "nothing"}`);
  }
  if (typeof lng !== "number" || !Number.isFinite(lng) || lng < -180 || lng > 180) {
    fail(`${where}.lng must be a number between -180 and 180, got ${JSON.stringify(lng) ?? "nothing"}`);
  }
  return { lat: lat as number, lng: lng as number };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
