import type { Catalogue } from "./i18n.ts";

/** The command line (npx visitmate …): what an admin or operator reads. */
export const enCli: Catalogue = {
  "cli.usage":
    "visitmate — chat assistant for customer managers\n\nUsage: npx visitmate <command> [options]\n\n" +
    "  start                              run the bot (terminal chat + configured platforms)\n" +
    "  import managers FILE               import staff (CSV UTF-8/GBK or .xlsx), all or nothing\n" +
    "  import customers FILE              import customers (CSV UTF-8/GBK or .xlsx), all or nothing\n" +
    "  classify                           recompute service classes and print the mix per manager\n" +
    "  plan generate [--manager CODE] [--month YYYY-MM]\n" +
    "                                     (re)generate visit plans for that month and the next\n" +
    "  plan export --manager CODE --from DATE --weeks N --format json|csv\n" +
    "                                     print the stored plan, one row per planned visit\n" +
    "  report team [--supervisor CODE] --from DATE --to DATE --format xlsx|csv|json [--out FILE]\n" +
    "                                     team report: one row per customer manager (read-only)\n" +
    "  report visits --manager CODE --from DATE --to DATE --format xlsx|csv|json [--out FILE]\n" +
    "                                     visit log: one row per visit (read-only)\n" +
    "  route FILE                         order a route: TSPLIB .tsp (closed tour) or .json (open path)\n" +
    "  jobs list                          scheduled jobs: schedule, next run, last run\n" +
    "  jobs run-due                       run every due job once (missed runs still in their window), then exit\n" +
    "  jobs run JOB [--again]             run one job now; --again also if it ran (queues only missing messages)\n" +
    "  outbox [--failed] [--limit N]      scheduled messages and their delivery state\n" +
    "  outbox retry ID                    queue a failed message again\n" +
    "  db backup FILE [--force]           online backup of the database into FILE (safe while the bot runs)\n" +
    "  db copy --from URL --to URL        copy the whole database into an empty one (e.g. SQLite → PostgreSQL), ids kept\n" +
    "  status                             each chat platform's state (up / retrying since, last error), also while the bot runs\n" +
    "  staff bind-code CODE [--hours N]   one-time code that links a chat account to staff member CODE (24 h; shown once; older unused codes revoked)\n" +
    "  staff bindings [CODE]              list chat account bindings: everyone's, or one person's\n" +
    "  staff unbind CODE --platform P     remove that person's binding on platform P (telegram|lark|wechat)\n" +
    "  help                               this text\n",
  "cli.unknown-command": "Unknown command \"{command}\".",
  "cli.import.busy": "The database stayed locked by another process ({tries} tries of {seconds} s each); nothing was written. Import the file again later.",
  "cli.import.file-changed": "{name} changed while it was being imported; nothing was written. Import it again.",
  "cli.import.usage": "Usage: visitmate import managers|customers|products FILE [--sheet NAME|NUMBER]   (CSV in UTF-8/GBK, or .xlsx; --sheet picks the .xlsx worksheet, default the first)",
  "cli.db-empty": "The database has no staff at all yet. Import staff and customers first:\n  npx visitmate import managers staff.csv\n  npx visitmate import customers customers.csv\nor try the demo company: run npm start once (with VISITMATE_DEMO=1 an empty database is seeded with it).",
  "cli.import.progress": "  {done}/{total} rows ({pct}%)",
  "cli.jobs.usage": "Usage:\n  visitmate jobs list        next run of each job\n  visitmate jobs run-due     run every due job once (catch-up included), then exit\n  visitmate jobs run JOB [--again]  run one job now (--again: also if it ran, queueing only what is missing)",
  "cli.outbox.usage": "Usage:\n  visitmate outbox [--failed] [--limit N]   recent scheduled messages (or only failed ones)\n  visitmate outbox retry ID                 send a failed message again\n  visitmate outbox retry --all-failed [--kind K]   send every failed message (of one kind) again",
  "cli.jobs.unknown": "There is no job \"{id}\". Jobs: {ids}",
  "cli.jobs.already-done": "The {slot} run happened already. To reach people bound or planned since, run npx visitmate jobs run {id} --again: messages already in the outbox are not queued twice.",
  "cli.jobs.missed": "The latest run ({slot}) is past its catch-up window and is not run: a stale reminder (yesterday's list) helps nobody.",
  "cli.jobs.running-elsewhere": "This job is running on another instance right now; check again later: npx visitmate jobs list",
  "cli.jobs.disabled": "This job is switched off by the service standard (policy).",
  "cli.jobs.header": "JOB|SCHEDULE ({tz})|NEXT RUN|LAST RUN|STATUS",
  "cli.jobs.off": "off (policy)",
  "cli.jobs.invalid": "invalid: {error}",
  "cli.jobs.due": "due now",
  "cli.jobs.catch-up": " (catch-up)",
  "cli.jobs.ran": "{ran} job(s) ran, {failed} failed. Messages are in the outbox; the running bot sends them (npx visitmate outbox).",
  "cli.outbox.retried": "Message {id} is queued again; the running bot sends it within seconds.",
  "cli.outbox.not-found": "No outbox message with id {id}.",
  "cli.outbox.already-sent": "Message {id} was already sent; not sending it twice.",
  "cli.outbox.in-progress": "Message {id} is being sent right now.",
  "cli.outbox.counts": "Outbox: {pending} pending, {sending} sending, {sent} sent, {failed} failed",
  "cli.outbox.no-failed": "No failed messages.",
  "cli.outbox.none": "No messages.",
  "cli.outbox.header": "ID|STATUS|KIND|STAFF|TO|TRIES|WHEN|KEY / LAST ERROR",
  "cli.outbox.retry-hint": "Send one again: npx visitmate outbox retry ID",
  "cli.plan.usage": "Usage:\n  visitmate plan generate [--manager CODE] [--month YYYY-MM]\n  visitmate plan export --manager CODE --from DATE --weeks N --format json|csv",
  "cli.plan.line": "{code} {name}: {from} – {to}, {visits} visits on {days} days, compliance {compliance}%, coverage {coverage}%, imbalance {imbalance}, {km} km{kept} ({ms} ms)",
  "cli.plan.kept": ", kept {n} existing",
  "cli.plan.shortfall": "  ⚠ shortfall: {visits} visits cannot be planned by their due date ({byClass}); first overdue: {first}",
  "cli.plan.bad-month": "--month must look like 2026-12, got \"{month}\".",
  "cli.plan.past-month": "{month} is in the past; nothing to plan.",
  "cli.report.usage": "Usage:\n  visitmate report team [--supervisor CODE] --from DATE --to DATE --format xlsx|csv|json [--out FILE]\n  visitmate report visits --manager CODE --from DATE --to DATE --format xlsx|csv|json [--out FILE]\n  visitmate report brands [--supervisor CODE] [--month 2026-12] --format xlsx|csv|json [--out FILE]   listing / re-purchase rates\n  visitmate report prices [--supervisor CODE] [--week 2026-W49] --format xlsx|csv|json [--out FILE]   info-point prices\nWithout --from/--to: the 1st of this month to today; without --supervisor: the whole company.",
  "cli.report.bad-date": "{option} must be a date like 2026-12-01, got \"{value}\".",
  "cli.report.from-after-to": "--from {from} is after --to {to}.",
  "cli.report.bad-format": "--format must be xlsx, csv or json, got \"{format}\".",
  "cli.report.xlsx-needs-out": "xlsx is a file: say where to save it with --out, e.g. --out team.xlsx.",
  "cli.report.needs-manager": "Name the customer manager with --manager CODE.",
  "cli.report.written": "Wrote {file} ({n} rows).",
  "cli.route.usage": "Usage: visitmate route FILE   (TSPLIB .tsp or .json { start: {lat,lng}, stops: [{id,lat,lng}] })",
  "cli.staff.usage":
    "Usage:\n  npx visitmate staff bind-code STAFF_CODE [--hours N]     one-time binding code (shown once)\n" +
    "  npx visitmate staff bindings [STAFF_CODE]                list chat account bindings\n" +
    "  npx visitmate staff unbind STAFF_CODE --platform P       remove that person's binding on telegram, lark or wechat",
  "cli.staff.bad-hours": "--hours must be a number of hours between 0 and 720.",
  "cli.staff.unknown": "No active staff member with code \"{code}\".",
  "cli.staff.not-found": "No staff member with code \"{code}\".",
  "cli.staff.code":
    "Binding code for {name} ({code}): {bindCode}\nValid once, until {until} ({tz}).\nThey send this to the bot in Telegram, Lark or WeChat:  /bind {bindCode}\n" +
    "This code is shown only now (the database keeps only a digest of it): pass it on now.",
  "cli.staff.revoked": "{n} older unused code(s) of this person no longer work.",
  "cli.staff.bindings.header": "Staff|Name|Platform|Account|Bound at ({tz})",
  "cli.staff.bindings.inactive": " (deactivated)",
  "cli.staff.bindings.none": "No chat accounts are bound.",
  "cli.staff.bindings.none-for": "{name} ({code}) has no bound chat account.",
  "cli.staff.bindings.count": "{n} binding(s). To remove one: npx visitmate staff unbind STAFF_CODE --platform P",
  "cli.staff.needs-platform": "Name the platform with --platform: telegram, lark or wechat.",
  "cli.staff.unbind.none": "{name} ({code}) has no binding on {platform}; nothing changed.",
  "cli.staff.unbind.done": "Removed {n} binding(s) of {name} ({code}) on {platform}: {accounts}.",
  "cli.staff.unbind.notice": "A notice to the removed account(s) is queued; the running bot sends it (see npx visitmate outbox).",
  "cli.classify.header": "Service classes recomputed ({preset}): {changed} customer(s) changed class.",
  "cli.classify.manager": "{code} {name} — {total} active customers",
  "cli.classify.expected": "expected {min}–{max}",
  "cli.classify.out-of-range": "  ⚠ OUT OF RANGE",
  "cli.classify.flagged": "⚠ {n} share(s) outside the standard's range: {list}",
  "cli.classify.all-ok": "All class shares are within the standard's ranges.",
  "cli.db.usage":
    "Usage: npx visitmate db backup FILE [--force]\n" +
    "  An online, consistent copy of the database (DATABASE_URL) through SQLite's backup API, safe while the bot runs.\n" +
    "  --force   replace FILE if it exists\n" +
    "  To restore: stop the bot, move the database and its -wal/-shm files aside, copy the backup to the database's path, start the bot (see README, \"Running in production\").\n" +
    "Usage: npx visitmate db copy --from SOURCE_URL --to TARGET_URL\n" +
    "  Every table of the source, ids kept, into an empty target database, e.g. --from file:./data/visitmate.db --to postgresql://user@host/visitmate (or back).\n" +
    "  One transaction, every table's rows counted on both sides: on an error or a mismatch the target stays empty. Stop the bot first.",
  "cli.db.unknown-subcommand": "Unknown db command \"{sub}\".",
  "cli.db.unknown-option": "Unknown option {option}.",
  "cli.db.backup.no-database": "There is no database at {file} (DATABASE_URL); nothing to back up. Run the command where the bot runs, with its .env or DATABASE_URL.",
  "cli.db.backup.exists": "{file} already exists; nothing was written. Choose another name or add --force to replace it.",
  "cli.db.backup.is-folder": "{file} is a folder; name the backup file, e.g. {file}/visitmate.db.",
  "cli.db.backup.same-file": "{file} is the database itself (or one of its files); choose another file for the backup.",
  "cli.db.backup.no-folder": "The folder of {file} does not exist; create it first.",
  "cli.db.backup.check-failed": "The backup failed its integrity check ({check}); it was not kept at {file}. Check the database with PRAGMA integrity_check.",
  "cli.db.backup.done": "Backed up {source} to {file}: {size} ({bytes} bytes, {pages} pages) in {ms} ms, integrity check ok.",
};
