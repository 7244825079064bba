import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { Db } from "../db/client.ts";
import { chunks } from "./batch.ts";
import type { Clock } from "./clock.ts";
import { ConditionLog } from "./fault-log.ts";
import type { Logger } from "./logger.ts";
import { releaseOutboxClaims } from "./outbox.ts";
import { releaseJobRunClaims } from "./scheduler.ts";

/**
 * Which bot processes are alive, so the claims of one that died are freed in seconds rather than
 * when they expire (outbox claims 5 minutes, job leases 15).
 *
 * Each instance writes its row at start and a heartbeat every `heartbeatMs`. Another instance
 * treats it as dead when its heartbeat is older than `staleAfterMs`; a restart on the same host
 * (the same pid space, see `pidSpace`) does not wait even that long: a row of this host whose pid
 * is gone (`process.kill(pid, 0)`) belongs to a crashed process. Freeing a claim means: outbox rows go back to pending, job runs
 * get an expired lease, so the ordinary claim paths pick them up.
 *
 * A row is only ever removed after its claims were freed (clean stop, or pruning an instance
 * already taken over), so "row gone" never strands a claim. Processes that claim without a row
 * (`jobs run-due` from the CLI) keep the old rule: their claims expire.
 *
 * At-least-once: rows a dead instance was sending (its fence had counted the attempt) go back to
 * pending too, and are sent again, because nothing tells whether the platform got them before the
 * crash. Each crash re-sends at most the sends it had in flight (`maxInFlight`, 16). Exactly-once
 * would need every platform to drop a repeated request by a key we choose: Telegram's sendMessage
 * and WeChat have no such key; Lark's `uuid` (the row key is passed as `SendOptions.key`) dedupes
 * only within an hour.
 */

export interface InstanceRegistryOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Heartbeat period (and how often dead instances are looked for). */
  heartbeatMs?: number;
  /** An instance whose heartbeat is older than this is dead: its claims are taken over. */
  staleAfterMs?: number;
  /** Rows of dead instances are deleted this long after their last heartbeat (after their claims were freed). */
  pruneAfterMs?: number;
  /** Injected by tests that run two "hosts" in one process. */
  host?: string;
  pid?: number;
  isAlive?: (pid: number) => boolean;
  /** Called after claims were freed, e.g. to wake the dispatcher and sweep the jobs. */
  onTakeover?: (report: TakeoverReport) => void;
}

export interface TakeoverReport {
  reason: "process-gone" | "heartbeat-stale";
  instances: number;
  outbox: number;
  jobRuns: number;
}

/** Dead instances handled per look: instances are few; a long list is the newest dead first. */
const MAX_DEAD = 100;

/** Instances registered by this process: a row with our pid that is not one of them is a previous life. */
const registeredHere = new Set<string>();

/**
 * The space our pids live in, written as the instance's host: `process.kill(pid, 0)` says something
 * only about a pid of the same one. The host name alone is not it: containers sharing the host's
 * name (host networking) each have their own pids, usually all pid 1, and two machines can carry
 * the same name; taken for one host, each start freed the live others' claims (seen with three
 * instances in their own namespaces). On Linux the kernel's boot id and the pid namespace name it
 * exactly; a container restarted in a new namespace then waits for the stale heartbeat (≤ 30 s).
 */
export function pidSpace(): string {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().slice(0, 8);
    return `${hostname()} ${boot} ${readlinkSync("/proc/self/ns/pid")}`;
  } catch {
    return hostname();
  }
}

