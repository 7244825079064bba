/**
 * Report charts as PNG, rendered offline with Chinese text, off the caller's event loop.
 *
 * Tools, and why:
 * - ECharts 6 (pure JS) in server-side mode draws the bar chart as an SVG string: no DOM, no
 *   canvas, no native build.
 * - @resvg/resvg-js (Rust, shipped as a prebuilt binary inside per-platform npm packages, no install
 *   script) turns the SVG into PNG. It is told to load no system fonts and only the bundled font, so
 *   the bytes do not depend on what the machine has installed (these machines have no CJK font).
 * - @embedpdf/fonts-sc ships Noto Sans CJK SC ("Noto Sans S Chinese") as plain OTF files under the
 *   SIL OFL. The web-font packages (fontsource & co.) ship browser slices (WOFF/WOFF2 split by
 *   unicode-range) rather than one TTF/OTF file for resvg; the TTF package that exists is larger
 *   (10 MB per weight, 96 MB in all). Regular and Bold are loaded.
 *
 * Cost: about 130 ms for a 30-manager, 2-series chart, of which ECharts takes ~40 ms and resvg's
 * text layout most of the rest: resvg-js keeps fonts as file paths and maps the 8 MB font file
 * again for every text run (~1 ms each, ~95 runs in such a chart). A font subset to GB2312 cut that
 * part 4× in a trial, but would lose the rarer characters of people's names; not worth it yet.
 *
 * That is CPU time, so rendering runs in one worker thread, started on first
 * use and reused: requests queue on its port and are answered in order. The worker is unref'd while
 * idle, so it never keeps the process alive, and ref'd only while a chart is being waited for (a
 * caller awaiting a chart at the end of a script must get it rather than have the process exit
 * under it). A worker that crashes or stops answering is dropped, every request waiting on it is
 * rejected with an Error, and the next call starts a new one.
 */
import { Worker } from "node:worker_threads";
import { z } from "zod";
import type { ChartRequest, ChartResponse } from "./chart.worker.ts";

export interface TChartSeries {
  name: string;
  values: (number | null)[];
}
export interface TChartSpec {
  /** e.g. "团队本周拜访 · 12月1日–12月7日" */
  title: string;
  subtitle?: string;
  /** x-axis labels, usually manager names in Chinese (up to ~40) */
  categories: string[];
  /** 1–3 bar series */
  series: TChartSeries[];
  /** optional dashed horizontal line, e.g. the policy minimum "每日最低 15 户" */
  threshold?: { name: string; value: number };
  /** y-axis unit label, e.g. "户" or "%" */
  unit?: string;
  /** default 960 */
  width?: number;
  /** default 540 */
  height?: number;
}

/** Limits keep a bad caller from asking for a picture that would take the worker minutes or gigabytes. */
const MAX_SIDE = 4096;
const MAX_CATEGORIES = 200;
/** A render takes a fraction of a second; a worker silent this long is stuck, not busy. */
const STALL_MS = 60_000;

/**
 * Checked before a spec is queued, so a bad one is refused at once with every problem named
 * (zod 4's numbers already refuse NaN and ±Infinity).
 */
const ZChartSpecSchema = z
  .object({
    title: z.string().max(200),
    subtitle: z.string().max(300).optional(),
    categories: z.array(z.string().max(100)).max(MAX_CATEGORIES),
    series: z
      .array(z.object({ name: z.string().max(100), values: z.array(z.number().nullable()) }))
      .min(1)
      .max(3),
    threshold: z.object({ name: z.string().max(100), value: z.number() }).optional(),
    unit: z.string().max(20).optional(),
    width: z.number().int().min(64).max(MAX_SIDE).optional(),
    height: z.number().int().min(64).max(MAX_SIDE).optional(),
  })
  .refine((s) => s.series.every((x) => x.values.length === s.categories.length), {
    message: "every series needs one value per category",
    path: ["series"],
  });

interface Pending {
  resolve: (png: Buffer) => void;
  reject: (err: Error) => void;
}

/** One worker and the requests waiting on it. */
class ChartWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stallTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly onGone: (w: ChartWorker) => void) {
    // No inherited flags: the entry point sets up its own TypeScript loader, and some of the
    // parent's flags break a worker (`node --input-type=module -e …` fails to load any file).
    this.worker = new Worker(new URL("./chart.worker.mjs", import.meta.url), { execArgv: [] });
    this.worker.unref();
    this.worker.on("message", (res: ChartResponse) => this.answer(res));
    this.worker.on("error", (err) => this.stop(new Error(`chart renderer crashed: ${err.message}`, { cause: err })));
    this.worker.on("messageerror", (err) => this.stop(new Error(`chart renderer sent an unreadable message: ${err.message}`, { cause: err })));
    this.worker.on("exit", (code) => this.stop(new Error(`chart renderer stopped unexpectedly (exit code ${code})`)));
  }

  render(spec: TChartSpec): Promise<Buffer> {
    if (this.stopped) return Promise.reject(new Error("chart renderer is stopped"));
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      const request: ChartRequest = { id, spec };
      try {
        this.worker.postMessage(request);
      } catch (err) {
        reject(new Error(`chart spec could not be sent to the renderer: ${(err as Error).message}`, { cause: err }));
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.stallTimer ??= this.armStallTimer();
    });
  }

  async close(): Promise<void> {
    this.stop(new Error("chart renderer was closed before the chart was rendered"));
    await this.worker.terminate();
  }

  private answer(res: ChartResponse): void {
    const waiting = this.pending.get(res.id);
    if (!waiting) return;
    this.pending.delete(res.id);
    if ("error" in res) waiting.reject(new Error(`chart rendering failed: ${res.error}`));
    else waiting.resolve(Buffer.from(res.png.buffer, res.png.byteOffset, res.png.byteLength));
    clearTimeout(this.stallTimer);
    this.stallTimer = this.pending.size ? this.armStallTimer() : undefined;
    if (this.pending.size === 0) this.worker.unref();
  }

  private armStallTimer(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.stop(new Error(`chart renderer gave no answer for ${STALL_MS / 1000} s and was stopped`));
      void this.worker.terminate();
    }, STALL_MS);
    // The ref'd worker already keeps the process alive while charts are awaited.
    timer.unref();
    return timer;
  }

  /** Rejects everything still waiting and hands the slot back, so the next call starts a fresh worker. */
  private stop(reason: Error): void {
    if (!this.stopped) {
      this.stopped = true;
      this.onGone(this);
    }
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.worker.unref();
    for (const w of waiting) w.reject(reason);
  }
}

let current: ChartWorker | undefined;

function forget(w: ChartWorker): void {
  if (current === w) current = undefined;
}

/** PNG bytes of exactly width×height pixels. Runs in a worker thread; never blocks the caller's event loop. */
export function renderChart(spec: TChartSpec): Promise<Buffer> {
  const parsed = ZChartSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`).join("; ");
    return Promise.reject(new Error(`invalid chart spec: ${problems}`));
  }
  current ??= new ChartWorker(forget);
  return current.render(parsed.data);
}

/** Stops the worker (tests and clean shutdown call it); renderChart after it starts a new one. */
export async function closeChartRenderer(): Promise<void> {
  const w = current;
  current = undefined;
  if (w) await w.close();
}
