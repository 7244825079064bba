import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { InstanceRegistry } from "../../src/core/instances.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { createTestDb } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";
import { local } from "../helpers/reminders.ts";
import type { BenchSection } from "./outbox.ts";

/**
 * Crash recovery and the per-minute sweep:
 * - how late the rows a killed instance had claimed arrive, with the claim expiry alone (before)
 *   and with the heartbeat / pid check (after), in virtual time;
 * - what one sweep costs when nothing is due, for every registered job: the old per-job claim
 *   attempt (`runDue`) against the one-read check (`sweep`).
 */
export async function runRecoveryBench(): Promise<BenchSection[]> {
  const crash = async (withLiveness: boolean) => {
    const t = await createTestDb();
    try {
      const clock = new FakeClock("2026-11-23T00:00:00Z");
      const n = 2000;
      for (let i = 0; i < n; i++) await enqueue({ db: t.db, key: `c:${i}`, kind: "bench", platform: "telegram", chatId: `chat-${i}`, reply: { text: `m${i}` }, clock });
      // The dead instance had claimed 1,000 of them (5-minute claims) and last beat at the crash.
      const dead = new InstanceRegistry({ db: t.db, clock, log: silentLogger, instanceId: "dead", host: "other-host", pid: 1 });
      await dead.register();
      const ids = (await t.db.outbox.findMany({ take: 1000, orderBy: { id: "asc" }, select: { id: true } })).map((r) => r.id);
      for (let i = 0; i < ids.length; i += 500) {
        await t.db.outbox.updateMany({ where: { id: { in: ids.slice(i, i + 500) } }, data: { status: "sending", claimedBy: "dead", claimedUntil: new Date(clock.now().getTime() + 5 * 60_000) } });
      }
      const port = new FakeChatPort("telegram", clock);
      const d = new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log: silentLogger, instanceId: "live", sleep: virtualSleep(clock), pollMs: 2_000 });
      const live = new InstanceRegistry({ db: t.db, clock, log: silentLogger, instanceId: "live", host: "this-host", pid: 2 });
      if (withLiveness) await live.register();
      const t0 = clock.now().getTime();
      const lateness: number[] = [];
      let nextBeat = t0 + live.heartbeatMs;
      while (port.sent.length < n) {
        const before = port.sent.length;
        await d.drainOnce();
        for (let k = before; k < port.sent.length; k++) lateness.push(port.sent[k]!.at - t0);
        if (port.sent.length >= n) break;
        // The bot's loop: poll, and (after) beat every 10 s.
        clock.advance(2_000);
        if (withLiveness && clock.now().getTime() >= nextBeat) (await live.beat(), (nextBeat += live.heartbeatMs));
      }
      lateness.sort((a, b) => a - b);
      const claimed = lateness.slice(-1000);
      return { firstClaimedS: Math.round(claimed[0]! / 100) / 10, lastS: Math.round(lateness.at(-1)! / 100) / 10, lateOver60s: lateness.filter((l) => l > 60_000).length };
    } finally {
      await t.close();
    }
  };
  const before = await crash(false);
  const after = await crash(true);

  const sweepCost = async () => {
    const t = await createTestDb();
    try {
      const clock = new FakeClock(local("2026-11-23", "10:07"));
      const s = new Scheduler({ deps: { db: t.db, policy: loadPolicy(), clock, log: silentLogger }, jobs: allJobs(), instanceId: "bench" });
      await s.runDue(); // every slot inside its window is done now
      const rounds = 200;
      const time = async (f: () => Promise<unknown>) => {
        const w0 = performance.now();
        for (let i = 0; i < rounds; i++) await f();
        return Math.round(((performance.now() - w0) / rounds) * 100) / 100;
      };
      const runDueMs = await time(() => s.runDue());
      const sweepMs = await time(() => s.sweep());
      return { jobs: allJobs().length, runDueMs, sweepMs };
    } finally {
      await t.close();
    }
  };
  const cost = await sweepCost();

  return [
    {
      name: "crash recovery: 2,000 queued, 1,000 claimed by an instance that died (virtual time)",
      rows: [
        { case: "before: claim expiry only (5 min)", "claimed rows first sent s": before.firstClaimedS, "all sent s": before.lastS, "sent > 60 s late": before.lateOver60s },
        { case: "after: heartbeat stale at 20 s (defaults)", "claimed rows first sent s": after.firstClaimedS, "all sent s": after.lastS, "sent > 60 s late": after.lateOver60s },
      ],
      summary: { beforeAllSentSeconds: before.lastS, afterAllSentSeconds: after.lastS, beforeLateOver60s: before.lateOver60s, afterLateOver60s: after.lateOver60s },
    },
    {
      name: `job sweep with nothing due (${cost.jobs} jobs, every slot done), ms per sweep`,
      rows: [
        { case: "runDue (old 5-minute sweep: a claim attempt per job)", "ms per sweep": cost.runDueMs },
        { case: "sweep (every minute: one read of the latest runs)", "ms per sweep": cost.sweepMs },
      ],
      summary: { jobs: cost.jobs, runDueMs: cost.runDueMs, sweepMs: cost.sweepMs },
    },
  ];
}
