import cron, { type ScheduledTask } from "node-cron";
import type { TPolicy } from "../config/policy.ts";
import type { Db } from "../db/client.ts";
import type { JobRun } from "../generated/prisma/client.ts";
import { chunks, inChunks } from "./batch.ts";
import { parseCron, previousSlot, nextSlot, type CronSpec } from "./cron.ts";
import { localDate, zonedInstant } from "./dates.ts";
import { isUniqueViolation, newInstanceId } from "./outbox.ts";
import type { AppDeps } from "./router.ts";
import { ConditionLog } from "./fault-log.ts";
import { errorSummary } from "./logger.ts";

/**
 * Durable job scheduling. A job has an id, a cron expression (from the policy, in the company
 * time zone) and a run. Each scheduled instant is a *slot*; a slot runs once across restarts and
 * instances because running it means inserting JobRun(jobId, slot), which is unique. A lease on
 * the row lets another instance take over a run whose process died.
 *
 * node-cron only *triggers* `runJob` at each minute a job is due; correctness never depends on
 * its memory. On start, `runDue` catches up every job whose latest slot passed while the process
 * was down — once, and only while still inside the job's catch-up window. A trigger node-cron
 * misses (the event loop was busy at the minute) is caught by `sweep`, which runs every minute and
 * reads all jobs' latest slots in one query, so a slot is checked within a minute of its time.
 */

export interface JobContext {
  deps: AppDeps;
  jobId: string;
  /** The scheduled instant this run stands for. */
  slot: Date;
  /** Company-local date of the slot (YYYY-MM-DD): the day the run is about. */
  date: string;
  /** When the run actually started. */
  now: Date;
  /** True when the slot is being caught up after downtime (not run on time). */
  catchUp: boolean;
  /** True once the scheduler is stopping: finish the current item and return. */
  aborted(): boolean;
  /** Renews the run's lease; call it between items of a long fan-out. */
  heartbeat(): Promise<void>;
}

export type JobResult = Record<string, number | string>;

export interface Job {
  id: string;
  /** Cron expression (5 fields) in the company time zone; null = disabled by the policy. */
  cron(policy: TPolicy): string | null;
  /** "HH:MM": a missed slot is still useful until this local time on the slot's day. */
  catchUpUntil?(policy: TPolicy): string | undefined;
  run(ctx: JobContext): Promise<JobResult | void>;
}

export type RunOutcome = "ran" | "failed" | "already-done" | "running-elsewhere" | "missed" | "no-slot" | "disabled" | "invalid-cron";

export interface RunReport {
  jobId: string;
  slot: Date | null;
  outcome: RunOutcome;
  catchUp?: boolean;
  result?: JobResult | void;
  error?: string;
}

export interface JobStatus {
  id: string;
  cron: string | null;
  error?: string;
  lastSlot: Date | null;
  nextSlot: Date | null;
  /** Until when the last slot may still run. */
  windowEnd: Date | null;
  lastRun: Pick<JobRun, "slot" | "status" | "claimedBy" | "startedAt" | "finishedAt" | "error"> | null;
  /** The last slot is inside its window and has not run (or failed): `jobs run-due` would run it. */
  due: boolean;
}

export interface SchedulerOptions {
  deps: AppDeps;
  jobs: Job[];
  instanceId?: string;
  /** How long a started run stays ours without a heartbeat. */
  leaseMs?: number;
  /** A slot without a catch-up time still runs this long after its time (late trigger, slow start). */
  graceMs?: number;
  /** Period of the recovery sweep (missed triggers, failed runs, dead instances' runs). */
  sweepCron?: string;
  /** Called after a run finished (e.g. to wake the dispatcher). */
  onRunFinished?: (report: RunReport) => void;
  /** Finished job runs are kept this long (the once-only guarantee needs them only inside a window). */
  keepRunsMs?: number;
  /** Sent outbox rows are kept this long (their keys carry a date, so older ones cannot recur). */
  keepSentMs?: number;
}

