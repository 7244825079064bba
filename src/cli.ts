import { AppError } from "./core/errors.ts";

const USAGE = `visitmate — chat assistant for customer managers

Usage: npx visitmate <command> [options]

  start                              run the bot (terminal chat + configured platforms)
  import managers FILE               import staff (CSV UTF-8/GBK or .xlsx), all or nothing
  import customers FILE              import customers (CSV UTF-8/GBK or .xlsx), all or nothing
  classify                           recompute service classes and print the mix per manager
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
      await start({ interactive: Boolean(process.stdin.isTTY) });
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
