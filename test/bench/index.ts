// `npm run bench`: every benchmark section as a table, then one JSON document with all figures.
import { runOutboxBench } from "./outbox.ts";
import { runPlannerBench } from "./planner.ts";
import { runRouteBench } from "./route.ts";

type Section = { name: string; rows: Record<string, string | number>[]; summary: Record<string, number> };

const sections: Section[] = [];
for (const run of [runRouteBench, runPlannerBench, runOutboxBench]) {
  for (const section of await run()) {
    sections.push(section);
    console.log(`\n## ${section.name}`);
    console.table(section.rows);
    console.log("summary:", section.summary);
  }
}
console.log("\nJSON:");
console.log(JSON.stringify({ sections: sections.map((s) => ({ name: s.name, summary: s.summary, rows: s.rows })) }));
