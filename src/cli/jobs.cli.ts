import { table } from "./table.ts";
import { createAppContext } from "../app.ts";
import { localParts, clockTime } from "../core/dates.ts";
import { listOutbox, outboxCounts, retryAllFailed, retryOutbox } from "../core/outbox.ts";
import type { AppDeps } from "../core/router.ts";
import { Scheduler, type RunReport } from "../core/scheduler.ts";
import { allJobs } from "../jobs/registry.ts";
import { translator, type Translate } from "../i18n/i18n.ts";
import { cliT, parseArgs, stringOption } from "./args.ts";

/** Where CLI output goes, and (in tests) the dependencies to use instead of the environment's. */
export interface CliIo {
  deps?: AppDeps;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const JOBS_USAGE = () => cliT()("cli.jobs.usage");
const OUTBOX_USAGE = () => cliT()("cli.outbox.usage");
/** The CLI speaks the company's language (the policy's locale, from VISITMATE_LOCALE). */
const tOf = (deps: AppDeps) => translator(deps.policy.locale);

async function withDeps(io: CliIo, fn: (deps: AppDeps) => Promise<number>): Promise<number> {
  if (io.deps) return fn(io.deps);
  const ctx = await createAppContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.$disconnect();
  }
}

function localTime(d: Date | null | undefined, timeZone: string): string {
  if (!d) return "—";
  const p = localParts(d, timeZone);
  return `${p.date} ${clockTime(p)}`;
}

export function formatRunReport(r: RunReport, timeZone: string, t: Translate = translator("en")): string {
  const slot = r.slot ? localTime(r.slot, timeZone) : "—";
  const result = r.result ? " " + Object.entries(r.result).map(([k, v]) => `${k}=${v}`).join(" ") : "";
  return `${r.jobId.padEnd(22)} ${slot.padEnd(16)} ${r.outcome}${r.catchUp ? t("cli.jobs.catch-up") : ""}${result}${r.error ? ` — ${r.error}` : ""}`;
}

export async function jobsCommand(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + "\n"));
  const err = io.err ?? ((s: string) => process.stderr.write(s + "\n"));
  const sub = argv[0];
  if (sub === "run") return runOneJob(argv.slice(1), io, out, err);
  if (sub !== "list" && sub !== "run-due") {
    err(JOBS_USAGE());
    return 2;
  }
  return withDeps(io, async (deps) => {
    const tz = deps.policy.timeZone;
    const t = tOf(deps);
    const scheduler = new Scheduler({ deps, jobs: allJobs(), instanceId: `cli:${process.pid}` });
    if (sub === "list") {
      const rows = [t("cli.jobs.header", { tz }).split("|")];
      for (const s of await scheduler.status()) {
        const last = s.lastRun ? `${localTime(new Date(s.lastRun.slot), tz)} ${s.lastRun.status}${s.lastRun.error ? ` (${s.lastRun.error.slice(0, 60)})` : ""}` : "—";
        const schedule = s.cron ?? (s.error ? t("cli.jobs.invalid", { error: s.error }) : t("cli.jobs.off"));
        rows.push([s.id, schedule, localTime(s.nextSlot, tz), last, s.due ? t("cli.jobs.due") : ""]);
      }
      out(table(rows));
      return 0;
    }
    const reports = await scheduler.runDue();
    for (const r of reports) if (r.outcome !== "disabled" && r.outcome !== "no-slot") out(formatRunReport(r, tz, t));
    const ran = reports.filter((r) => r.outcome === "ran").length;
    const failed = reports.filter((r) => r.outcome === "failed").length;
    out(t("cli.jobs.ran", { ran, failed }));
    return failed ? 1 : 0;
  });
}

/**
 * `jobs run <id> [--again]`: one job's latest slot now, if it is inside its window. `--again` runs a
 * slot that ran already (someone bound after the morning list went out gets theirs): the outbox
 * keys queue only what is missing, so nobody gets a message twice.
 */