/** True when a process with this pid exists (EPERM: it exists, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class InstanceRegistry {
  readonly instanceId: string;
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  private readonly pruneAfterMs: number;
  private readonly host: string;
  private readonly pid: number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly faults: ConditionLog;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<unknown> | null = null;
  private startedAt: Date | null = null;

  constructor(private readonly o: InstanceRegistryOptions) {
    this.instanceId = o.instanceId;
    this.heartbeatMs = o.heartbeatMs ?? 10_000;
    // 20 s + one heartbeat period (10 s) = a dead instance's claims taken over within 30 s.
    this.staleAfterMs = o.staleAfterMs ?? 20_000;
    this.pruneAfterMs = o.pruneAfterMs ?? 3600_000;
    this.host = o.host ?? pidSpace();
    this.pid = o.pid ?? process.pid;
    this.isAlive = o.isAlive ?? processAlive;
    this.faults = new ConditionLog(o.log, () => o.clock.now().getTime());
  }

  /**
   * Writes this instance's row, then frees at once the claims of crashed processes on this host
   * and of instances whose heartbeat is stale. Call before the dispatcher and the catch-up start.
   */
  async register(): Promise<TakeoverReport[]> {
    const now = this.o.clock.now();
    this.startedAt = now;
    registeredHere.add(this.instanceId);
    await this.writeHeartbeat(now);
    const reports: TakeoverReport[] = [];
    const sameHost = await this.o.db.instance.findMany({
      where: { host: this.host, id: { not: this.instanceId } },
      orderBy: { heartbeatAt: "desc" },
      take: MAX_DEAD,
      select: { id: true, pid: true },
    });
    // Our own pid on a row this process did not write: that process is gone (its pid was reused).
    const gone = sameHost.filter((r) => (r.pid === this.pid ? !registeredHere.has(r.id) : !this.isAlive(r.pid))).map((r) => r.id);
    if (gone.length) {
      const report = await this.takeOver(gone, "process-gone", now);
      for (const ids of chunks(gone)) await this.o.db.instance.deleteMany({ where: { id: { in: ids } } });
      reports.push(report);
    }
    const stale = await this.takeOverStale(now);
    if (stale) reports.push(stale);
    return reports;
  }

  /** One heartbeat: our row, then the stale instances' claims, then old rows pruned. */
  async beat(): Promise<TakeoverReport | null> {
    const now = this.o.clock.now();
    await this.writeHeartbeat(now);
    const report = await this.takeOverStale(now);
    await this.o.db.instance.deleteMany({ where: { heartbeatAt: { lt: new Date(now.getTime() - this.pruneAfterMs) }, id: { not: this.instanceId } } });
    return report;
  }

  /** Heartbeat timer for the running bot; a failed beat is logged once per condition and retried next period. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.beating) return;
      this.beating = this.beat()
        .then(() => this.faults.succeeded("instance heartbeat"))
        .catch((err) => this.faults.failed("instance heartbeat", "instance heartbeat failed", err))
        .finally(() => (this.beating = null));
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and removes our row; call after the dispatcher handed its claims back. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await this.o.db.instance.deleteMany({ where: { id: this.instanceId } });
    registeredHere.delete(this.instanceId);
  }

  private async writeHeartbeat(now: Date): Promise<void> {
    // Upsert: a row pruned while this process was paused (a laptop asleep) comes back.
    await this.o.db.instance.upsert({
      where: { id: this.instanceId },
      create: { id: this.instanceId, host: this.host, pid: this.pid, startedAt: this.startedAt ?? now, heartbeatAt: now },
      update: { heartbeatAt: now },
    });
  }

  private async takeOverStale(now: Date): Promise<TakeoverReport | null> {
    const dead = await this.o.db.instance.findMany({
      where: { heartbeatAt: { lt: new Date(now.getTime() - this.staleAfterMs) }, id: { not: this.instanceId } },
      // Newest dead first: older ones were taken over by earlier looks and only wait to be pruned.
      orderBy: { heartbeatAt: "desc" },
      take: MAX_DEAD,
      select: { id: true },
    });
    if (!dead.length) return null;
    const report = await this.takeOver(
      dead.map((d) => d.id),
      "heartbeat-stale",
      now,
    );
    return report.outbox || report.jobRuns ? report : null;
  }

  private async takeOver(ids: string[], reason: TakeoverReport["reason"], now: Date): Promise<TakeoverReport> {
    const outbox = await releaseOutboxClaims(this.o.db, ids);
    const jobRuns = await releaseJobRunClaims(this.o.db, ids, now);
    const report: TakeoverReport = { reason, instances: ids.length, outbox, jobRuns };
    if (outbox || jobRuns) {
      this.o.log.warn("took over the claims of dead instances", { ...report });
      this.o.onTakeover?.(report);
    }
    return report;
  }
}