export class Scheduler {
  readonly instanceId: string;
  private readonly deps: AppDeps;
  private readonly jobs: Job[];
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly sweepCron: string;
  private readonly onRunFinished?: (report: RunReport) => void;
  private readonly inProgress = new Map<string, Promise<RunReport>>();
  private readonly specs = new Map<string, CronSpec>();
  private tasks: ScheduledTask[] = [];
  private stopping = false;
  private readonly keepRunsMs: number;
  private readonly keepSentMs: number;
  private lastPruneAt = 0;
  private readonly faults: ConditionLog;

  constructor(opts: SchedulerOptions) {
    this.deps = opts.deps;
    this.jobs = opts.jobs;
    this.instanceId = opts.instanceId ?? newInstanceId();
    this.leaseMs = opts.leaseMs ?? 15 * 60_000;
    this.graceMs = opts.graceMs ?? 15 * 60_000;
    // Every minute: a missed cron trigger must not wait for a later sweep (issue #14: 7 of 9 jobs
    // in one busy minute ran only 5 minutes late). Cheap when nothing is due: one indexed read.
    this.sweepCron = opts.sweepCron ?? "* * * * *";
    this.onRunFinished = opts.onRunFinished;
    this.keepRunsMs = opts.keepRunsMs ?? 14 * 86400_000;
    this.keepSentMs = opts.keepSentMs ?? 30 * 86400_000;
    this.faults = new ConditionLog(this.deps.log, () => this.deps.clock.now().getTime());
  }

  /** Deletes finished job runs and sent messages past their retention (failed rows stay for ops). */
  async prune(now: Date = this.deps.clock.now()): Promise<{ runs: number; sent: number }> {
    const { db } = this.deps;
    const runs = await db.jobRun.deleteMany({ where: { status: "done", startedAt: { lt: new Date(now.getTime() - this.keepRunsMs) } } });
    const sent = await db.outbox.deleteMany({ where: { status: "sent", sentAt: { lt: new Date(now.getTime() - this.keepSentMs) } } });
    this.lastPruneAt = now.getTime();
    return { runs: runs.count, sent: sent.count };
  }

  get jobIds(): string[] {
    return this.jobs.map((j) => j.id);
  }

  private spec(expression: string): CronSpec {
    let s = this.specs.get(expression);
    if (!s) {
      s = parseCron(expression);
      this.specs.set(expression, s);
    }
    return s;
  }

  /** The job's cron expression under the current policy (null = disabled), or an error. */
  cronOf(job: Job): { expression: string | null; error?: string } {
    let expression: string | null;
    try {
      expression = job.cron(this.deps.policy);
      if (expression !== null) this.spec(expression);
    } catch (err) {
      return { expression: null, error: (err as Error).message };
    }
    return { expression };
  }

  /** Until when a slot may still run: its catch-up time that day, at least the grace period. */
  windowEnd(job: Job, slot: Date): Date {
    const tz = this.deps.policy.timeZone;
    const grace = slot.getTime() + this.graceMs;
    const until = job.catchUpUntil?.(this.deps.policy);
    if (!until) return new Date(grace);
    const end = zonedInstant(localDate(slot, tz), until, tz).getTime();
    return new Date(Math.max(grace, end));
  }