async function runOneJob(argv: string[], io: CliIo, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const id = positional[0];
  const extra = Object.keys(options).filter((k) => k !== "again");
  if (!id || positional.length > 1 || extra.length || (options.again !== undefined && options.again !== true)) {
    err(JOBS_USAGE());
    return 2;
  }
  return withDeps(io, async (deps) => {
    const tz = deps.policy.timeZone;
    const t = tOf(deps);
    const jobs = allJobs();
    if (!jobs.some((j) => j.id === id)) {
      err(t("cli.jobs.unknown", { id, ids: jobs.map((j) => j.id).join(", ") }));
      return 2;
    }
    const scheduler = new Scheduler({ deps, jobs, instanceId: `cli:${process.pid}` });
    const r = await scheduler.runJob(id, undefined, { again: options.again === true });
    out(formatRunReport(r, tz, t));
    if (r.outcome === "ran") out(t("cli.jobs.ran", { ran: 1, failed: 0 }));
    else if (r.outcome === "already-done") out(t("cli.jobs.already-done", { slot: localTime(r.slot, tz), id }));
    else if (r.outcome === "missed") out(t("cli.jobs.missed", { slot: localTime(r.slot, tz) }));
    else if (r.outcome === "running-elsewhere") out(t("cli.jobs.running-elsewhere"));
    else if (r.outcome === "disabled") out(t("cli.jobs.disabled"));
    return r.outcome === "failed" || r.outcome === "invalid-cron" ? 1 : 0;
  });
}

export async function outboxCommand(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + "\n"));
  const err = io.err ?? ((s: string) => process.stderr.write(s + "\n"));
  const { positional, options } = parseArgs(argv);
  if (positional[0] === "retry" && options["all-failed"] === true) {
    if (positional.length > 1) {
      err(OUTBOX_USAGE());
      return 2;
    }
    const kind = stringOption(options, "kind");
    return withDeps(io, async (deps) => {
      const count = await retryAllFailed({ db: deps.db, clock: deps.clock, kind });
      out(tOf(deps)(count ? "cli.outbox.retried-all" : "cli.outbox.retried-none", { count }));
      return 0;
    });
  }
  if (positional[0] === "retry") {
    const id = Number(positional[1]);
    if (!Number.isInteger(id) || id < 1) {
      err(OUTBOX_USAGE());
      return 2;
    }
    return withDeps(io, async (deps) => {
      const r = await retryOutbox({ db: deps.db, id, clock: deps.clock });
      (r === "retried" ? out : err)(tOf(deps)(`cli.outbox.${r}`, { id }));
      return r === "retried" ? 0 : 1;
    });
  }
  if (positional.length) {
    err(OUTBOX_USAGE());
    return 2;
  }
  const limit = Number(stringOption(options, "limit") ?? 50);
  return withDeps(io, async (deps) => {
    const tz = deps.policy.timeZone;
    const t = tOf(deps);
    const counts = await outboxCounts(deps.db);
    out(t("cli.outbox.counts", { pending: counts.pending ?? 0, sending: counts.sending ?? 0, sent: counts.sent ?? 0, failed: counts.failed ?? 0 }));
    const rows = await listOutbox({ db: deps.db, failed: options.failed === true, limit: Number.isFinite(limit) && limit > 0 ? limit : 50 });
    if (!rows.length) {
      out(t(options.failed ? "cli.outbox.no-failed" : "cli.outbox.none"));
      return 0;
    }
    const body = [t("cli.outbox.header").split("|")];
    for (const r of rows) {
      const when = r.status === "sent" ? localTime(r.sentAt, tz) : localTime(r.nextAttemptAt, tz);
      body.push([String(r.id), r.status, r.kind, r.staffCode ?? "—", `${r.platform}:${r.chatId}`, String(r.attempts), when, r.lastError ? `${r.key} — ${r.lastError.slice(0, 120)}` : r.key]);
    }
    out(table(body));
    if (options.failed) out(t("cli.outbox.retry-hint"));
    return 0;
  });
}
