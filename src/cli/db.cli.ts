import { table } from "./table.ts";
import { loadEnv } from "../config/env.ts";
import { backupDatabase } from "../db/backup.ts";
import { copyDatabase, type TCopyTable } from "../db/copy.ts";
import type { Translate } from "../i18n/i18n.ts";
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

/** `--from URL` or `--from=URL`; anything else is a usage error. */
function copyArgs(rest: string[]): { from?: string; to?: string; unknown?: string; extra: boolean } {
  const got: { from?: string; to?: string; unknown?: string; extra: boolean } = { extra: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const m = /^--(from|to)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? rest[++i];
      if (value === undefined || value === "") return { ...got, extra: true };
      got[m[1] as "from" | "to"] = value;
    } else if (a.startsWith("-")) return { ...got, unknown: a };
    else got.extra = true;
  }
  return got;
}

function countsTable(t: Translate, tables: TCopyTable[]): string {
  return table([t("cli.db.copy.header").split("\t"), ...tables.map((r) => [r.table, String(r.source), String(r.target), r.targetMaxId || "-", r.ok ? "✓" : "✗"])], (column) => column > 0);
}

/**
 * `visitmate db copy --from URL --to URL`: the whole database into an empty one (see db/copy.ts).
 * Exit 0 when copied and verified, 1 when refused or failed (the target is left empty), 2 on a
 * usage error. URLs are printed with their passwords masked.
 */
async function copyCommand(rest: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void, usage: () => number): Promise<number> {
  const tu = cliUsageT(env);
  const args = copyArgs(rest);
  if (args.unknown !== undefined) return err(tu("cli.db.unknown-option", { option: args.unknown })), usage();
  if (args.extra || !args.from || !args.to) return usage();
  // The copy's messages live in their own catalogue, loaded only for this command.
  const t = (await import("./args.ts")).cliT(env);
  const config = loadEnv(env);
  let shownTable = "";
  let lastShown = 0;
  const result = await copyDatabase({
    from: args.from,
    to: args.to,
    busyTimeoutMs: config.VISITMATE_DB_BUSY_TIMEOUT_MS,
    onProgress: (tableName, rows) => {
      if (tableName !== shownTable) (shownTable = tableName), (lastShown = 0);
      if (rows - lastShown >= PROGRESS_EVERY) (lastShown = rows), out(t("cli.db.copy.progress", { table: tableName, rows }));
    },
  });
  if ("sourceMigrations" in result && result.sourceMigrations.length)
    out(t("cli.db.copy.migrated-source", { n: result.sourceMigrations.length, names: result.sourceMigrations.join(", ") }));
  if (!("refused" in result)) {
    out(countsTable(t, result.tables));
    const seconds = result.ms / 1000;
    out(t("cli.db.copy.done", { from: result.from, to: result.to, tables: result.tables.length, rows: result.rows, seconds: seconds.toFixed(1), rate: Math.round(result.rows / Math.max(seconds, 0.001)) }));
    return 0;
  }
  switch (result.refused) {
    case "open": {
      const m = result.error.userMessage;
      err(`${t(`cli.db.copy.open-${result.side}`)} ${m ? t(m.key, m.params) : result.error.message}`);
      break;
    }
    case "target-not-empty":
      err(t("cli.db.copy.target-not-empty", { to: result.to, tables: result.tables.map((x) => `${x.table} ${x.rows}`).join(", ") }));
      break;
    case "foreign-tables":
      err(t("cli.db.copy.foreign-tables", { to: result.to, tables: result.tables.join(", ") }));
      break;
    case "mismatch":
      err(countsTable(t, result.tables));
      err(t("cli.db.copy.mismatch", { to: result.to, tables: result.tables.filter((x) => !x.ok).map((x) => x.table).join(", ") }));
      break;
    case "failed":
      err(t("cli.db.copy.failed", { to: result.to, table: result.table, reason: result.reason }));
      break;
    default:
      err(t(`cli.db.copy.${result.refused}`, { from: result.from, to: result.to }));
  }
  return 1;
}

/** A progress line per this many rows of one table: a 300k-customer copy is not silent for a minute. */
const PROGRESS_EVERY = 100_000;

/**
 * `visitmate db backup FILE [--force]`: an online backup of the database the bot uses
 * (DATABASE_URL), safe while it runs. `visitmate db copy --from URL --to URL`: see `copyCommand`. Exit 0 when written and checked, 1 when refused or the copy
 * fails its check (nothing is left at FILE then), 2 on a usage error.
 */
export async function dbCommand(argv: string[], io: DbCliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const t = cliUsageT(env);
  const out = io.out ?? ((s: string) => process.stdout.write(s + "\n"));
  const err = io.err ?? ((s: string) => process.stderr.write(s + "\n"));
  const [sub, ...rest] = argv;
  const usage = () => (err(t("cli.db.usage")), 2);
  if (sub === "copy") return copyCommand(rest, env, out, err, usage);
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
