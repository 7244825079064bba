// `npm run bench [-- route|planner|outbox|chart|reports|jobs|import|monthstart|recovery|backup|classes|brands|evidence|db-copy]`: every benchmark section (or the named groups) as a
// table with its summary, then one JSON document with all figures.
import { runBackupBench } from "./backup.ts";
import { runBrandsBench } from "./brands.ts";
import { runChartBench } from "./chart.ts";
import { runClassesBench } from "./classes.ts";
import { runDbCopyBench } from "./db-copy.ts";
import { runEvidenceBench } from "./evidence.ts";
import { runImportBench } from "./import.ts";
import { runJobsBench } from "./jobs.ts";
import { runMonthStartBench } from "./month-start.ts";
import { runOutboxBench } from "./outbox.ts";
import { runPlannerBench } from "./planner.ts";
import { runRecoveryBench } from "./recovery.ts";
import { runReportsBench } from "./reports.ts";
import { runRouteBench } from "./route.ts";

type Section = { name: string; rows: Record<string, string | number>[]; summary: Record<string, number> };

const groups: Record<string, () => Promise<Section[]>> = { route: runRouteBench, planner: runPlannerBench, outbox: runOutboxBench, chart: runChartBench, reports: runReportsBench, jobs: runJobsBench, import: runImportBench, monthstart: runMonthStartBench, recovery: runRecoveryBench, backup: runBackupBench, classes: runClassesBench, brands: runBrandsBench, evidence: runEvidenceBench, "db-copy": runDbCopyBench };
const wanted = process.argv.slice(2).filter((a) => a in groups);
const sections: Section[] = [];
for (const [group, run] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(group)) continue;
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
