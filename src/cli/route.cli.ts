import { AppError } from "../core/errors.ts";
import { solveRouteFile } from "../modules/planning/route-file.ts";
import { cliUsageT } from "./usage.ts";

/**
 * `visitmate route FILE`: orders a TSPLIB or stops file. It touches no database and no policy, so it
 * imports only the pure route modules (and the command line's catalogue for its usage line), never
 * the app, Prisma, zod, the policy or the other catalogues. No dynamic import either: bin/visitmate.js may load it through tsx's CommonJS
 * hook, where `import()` of a .ts file has no loader.
 */
export async function routeCommand(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file) {
    process.stderr.write(cliUsageT()("cli.route.usage") + "\n");
    return 2;
  }
  try {
    process.stdout.write(JSON.stringify(solveRouteFile(file)) + "\n");
    return 0;
  } catch (e) {
    throw new AppError("cli.route", { message: (e as Error).message });
  }
}
