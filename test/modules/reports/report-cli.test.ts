import { readFileSync } from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { createScenario, type Scenario } from "./scenario.ts";

/** Runs `visitmate …` against the scenario's database. */
const cli = (s: Scenario, args: string[]) => runCli(s.t.url, args);

describe("npx visitmate report", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  // A past week, so the figures do not depend on the day the suite runs.
  const WEEK1 = ["--from", "2026-11-23", "--to", "2026-11-29"];

  it("report team: one JSON row per manager of the supervisor's team", async () => {
    s = await createScenario();
    const r = await cli(s, ["report", "team", "--supervisor", "S001", ...WEEK1, "--format", "json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows.map((x: { manager: string }) => x.manager)).toEqual(["M001", "M002"]);
    expect(rows[0]).toMatchObject({ manager: "M001", visits: 8, visitDays: 3, visitsPerVisitDay: 2.7, weeksMet: "1/1", complaints: 1, complaintsOnTimePct: 100 });
    expect(rows[1]).toMatchObject({ manager: "M002", visits: 1, visitDays: 1, weeksMet: "0/1" });
  });

  it("report team as xlsx needs --out; report visits as CSV to a file", async () => {
    s = await createScenario();
    const bad = await cli(s, ["report", "team", ...WEEK1, "--format", "xlsx"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("xlsx 是文件，请用 --out 指定保存位置");
    const file = path.join(s.t.dir, "team.xlsx");
    expect((await cli(s, ["report", "team", ...WEEK1, "--format", "xlsx", "--out", file])).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as unknown as ExcelJS.Buffer);
    // Without --supervisor: the whole company.
    expect(wb.worksheets[0]!.rowCount).toBe(1 + 3);
    const csv = path.join(s.t.dir, "visits.csv");
    const v = await cli(s, ["report", "visits", "--manager", "M001", ...WEEK1, "--format", "csv", "--out", csv]);
    expect(v.err).toContain("已写入");
    const lines = readFileSync(csv, "utf8").split("\r\n");
    expect(lines[0]).toBe("\uFEFFdate,time,manager,customer,customerName,class,mode,kind,durationMin,notes,problems,nextVisit");
    expect(lines.slice(1, 3)).toEqual(["2026-11-23,09:00,M001,C1,C1店,core,field,visit,18,,0,", "2026-11-23,10:00,M001,C2,C2店,core,field,visit,20,,0,"]);
  });

  it("bad options get a clear message", async () => {
    s = await createScenario();
    expect((await cli(s, ["report", "team", "--from", "2026-13-01"])).err).toContain("--from 要写成 2026-12-01 这样的日期");
    expect((await cli(s, ["report", "team", "--format", "pdf"])).err).toContain("--format 只能是 xlsx、csv 或 json");
    expect((await cli(s, ["report", "visits"])).err).toContain("请用 --manager 指定客户经理编码");
    expect((await cli(s, ["report", "visits", "--manager", "M999"])).err).toContain("没有编码为“M999”的在职员工");
    expect((await cli(s, ["report"])).err).toContain("用法：");
  });
});
