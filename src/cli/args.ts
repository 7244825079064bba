import { isLocale, translator, type Translate } from "../i18n/i18n.ts";

/** `--key value` and `--flag` options plus positional arguments. */
export function parseArgs(argv: string[]): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const [key, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
      if (inline !== undefined) options[key] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) options[key] = argv[++i]!;
      else options[key] = true;
    } else positional.push(a);
  }
  return { positional, options };
}

export function stringOption(options: Record<string, string | true>, key: string): string | undefined {
  const v = options[key];
  return typeof v === "string" ? v : undefined;
}

/** The command line speaks the company's language (VISITMATE_LOCALE, default Chinese). */
export function cliT(env: NodeJS.ProcessEnv = process.env): Translate {
  const wanted = env.VISITMATE_LOCALE;
  return translator(isLocale(wanted) ? wanted : "zh-CN");
}

/**
 * The refusal for a staff code nobody has. On a database with no staff at all the code is not the
 * problem: nobody was imported yet (nor the demo seeded), and the admin is told how to start.
 */
export function unknownStaffMessage(code: string, databaseEmpty: boolean, key = "cli.staff.unknown"): { key: string; params: Record<string, string> } {
  return databaseEmpty ? { key: "cli.db-empty", params: {} } : { key, params: { code } };
}
