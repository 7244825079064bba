import { createAppContext } from "../app.ts";
import { cliT, parseArgs, stringOption } from "./args.ts";
import { importCustomers, importManagers, formatImportReport } from "../modules/imports/import.service.ts";
import { importProducts } from "../modules/products/products.import.ts";

/** Prints a progress line (overwritten in a terminal) for files large enough to take a while. */
function progressPrinter(): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    if (total < 500) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const line = cliT()("cli.import.progress", { done, total, pct });
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
    else if (pct % 10 === 0) process.stderr.write(line + "\n");
  };
}

export async function importCommand(argv: string[]): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const [kind, file] = positional;
  const sheet = stringOption(options, "sheet");
  if ((kind !== "managers" && kind !== "customers" && kind !== "products") || !file || positional.length > 2 || options.sheet === true) {
    process.stderr.write(cliT()("cli.import.usage") + "\n");
    return 2;
  }
  const ctx = await createAppContext();
  try {
    const onProgress = progressPrinter();
    const report =
      kind === "managers"
        ? await importManagers({ db: ctx.db, file, onProgress, clock: ctx.clock, policy: ctx.policy, sheet })
        : kind === "products"
          ? await importProducts({ db: ctx.db, clock: ctx.clock, file, onProgress, sheet })
          : await importCustomers({ db: ctx.db, policy: ctx.policy, clock: ctx.clock, file, onProgress, sheet });
    process.stdout.write(formatImportReport(report, ctx.policy.locale) + "\n");
    return report.ok ? 0 : 1;
  } finally {
    await ctx.db.$disconnect();
  }
}
