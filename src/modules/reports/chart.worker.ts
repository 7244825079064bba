// The chart worker's message loop. Requests arrive one at a time on the port, so they queue there;
// each is answered with the PNG or with the error text, and the worker lives on either way.
import { parentPort } from "node:worker_threads";
import type { ResvgRenderOptions } from "@resvg/resvg-js";
import type { TChartSpec } from "./chart.ts";
import { renderChartPng, resolveChartFontFiles, resvgOptions } from "./chart.render.ts";

export interface ChartRequest {
  id: number;
  spec: TChartSpec;
}
export type ChartResponse = { id: number; png: Uint8Array } | { id: number; error: string };

if (!parentPort) throw new Error("chart.worker.ts must run in a worker thread");
const port = parentPort;

// Looked up once per worker: a missing font then fails every request with the same clear message
// instead of crashing the worker and having it restarted for each one.
let options: ResvgRenderOptions | undefined;
let fontError: string | undefined;
try {
  options = resvgOptions(resolveChartFontFiles());
} catch (err) {
  fontError = err instanceof Error ? err.message : String(err);
}

port.on("message", (req: ChartRequest) => {
  let res: ChartResponse;
  try {
    if (!options) throw new Error(fontError);
    res = { id: req.id, png: renderChartPng(req.spec, options) };
  } catch (err) {
    res = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(res);
});
