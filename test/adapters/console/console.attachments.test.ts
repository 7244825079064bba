import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleAdapter, consoleFilesDir } from "../../../src/adapters/console/console.adapter.ts";
import type { Reply } from "../../../src/core/chat.ts";
import type { Router } from "../../../src/core/router.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { CHART, CHART_BYTES, EXPORT, EXPORT_BYTES, reportReply } from "../../helpers/attachments.ts";

/** Runs the terminal channel over scripted lines; every line is answered with `answer(line)`. */
async function chat(opts: { lines: string[]; answer: (line: string) => Reply[]; filesDir: string; locale?: "zh-CN" | "en" }): Promise<{ out: string; adapter: ConsoleAdapter; output: PassThrough }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = "";
  output.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const router: Router = { commands: () => [], handle: async (msg) => opts.answer(msg.text) };
  const adapter = new ConsoleAdapter({ router, input, output, filesDir: opts.filesDir, translate: async () => translator(opts.locale ?? "zh-CN") });
  const done = adapter.run();
  input.end(opts.lines.map((l) => l + "\n").join(""));
  await done;
  return { out, adapter, output };
}

describe("terminal attachments", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "visitmate-files-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("saves each attachment and prints where, after the text and its options (zh-CN)", async () => {
    const filesDir = path.join(dir, "exports");
    const { out } = await chat({ lines: ["/report"], answer: () => [reportReply()], filesDir });
    const chart = path.join(filesDir, CHART.name);
    const xlsx = path.join(filesDir, EXPORT.name);
    expect(out).toBe(`📊 团队周报（12月1日–12月7日）\n  1) 下载明细\n📎 ${CHART.name} 已保存：${chart}\n📎 ${EXPORT.name} 已保存：${xlsx}\n\n`);
    expect(readFileSync(chart).equals(CHART_BYTES)).toBe(true);
    expect(readFileSync(xlsx).equals(EXPORT_BYTES)).toBe(true);
  });

  it("in English too; never overwrites a file: the same names again get -1, -2", async () => {
    writeFileSync(path.join(dir, EXPORT.name), "an older export");
    const { out } = await chat({ lines: ["/report", "/report"], answer: () => [{ text: "", attachments: [CHART, EXPORT] }], filesDir: dir, locale: "en" });
    expect(out.split("\n").filter(Boolean)).toEqual([
      `📎 ${CHART.name} saved: ${path.join(dir, CHART.name)}`,
      `📎 ${EXPORT.name} saved: ${path.join(dir, "team-2026-12-1.xlsx")}`,
      `📎 ${CHART.name} saved: ${path.join(dir, "团队周报-2026-12-07-1.png")}`,
      `📎 ${EXPORT.name} saved: ${path.join(dir, "team-2026-12-2.xlsx")}`,
    ]);
    expect(readFileSync(path.join(dir, EXPORT.name), "utf8")).toBe("an older export");
    expect(readdirSync(dir).sort()).toEqual(["team-2026-12-1.xlsx", "team-2026-12-2.xlsx", "team-2026-12.xlsx", "团队周报-2026-12-07-1.png", "团队周报-2026-12-07.png"].sort());
  });

  it("a name with folders stays inside the directory; a file that cannot be saved is said so, and the chat goes on", async () => {
    const blocked = path.join(dir, "not-a-dir");
    writeFileSync(blocked, "a file where the folder should be");
    const evil = { ...CHART, name: "../../../etc/cron.d/x.png" };
    const first = await chat({ lines: ["/report"], answer: () => [{ text: "", attachments: [evil] }], filesDir: dir });
    expect(first.out).toBe(`📎 etc_cron.d_x.png 已保存：${path.join(dir, "etc_cron.d_x.png")}\n\n`);

    const { out } = await chat({ lines: ["/report", "/help"], answer: (l) => (l === "/report" ? [{ text: "导出", attachments: [EXPORT] }] : [{ text: "帮助" }]), filesDir: blocked, locale: "en" });
    expect(out).toBe(`导出\n📎 Could not save ${EXPORT.name} to ${blocked}\n\n帮助\n\n`);
  });

  it("a pushed message (a scheduled report) is saved the same way", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = "";
    output.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const adapter = new ConsoleAdapter({ router: { commands: () => [], handle: async () => [] }, input, output, filesDir: dir });
    await adapter.send({ platform: "console", chatId: "terminal" }, { text: "⏰ 周报", attachments: [CHART] });
    expect(out).toBe(`⏰ 周报\n📎 ${CHART.name} 已保存：${path.join(dir, CHART.name)}\n\n`);
  });

  it("files go beside the database by default", () => {
    expect(consoleFilesDir("/srv/visitmate/data/visitmate.db")).toBe("/srv/visitmate/data/exports");
    expect(consoleFilesDir(":memory:")).toBe(path.resolve("exports"));
  });
});
