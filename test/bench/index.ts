// `npm run bench [-- route|planner|outbox|chart|reports|jobs|import|monthstart|recovery|backup|classes|brands|evidence|db-copy]`: every benchmark section (or the named groups) as a
// table with its summary, then one JSON document with all figures.
// `npm run bench -- --db postgres|both` (or `-- engines`, SQLite only) runs the engines group: the
// company on PostgreSQL (a throw-away cluster) beside SQLite. It is not part of the default run,
// which stays SQLite-only; with `--db` alone only the engines group runs, named groups still run on SQLite.
import { runBackupBench } from "./backup.ts";
import { runBrandsBench } from "./brands.ts";
import { runChartBench } from "./chart.ts";
import { runClassesBench } from "./classes.ts";
import { runDbCopyBench } from "./db-copy.ts";
import { runEnginesBench } from "./engines.ts";
import { runEvidenceBench } from "./evidence.ts";
import { runImportBench } from "./import.ts";
import { runJobsBench } from "./jobs.ts";
import { runMonthStartBench } from "./month-start.ts";
import { runOutboxBench } from "./outbox.ts";
import { runPlannerBench } from "./planner.ts";
import { runRecoveryBench } from "./recovery.ts";
import { runReportsBench } from "./reports.ts";
import { runRouteBench } from "./route.ts";
import type { Engine } from "../helpers/db.ts";

type Section = { name: string; rows: Record<string, string | number>[]; summary: Record<string, number> };

const groups: Record<string, () => Promise<Section[]>> = { route: runRouteBench, planner: runPlannerBench, outbox: runOutboxBench, chart: runChartBench, reports: runReportsBench, jobs: runJobsBench, import: runImportBench, monthstart: runMonthStartBench, recovery: runRecoveryBench, backup: runBackupBench, classes: runClassesBench, brands: runBrandsBench, evidence: runEvidenceBench, "db-copy": runDbCopyBench };
const args = process.argv.slice(2);
const dbAt = args.findIndex((a) => a === "--db" || a.startsWith("--db="));
const dbArg = dbAt < 0 ? undefined : args[dbAt]!.startsWith("--db=") ? args[dbAt]!.slice(5) : args[dbAt + 1];
const ENGINE_CHOICES: Record<string, Engine[]> = { sqlite: ["sqlite"], postgres: ["postgres"], both: ["sqlite", "postgres"] };
if (dbAt >= 0 && !(dbArg !== undefined && dbArg in ENGINE_CHOICES)) {
  console.error(`--db takes sqlite, postgres or both (got ${dbArg ?? "nothing"})`);
  process.exit(2);
}
const wanted = args.filter((a) => a in groups || a === "engines");
const runEngines = dbAt >= 0 || wanted.includes("engines");
const engines = ENGINE_CHOICES[dbArg ?? "sqlite"]!;
const all: [string, () => Promise<Section[]>][] = [...Object.entries(groups), ...(runEngines ? [["engines", () => runEnginesBench(engines)] as [string, () => Promise<Section[]>]] : [])];
const sections: Section[] = [];
for (const [group, run] of all) {
  if ((wanted.length || runEngines) && group !== "engines" && !wanted.includes(group)) continue;
  const started = performance.now();
  for (const section of await run()) {
    sections.push(section);
    console.log(`\n## ${section.name}`);
    console.table(section.rows);
    console.log("summary:", section.summary);
  }
  console.log(`(${group}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
console.log("\nJSON:");
console.log(JSON.stringify({ sections: sections.map((s) => ({ name: s.name, summary: s.summary, rows: s.rows })) }));
