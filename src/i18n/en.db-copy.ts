import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): db-copy (en). */
export const enDbCopy: Catalogue = {
  "cli.db.copy.no-source": "There is no source database at {from}; nothing was copied. Check --from (e.g. file:./data/visitmate.db, relative to the current folder).",
  "cli.db.copy.same-database": "--from and --to are the same database ({to}); nothing was copied. The target must be another, empty database.",
  "cli.db.copy.target-not-empty": "The target database {to} is not empty ({tables}); nothing was written. Name a new, empty database (e.g. createdb visitmate): db copy never overwrites data.",
  "cli.db.copy.foreign-tables": "The target database {to} holds tables that are not VisitMate's ({tables}): it may be another application's database; nothing was copied. Create a new, empty database for VisitMate.",
  "cli.db.copy.mismatch": "The copy did not match the source ({tables}); everything was rolled back and the target {to} is still empty. The source may have changed during the copy: stop the bot, then try again.",
  "cli.db.copy.failed": "Copying table {table} failed; everything was rolled back and the target {to} is still empty: {reason}",
  "cli.db.copy.open-source": "Cannot open the source database (--from):",
  "cli.db.copy.open-target": "Cannot open the target database (--to):",
  "cli.db.copy.migrated-source": "Opening the source applied {n} pending migration(s): {names} (otherwise the source was only read).",
  "cli.db.copy.header": "table\tsource\ttarget\tmax id\tcheck",
  "cli.db.copy.row": "{table}\t{source}\t{target}\t{max}\t{mark}",
  "cli.db.copy.done": "Copied {from} to {to}: {tables} tables, {rows} rows, ids kept, every table's count matches; {seconds} s ({rate} rows/s). New rows get ids after each table's largest.",
  "cli.db.copy.progress": "  {table}: {rows} rows copied",
};
