import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler, type Job } from "../../src/core/scheduler.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { createPgTestDatabase } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);
const UNLIMITED = { telegram: { globalPerSecond: 1_000_000, perChatPerSecond: 1_000_000 } };

/**
 * Two "instances" on one PostgreSQL database: two clients, each with its own connection pool, so
 * their claims really run at the same time on the server (READ COMMITTED, no shared process lock).
 */
describe("claims under real concurrency on PostgreSQL", () => {
  let pg: Awaited<ReturnType<typeof createPgTestDatabase>>;
  let a: Db;
  let b: Db;
  beforeEach(async () => {
    pg = await createPgTestDatabase();
    [a, b] = await Promise.all([openDb(pg.url, { poolSize: 4 }), openDb(pg.url, { poolSize: 4 })]);
  });
  afterEach(async () => {
    await Promise.all([a.$disconnect(), b.$disconnect()]);
    await pg.drop();
  });

  it("two instances draining 500 outbox rows at once send every row exactly once", async () => {
    const clock = new FakeClock("2026-11-23T00:00:00Z");
    const rows = Array.from({ length: 500 }, (_, i) => i);
    for (const part of [rows.slice(0, 250), rows.slice(250)]) {
      await Promise.all(part.map((i) => enqueue({ db: i % 2 ? a : b, key: `race:${i}`, kind: "test", platform: "telegram", chatId: `chat-${i}`, reply: { text: `m${i}` }, clock })));
    }
    const ports = [new FakeChatPort("telegram", clock), new FakeChatPort("telegram", clock)];
    const dispatchers = [a, b].map(
      (db, i) =>
        new Dispatcher({ db, ports: new Map([["telegram", ports[i]!]]), clock, log: silentLogger, instanceId: `I${i}`, sleep: virtualSleep(clock), limits: UNLIMITED, batchSize: 20, maxQueued: 40 }),
    );
    const stats = await Promise.all(dispatchers.flatMap((d) => [d.drainAll(), d.drainAll()]));
    const sent = ports.flatMap((p) => p.sent.map((m) => m.to.chatId));
    expect(sent).toHaveLength(500);
    expect(new Set(sent).size).toBe(500);
    expect(stats.reduce((n, s) => n + s.lost, 0)).toBe(0);
    expect(await a.outbox.count({ where: { status: "sent" } })).toBe(500);
    // Each row sent by the instance that claimed it, with one attempt.
    expect(await a.outbox.count({ where: { attempts: { not: 1 } } })).toBe(0);
  });

  it("two schedulers on two instances racing the same slot run it once; a failed run is taken over once", async () => {
    const clock = new FakeClock(local("2026-11-23", "07:30"));
    let runs = 0;
    const job: Job = {
      id: "morning",
      cron: () => "30 7 * * *",
      catchUpUntil: () => "12:00",
      async run() {
        runs++;
        // Keep the run open across a turn of the loop, so the other claims meet a running slot.
        await new Promise((r) => setImmediate(r));
        return {};
      },
    };
    const policy = loadPolicy();
    const schedulers = [a, b, a, b].map((db, i) => new Scheduler({ deps: { db, policy, clock, log: silentLogger } satisfies AppDeps, jobs: [job], instanceId: `S${i}` }));
    const first = (await Promise.all(schedulers.map((s) => s.runDue()))).flat();
    expect(runs).toBe(1);
    expect(first.filter((r) => r.outcome === "ran")).toHaveLength(1);
    // The next day's slot failed on a third instance: exactly one of the four takes it over.
    clock.set(local("2026-11-24", "07:40"));
    await a.jobRun.create({ data: { jobId: "morning", slot: local("2026-11-24", "07:30").toISOString(), status: "failed", claimedBy: "gone", leaseUntil: clock.now(), error: "boom" } });
    const second = (await Promise.all(schedulers.map((s) => s.runDue()))).flat();
    expect(runs).toBe(2);
    expect(second.filter((r) => r.outcome === "ran")).toHaveLength(1);
    expect(await b.jobRun.findMany({ select: { status: true }, orderBy: { slot: "asc" } })).toEqual([{ status: "done" }, { status: "done" }]);
  });
});