  async status(now: Date = this.deps.clock.now()): Promise<JobStatus[]> {
    const out: JobStatus[] = [];
    for (const job of this.jobs) {
      const { expression, error } = this.cronOf(job);
      const lastRun = await this.deps.db.jobRun.findFirst({
        where: { jobId: job.id },
        orderBy: { startedAt: "desc" },
        select: { slot: true, status: true, claimedBy: true, startedAt: true, finishedAt: true, error: true },
      });
      if (!expression) {
        out.push({ id: job.id, cron: null, error, lastSlot: null, nextSlot: null, windowEnd: null, lastRun, due: false });
        continue;
      }
      const spec = this.spec(expression);
      const tz = this.deps.policy.timeZone;
      const last = previousSlot(spec, now, tz);
      const windowEnd = last ? this.windowEnd(job, last) : null;
      let due = false;
      if (last && windowEnd && now <= windowEnd) {
        const run = await this.deps.db.jobRun.findUnique({ where: { jobId_slot: { jobId: job.id, slot: last.toISOString() } } });
        due = !run || run.status === "failed" || (run.status === "running" && run.leaseUntil <= now);
      }
      out.push({ id: job.id, cron: expression, lastSlot: last, nextSlot: nextSlot(spec, now, tz), windowEnd, lastRun, due });
    }
    return out;
  }

