import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobsCommand } from "../../src/cli/jobs.cli.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler, type Job, type JobContext } from "../../src/core/scheduler.ts";
import { createTestDb, ENGINES, type TestDb } from "../helpers/db.ts";

// Shanghai is UTC+8: 07:30 local = 23:30Z the day before.
const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

function countingJob(id: string, runs: JobContext[], opts: { cron?: string; catchUpUntil?: string; fail?: () => boolean } = {}): Job {
  return {
    id,
    cron: () => opts.cron ?? "30 7 * * *",
    catchUpUntil: () => opts.catchUpUntil ?? "12:00",
    async run(ctx) {
      runs.push(ctx);
      if (opts.fail?.()) throw new Error("boom");
      return { ok: 1 };
    },
  };
}

describe.each(ENGINES)("scheduler (%s)", (engine) => {
  let t: TestDb;
  let clock: FakeClock;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    clock = new FakeClock(local("2026-11-23", "07:30"));
    deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger };
  });
  afterEach(async () => t.close());

  const scheduler = (jobs: Job[], instanceId = "one") => new Scheduler({ deps, jobs, instanceId });

  it("runs a slot at its time once, however often it is triggered", async () => {
    const runs: JobContext[] = [];
    const s = scheduler([countingJob("morning", runs)]);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "ran", catchUp: false });
    clock.advance(60_000);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "already-done" });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.date).toBe("2026-11-23");
    expect(runs[0]!.slot.toISOString()).toBe("2026-11-22T23:30:00.000Z");
    // The next day's slot is a new run.
    clock.set(local("2026-11-24", "07:30"));
    await s.runDue();
    expect(runs.map((r) => r.date)).toEqual(["2026-11-23", "2026-11-24"]);
  });

  it("process down across the morning run: one catch-up at start, not two, and none after the window", async () => {
    const runs: JobContext[] = [];
    // Down from 07:00 to 09:10: the 07:30 slot was missed.
    clock.set(local("2026-11-23", "09:10"));
    const first = scheduler([countingJob("morning", runs)], "boot-1");
    expect((await first.runDue())[0]).toMatchObject({ outcome: "ran", catchUp: true });
    // Restarted again at 10:00: the slot already ran.
    clock.set(local("2026-11-23", "10:00"));
    const second = scheduler([countingJob("morning", runs)], "boot-2");
    expect((await second.runDue())[0]).toMatchObject({ outcome: "already-done" });
    expect(runs).toHaveLength(1);
    // Down the whole next morning, back at 13:00: past the 12:00 window, so no stale list.
    clock.set(local("2026-11-24", "13:00"));
    expect((await scheduler([countingJob("morning", runs)], "boot-3").runDue())[0]).toMatchObject({ outcome: "missed" });
    expect(runs).toHaveLength(1);
  });

  it("after days of downtime only the latest missed slot runs", async () => {
    const runs: JobContext[] = [];
    clock.set(local("2026-11-26", "08:00"));
    await scheduler([countingJob("morning", runs)]).runDue();
    expect(runs.map((r) => r.date)).toEqual(["2026-11-26"]);
    expect(await t.db.jobRun.count()).toBe(1);
  });

  it("two schedulers racing on one database run a slot once", async () => {
    const runs: JobContext[] = [];
    const a = scheduler([countingJob("morning", runs)], "A");
    const b = scheduler([countingJob("morning", runs)], "B");
    const reports = (await Promise.all([a.runDue(), b.runDue(), a.runDue()])).flat();
    expect(runs).toHaveLength(1);
    expect(reports.filter((r) => r.outcome === "ran")).toHaveLength(1);
  });

  it("takes over a run whose owner died (lease expired), not one still alive", async () => {
    const runs: JobContext[] = [];
    const slot = local("2026-11-23", "07:30").toISOString();
    await t.db.jobRun.create({ data: { jobId: "morning", slot, status: "running", claimedBy: "dead", leaseUntil: new Date(clock.now().getTime() + 5 * 60_000) } });
    const s = scheduler([countingJob("morning", runs)]);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "running-elsewhere" });
    clock.advance(6 * 60_000);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "ran" });
    expect(runs).toHaveLength(1);
    expect(await t.db.jobRun.findFirst()).toMatchObject({ status: "done", claimedBy: "one" });
  });

  it("a failed run is retried while still inside its window", async () => {
    const runs: JobContext[] = [];
    let fail = true;
    const s = scheduler([countingJob("morning", runs, { fail: () => fail })]);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "failed", error: "boom" });
    expect(await t.db.jobRun.findFirst()).toMatchObject({ status: "failed", error: "boom" });
    fail = false;
    clock.advance(5 * 60_000);
    expect((await s.runDue())[0]).toMatchObject({ outcome: "ran" });
    expect(runs).toHaveLength(2);
    expect(await t.db.jobRun.findFirst()).toMatchObject({ status: "done", error: "" });
  });

  it("a job switched off by the policy never runs; a bad cron expression is reported, not fatal", async () => {
    const runs: JobContext[] = [];
    const off: Job = { ...countingJob("off", runs), cron: () => null };
    const bad: Job = { ...countingJob("bad", runs), cron: () => "61 7 * * *" };
    const reports = await scheduler([off, bad, countingJob("good", runs)]).runDue();
    expect(reports.map((r) => r.outcome)).toEqual(["disabled", "invalid-cron", "ran"]);
  });

  it("`jobs list` shows every job's schedule and next run; `jobs run-due` runs what is due", async () => {
    clock.set(local("2026-11-23", "08:00"));
    const lines: string[] = [];
    expect(await jobsCommand(["list"], { deps, out: (l) => lines.push(l) })).toBe(0);
    const list = lines.join("\n");
    expect(list).toMatch(/morning-list\s+30 7 \* \* \*\s+2026-11-24 07:30\s+—\s+现在到点/);
    expect(list).toMatch(/weekly-summary\s+0 16 \* \* 5\s+2026-11-27 16:00/);
    expect(list).toMatch(/month-end\s+0 9 L-2 \* \*\s+2026-11-28 09:00/);
    expect(list).toMatch(/weekly-phone-contacts\s+关闭（策略）/);

    lines.length = 0;
    expect(await jobsCommand(["run-due"], { deps, out: (l) => lines.push(l) })).toBe(0);
    expect(lines.join("\n")).toMatch(/morning-list\s+2026-11-23 07:30\s+ran（补发）/);
    lines.length = 0;
    await jobsCommand(["list"], { deps, out: (l) => lines.push(l) });
    expect(lines.join("\n")).toMatch(/morning-list\s+30 7 \* \* \*\s+2026-11-24 07:30\s+2026-11-23 07:30 done/);
  });

  it("prunes finished runs and sent messages past their retention, keeping failed ones", async () => {
    const old = new Date(clock.now().getTime() - 40 * 86400_000);
    await t.db.jobRun.create({ data: { jobId: "x", slot: "old", status: "done", claimedBy: "a", leaseUntil: old, startedAt: old } });
    await t.db.jobRun.create({ data: { jobId: "x", slot: "new", status: "done", claimedBy: "a", leaseUntil: old, startedAt: clock.now() } });
    await t.db.outbox.create({ data: { key: "a", kind: "k", platform: "telegram", chatId: "1", payload: "{}", status: "sent", sentAt: old } });
    await t.db.outbox.create({ data: { key: "b", kind: "k", platform: "telegram", chatId: "1", payload: "{}", status: "failed", nextAttemptAt: old } });
    expect(await scheduler([]).prune()).toEqual({ runs: 1, sent: 1 });
    expect((await t.db.jobRun.findMany()).map((r) => r.slot)).toEqual(["new"]);
    expect((await t.db.outbox.findMany()).map((r) => r.key)).toEqual(["b"]);
  });

  it("missed cron ticks: the per-minute sweep runs every job due in that minute, on time, and nothing twice", async () => {
    const runs: JobContext[] = [];
    // Nine jobs at 07:30; the busy process fired none of their triggers.
    const jobs = Array.from({ length: 9 }, (_, i) => countingJob(`job-${i}`, runs));
    const s = scheduler(jobs);
    clock.set(new Date(local("2026-11-23", "07:30").getTime() + 40_000));
    const reports = await s.sweep();
    expect(reports.map((r) => r.outcome)).toEqual(Array(9).fill("ran"));
    // Within the minute of the slot: an on-time run, not a catch-up.
    expect(reports.every((r) => r.catchUp === false)).toBe(true);
    clock.advance(60_000);
    expect(await s.sweep()).toEqual([]);
    expect(await s.dueJobs()).toEqual([]);
    expect(runs).toHaveLength(9);
  });

  it("the sweep retries a failed run and skips one done or alive elsewhere", async () => {
    const runs: JobContext[] = [];
    let fail = true;
    const s = scheduler([countingJob("flaky", runs, { fail: () => fail }), countingJob("done", runs), countingJob("elsewhere", runs)]);
    const slot = local("2026-11-23", "07:30").toISOString();
    await t.db.jobRun.create({ data: { jobId: "elsewhere", slot, status: "running", claimedBy: "other", leaseUntil: new Date(clock.now().getTime() + 10 * 60_000) } });
    expect((await s.sweep()).map((r) => `${r.jobId}:${r.outcome}`)).toEqual(["flaky:failed", "done:ran"]);
    fail = false;
    clock.advance(60_000);
    expect((await s.sweep()).map((r) => `${r.jobId}:${r.outcome}`)).toEqual(["flaky:ran"]);
  });

  it("starts node-cron triggers in the company time zone and stops them cleanly", async () => {
    const s = scheduler([countingJob("morning", [])]);
    s.start();
    await s.stop();
  });
});
