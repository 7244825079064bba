import { spawnSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { InstanceRegistry, pidSpace, processAlive, type InstanceRegistryOptions, type TakeoverReport } from "../../src/core/instances.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler, type Job } from "../../src/core/scheduler.ts";
import { createTestDb, ENGINES, type TestDb } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe.each(ENGINES)("instance liveness (%s)", (engine) => {
  let t: TestDb;
  let clock: FakeClock;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    clock = new FakeClock(local("2026-11-23", "07:30"));
    deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger };
  });
  afterEach(async () => t.close());

  const registry = (instanceId: string, o: Partial<InstanceRegistryOptions> = {}) =>
    new InstanceRegistry({ db: t.db, clock, log: silentLogger, instanceId, isAlive: () => true, ...o });

  /** Rows `owner` claimed for its usual 5 minutes, one attempt counted, as a dispatcher leaves them. */
  async function claimedBy(owner: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await enqueue({ db: t.db, key: `${owner}:${i}`, kind: "test", platform: "telegram", chatId: `chat-${i}`, reply: { text: `m${i}` }, clock });
    }
    await t.db.outbox.updateMany({ where: { key: { startsWith: `${owner}:` } }, data: { status: "sending", claimedBy: owner, claimedUntil: new Date(clock.now().getTime() + 5 * 60_000), attempts: 1 } });
  }

  it("a second live instance takes over a dead instance's claims once its heartbeat is 20 s old (within 30 s of its death), not before", async () => {
    const a = registry("A", { host: "host-a", pid: 11 });
    await a.register();
    await claimedBy("A", 5);
    const job: Job = { id: "morning", cron: () => "30 7 * * *", catchUpUntil: () => "12:00", run: async () => ({ ok: 1 }) };
    await t.db.jobRun.create({ data: { jobId: "morning", slot: local("2026-11-23", "07:30").toISOString(), status: "running", claimedBy: "A", leaseUntil: new Date(clock.now().getTime() + 15 * 60_000) } });

    const takeovers: TakeoverReport[] = [];
    const b = registry("B", { host: "host-b", pid: 22, onTakeover: (r) => takeovers.push(r) });
    const port = new FakeChatPort("telegram", clock);
    const dispatcher = new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log: silentLogger, instanceId: "B", sleep: virtualSleep(clock) });
    const scheduler = new Scheduler({ deps, jobs: [job], instanceId: "B" });
    expect(await b.register()).toEqual([]);

    // A went silent. 15 s later it may only be slow: its claims stand.
    clock.advance(15_000);
    expect(await b.beat()).toBeNull();
    expect((await dispatcher.drainOnce()).sent).toBe(0);
    // The sweep sees a run alive elsewhere: nothing to do.
    expect(await scheduler.sweep()).toEqual([]);

    // 21 s without a heartbeat: dead. Its rows and its run are B's to finish, minutes before they expire.
    clock.advance(6_000);
    expect(await b.beat()).toEqual({ reason: "heartbeat-stale", instances: 1, outbox: 5, jobRuns: 1 });
    expect(takeovers).toHaveLength(1);
    expect((await dispatcher.drainOnce()).sent).toBe(5);
    expect((await scheduler.sweep()).map((r) => r.outcome)).toEqual(["ran"]);
    expect(await t.db.jobRun.findFirst()).toMatchObject({ status: "done", claimedBy: "B" });
    expect(await t.db.outbox.count({ where: { status: "sent", claimedBy: "B" } })).toBe(5);
    // Nothing left to take: later beats are quiet.
    clock.advance(10_000);
    expect(await b.beat()).toBeNull();
    expect(takeovers).toHaveLength(1);
  });

  it("a live instance that keeps beating keeps its claims", async () => {
    const a = registry("A", { host: "host-a", pid: 11 });
    const b = registry("B", { host: "host-b", pid: 22 });
    await a.register();
    await b.register();
    await claimedBy("A", 3);
    for (let i = 0; i < 6; i++) {
      clock.advance(10_000);
      await a.beat();
      expect(await b.beat()).toBeNull();
    }
    expect(await t.db.outbox.count({ where: { status: "sending", claimedBy: "A" } })).toBe(3);
  });

  it("on start, frees at once the claims of a crashed process on this host, not those of a live one", async () => {
    const crashed = deadPid();
    expect(processAlive(crashed)).toBe(false);
    const now = clock.now();
    // Both beat a moment ago: only the pid tells the crashed one apart.
    await t.db.instance.create({ data: { id: "crashed", host: pidSpace(), pid: crashed, startedAt: now, heartbeatAt: now } });
    await t.db.instance.create({ data: { id: "alive", host: pidSpace(), pid: process.ppid, startedAt: now, heartbeatAt: now } });
    await claimedBy("crashed", 4);
    await claimedBy("alive", 2);
    const restarted = new InstanceRegistry({ db: t.db, clock, log: silentLogger, instanceId: "restarted" });
    expect(await restarted.register()).toEqual([{ reason: "process-gone", instances: 1, outbox: 4, jobRuns: 0 }]);
    expect(await t.db.outbox.count({ where: { status: "pending", claimedBy: null } })).toBe(4);
    expect(await t.db.outbox.count({ where: { status: "sending", claimedBy: "alive" } })).toBe(2);
    expect((await t.db.instance.findMany({ orderBy: { id: "asc" } })).map((r) => r.id)).toEqual(["alive", "restarted"]);
    // The released rows keep their counted attempt: a send in flight at the crash is re-sent at most once more.
    expect((await t.db.outbox.findFirstOrThrow({ where: { key: "crashed:0" } })).attempts).toBe(1);
  });

  it("names the host by its pid space: host name, boot and pid namespace, so a container sharing the host name is another host", () => {
    const space = pidSpace();
    expect(space.startsWith(hostname())).toBe(true);
    if (existsSync("/proc/self/ns/pid")) expect(space).toContain(readlinkSync("/proc/self/ns/pid"));
  });

  it("an older row with our own pid on this host is a previous life (the pid was reused)", async () => {
    const now = clock.now();
    await t.db.instance.create({ data: { id: "before-restart", host: "box", pid: 1, startedAt: now, heartbeatAt: now } });
    await claimedBy("before-restart", 2);
    const r = await registry("after-restart", { host: "box", pid: 1 }).register();
    expect(r).toEqual([{ reason: "process-gone", instances: 1, outbox: 2, jobRuns: 0 }]);
  });

  it("two instances of one process (same host and pid) leave each other's claims alone", async () => {
    const first = registry("first", { host: "box", pid: 7 });
    await first.register();
    await claimedBy("first", 2);
    expect(await registry("second", { host: "box", pid: 7 }).register()).toEqual([]);
    expect(await t.db.outbox.count({ where: { status: "sending", claimedBy: "first" } })).toBe(2);
  });

  it("prunes rows of instances dead for an hour, and removes its own row on stop", async () => {
    const a = registry("A", { host: "host-a", pid: 11 });
    const b = registry("B", { host: "host-b", pid: 22 });
    await a.register();
    await b.register();
    clock.advance(30 * 60_000);
    await b.beat();
    expect(await t.db.instance.count()).toBe(2);
    clock.advance(31 * 60_000);
    await b.beat();
    expect((await t.db.instance.findMany()).map((r) => r.id)).toEqual(["B"]);
    await b.stop();
    expect(await t.db.instance.count()).toBe(0);
  });
});
