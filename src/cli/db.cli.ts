import { loadEnv } from "../config/env.ts";
import { backupDatabase } from "../db/backup.ts";
import { cliUsageT } from "./usage.ts";

export interface DbCliIo {
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const BACKUP_FLAGS = new Set(["--force"]);

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * `visitmate db backup FILE [--force]`: an online backup of the database the bot uses
 * (DATABASE_URL), safe while it runs. Exit 0 when written and checked, 1 when refused or the copy
 * fails its check (nothing is left at FILE then), 2 on a usage error.
 */
export async function dbCommand(argv: string[], io: DbCliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const t = cliUsageT(env);
  const out = io.out ?? ((s: string) => process.stdout.write(s + "\n"));
  const err = io.err ?? ((s: string) => process.stderr.write(s + "\n"));
  const [sub, ...rest] = argv;
  const usage = () => (err(t("cli.db.usage")), 2);
  if (sub !== "backup") return sub === undefined ? usage() : (err(t("cli.db.unknown-subcommand", { sub })), usage());
  // Not parseArgs: it would read `--force FILE` as --force's value. The one option takes none.
  const unknown = rest.find((a) => a.startsWith("-") && !BACKUP_FLAGS.has(a));
  if (unknown !== undefined) return err(t("cli.db.unknown-option", { option: unknown })), usage();
  const positional = rest.filter((a) => !BACKUP_FLAGS.has(a));
  const force = rest.includes("--force");
  if (positional.length !== 1) return usage();

  const config = loadEnv(env);
  const started = process.hrtime.bigint();
  const result = await backupDatabase({ url: config.DATABASE_URL, file: positional[0]!, force, busyTimeoutMs: config.VISITMATE_DB_BUSY_TIMEOUT_MS });
  if ("refused" in result) {
    err(t(`cli.db.backup.${result.refused}`, { file: result.file, check: result.check ?? "" }));
    return 1;
  }
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  out(t("cli.db.backup.done", { source: result.source, file: result.file, size: formatBytes(result.bytes), bytes: result.bytes, pages: result.pages, ms }));
  return 0;
}