  /** Runs every job whose latest slot is due and not yet run (catch-up on start, `jobs run-due`). */
  async runDue(now?: Date): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (const job of this.jobs) {
      if (this.stopping) break;
      reports.push(await this.runJob(job.id, now));
    }
    return reports;
  }

  /**
   * Runs the job's latest slot if it is inside its window and nobody ran it yet. `again`: also when
   * it ran already (an operator's re-run, e.g. after binding someone who got nothing): the outbox
   * keys make it queue only the messages that are missing.
   */
  runJob(jobId: string, now?: Date, opts: { again?: boolean } = {}): Promise<RunReport> {
    // One run of a job at a time per process (the node-cron trigger and the sweep may coincide).
    const running = this.inProgress.get(jobId);
    if (running) return running.then((r) => ({ ...r, outcome: r.outcome === "ran" ? "already-done" : r.outcome }));
    const p = this.runJobNow(jobId, now ?? this.deps.clock.now(), opts.again ?? false).finally(() => this.inProgress.delete(jobId));
    this.inProgress.set(jobId, p);
    return p;
  }

  private async runJobNow(jobId: string, now: Date, again: boolean): Promise<RunReport> {
    const job = this.jobs.find((j) => j.id === jobId);
    if (!job) throw new Error(`Unknown job "${jobId}"`);
    const { expression, error } = this.cronOf(job);
    if (error) {
      this.deps.log.error("job has an invalid cron expression", { job: job.id, error });
      return { jobId, slot: null, outcome: "invalid-cron", error };
    }
    if (!expression) return { jobId, slot: null, outcome: "disabled" };
    const tz = this.deps.policy.timeZone;
    const slot = previousSlot(this.spec(expression), now, tz);
    if (!slot) return { jobId, slot: null, outcome: "no-slot" };
    // Only the latest slot counts: older missed ones are superseded, and a missed one past its
    // window would arrive too late to help (yesterday's visit list).
    if (now > this.windowEnd(job, slot)) return { jobId, slot, outcome: "missed" };

    let claim: Awaited<ReturnType<Scheduler["claim"]>>;
    try {
      claim = await this.claim(job.id, slot, now, again);
    } catch (err) {
      // Disk full, read-only or locked: the next trigger or sweep tries again; one log line per condition.
      this.faults.failed(jobId, "job run failed", err, { job: jobId, slot: slot.toISOString() });
      return { jobId, slot, outcome: "failed", error: (err as Error).message ?? String(err) };
    }
    if (claim !== "claimed") return { jobId, slot, outcome: claim };

    const catchUp = now.getTime() - slot.getTime() > 60_000;
    let leaseRenewedAt = now.getTime();
    const ctx: JobContext = {
      deps: this.deps,
      jobId,
      slot,
      date: localDate(slot, tz),
      now,
      catchUp,
      aborted: () => this.stopping,
      heartbeat: async () => {
        const t = this.deps.clock.now().getTime();
        if (t - leaseRenewedAt < this.leaseMs / 3) return;
        leaseRenewedAt = t;
        await this.deps.db.jobRun.updateMany({
          where: { jobId, slot: slot.toISOString(), claimedBy: this.instanceId, status: "running" },
          data: { leaseUntil: new Date(t + this.leaseMs) },
        });
      },
    };
    if (catchUp) this.deps.log.info("catching up a missed job run", { job: jobId, slot: slot.toISOString() });
    let report: RunReport;
    try {
      const result = await job.run(ctx);
      if (this.stopping) throw new Error("interrupted by shutdown");
      await this.finish(jobId, slot, "done", "");
      report = { jobId, slot, outcome: "ran", catchUp, result };
      this.faults.succeeded(jobId);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      // Failed runs are retried by the sweep while inside the window; the outbox keys make the
      // retry add only what is missing. On a full disk even this write fails: the run then stays
      // "running" under our id, which `claim` lets this process take again at the next sweep.
      await this.finish(jobId, slot, "failed", message.slice(0, 1000)).catch(() => {});
      // A run stopped by a clean shutdown is not a fault: the next start resumes it (catch-up).
      if (this.stopping) this.deps.log.info("job run interrupted by shutdown; the next start resumes it within its catch-up window", { job: jobId, slot: slot.toISOString() });
      else this.faults.failed(jobId, "job run failed", err, { job: jobId, slot: slot.toISOString() });
      report = { jobId, slot, outcome: "failed", catchUp, error: message };
    }
    this.onRunFinished?.(report);
    return report;
  }

  private async claim(jobId: string, slot: Date, now: Date, again = false): Promise<"claimed" | "already-done" | "running-elsewhere"> {
    const { db } = this.deps;
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    try {
      await db.jobRun.create({ data: { jobId, slot: slot.toISOString(), status: "running", claimedBy: this.instanceId, leaseUntil, startedAt: now } });
      return "claimed";
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const existing = await db.jobRun.findUnique({ where: { jobId_slot: { jobId, slot: slot.toISOString() } } });
    if (!existing || (existing.status === "done" && !again)) return "already-done";
    // Ours and "running" while this process is not running it (one run per job per process): a
    // run whose final write failed. Anyone else's: alive until its lease ends, or until its
    // instance's heartbeat goes stale and `releaseJobRunClaims` ends the lease early.
    if (existing.status === "running" && existing.leaseUntil > now && existing.claimedBy !== this.instanceId) return "running-elsewhere";
    // A failed run, one whose owner died (lease expired), or a done one run again: take it over,
    // unless someone else just did.
    const taken = await db.jobRun.updateMany({
      where: { id: existing.id, status: existing.status, claimedBy: existing.claimedBy, leaseUntil: existing.leaseUntil },
      data: { status: "running", claimedBy: this.instanceId, leaseUntil, startedAt: now, finishedAt: null, error: "" },
    });
    return taken.count ? "claimed" : "running-elsewhere";
  }

  private async finish(jobId: string, slot: Date, status: "done" | "failed", error: string): Promise<void> {
    await this.deps.db.jobRun.updateMany({
      where: { jobId, slot: slot.toISOString(), claimedBy: this.instanceId },
      data: { status, error, finishedAt: this.deps.clock.now() },
    });
  }

  /**
   * Production triggers: one node-cron task per enabled job at its own times, in the company time
   * zone, plus a periodic sweep. Call `runDue()` once at start for the catch-up.
   */
  start(): void {
    const tz = this.deps.policy.timeZone;
    for (const job of this.jobs) {
      const { expression, error } = this.cronOf(job);
      if (error) this.deps.log.error("job not scheduled: invalid cron expression", { job: job.id, error });
      if (!expression) continue;
      const trigger = () => void this.runJob(job.id).catch((err) => this.logCrash(job.id, err));
      const task = cron.schedule(expression, trigger, {
        name: `visitmate:${job.id}:${this.instanceId}`,
        timezone: tz,
        noOverlap: true,
        suppressMissedWarning: true,
      });
      // node-cron notices a minute it could not fire (busy loop) but does not run it: run it now.
      task.on("execution:missed", trigger);
      this.tasks.push(task);
    }
    this.tasks.push(
      cron.schedule(this.sweepCron, () => void this.sweep().catch((err) => this.logCrash("sweep", err)), {
        name: `visitmate:sweep:${this.instanceId}`,
        timezone: tz,
        noOverlap: true,
        suppressMissedWarning: true,
      }),
    );
  }

  /**
   * The periodic recovery sweep: runs every job whose latest slot is due and not done (a missed
   * trigger, a failed run, a dead instance's run), then prunes hourly. Unlike `runDue` it first
   * reads all jobs' latest runs in one query, so a minute with nothing due costs one read.
   */
  async sweep(now?: Date): Promise<RunReport[]> {
    let due: Job[];
    try {
      due = await this.dueJobs(now ?? this.deps.clock.now());
      this.faults.succeeded("job sweep");
    } catch (err) {
      this.faults.failed("job sweep", "job sweep failed", err);
      return [];
    }
    const reports: RunReport[] = [];
    for (const job of due) {
      if (this.stopping) break;
      // Each run reads the clock itself unless the caller fixed the time: a long run before it
      // must not leave the next job working from a stale "now".
      reports.push(await this.runJob(job.id, now));
    }
    const end = now ?? this.deps.clock.now();
    if (end.getTime() - this.lastPruneAt >= 3600_000) await this.prune(end).catch((err) => this.faults.failed("job sweep", "pruning failed", err));
    return reports;
  }

  /** Jobs whose latest slot is inside its window and not done, nor running here or alive elsewhere. */
  async dueJobs(now: Date = this.deps.clock.now()): Promise<Job[]> {
    const tz = this.deps.policy.timeZone;
    const candidates: { job: Job; slot: string }[] = [];
    for (const job of this.jobs) {
      if (this.inProgress.has(job.id)) continue;
      const { expression } = this.cronOf(job);
      if (!expression) continue;
      const slot = previousSlot(this.spec(expression), now, tz);
      if (slot && now <= this.windowEnd(job, slot)) candidates.push({ job, slot: slot.toISOString() });
    }
    if (!candidates.length) return [];
    // One (jobId, slot) pair per job: few, still read in bounded batches.
    const runs = await inChunks(candidates, (part) =>
      this.deps.db.jobRun.findMany({
        where: { OR: part.map((c) => ({ jobId: c.job.id, slot: c.slot })) },
        select: { jobId: true, slot: true, status: true, leaseUntil: true, claimedBy: true },
      }),
    );
    const byKey = new Map(runs.map((r) => [`${r.jobId}\u0000${r.slot}`, r]));
    return candidates
      .filter(({ job, slot }) => {
        const run = byKey.get(`${job.id}\u0000${slot}`);
        if (!run) return true;
        if (run.status === "done") return false;
        if (run.status === "running") return run.leaseUntil <= now || run.claimedBy === this.instanceId;
        return true;
      })
      .map((c) => c.job);
  }

  private logCrash(jobId: string, err: unknown): void {
    this.deps.log.error("scheduler trigger failed", { job: jobId, error: errorSummary(err) });
  }

  /** Stops the triggers and waits for runs in progress (they stop between items). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const task of this.tasks) await task.destroy();
    this.tasks = [];
    await Promise.allSettled([...this.inProgress.values()]);
  }
}

/**
 * Ends the leases of the runs the given (dead) instances hold, so the next sweep or `runDue`
 * takes them over at once instead of after the 15-minute lease. The taken-over run starts the job
 * again; the outbox keys make it add only what the dead run had not queued. Returns the count.
 */
export async function releaseJobRunClaims(db: Db, instanceIds: string[], now: Date): Promise<number> {
  let released = 0;
  for (const ids of chunks(instanceIds)) {
    const r = await db.jobRun.updateMany({ where: { status: "running", claimedBy: { in: ids }, leaseUntil: { gt: now } }, data: { leaseUntil: now } });
    released += r.count;
  }
  return released;
}
