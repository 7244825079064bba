import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "../db/client.ts";
import { IN_BATCH, chunks, inChunks } from "./batch.ts";
import type { Outbox, Staff } from "../generated/prisma/client.ts";
import { SendError, type ChatAddress, type ChatPort, type Platform, type Reply } from "./chat.ts";
import type { Clock } from "./clock.ts";
import { ConditionLog } from "./fault-log.ts";
import { errorSummary, type Logger } from "./logger.ts";
import { DEFAULT_LIMITS, SendSpacer, type PlatformLimits } from "./rate-limit.ts";

/**
 * The outbox: every scheduled message is a row with a unique key (kind + recipient + subject +
 * date), written before anything is sent. Whoever enqueues the same key again (a catch-up run, a
 * second instance, a retried job) adds nothing, so a message exists once; the dispatcher then
 * claims rows with conditional updates, so it is also sent once.
 */

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

export interface EnqueueOptions {
  db: Db;
  key: string;
  kind: string;
  staffId?: number | null;
  platform: Platform | string;
  chatId: string;
  reply: Reply;
  /** Not before this instant (quiet hours); default now. */
  notBefore?: Date;
  clock?: Clock;
}

/** Inserts the message unless its key exists. Returns true when this call queued it. */
export async function enqueue(opts: EnqueueOptions): Promise<boolean> {
  try {
    await opts.db.outbox.create({
      data: {
        key: opts.key,
        kind: opts.kind,
        staffId: opts.staffId ?? null,
        platform: opts.platform,
        chatId: opts.chatId,
        payload: JSON.stringify(opts.reply),
        nextAttemptAt: opts.notBefore ?? opts.clock?.now() ?? new Date(),
      },
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Where a staff member's reminders go: their chat on `notifyPlatform` when bound there, else the
 * most recent binding. The private chat id on every supported platform is the user id.
 */
export async function resolveRecipient(db: Db, staff: Pick<Staff, "id" | "notifyPlatform">): Promise<ChatAddress | null> {
  const identities = await db.chatIdentity.findMany({ where: { staffId: staff.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const chosen = (staff.notifyPlatform && identities.find((i) => i.platform === staff.notifyPlatform)) || identities[0];
  return chosen ? { platform: chosen.platform as Platform, chatId: chosen.platformUserId } : null;
}

/** Normalises whatever an adapter threw into a SendError (grammY, Lark SDK, fetch, sockets). */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const message = err instanceof Error ? err.message : String(err);
  const response = (typeof e.response === "object" && e.response !== null ? e.response : {}) as Record<string, unknown>;
  const status = [e.status, e.statusCode, e.error_code, response.status].find((v): v is number => typeof v === "number");
  const params = (typeof e.parameters === "object" && e.parameters !== null ? e.parameters : {}) as Record<string, unknown>;
  const retryAfterS = typeof params.retry_after === "number" ? params.retry_after : typeof e.retryAfter === "number" ? e.retryAfter : undefined;
  const retryAfterMs = typeof e.retryAfterMs === "number" ? e.retryAfterMs : retryAfterS !== undefined ? retryAfterS * 1000 : undefined;
  // 4xx other than 429 (and 408 timeout) means the request itself is wrong or refused: retrying cannot help.
  const permanent = status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408;
  return new SendError(message, { status, retryAfterMs, permanent, cause: err });
}

export interface DrainStats {
  claimed: number;
  sent: number;
  /** Rescheduled: rate limited (429) or transient failure with attempts left. */
  retried: number;
  rateLimited: number;
  failed: number;
  /** Rows another instance took over after our claim expired (not sent by us). */
  lost: number;
  expired: number;
}

export interface DispatcherOptions {
  db: Db;
  ports: ReadonlyMap<string, ChatPort>;
  clock: Clock;
  log: Logger;
  /** Unique per process; written to claimedBy. */
  instanceId?: string;
  limits?: PlatformLimits;
  /** Attempts before a row failing with errors (5xx, network) is marked failed. */
  maxAttempts?: number;
  /** Extra attempts allowed for rate-limit answers (429) on top of maxAttempts. */
  maxRateLimited?: number;
  /** Rows claimed per query. */
  batchSize?: number;
  /** Rows held locally at most (claimed, not yet sent). */
  maxQueued?: number;
  /** Concurrent sends (each waits for its rate-limit slot first). */
  maxInFlight?: number;
  /**
   * How long a claim protects queued rows from other instances. A backstop only for claimers
   * without a heartbeat (src/core/instances.ts frees a dead instance's claims within seconds).
   */
  claimTtlMs?: number;
  /** How long a send in progress stays ours (same backstop). */
  sendTtlMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A pending row overdue by more than this is marked failed ("expired"): a stale reminder helps no one. */
  staleAfterMs?: number;
  /** Idle poll interval of the background loop. */
  pollMs?: number;
  /** Injected so tests and the simulated bench run in virtual time. */
  sleep?: (ms: number) => Promise<void>;
}

export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends outbox rows through the recipient's platform port, within each platform's rate limits. */
export class Dispatcher {
  readonly instanceId: string;
  private readonly o: Required<Omit<DispatcherOptions, "instanceId" | "limits" | "sleep">>;
  private readonly spacer: SendSpacer;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly injectedSleep: boolean;
  private draining: Promise<DrainStats> | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeRequested = false;
  private readonly faults: ConditionLog;

  constructor(opts: DispatcherOptions) {
    this.instanceId = opts.instanceId ?? newInstanceId();
    this.o = {
      db: opts.db,
      ports: opts.ports,
      clock: opts.clock,
      log: opts.log,
      maxAttempts: opts.maxAttempts ?? 5,
      maxRateLimited: opts.maxRateLimited ?? 20,
      // A claim binds its ids in one IN list: never more than one batch.
      batchSize: Math.min(opts.batchSize ?? 200, IN_BATCH),
      maxQueued: opts.maxQueued ?? 1000,
      maxInFlight: opts.maxInFlight ?? 16,
      claimTtlMs: opts.claimTtlMs ?? 5 * 60_000,
      sendTtlMs: opts.sendTtlMs ?? 2 * 60_000,
      backoffBaseMs: opts.backoffBaseMs ?? 5_000,
      backoffMaxMs: opts.backoffMaxMs ?? 15 * 60_000,
      staleAfterMs: opts.staleAfterMs ?? 12 * 3600_000,
      pollMs: opts.pollMs ?? 2_000,
    };
    this.spacer = new SendSpacer({ ...DEFAULT_LIMITS, ...opts.limits });
    this.sleep = opts.sleep ?? realSleep;
    this.injectedSleep = Boolean(opts.sleep);
    this.faults = new ConditionLog(opts.log, () => this.now());
  }

  private now(): number {
    return this.o.clock.now().getTime();
  }

  /**
   * Sends every row due now (and rows whose claim expired), then resolves. Concurrent calls share
   * one drain. Rows rescheduled during the drain (429, backoff) wait for a later drain.
   */
  drainOnce(): Promise<DrainStats> {
    if (!this.draining) this.draining = this.drain().finally(() => (this.draining = null));
    return this.draining;
  }

  /** Drains repeatedly, sleeping until the next row is due, until no row of ours is left unsent. */
  async drainAll(opts: { maxRounds?: number } = {}): Promise<DrainStats> {
    const total = emptyStats();
    for (let round = 0; round < (opts.maxRounds ?? 10_000); round++) {
      addStats(total, await this.drainOnce());
      const next = await this.nextDueAt();
      if (!next) break;
      const wait = next.getTime() - this.now();
      if (wait > 0) await this.sleep(wait);
    }
    return total;
  }

  /**
   * When the next pending row this instance can send becomes due (null: nothing pending). Rows
   * another instance is sending are its business; if it dies, its heartbeat stops, its claims are
   * handed back to pending (src/core/instances.ts) and `wake()` sends them.
   */
  async nextDueAt(): Promise<Date | null> {
    const row = await this.o.db.outbox.findFirst({
      where: { platform: { in: [...this.o.ports.keys()] }, status: "pending" },
      orderBy: { nextAttemptAt: "asc" },
      select: { nextAttemptAt: true },
    });
    return row?.nextAttemptAt ?? null;
  }

  /** Background loop for the running bot: drain, idle until work is due or `wake()` is called. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.drainOnce();
          this.faults.succeeded("outbox dispatcher");
          if (this.stopping) break;
          const next = await this.nextDueAt();
          const wait = next ? Math.min(Math.max(next.getTime() - this.now(), 0), this.o.pollMs) : this.o.pollMs;
          // Rows claimed by a crashed instance become due when the claim expires; polling covers that.
          await this.idle(Math.max(wait, 50));
        } catch (err) {
          // Disk full or a lock held for minutes fails every poll: one line when it starts, one when it clears.
          this.faults.failed("outbox dispatcher", "outbox dispatcher failed", err);
          await this.idle(this.o.pollMs);
        }
      }
    })();
  }

  /** New rows were queued: send them now rather than at the next poll. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakeRequested = true;
  }

  /** Stops the loop; rows claimed but not yet sent go back to pending for whoever runs next. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.draining;
    this.loop = null;
    this.stopping = false;
    // Nothing of ours is in flight now; whatever still carries our claim (a drain that failed
    // half-way) goes back at once, so the next instance need not wait for the claim to expire.
    await releaseOutboxClaims(this.o.db, [this.instanceId]).catch((err: unknown) =>
      this.faults.failed("outbox dispatcher", "outbox claims could not be handed back at stop; they expire instead", err),
    );
  }

  private idle(ms: number): Promise<void> {
    if (this.wakeRequested) {
      // Woken while draining: rows queued meanwhile go now, not at the next poll.
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      this.wakeUp = done;
      if (this.injectedSleep) void this.sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
  }

  private dueWhere(now: Date) {
    return {
      platform: { in: [...this.o.ports.keys()] },
      OR: [{ status: "pending", nextAttemptAt: { lte: now } }, { status: "sending", claimedUntil: { lt: now } }],
    };
  }

  /** Claims up to `n` due rows atomically: one conditional UPDATE, then read back what we won. */
  private async claim(n: number, held: Set<number>): Promise<{ rows: Outbox[]; more: boolean }> {
    const { db } = this.o;
    const now = new Date(this.now());
    const candidates = await db.outbox.findMany({
      where: this.dueWhere(now),
      orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
      take: n,
      select: { id: true },
    });
    const ids = candidates.map((c) => c.id).filter((id) => !held.has(id));
    if (!ids.length) return { rows: [], more: false };
    const until = new Date(now.getTime() + this.o.claimTtlMs);
    await db.outbox.updateMany({
      where: { AND: [this.dueWhere(now), { id: { in: ids } }] },
      data: { status: "sending", claimedBy: this.instanceId, claimedUntil: until },
    });
    const rows = await db.outbox.findMany({
      where: { id: { in: ids }, status: "sending", claimedBy: this.instanceId, claimedUntil: until },
      orderBy: { id: "asc" },
    });
    return { rows, more: candidates.length === n };
  }

  private async expireStale(): Promise<number> {
    const cutoff = new Date(this.now() - this.o.staleAfterMs);
    const r = await this.o.db.outbox.updateMany({
      where: { status: "pending", nextAttemptAt: { lt: cutoff } },
      data: { status: "failed", lastError: `expired: not delivered within ${Math.round(this.o.staleAfterMs / 3600_000)} h of its time` },
    });
    if (r.count) this.o.log.warn("outbox rows expired", { count: r.count });
    return r.count;
  }

  private async drain(): Promise<DrainStats> {
    const stats = emptyStats();
    stats.expired = await this.expireStale();
    const queues = new Map<string, Outbox[]>();
    const held = new Set<number>();
    const active = new Set<string>();
    const inflight = new Set<Promise<void>>();
    let queued = 0;
    let more = true;

    const refill = async () => {
      const room = Math.min(this.o.batchSize, this.o.maxQueued - queued);
      if (room <= 0) return;
      const claimed = await this.claim(room, held);
      more = claimed.more;
      stats.claimed += claimed.rows.length;
      for (const row of claimed.rows) {
        held.add(row.id);
        const key = `${row.platform}\u0000${row.chatId}`;
        const q = queues.get(key);
        if (q) q.push(row);
        else queues.set(key, [row]);
        queued++;
      }
    };

    await refill();
    while (!this.stopping) {
      if (more && queued <= this.o.maxQueued - this.o.batchSize) await refill();
      const now = this.now();
      let best: { key: string; q: Outbox[] } | null = null;
      let earliest = Infinity;
      for (const [key, q] of queues) {
        if (active.has(key)) continue;
        const ready = this.spacer.chatReadyAt(q[0]!.platform as Platform, q[0]!.chatId);
        if (ready <= now) {
          if (!best || q[0]!.id < best.q[0]!.id) best = { key, q };
        } else earliest = Math.min(earliest, ready);
      }
      if (best && inflight.size < this.o.maxInFlight) {
        const row = best.q.shift()!;
        if (!best.q.length) queues.delete(best.key);
        queued--;
        const key = best.key;
        active.add(key);
        const task: Promise<void> = Promise.resolve()
          .then(() => this.sendRow(row, stats))
          .catch((err) => this.onSendCrash(row, err))
          .finally(() => {
            active.delete(key);
            inflight.delete(task);
          });
        inflight.add(task);
        continue;
      }
      if (!best && !inflight.size && earliest === Infinity) {
        if (!more) break;
        await refill();
        if (!queued) break;
        continue;
      }
      const waits: Promise<unknown>[] = [...inflight];
      // Short naps, so a stop is noticed even while a chat waits out a long retry-after.
      if (!best && earliest < Infinity) waits.push(this.sleep(Math.min(earliest - now, 1000)));
      await Promise.race(waits);
    }
    await Promise.all(inflight);
    if (queued) {
      // Stopped with rows still queued: hand them back at once instead of waiting for the claim to expire.
      // Up to maxQueued ids: handed back in bounded IN lists.
      for (const ids of chunks([...queues.values()].flat().map((r) => r.id))) {
        await this.o.db.outbox.updateMany({
          where: { id: { in: ids }, status: "sending", claimedBy: this.instanceId },
          data: { status: "pending", claimedBy: null, claimedUntil: null },
        });
      }
    }
    return stats;
  }

  private async sendRow(row: Outbox, stats: DrainStats): Promise<void> {
    const { db, log } = this.o;
    if (row.attempts >= this.o.maxAttempts + this.o.maxRateLimited) {
      await this.fail(row, row.lastError || "too many attempts", stats);
      return;
    }
    // Fence: still ours? Count the attempt before sending, so a crash mid-send is not free.
    const fence = await db.outbox.updateMany({
      where: { id: row.id, status: "sending", claimedBy: this.instanceId },
      data: { attempts: { increment: 1 }, claimedUntil: new Date(this.now() + this.o.sendTtlMs) },
    });
    if (!fence.count) {
      stats.lost++;
      return;
    }
    const attempts = row.attempts + 1;
    const port = this.o.ports.get(row.platform);
    let reply: Reply;
    try {
      reply = JSON.parse(row.payload) as Reply;
    } catch {
      await this.fail(row, "payload is not valid JSON", stats);
      return;
    }
    const platform = row.platform as Platform;
    const at = this.spacer.reserve(platform, row.chatId, this.now());
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
    for (let guard = this.spacer.windowWait(platform, row.chatId, this.now()); guard > 0; guard = this.spacer.windowWait(platform, row.chatId, this.now())) {
      await this.sleep(guard);
    }
    // No await between the last check and this record: the check and the send are one step.
    this.spacer.record(platform, row.chatId, this.now());
    try {
      if (!port) throw new SendError(`no adapter for platform ${row.platform}`, { permanent: true });
      await port.send({ platform, chatId: row.chatId }, reply, { key: `outbox:${row.key}` });
    } catch (err) {
      await this.onSendError(row, attempts, toSendError(err), stats);
      return;
    }
    await db.outbox.update({ where: { id: row.id }, data: { status: "sent", sentAt: new Date(this.now()), claimedUntil: null, lastError: "" } });
    stats.sent++;
    log.info("outbox sent", { id: row.id, key: row.key, platform: row.platform });
  }

  /**
   * A database error around a send (lock timeout, disk full): hand the row back at once, so this
   * or another instance sends it at the next drain instead of after the claim expires. If the
   * message did go out before the error, it may go out once more (at-least-once).
   */
  private async onSendCrash(row: Outbox, err: unknown): Promise<void> {
    this.o.log.error("outbox send crashed", { id: row.id, error: errorSummary(err) });
    await this.o.db.outbox
      .updateMany({ where: { id: row.id, status: "sending", claimedBy: this.instanceId }, data: { status: "pending", claimedBy: null, claimedUntil: null } })
      .catch((e: unknown) => this.o.log.error("outbox row could not be handed back; its claim expires instead", { id: row.id, error: errorSummary(e) }));
  }

  private async onSendError(row: Outbox, attempts: number, err: SendError, stats: DrainStats): Promise<void> {
    const now = this.now();
    const describe = `${err.status ? `${err.status} ` : ""}${err.message}`.slice(0, 500);
    if (err.permanent) return this.fail(row, describe, stats);
    if (err.status === 429 || err.retryAfterMs !== undefined) {
      stats.rateLimited++;
      const delay = Math.max(err.retryAfterMs ?? 1000, 0);
      this.spacer.pause(row.platform as Platform, err.scope === "global" ? null : row.chatId, now + delay);
      if (attempts >= this.o.maxAttempts + this.o.maxRateLimited) return this.fail(row, describe, stats);
      return this.reschedule(row, now + delay, describe, stats);
    }
    if (attempts >= this.o.maxAttempts) return this.fail(row, describe, stats);
    const backoff = Math.min(this.o.backoffBaseMs * 2 ** (attempts - 1), this.o.backoffMaxMs);
    return this.reschedule(row, now + backoff, describe, stats);
  }

  private async reschedule(row: Outbox, at: number, error: string, stats: DrainStats): Promise<void> {
    await this.o.db.outbox.updateMany({
      where: { id: row.id, claimedBy: this.instanceId, status: "sending" },
      data: { status: "pending", nextAttemptAt: new Date(at), lastError: error, claimedBy: null, claimedUntil: null },
    });
    stats.retried++;
    this.o.log.warn("outbox send will be retried", { id: row.id, key: row.key, at: new Date(at).toISOString(), error });
  }

  private async fail(row: Outbox, error: string, stats: DrainStats): Promise<void> {
    await this.o.db.outbox.update({ where: { id: row.id }, data: { status: "failed", lastError: error, claimedUntil: null } });
    stats.failed++;
    this.o.log.error("outbox send failed for good", { id: row.id, key: row.key, error });
  }
}

/**
 * Hands the rows the given instances had claimed back to pending, due at once: at start-up for
 * crashed processes on this host, later for instances whose heartbeat went stale, at stop for our
 * own. This is the at-least-once window: a row that was being sent at the crash (its attempt
 * already counted) may have reached the platform and is sent once more; rows only queued were not
 * sent. Returns how many rows were handed back.
 */
export async function releaseOutboxClaims(db: Db, instanceIds: string[]): Promise<number> {
  let released = 0;
  for (const ids of chunks(instanceIds)) {
    const r = await db.outbox.updateMany({
      where: { status: "sending", claimedBy: { in: ids } },
      data: { status: "pending", claimedBy: null, claimedUntil: null },
    });
    released += r.count;
  }
  return released;
}

export function emptyStats(): DrainStats {
  return { claimed: 0, sent: 0, retried: 0, rateLimited: 0, failed: 0, lost: 0, expired: 0 };
}

function addStats(into: DrainStats, s: DrainStats): void {
  for (const k of Object.keys(into) as (keyof DrainStats)[]) into[k] += s[k];
}

// ---- operations (CLI) ----

export async function listOutbox(opts: { db: Db; failed?: boolean; limit?: number }): Promise<(Outbox & { staffCode: string | null })[]> {
  const rows = await opts.db.outbox.findMany({
    where: opts.failed ? { status: "failed" } : {},
    orderBy: { id: "desc" },
    take: opts.limit ?? 50,
  });
  const staffIds = [...new Set(rows.map((r) => r.staffId).filter((id): id is number => id !== null))];
  // `--limit` is the operator's: any number of rows, so their staff ids go in bounded IN lists.
  const staff = await inChunks(staffIds, (part) => opts.db.staff.findMany({ where: { id: { in: part } }, select: { id: true, code: true } }));
  const codes = new Map(staff.map((s) => [s.id, s.code]));
  return rows.map((r) => ({ ...r, staffCode: r.staffId !== null ? (codes.get(r.staffId) ?? null) : null }));
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const groups = await db.outbox.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

/** Puts a failed (or stuck) row back in the queue with a fresh attempt budget. */
export async function retryOutbox(opts: { db: Db; id: number; clock: Clock }): Promise<"retried" | "not-found" | "already-sent" | "in-progress"> {
  const row = await opts.db.outbox.findUnique({ where: { id: opts.id } });
  if (!row) return "not-found";
  if (row.status === "sent") return "already-sent";
  if (row.status === "sending" && row.claimedUntil && row.claimedUntil > opts.clock.now()) return "in-progress";
  await opts.db.outbox.update({
    where: { id: opts.id },
    data: { status: "pending", attempts: 0, nextAttemptAt: opts.clock.now(), claimedBy: null, claimedUntil: null },
  });
  return "retried";
}
