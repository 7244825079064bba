import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { dbEngine, type Db } from "../db/client.ts";
import { IN_BATCH, chunks, inChunks } from "./batch.ts";
import { Prisma, type Outbox, type Staff } from "../generated/prisma/client.ts";
import { SendError, type ChatAddress, type ChatPort, type Platform, type Reply, type ReplyAddress } from "./chat.ts";
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
  /** A chat reply's address (whom it answers); pushed messages have none. */
  address?: ReplyAddress;
  /** Not before this instant (quiet hours); default now. */
  notBefore?: Date;
  clock?: Clock;
}

function outboxRow(opts: Omit<EnqueueOptions, "db">) {
  return {
    key: opts.key,
    kind: opts.kind,
    staffId: opts.staffId ?? null,
    platform: opts.platform,
    chatId: opts.chatId,
    payload: JSON.stringify(opts.reply),
    address: opts.address ? JSON.stringify(opts.address) : "",
    nextAttemptAt: opts.notBefore ?? opts.clock?.now() ?? new Date(),
  };
}

/** Inserts the message unless its key exists. Returns true when this call queued it. */
export async function enqueue(opts: EnqueueOptions): Promise<boolean> {
  try {
    await opts.db.outbox.create({ data: outboxRow(opts) });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * The key of a message of `kind` to one staff member about `subject` (a date, date:asked, …): one
 * format for reminders and pushed lists, so one can tell whether the other was queued.
 */
export function staffMessageKey(kind: string, staffId: number, subject: string): string {
  return `${kind}:staff:${staffId}:${subject}`;
}

/** Whether a message with this key was ever queued (whatever its status now). */
export async function isQueued(db: Db, key: string): Promise<boolean> {
  return (await db.outbox.findUnique({ where: { key }, select: { id: true } })) !== null;
}

/**
 * Like enqueue, and a message whose key was withdrawn (cancelled) or gave up (failed) is queued
 * again with the new content. Returns true when this call queued it; false when the key is
 * pending, being sent or sent.
 */
export async function enqueueOrRevive(opts: EnqueueOptions): Promise<boolean> {
  if (await enqueue(opts)) return true;
  const row = outboxRow(opts);
  const revived = await opts.db.outbox.updateMany({
    where: { key: opts.key, status: { in: ["cancelled", "failed"] } },
    data: { ...row, status: "pending", attempts: 0, lastError: "", claimedBy: null, claimedUntil: null, sentAt: null },
  });
  return revived.count > 0;
}

/**
 * The replies to one inbound event, queued together with the event's once-only mark in one
 * transaction: either the event counts as processed and its replies will be sent, or neither
 * (a database fault rolls both back and the event is handled again). Returns false when the
 * event was marked already (a duplicate delivery handled meanwhile): nothing is queued then.
 */
export async function enqueueReplies(opts: { db: Db; event?: { platform: string; eventId: string } | null; replies: Omit<EnqueueOptions, "db">[]; clock: Clock }): Promise<boolean> {
  const { db } = opts;
  const writes = [
    ...(opts.event ? [db.processedEvent.create({ data: { platform: opts.event.platform, eventId: opts.event.eventId, createdAt: opts.clock.now() } })] : []),
    ...opts.replies.map((r) => db.outbox.create({ data: outboxRow({ clock: opts.clock, ...r }) })),
  ];
  if (!writes.length) return true;
  try {
    await db.$transaction(writes);
    return true;
  } catch (err) {
    if (opts.event && isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * How chat replies reach the outbox in a running process: the one dispatcher of the process
 * (shared with scheduled messages) and how an inbound message hit by a database fault is retried.
 */
export interface ReplyChannel {
  dispatcher: Dispatcher;
  /** Waits before each local retry of a message that failed on a database fault; the last repeats. Default 5 s, 30 s, 2 min, 10 min. */
  retryDelaysMs?: readonly number[];
  /** Injected so tests retry without waiting on the wall clock. */
  sleep?: (ms: number) => Promise<void>;
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

/** Lark's "request trigger frequency limit" code. */
const LARK_RATE_LIMITED = 99991400;

/** Normalises whatever an adapter threw into a SendError (grammY, Lark SDK, fetch, sockets). */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const message = err instanceof Error ? err.message : String(err);
  const response = (typeof e.response === "object" && e.response !== null ? e.response : {}) as Record<string, unknown>;
  const status = [e.status, e.statusCode, e.error_code, response.status].find((v): v is number => typeof v === "number");
  const params = (typeof e.parameters === "object" && e.parameters !== null ? e.parameters : {}) as Record<string, unknown>;
  const data = (typeof response.data === "object" && response.data !== null ? response.data : {}) as Record<string, unknown>;
  const larkCode = [data.code, e.code].find((v): v is number => typeof v === "number");
  if (status === 429 || larkCode === LARK_RATE_LIMITED) {
    // Lark answers its rate limit with HTTP 429 or 400 and code 99991400; the reset header is in seconds.
    const headers = (typeof response.headers === "object" && response.headers !== null ? response.headers : {}) as Record<string, unknown>;
    const reset = Number(headers["x-ogw-ratelimit-reset"]);
    if (larkCode === LARK_RATE_LIMITED || Number.isFinite(reset)) {
      return new SendError(message, { status: 429, retryAfterMs: Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1000, cause: err });
    }
  }
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
  /** Every platform this process sends through; chat adapters add themselves as they are built. */
  private readonly ports: Map<string, ChatPort>;
  private draining: Promise<DrainStats> | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeRequested = false;
  /** Ends a drain's nap: a reply queued during a long drain (a batch of reminders) is claimed at once. */
  private drainWake: (() => void) | null = null;
  private readonly faults: ConditionLog;

  constructor(opts: DispatcherOptions) {
    this.instanceId = opts.instanceId ?? newInstanceId();
    this.ports = new Map(opts.ports);
    this.o = {
      db: opts.db,
      ports: this.ports,
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
   * Time for send spacing: the injected clock when sleeping is injected too (virtual time: tests,
   * the simulated bench), else real time. A clock that stands still (a fake one with real sleeps)
   * would otherwise hold every second message to a chat for good.
   */
  private spacerNow(): number {
    return this.injectedSleep ? this.now() : Date.now();
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

  /** Sends this platform's rows through `port` from now on (one dispatcher serves every platform of the process). */
  addPort(port: ChatPort): void {
    this.ports.set(port.platform, port);
  }

  /** New rows were queued: send them now rather than at the next poll. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakeRequested = true;
    this.drainWake?.();
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
    if (dbEngine(db) === "postgres") return this.claimPostgres(n, held, now);
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

  /**
   * The PostgreSQL claim: one UPDATE from a picked set (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING.
   *
   * Why not the find-then-updateMany above: on PostgreSQL instances claiming at the same moment
   * would all pick the same oldest rows and contend for them (one wins each, the others claim
   * nothing that round); and Prisma wraps an updateMany in a transaction of its own (BEGIN, UPDATE,
   * COMMIT: three round trips). SKIP LOCKED lets each instance take different rows in one
   * statement, and the outer WHERE re-checks the due condition on the row as committed, so a row
   * is never won twice.
   */
  private async claimPostgres(n: number, held: Set<number>, now: Date): Promise<{ rows: Outbox[]; more: boolean }> {
    const platforms = [...this.o.ports.keys()];
    if (!platforms.length) return { rows: [], more: false };
    const until = new Date(now.getTime() + this.o.claimTtlMs);
    // The rows we hold are not due (their claim is ours and current); excluding them keeps a long
    // drain in virtual time from re-claiming its own queue, as the SQLite path does. One array parameter.
    const heldIds = [...held];
    const due = Prisma.sql`"platform" IN (${Prisma.join(platforms)})
      AND (("status" = 'pending' AND "nextAttemptAt" <= ${now}) OR ("status" = 'sending' AND "claimedUntil" < ${now}))`;
    // The pick is a MATERIALIZED CTE, not `WHERE id IN (SELECT … LIMIT n)`: PostgreSQL may run such
    // a subquery more than once in one UPDATE, each run skipping the rows the last one locked, and
    // so claim several times `n` (one instance took 58 of 60 rows in the multi-host test).
    const rows = await this.o.db.$queryRaw<Outbox[]>`
      WITH picked AS MATERIALIZED (
        SELECT "id" FROM "Outbox"
        WHERE ${due} ${heldIds.length ? Prisma.sql`AND "id" <> ALL(${heldIds})` : Prisma.empty}
        ORDER BY "nextAttemptAt", "id" LIMIT ${n}
        FOR UPDATE SKIP LOCKED)
      UPDATE "Outbox" SET "status" = 'sending', "claimedBy" = ${this.instanceId}, "claimedUntil" = ${until}, "updatedAt" = ${now}
      FROM picked
      WHERE "Outbox"."id" = picked."id" AND ${due}
      RETURNING "Outbox".*`;
    rows.sort((a, b) => a.id - b.id);
    return { rows, more: rows.length === n };
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
      for (const row of claimed.rows) held.add(row.id);
      for (const row of await this.inTurn(claimed.rows)) {
        const key = `${row.platform}\u0000${row.chatId}`;
        const q = queues.get(key);
        if (q) q.push(row);
        else queues.set(key, [row]);
        queued++;
      }
    };

    await refill();
    let woken = false;
    while (!this.stopping) {
      if ((more || woken) && queued <= this.o.maxQueued - this.o.batchSize) {
        woken = false;
        await refill();
      }
      const now = this.spacerNow();
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
          .catch(async (err) => (await this.onSendCrash(row, err), this.now()))
          .then(async (retryAt) => {
            if (retryAt === undefined) return;
            // The chat's later rows may not overtake this one: they go back to the queue with it,
            // due no earlier than it. Taken from the local queue before `active` is released.
            const rest = queues.get(key) ?? [];
            queues.delete(key);
            queued -= rest.length;
            await this.handBack(rest.map((r) => r.id), retryAt);
          })
          .catch((err) => this.o.log.error("outbox rows could not be handed back; their claim expires instead", { error: errorSummary(err) }))
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
      waits.push(new Promise<void>((resolve) => (this.drainWake = () => ((woken = true), resolve()))));
      // Rows queued by another process (another instance's job, the CLI) wake nobody here: while
      // sends hang (a slow platform) and the last claim took all there was, look again at the
      // poll interval, as the idle loop does, rather than only once a send returns.
      let poll: NodeJS.Timeout | undefined;
      if (!more && !this.injectedSleep && queued <= this.o.maxQueued - this.o.batchSize) {
        waits.push(new Promise<void>((resolve) => (poll = setTimeout(() => ((woken = true), resolve()), this.o.pollMs))));
      }
      await Promise.race(waits);
      clearTimeout(poll);
      this.drainWake = null;
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

  /**
   * Claimed rows that may go now, in their chat's order. A row whose chat has an earlier unsent
   * row we do not hold (rescheduled after a 429 or an error, handed back, or being sent by another
   * instance) goes back to the queue, due no earlier than that row: parts of a reply and replies
   * to one chat arrive in order. A row only scheduled for later (quiet hours, never tried) does
   * not hold anything back.
   */
  private async inTurn(rows: Outbox[]): Promise<Outbox[]> {
    if (!rows.length) return rows;
    const first = new Map<string, { platform: string; chatId: string; id: number }>();
    for (const r of rows) {
      const k = `${r.platform}\u0000${r.chatId}`;
      const f = first.get(k);
      if (!f || r.id < f.id) first.set(k, { platform: r.platform, chatId: r.chatId, id: r.id });
    }
    const now = this.now();
    // One condition per chat of this claim: at most one batch of them.
    const earlier = await this.o.db.outbox.groupBy({
      by: ["platform", "chatId", "status"],
      where: {
        OR: [...first.values()].map((f) => ({ platform: f.platform, chatId: f.chatId, id: { lt: f.id } })),
        AND: [
          {
            OR: [
              { status: "pending", OR: [{ nextAttemptAt: { lte: new Date(now) } }, { attempts: { gt: 0 } }, { lastError: { not: "" } }] },
              { status: "sending", NOT: { claimedBy: this.instanceId } },
            ],
          },
        ],
      },
      _max: { nextAttemptAt: true },
    });
    if (!earlier.length) return rows;
    const until = new Map<string, number>();
    for (const e of earlier) {
      const k = `${e.platform}\u0000${e.chatId}`;
      // Being sent elsewhere: look again shortly; waiting: due with it.
      const at = e.status === "sending" ? now + 1000 : Math.max(e._max.nextAttemptAt?.getTime() ?? now, now);
      until.set(k, Math.max(until.get(k) ?? 0, at));
    }
    const byTime = new Map<number, number[]>();
    const go: Outbox[] = [];
    for (const r of rows) {
      const at = until.get(`${r.platform}\u0000${r.chatId}`);
      if (at === undefined) go.push(r);
      else byTime.set(at, [...(byTime.get(at) ?? []), r.id]);
    }
    for (const [at, ids] of byTime) await this.handBack(ids, at);
    return go;
  }

  /** Claimed rows back to pending, due at `at` at the earliest, marked as waiting for their turn. */
  private async handBack(ids: number[], at: number): Promise<void> {
    for (const part of chunks(ids)) {
      await this.o.db.outbox.updateMany({
        where: { id: { in: part }, status: "sending", claimedBy: this.instanceId },
        data: { status: "pending", claimedBy: null, claimedUntil: null, nextAttemptAt: new Date(at), lastError: WAITING_FOR_TURN },
      });
    }
  }

  /** Sends one row; resolves with the time it is due again when it was rescheduled. */
  private async sendRow(row: Outbox, stats: DrainStats): Promise<number | undefined> {
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
    let address: ReplyAddress | undefined;
    try {
      reply = JSON.parse(row.payload) as Reply;
      address = row.address ? (JSON.parse(row.address) as ReplyAddress) : undefined;
    } catch {
      await this.fail(row, "payload is not valid JSON", stats);
      return;
    }
    const platform = row.platform as Platform;
    const at = this.spacer.reserve(platform, row.chatId, this.spacerNow());
    const wait = at - this.spacerNow();
    if (wait > 0) await this.sleep(wait);
    for (let guard = this.spacer.windowWait(platform, row.chatId, this.spacerNow()); guard > 0; guard = this.spacer.windowWait(platform, row.chatId, this.spacerNow())) {
      await this.sleep(guard);
    }
    // No await between the last check and this record: the check and the send are one step.
    this.spacer.record(platform, row.chatId, this.spacerNow());
    try {
      if (!port) throw new SendError(`no adapter for platform ${row.platform}`, { permanent: true });
      await port.send({ platform, chatId: row.chatId }, reply, { key: `outbox:${row.key}`, ...(address ? { address } : {}) });
    } catch (err) {
      return this.onSendError(row, attempts, toSendError(err), stats);
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

  private async onSendError(row: Outbox, attempts: number, err: SendError, stats: DrainStats): Promise<number | undefined> {
    const now = this.now();
    const describe = `${err.status ? `${err.status} ` : ""}${err.message}`.slice(0, 500);
    if (err.permanent) return this.fail(row, describe, stats);
    if (err.status === 429 || err.retryAfterMs !== undefined) {
      stats.rateLimited++;
      const delay = Math.max(err.retryAfterMs ?? 1000, 0);
      // A chat's own limit needs no pause here: its later rows wait behind this one (see `inTurn`).
      if (err.scope === "global") this.spacer.pause(row.platform as Platform, null, this.spacerNow() + delay);
      if (attempts >= this.o.maxAttempts + this.o.maxRateLimited) return this.fail(row, describe, stats);
      return this.reschedule(row, now + delay, describe, stats);
    }
    if (attempts >= this.o.maxAttempts) return this.fail(row, describe, stats);
    const backoff = Math.min(this.o.backoffBaseMs * 2 ** (attempts - 1), this.o.backoffMaxMs);
    return this.reschedule(row, now + backoff, describe, stats);
  }

  private async reschedule(row: Outbox, at: number, error: string, stats: DrainStats): Promise<number> {
    await this.o.db.outbox.updateMany({
      where: { id: row.id, claimedBy: this.instanceId, status: "sending" },
      data: { status: "pending", nextAttemptAt: new Date(at), lastError: error, claimedBy: null, claimedUntil: null },
    });
    stats.retried++;
    this.o.log.warn("outbox send will be retried", { id: row.id, key: row.key, at: new Date(at).toISOString(), error });
    return at;
  }

  private async fail(row: Outbox, error: string, stats: DrainStats): Promise<undefined> {
    await this.o.db.outbox.update({ where: { id: row.id }, data: { status: "failed", lastError: error, claimedUntil: null } });
    stats.failed++;
    this.o.log.error("outbox send failed for good", { id: row.id, key: row.key, error });
    return undefined;
  }
}

/** lastError of a row handed back so that it does not overtake an earlier message to its chat. */
export const WAITING_FOR_TURN = "waiting for an earlier message to this chat";

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

/**
 * Puts every failed row (of one kind, when given) back in the queue with a fresh attempt budget,
 * a batch at a time so any number of failed rows stays within bounded statements. Returns how many.
 */
export async function retryAllFailed(opts: { db: Db; clock: Clock; kind?: string; batchSize?: number }): Promise<number> {
  const where = { status: "failed", ...(opts.kind ? { kind: opts.kind } : {}) };
  const size = Math.min(opts.batchSize ?? IN_BATCH, IN_BATCH);
  let total = 0;
  let after = 0;
  for (;;) {
    const page = await opts.db.outbox.findMany({ where: { ...where, id: { gt: after } }, orderBy: { id: "asc" }, take: size, select: { id: true } });
    if (!page.length) return total;
    after = page.at(-1)!.id;
    const r = await opts.db.outbox.updateMany({
      where: { ...where, id: { in: page.map((p) => p.id) } },
      data: { status: "pending", attempts: 0, nextAttemptAt: opts.clock.now(), claimedBy: null, claimedUntil: null },
    });
    total += r.count;
  }
}
