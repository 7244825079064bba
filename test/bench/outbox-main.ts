import { runOutboxBench } from "./outbox.ts";

// Standalone runner: `npx tsx test/bench/outbox-main.ts`.
const started = performance.now();
const sections = await runOutboxBench();
for (const s of sections) {
  console.log(`\n## ${s.name}`);
  console.table(s.rows);
  console.log(s.summary);
}
const summary: Record<string, Record<string, number>> = {};
for (const s of sections) summary[s.name] = s.summary;
console.log(JSON.stringify({ bench: "outbox", seconds: Math.round((performance.now() - started) / 100) / 10, summary }));
