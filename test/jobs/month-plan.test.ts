import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler, type JobContext } from "../../src/core/scheduler.ts";
import { monthPlanJob } from "../../src/jobs/month-plan.job.ts";
import { morningListJob } from "../../src/jobs/morning-list.job.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { jobsCommand } from "../../src/cli/jobs.cli.ts";
import { createAppRouter } from "../../src/app.ts";
import { closePlanPool } from "../../src/modules/planning/plan-pool.ts";
import { backgroundPlansSettled } from "../../src/modules/planning/planning.service.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedCompany } from "../bench/month-start.ts";

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

/** A run of the job outside the scheduler, stopping (like a shutdown) once `stopAfter` checks passed. */
function jobContext(deps: AppDeps, slot: Date, stopAfter = Infinity): JobContext {
  let checks = 0;
  return { deps, jobId: "month-plan", slot, date: "2026-11-30", now: deps.clock.now(), catchUp: false, aborted: () => ++checks > stopAfter, heartbeat: async () => {} };
}

describe("month-start planning job", () => {
  let t: TestDb;
  let deps: AppDeps;
  let clock: FakeClock;
  beforeEach(async () => {
    t = await createTestDb();
    // 22:00 on the last day of November: the evening before the month.
    clock = new FakeClock(local("2026-11-30", "22:00"));
    deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger };
    await seedCompany(t.db, { managers: 3, customers: 40, bind: true });
    // A supervisor without customers is nobody to plan for.
    await t.db.staff.create({ data: { code: "S001", name: "主管", role: "supervisor" } });
  });
  afterEach(async () => t.close());
  afterAll(closePlanPool);

  const runsOf = () => t.db.planRun.findMany({ orderBy: { id: "asc" }, select: { managerId: true, fromDate: true, reason: true } });

  it("plans next month for every manager once, from the 1st; shows in jobs list; a re-run plans nobody again", async () => {
    expect(allJobs().map((j) => j.id)).toContain("month-plan");
    const scheduler = new Scheduler({ deps, jobs: allJobs(), instanceId: "test" });
    const status = (await scheduler.status()).find((s) => s.id === "month-plan")!;
    expect(status).toMatchObject({ cron: "0 22 L * *", due: true });
    const report = await scheduler.runJob("month-plan");
    expect(report).toMatchObject({ outcome: "ran", result: { planned: 3, skipped: 0, errors: 0, month: "2026-12" } });
    const runs = await runsOf();
    expect(runs).toHaveLength(3);
    expect(new Set(runs.map((r) => r.managerId)).size).toBe(3);
    for (const r of runs) expect(r).toMatchObject({ fromDate: "2026-12-01", reason: "month" });
    expect(await t.db.plannedVisit.count({ where: { date: { lt: "2026-12-01" } } })).toBe(0);
    // The same slot again is done; a second run of the job (another instance, a retry) skips everyone.
    expect((await scheduler.runJob("month-plan")).outcome).toBe("already-done");
    expect(await monthPlanJob.run(jobContext(deps, report.slot!))).toMatchObject({ planned: 0, skipped: 3 });
    expect(await runsOf()).toHaveLength(3);
  });

  it("an interrupted run resumes: the next run plans only the managers left, each once", async () => {
    const slot = local("2026-11-30", "22:00");
    // Stops after the first manager was started (page check, first manager, then the stop).
    const first = await monthPlanJob.run(jobContext(deps, slot, 2));
    expect(first).toMatchObject({ planned: 1, skipped: 0 });
    expect(await runsOf()).toHaveLength(1);
    const second = await monthPlanJob.run(jobContext(deps, slot));
    expect(second).toMatchObject({ planned: 2, skipped: 1 });
    const runs = await runsOf();
    expect(runs).toHaveLength(3);
    expect(new Set(runs.map((r) => r.managerId)).size).toBe(3);
  });

  it("the next morning /today and the morning list only read; a manager left without a plan is planned in the pool and still gets the list", async () => {
    await new Scheduler({ deps, jobs: [monthPlanJob], instanceId: "test" }).runJob("month-plan");
    // A manager who joined after the job ran has no plan yet.
    await seedCompany(t.db, { managers: 1, customers: 30, bind: true, firstSeed: 9 });
    const before = await t.db.planRun.count();
    expect(before).toBe(3);

    clock.set(local("2026-12-01", "07:30"));
    const report = await new Scheduler({ deps, jobs: [morningListJob], instanceId: "test" }).runJob("morning-list");
    expect(report).toMatchObject({ outcome: "ran", result: { queued: 4, planned: 1, errors: 0 } });
    // Only the newcomer was planned.
    const newcomer = await t.db.staff.findUniqueOrThrow({ where: { code: "M0009" } });
    expect(await t.db.planRun.findMany({ where: { id: { gt: before } }, select: { managerId: true } })).toEqual([{ managerId: newcomer.id }]);
    const lists = await t.db.outbox.findMany({ where: { kind: "morning-list" }, orderBy: { id: "asc" } });
    expect(lists).toHaveLength(4);
    for (const l of lists) expect(JSON.parse(l.payload).text).toContain("📋");
    // The newcomer's list comes after everyone whose plan was ready.
    expect(lists[3]!.chatId).toBe("tg-M0009");

    clock.set(local("2026-12-01", "08:30"));
    const router = createAppRouter(deps);
    const replies = await router.handle({ platform: "telegram", chatId: "tg-M0001", userId: "tg-M0001", text: "/today", chatType: "private" });
    expect(replies[0]!.text).toContain("📋");
    // The stop numbers the morning list fixed are the ones /today shows.
    const morning = JSON.parse(lists[0]!.payload).text as string;
    const stops = (s: string) => s.split("\n").filter((l) => /^\d+\. /.test(l)).map((l) => l.split(" · ")[0]);
    // (The morning list then repeats the same-day calls by number: only its route part is compared.)
    const shown = stops(replies[0]!.text);
    expect(shown.length).toBeGreaterThan(0);
    expect(stops(morning).slice(0, shown.length)).toEqual(shown);
    expect(await t.db.planRun.count()).toBe(4);
  });
  it("a /today waiting for a plan while the morning job waits for the same plan: one list arrives, the morning list", async () => {
    await seedCompany(t.db, { managers: 2, customers: 30, bind: true, firstSeed: 9 });
    clock.set(local("2026-12-01", "07:30"));
    const bg: AppDeps = { ...deps, chatPlanning: "background" };
    const router = createAppRouter(bg);
    // Both start before either plan is stored: /today first, the morning job right behind it.
    const [replies, report] = await Promise.all([
      router.handle({ platform: "telegram", chatId: "tg-M0009", userId: "tg-M0009", text: "/today", chatType: "private" }),
      new Scheduler({ deps: bg, jobs: [morningListJob], instanceId: "test" }).runJob("morning-list"),
    ]);
    await backgroundPlansSettled();
    expect(replies[0]!.text).toContain("正在生成计划");
    expect(report).toMatchObject({ outcome: "ran" });
    const sent = await t.db.outbox.findMany({ where: { kind: { in: ["morning-list", "today-list"] } }, orderBy: { id: "asc" } });
    const to = (chatId: string) => sent.filter((m) => m.chatId === chatId);
    // The manager who asked in their own chat: one message, the morning one (greeting and list).
    expect(to("tg-M0009")).toHaveLength(1);
    expect(to("tg-M0009")[0]!.kind).toBe("morning-list");
    expect(JSON.parse(to("tg-M0009")[0]!.payload).text).toMatch(/早上好[\s\S]*📋/);
    // The other newcomer, who did not ask, gets the morning list as everyone does.
    expect(to("tg-M0010").map((m) => m.kind)).toEqual(["morning-list"]);
    // Each manager's plan made once (the three of beforeEach and the two newcomers).
    const runs = await runsOf();
    expect(runs).toHaveLength(5);
    expect(new Set(runs.map((r) => r.managerId)).size).toBe(5);
  });
  it("`jobs run morning-list` after it ran says so; `--again` reaches only whoever got nothing (a manager added since), never twice", async () => {
    clock.set(local("2026-12-01", "07:30"));
    const lines: string[] = [];
    const run = (...args: string[]) => jobsCommand(["run", ...args], { deps, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(await run("morning-list")).toBe(0);
    expect(lines.join("\n")).toMatch(/morning-list\s+2026-12-01 07:30\s+ran .*queued=3/);
    // A manager added (and bound) after the list went out.
    await seedCompany(t.db, { managers: 1, customers: 30, bind: true, firstSeed: 9 });
    clock.set(local("2026-12-01", "08:10"));
    lines.length = 0;
    expect(await run("morning-list")).toBe(0);
    expect(lines.join("\n")).toContain("07:30 这一次已经运行过");
    expect(lines.join("\n")).toContain("jobs run morning-list --again");
    expect(await t.db.outbox.count({ where: { kind: "morning-list" } })).toBe(3);
    lines.length = 0;
    expect(await run("morning-list", "--again")).toBe(0);
    expect(lines.join("\n")).toMatch(/ran（补发） queued=1 duplicate=3/);
    const lists = await t.db.outbox.findMany({ where: { kind: "morning-list" }, orderBy: { id: "asc" } });
    expect(lists.map((l) => l.chatId)).toEqual(["tg-M0001", "tg-M0002", "tg-M0003", "tg-M0009"]);
    lines.length = 0;
    expect(await run("nope")).toBe(2);
    expect(lines.join("\n")).toMatch(/没有“nope”这个任务。可用的任务：.*morning-list/);
    expect(await run("morning-list", "--again=yes")).toBe(2);
  });
  it("a /today that must re-plan after the morning list went out gets its list as promised (the plain list; the morning key is taken)", async () => {
    await new Scheduler({ deps, jobs: [monthPlanJob], instanceId: "test" }).runJob("month-plan");
    clock.set(local("2026-12-01", "07:30"));
    await new Scheduler({ deps, jobs: [morningListJob], instanceId: "test" }).runJob("morning-list");
    // M0001's plan is gone since (as if made stale): the next /today plans again.
    const m1 = await t.db.staff.findUniqueOrThrow({ where: { code: "M0001" } });
    await t.db.plannedVisit.deleteMany({ where: { managerId: m1.id } });
    await t.db.planRun.deleteMany({ where: { managerId: m1.id } });
    clock.set(local("2026-12-01", "09:00"));
    const router = createAppRouter({ ...deps, chatPlanning: "background" });
    const replies = await router.handle({ platform: "telegram", chatId: "tg-M0001", userId: "tg-M0001", text: "/today", chatType: "private" });
    expect(replies[0]!.text).toContain("生成好后，清单会发到这个对话");
    await backgroundPlansSettled();
    const sent = await t.db.outbox.findMany({ where: { chatId: "tg-M0001", kind: { in: ["morning-list", "today-list"] } }, orderBy: { id: "asc" } });
    expect(sent.map((m) => m.kind)).toEqual(["morning-list", "today-list"]);
    expect(JSON.parse(sent[1]!.payload).text).toContain("📋");
  });
});
