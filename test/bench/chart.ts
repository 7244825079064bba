import { closeChartRenderer, renderChart, type TChartSpec } from "../../src/modules/reports/chart.ts";
import { renderChartPng, resolveChartFontFiles, resvgOptions } from "../../src/modules/reports/chart.render.ts";

export interface BenchSection {
  name: string;
  rows: Record<string, string | number>[];
  summary: Record<string, number>;
}

const RUNS = 20;
const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华";

/** The weekly team chart of a 30-manager supervisor: planned vs done, with the daily minimum. */
export function teamChartSpec(managers = 30): TChartSpec {
  const categories = Array.from({ length: managers }, (_, i) => SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]!);
  return {
    title: "团队本周拜访 · 12月1日–12月7日",
    subtitle: `${managers} 位客户经理 · 计划与完成户数`,
    categories,
    series: [
      { name: "计划拜访", values: categories.map((_, i) => 60 + ((i * 17) % 31)) },
      { name: "实际完成", values: categories.map((_, i) => (i % 11 === 5 ? null : 40 + ((i * 23) % 47))) },
    ],
    threshold: { name: "每周最低 75 户", value: 75 },
    unit: "户",
  };
}

/**
 * Rendering a 30-category, 2-series chart: through the worker (what a caller waits for, message
 * round trip included) and in-thread (the CPU cost the worker takes off the event loop).
 */
export async function runChartBench(): Promise<BenchSection[]> {
  const spec = teamChartSpec();
  const t0 = performance.now();
  const first = await renderChart(spec);
  const firstMs = performance.now() - t0;

  const viaWorker: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await renderChart(spec);
    viaWorker.push(performance.now() - t);
  }
  await closeChartRenderer();

  const options = resvgOptions(resolveChartFontFiles());
  renderChartPng(spec, options);
  const inThread: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    renderChartPng(spec, options);
    inThread.push(performance.now() - t);
  }

  const row = (how: string, times: number[]) => ({
    how,
    runs: times.length,
    "p50 ms": round(percentile(times, 50), 1),
    "p95 ms": round(percentile(times, 95), 1),
    "max ms": round(Math.max(...times), 1),
  });
  return [
    {
      name: `chart: ${spec.categories.length} categories × ${spec.series.length} series, ${spec.width ?? 960}×${spec.height ?? 540} PNG`,
      rows: [row("renderChart (worker)", viaWorker), row("in-thread ECharts + resvg", inThread)],
      summary: {
        firstCallMs: round(firstMs, 0),
        p50Ms: round(percentile(viaWorker, 50), 1),
        p95Ms: round(percentile(viaWorker, 95), 1),
        inThreadP50Ms: round(percentile(inThread, 50), 1),
        pngBytes: first.length,
      },
    },
  ];
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
