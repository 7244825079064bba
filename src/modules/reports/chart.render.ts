// The synchronous half of chart rendering: spec → ECharts option → SVG → PNG. It is CPU work
// (about a tenth of a second), so only the chart worker calls it; chart.ts is the API the app uses.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
// The tree-shaken core: the worker loads only what a bar chart needs, so it starts faster.
import * as echarts from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { TChartSpec } from "./chart.ts";

echarts.use([BarChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

/** The family name inside the font files below (their `name` table), which ECharts writes into the SVG. */
export const CHART_FONT_FAMILY = "Noto Sans S Chinese";
export const DEFAULT_CHART_WIDTH = 960;
export const DEFAULT_CHART_HEIGHT = 540;

const FONT_FILES = ["NotoSansHans-Regular.otf", "NotoSansHans-Bold.otf"];
const COLORS = ["#3b6fd8", "#f0a030", "#36a56f"];
const THRESHOLD_COLOR = "#d93026";
const TEXT_COLOR = "#1f2329";
const MUTED_COLOR = "#646a73";
const AXIS_FONT_SIZE = 12;
const VALUE_FONT_SIZE = 11;

/**
 * The font files of @embedpdf/fonts-sc. Its `exports` map opens only the package's entry point, so
 * the folder is found from there rather than by a subpath. Throws when a file is missing: without
 * the font resvg silently draws no text at all, and a chart without labels must not go out.
 */
export function resolveChartFontFiles(): string[] {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("@embedpdf/fonts-sc");
  } catch (err) {
    throw new Error("chart font package @embedpdf/fonts-sc is not installed", { cause: err });
  }
  const dir = path.join(path.dirname(entry), "..", "fonts");
  const files = FONT_FILES.map((f) => path.join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`chart font file missing: ${missing.join(", ")}`);
  return files;
}

/** Up to one decimal, no trailing zero: bar labels show counts and rates, never float noise. */
function formatValue(v: number, unit: string | undefined): string {
  const text = String(Math.round(v * 10) / 10);
  return unit === "%" ? `${text}%` : text;
}

/** The smallest "round" number ≥ x (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k), so the axis ticks stay round. */
function niceCeil(x: number): number {
  if (x <= 0) return 0;
  const pow = 10 ** Math.floor(Math.log10(x));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * pow >= x - 1e-9 * pow) ?? 10;
  return step * pow;
}

/**
 * The width ECharts will assume for a label: zrender on a server has no canvas to measure with and
 * counts a character outside its Latin width table (every CJK one) as one em, a Latin one as
 * about 0.6 em.
 */
function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += ch.charCodeAt(0) > 0x2e80 ? 1 : 0.6;
  return em * fontSize;
}

