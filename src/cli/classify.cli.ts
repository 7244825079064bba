import { translator, type Translate } from "../i18n/i18n.ts";
import { createAppContext } from "../app.ts";
import { classMix } from "../modules/customers/classification.ts";
import { countCustomersByClassFor, recomputeServiceClasses } from "../modules/customers/customers.service.ts";
import { staffByCodePages } from "../modules/staff/staff.service.ts";
import type { AppDeps } from "../core/router.ts";

export interface ClassifyReport {
  changed: number;
  managers: { code: string; name: string; total: number; mix: ReturnType<typeof classMix> }[];
}

export async function classifyAll(deps: AppDeps): Promise<ClassifyReport> {
  const changed = await recomputeServiceClasses(deps);
  const out: ClassifyReport["managers"] = [];
  for await (const page of staffByCodePages({ db: deps.db, role: "manager" })) {
    const byManager = await countCustomersByClassFor({ db: deps.db, managerIds: page.map((m) => m.id) });
    for (const m of page) {
      const counts = byManager.get(m.id) ?? new Map<string, number>();
      const classes = [...counts].flatMap(([classId, n]) => Array<string>(n).fill(classId));
      out.push({ code: m.code, name: m.name, total: classes.length, mix: classMix(classes, deps.policy) });
    }
  }
  return { changed, managers: out };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatClassifyReport(report: ClassifyReport, preset: string, t: Translate = translator("en")): string {
  const lines = [t("cli.classify.header", { preset, changed: report.changed }), ""];
  for (const m of report.managers) {
    lines.push(t("cli.classify.manager", { code: m.code, name: m.name, total: m.total }));
    for (const r of m.mix) {
      const range = r.expected ? t("cli.classify.expected", { min: pct(r.expected.min), max: pct(r.expected.max) }) : "";
      lines.push(`  ${r.classId.padEnd(12)} ${String(r.count).padStart(5)}  ${pct(r.share).padStart(6)}  ${range}${r.outOfRange ? t("cli.classify.out-of-range") : ""}`);
    }
    lines.push("");
  }
  const flagged = report.managers.flatMap((m) => m.mix.filter((r) => r.outOfRange).map((r) => `${m.code}/${r.classId}`));
  lines.push(flagged.length ? t("cli.classify.flagged", { n: flagged.length, list: flagged.join(", ") }) : t("cli.classify.all-ok"));
  return lines.join("\n");
}

export async function classifyCommand(_args: string[]): Promise<number> {
  const ctx = await createAppContext();
  try {
    const report = await classifyAll(ctx);
    process.stdout.write(formatClassifyReport(report, ctx.policy.preset, translator(ctx.policy.locale)) + "\n");
    return 0;
  } finally {
    await ctx.db.$disconnect();
  }
}
