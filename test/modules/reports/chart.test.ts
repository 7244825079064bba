// Real rendering through the worker: ECharts, resvg and the bundled font, nothing mocked.
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { closeChartRenderer, renderChart, type TChartSpec } from "../../../src/modules/reports/chart.ts";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which the PNG format puts first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** RGBA bytes of a region, row by row. */
function crop(png: Buffer, r: Region): Buffer {
  const img = PNG.sync.read(png);
  const rows: Buffer[] = [];
  for (let y = r.y0; y < r.y1; y++) rows.push(img.data.subarray((y * img.width + r.x0) * 4, (y * img.width + r.x1) * 4));
  return Buffer.concat(rows);
}

/** Pixels dark enough to be text ink (the chart's text colour is near-black on white). */
function darkPixels(rgba: Buffer): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! + rgba[i + 1]! + rgba[i + 2]! < 3 * 110) n++;
  return n;
}

/** Strongly red pixels: the threshold line. */
function redPixels(rgba: Buffer): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! > 180 && rgba[i + 1]! < 110 && rgba[i + 2]! < 110) n++;
  return n;
}

const MANAGERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"];

function spec(overrides: Partial<TChartSpec> = {}): TChartSpec {
  return {
    title: "团队本周拜访 · 12月1日–12月7日",
    subtitle: "计划与完成户数",
    categories: MANAGERS,
    series: [
      { name: "计划拜访", values: [18, 20, 15, 12, null, 16] },
      { name: "实际完成", values: [16, 21, 9, 12, 3, 15] },
    ],
    threshold: { name: "每日最低 15 户", value: 15 },
    unit: "户",
    ...overrides,
  };
}

/** The title band of a chart with no subtitle: the title is drawn centred about 14–38 px from the top. */
const TITLE: Region = { x0: 0, y0: 8, x1: 960, y1: 44 };
/** The strip under the x axis where unrotated category labels are (the grid keeps 12 px below them), right of the y axis labels. */
const X_LABELS: Region = { x0: 60, y0: 540 - 40, x1: 960, y1: 540 - 4 };

afterAll(async () => {
  await closeChartRenderer();
});

describe("renderChart", () => {
  it("returns a PNG of the default size, 960×540", async () => {
    const png = await renderChart(spec());
    expect(pngSize(png)).toEqual({ width: 960, height: 540 });
    const img = PNG.sync.read(png);
    expect([img.width, img.height]).toEqual([960, 540]);
  });

  it("returns a PNG of exactly the requested size", async () => {
    for (const [width, height] of [
      [480, 320],
      [1280, 720],
      [333, 777],
    ] as const) {
      const png = await renderChart(spec({ width, height }));
      expect(pngSize(png)).toEqual({ width, height });
    }
  });

  it("draws Chinese titles as real glyphs: longer text has more ink, and two different words of the same length differ", async () => {
    const base = { subtitle: undefined, series: [{ name: "完成", values: [1, 2, 3, 4, 5, 6] }], threshold: undefined };
    const short = crop(await renderChart(spec({ ...base, title: "拜访" })), TITLE);
    const long = crop(await renderChart(spec({ ...base, title: "拜访完成率统计" })), TITLE);
    // Measured with the bundled font: about 250 and 840 dark pixels. A font without CJK glyphs
    // draws one thin box per character (about 60 and 180), no font draws nothing.
    expect(darkPixels(short)).toBeGreaterThan(150);
    expect(darkPixels(long)).toBeGreaterThan(darkPixels(short) * 2);

    // Missing glyphs would all be the same box, so two different words would look alike;
    // without any font both would be blank.
    const a = crop(await renderChart(spec({ ...base, title: "拜访完成" })), TITLE);
    const b = crop(await renderChart(spec({ ...base, title: "统计报表" })), TITLE);
    expect(darkPixels(a)).toBeGreaterThan(300);
    expect(darkPixels(b)).toBeGreaterThan(300);
    expect(a.equals(b)).toBe(false);
    // Fallback boxes "□□□□" draw differently from the words.
    const boxes = crop(await renderChart(spec({ ...base, title: "□□□□" })), TITLE);
    expect(boxes.equals(a)).toBe(false);
    expect(boxes.equals(b)).toBe(false);
  });

  it("draws Chinese category labels under the axis", async () => {
    const base = { series: [{ name: "完成", values: [5, 6] }], threshold: undefined };
    const one = crop(await renderChart(spec({ ...base, categories: ["张伟", "王芳"] })), X_LABELS);
    const other = crop(await renderChart(spec({ ...base, categories: ["李娜", "刘洋"] })), X_LABELS);
    const none = crop(await renderChart(spec({ ...base, categories: ["", ""] })), X_LABELS);
    // About 110 dark pixels each with the bundled font, 42 (boxes) with a Latin-only one.
    expect(darkPixels(one)).toBeGreaterThan(75);
    expect(darkPixels(other)).toBeGreaterThan(75);
    expect(darkPixels(none)).toBe(0);
    expect(one.equals(other)).toBe(false);
  });

  it("draws the threshold as a red line only when there is one", async () => {
    const whole = { x0: 0, y0: 0, x1: 960, y1: 540 };
    const withLine = crop(await renderChart(spec()), whole);
    const without = crop(await renderChart(spec({ threshold: undefined })), whole);
    expect(redPixels(withLine)).toBeGreaterThan(300);
    expect(redPixels(without)).toBe(0);
  });

  it("gives the same bytes for the same spec", async () => {
    const first = await renderChart(spec());
    const second = await renderChart(spec());
    expect(second.equals(first)).toBe(true);
  });

  it("answers concurrent calls, each with its own size", async () => {
    const sizes = [
      [960, 540],
      [640, 360],
      [800, 600],
      [400, 300],
      [1024, 576],
      [720, 480],
    ];
    const pngs = await Promise.all(sizes.map(([width, height]) => renderChart(spec({ width, height }))));
    expect(pngs.map(pngSize)).toEqual(sizes.map(([width, height]) => ({ width, height })));
    const again = await renderChart(spec({ width: 640, height: 360 }));
    expect(again.equals(pngs[1]!)).toBe(true);
  });

  it("leaves the caller's event loop free while it renders", async () => {
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    // A 40-manager chart is the heaviest case; rendered on this thread, no turn would run before it is done.
    const categories = Array.from({ length: 40 }, (_, i) => `经理${i + 1}`);
    const png = await renderChart(spec({ categories, series: [{ name: "完成", values: categories.map((_, i) => i) }] }));
    spinning = false;
    expect(pngSize(png).width).toBe(960);
    expect(turns).toBeGreaterThan(0);
  });

  it("rejects a bad spec with an Error that names the problem", async () => {
    await expect(renderChart(spec({ series: [] }))).rejects.toThrow(/invalid chart spec: series/);
    await expect(renderChart(spec({ series: [{ name: "完成", values: [1] }] }))).rejects.toThrow(/one value per category/);
    await expect(renderChart(spec({ width: 0 }))).rejects.toThrow(/invalid chart spec: width/);
    await expect(renderChart(spec({ series: [{ name: "x", values: [NaN, 1, 2, 3, 4, 5] }] }))).rejects.toThrow(/invalid chart spec/);
  });

  it("rejects charts still waiting when closed, and starts a new worker on the next call", async () => {
    const waiting = expect(renderChart(spec())).rejects.toThrow(/closed before the chart was rendered/);
    await closeChartRenderer();
    await waiting;
    const png = await renderChart(spec({ width: 500, height: 300 }));
    expect(pngSize(png)).toEqual({ width: 500, height: 300 });
  });
});