/** The ECharts option for a report bar chart. Pure: the same spec gives the same option, so the same pixels. */
export function buildChartOption(spec: TChartSpec): Record<string, unknown> {
  const width = spec.width ?? DEFAULT_CHART_WIDTH;
  const n = Math.max(spec.categories.length, 1);
  const multi = spec.series.length > 1;

  // The header (title, subtitle, legend) stacks from the top; the plot starts below it.
  const titleTop = 14;
  let headerBottom = titleTop + 24;
  if (spec.subtitle) headerBottom += 20;
  const legendTop = headerBottom + 6;
  if (multi) headerBottom = legendTop + 20;

  // A category's slot on the x axis, with the grid's side margins taken off.
  const slot = (width - 90) / n;
  const longest = Math.max(0, ...spec.categories.map((c) => estimateTextWidth(c, AXIS_FONT_SIZE)));
  // Horizontal labels when they fit side by side; 45° while their slanted height still clears the
  // neighbour (about 1.5 em); upright beyond that (40 managers on a narrow chart).
  const rotate = longest + 6 <= slot ? 0 : slot >= AXIS_FONT_SIZE * 1.5 ? 45 : 90;

  // Value labels stand upright above their bar once they are wider than the bar's column (bars
  // fill 80% of a slot, ECharts' default category gap). Where even upright ones collide (40
  // managers × 3 series), the label layout hides the overlapping ones rather than print a smear.
  const column = (slot * 0.8) / spec.series.length;
  const widestValue = Math.max(
    0,
    ...spec.series.flatMap((s) => s.values.map((v) => (v == null ? 0 : estimateTextWidth(formatValue(v, spec.unit), VALUE_FONT_SIZE)))),
  );
  const uprightValues = widestValue > column + 2;

  const dataMax = Math.max(0, ...spec.series.flatMap((s) => s.values.filter((v): v is number => v != null)));
  // ECharts sizes the value axis from the data only; a threshold above every bar would be off the chart.
  const yMax = spec.threshold && spec.threshold.value >= dataMax ? niceCeil(spec.threshold.value * 1.1) : undefined;

  const series = spec.series.map((s, i) => ({
    type: "bar",
    name: s.name,
    data: s.values,
    barMaxWidth: 48,
    barGap: "15%",
    itemStyle: { color: COLORS[i % COLORS.length], borderRadius: [2, 2, 0, 0] },
    labelLayout: { hideOverlap: true },
    label: {
      show: true,
      position: "top",
      distance: 4,
      fontSize: VALUE_FONT_SIZE,
      color: TEXT_COLOR,
      ...(uprightValues ? { rotate: 90, align: "left", verticalAlign: "middle" } : {}),
      formatter: (p: { value: unknown }) => (typeof p.value === "number" ? formatValue(p.value, spec.unit) : ""),
    },
    ...(i === 0 && spec.threshold
      ? {
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { type: "dashed", color: THRESHOLD_COLOR, width: 1.5 },
            label: {
              show: true,
              position: "insideEndTop",
              formatter: spec.threshold.name,
              color: THRESHOLD_COLOR,
              fontSize: 12,
              // The name sits over the last bars; a light plate keeps it readable there.
              backgroundColor: "rgba(255,255,255,0.85)",
              padding: [1, 4],
              borderRadius: 2,
            },
            data: [{ yAxis: spec.threshold.value, name: spec.threshold.name }],
          },
        }
      : {}),
  }));

  return {
    animation: false,
    backgroundColor: "#ffffff",
    color: COLORS,
    // One family for every text element (title, axes, legend, labels, mark line).
    textStyle: { fontFamily: CHART_FONT_FAMILY, color: TEXT_COLOR },
    title: {
      text: spec.title,
      subtext: spec.subtitle ?? "",
      left: "center",
      top: titleTop,
      itemGap: 6,
      textStyle: { fontFamily: CHART_FONT_FAMILY, fontSize: 18, fontWeight: "bold", color: TEXT_COLOR },
      subtextStyle: { fontFamily: CHART_FONT_FAMILY, fontSize: 13, color: MUTED_COLOR },
    },
    legend: {
      show: multi,
      top: legendTop,
      left: "center",
      icon: "roundRect",
      itemWidth: 14,
      itemHeight: 10,
      textStyle: { fontFamily: CHART_FONT_FAMILY, fontSize: 12, color: TEXT_COLOR },
    },
    grid: {
      // With outerBoundsMode "same" these margins bound the axis labels and the unit name too:
      // the plot shrinks to keep them (rotated ones especially) inside the picture.
      left: 16,
      right: 28,
      // Room above the tallest bar for its value label, and for the y axis' unit name.
      top: headerBottom + (uprightValues ? 40 : 28),
      bottom: 12,
      outerBoundsMode: "same",
      outerBoundsContain: "all",
    },
    xAxis: {
      type: "category",
      data: spec.categories,
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: "#8f959e" } },
      axisLabel: {
        interval: 0,
        rotate,
        fontSize: AXIS_FONT_SIZE,
        color: TEXT_COLOR,
        fontFamily: CHART_FONT_FAMILY,
        // A very long name is cut rather than pushing the plot into a sliver.
        width: 120,
        overflow: "truncate",
      },
    },
    yAxis: {
      type: "value",
      name: spec.unit ?? "",
      nameGap: 14,
      nameTextStyle: { fontFamily: CHART_FONT_FAMILY, fontSize: 12, color: MUTED_COLOR, align: "right" },
      max: yMax,
      minInterval: spec.unit === "%" ? undefined : 1,
      splitLine: { lineStyle: { color: "#e4e6eb" } },
      axisLabel: { fontSize: AXIS_FONT_SIZE, color: MUTED_COLOR, fontFamily: CHART_FONT_FAMILY },
    },
    series,
  };
}

/** The chart as an SVG document, exactly width×height. */
export function renderChartSvg(spec: TChartSpec): string {
  const chart = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: spec.width ?? DEFAULT_CHART_WIDTH,
    height: spec.height ?? DEFAULT_CHART_HEIGHT,
  });
  try {
    chart.setOption(buildChartOption(spec));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** resvg's options: only the bundled font, so the picture is the same on every machine. */
export function resvgOptions(fontFiles: string[]): ResvgRenderOptions {
  return {
    background: "white",
    fitTo: { mode: "original" },
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY },
    logLevel: "off",
  };
}

/** PNG bytes of the chart. */
export function renderChartPng(spec: TChartSpec, options: ResvgRenderOptions): Buffer {
  const svg = renderChartSvg(spec);
  return new Resvg(svg, options).render().asPng();
}
