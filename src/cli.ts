import { routeCommand } from "./cli/route.cli.ts";
import { cliUsageT, isCliMessage } from "./cli/usage.ts";
import { AppError } from "./core/errors.ts";

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(cliUsageT()("cli.usage"));
      return 0;
    case "start": {
      const { start } = await import("./main.ts");
      // On a terminal the chat owns the screen: logs go to data/visitmate.log instead.
      await start({ interactive: Boolean(process.stdin.isTTY), logToFile: Boolean(process.stdout.isTTY) });
      return 0;
    }
    case "import": {
      const { importCommand } = await import("./cli/import.cli.ts");
      return importCommand(rest);
    }
    case "classify": {
      const { classifyCommand } = await import("./cli/classify.cli.ts");
      return classifyCommand(rest);
    }
    case "plan": {
      const { planCommand } = await import("./cli/plan.cli.ts");
      return planCommand(rest);
    }
    case "route":
      // Static on purpose: the light commands must run without dynamic imports (see bin/visitmate.js).
      return routeCommand(rest);
    case "report": {
      const { reportCommand } = await import("./cli/report.cli.ts");
      return reportCommand(rest);
    }
    case "jobs": {
      const { jobsCommand } = await import("./cli/jobs.cli.ts");
      return jobsCommand(rest);
    }
    case "staff": {
      const { staffCommand } = await import("./cli/staff.cli.ts");
      return staffCommand(rest);
    }
    case "outbox": {
      const { outboxCommand } = await import("./cli/jobs.cli.ts");
      return outboxCommand(rest);
    }
    case "db": {
      const { dbCommand } = await import("./cli/db.cli.ts");
      return dbCommand(rest);
    }
    case "status": {
      const { statusCommand } = await import("./cli/status.cli.ts");
      return statusCommand(rest);
    }
    default:
      process.stderr.write(`${cliUsageT()("cli.unknown-command", { command })}\n\n${cliUsageT()("cli.usage")}`);
      return 2;
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runCli(argv);
  } catch (err) {
    if (err instanceof AppError) {
      const m = err.userMessage;
      // Another area's message needs the whole catalogue; only the database commands (loaded through
      // tsx's ESM hook, where import() works) raise those.
      const tr = !m ? null : isCliMessage(m.key) ? cliUsageT() : (await import("./cli/args.ts")).cliT();
      process.stderr.write(`${m && tr ? tr(m.key, m.params) : err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
