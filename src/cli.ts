import { AppError } from "./core/errors.ts";

const USAGE = `visitmate — chat assistant for customer managers

Usage: npx visitmate <command> [options]

  start                              run the bot (terminal chat + configured platforms)
  import managers FILE               import staff (CSV UTF-8/GBK or .xlsx), all or nothing
  import customers FILE              import customers (CSV UTF-8/GBK or .xlsx), all or nothing
  classify                           recompute service classes and print the mix per manager
  plan generate [--manager CODE] [--month YYYY-MM]
                                     (re)generate visit plans for that month and the next
  plan export --manager CODE --from DATE --weeks N --format json|csv
                                     print the stored plan, one row per planned visit
  route FILE                         order a route: TSPLIB .tsp (closed tour) or .json (open path)
  jobs list                          scheduled jobs: schedule, next run, last run
  jobs run-due                       run every due job once (missed runs still in their window), then exit
  outbox [--failed] [--limit N]      scheduled messages and their delivery state
  outbox retry ID                    queue a failed message again
  staff bind-code CODE [--hours N]   one-time code that links a chat account to staff member CODE (24 h)
  help                               this text
`;

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
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
    case "route": {
      const { routeCommand } = await import("./cli/plan.cli.ts");
      return routeCommand(rest);
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
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runCli(argv);
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
