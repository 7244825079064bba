import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import { reminderJobs } from "../../src/jobs/registry.ts";
import { seedCompany, type Company } from "../helpers/company.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { local } from "../helpers/reminders.ts";

/**
 * Every reminder job at a company size where one statement can no longer bind every manager id
 * (Prisma answered P2029 from about 1,000): 1,200 managers, each with a customer and a bound chat,
 * under one supervisor. Each manager job queues one message per manager, each supervisor job one
 * message for the supervisor about all 1,200.
 */
const MANAGERS = 1200;

/** When each job's slot runs (a few minutes after its time), chosen so each has something to say. */
const RUNS: { job: string; at: Date; audience: "managers" | "supervisor" }[] = [
  { job: "weekly-phone-contacts", at: local("2026-11-23", "09:05"), audience: "managers" },
  { job: "daily-phone-minimum", at: local("2026-11-23", "16:35"), audience: "managers" },
  { job: "unlogged-visits", at: local("2026-11-23", "18:35"), audience: "managers" },
  { job: "appointments", at: local("2026-11-24", "17:05"), audience: "managers" },
  { job: "weekly-summary", at: local("2026-11-27", "16:05"), audience: "managers" },
  { job: "info-points", at: local("2026-11-26", "16:05"), audience: "managers" },
  { job: "purchase-plans", at: local("2026-11-28", "09:05"), audience: "managers" },
  { job: "month-end", at: local("2026-11-28", "09:05"), audience: "managers" },
  { job: "credit-follow-up", at: local("2026-12-01", "09:35"), audience: "managers" },
  { job: "overdue-alert", at: local("2026-11-23", "08:35"), audience: "supervisor" },
  { job: "supervisor-digest", at: local("2026-11-23", "19:05"), audience: "supervisor" },
  { job: "weekly-minimum-alert", at: local("2026-11-26", "18:05"), audience: "supervisor" },
  { job: "weekly-report", at: local("2026-11-27", "17:35"), audience: "supervisor" },
  { job: "monthly-report", at: local("2026-11-28", "17:35"), audience: "supervisor" },
];

describe(`reminder jobs at ${MANAGERS} managers`, () => {
  let t: TestDb;
  let clock: FakeClock;
  let deps: AppDeps;
  let scheduler: Scheduler;
  let company: Company;

  beforeAll(async () => {
    t = await createTestDb();
    clock = new FakeClock(local("2026-11-23", "00:00"));
    // The info-point reminder is off under the key-account standard; on here so every reminder job runs at scale.
    deps = { db: t.db, policy: loadPolicy({ preset: "key-account", overrides: { reminders: { infoPoints: { enabled: true } } } }), clock, log: silentLogger };
    company = await seedCompany(t.db, {
      managers: MANAGERS,
      // Monday's list (unlogged in the evening) and Wednesday's (booked on Tuesday).
      planDates: ["2026-11-23", "2026-11-25"],
      planFrom: "2026-11-01",
      planTo: "2027-01-31",
      // Class A is visited monthly: never visited since 22 October, overdue from 23 November.
      customerCreatedAt: local("2026-10-22", "10:00"),
    });
    // Every shop an info point with nothing collected: the info-point reminder goes to everyone.
    await t.db.customer.updateMany({ data: { infoPoint: true } });
    scheduler = new Scheduler({ deps, jobs: reminderJobs(), instanceId: "scale" });
  });
  afterAll(async () => t?.close());

  it("covers every job it can (the morning list is exercised by its own tests)", () => {
    const ids = reminderJobs().map((j) => j.id).filter((id) => id !== "morning-list");
    expect(RUNS.map((r) => r.job).sort()).toEqual(ids.sort());
  });

  for (const run of RUNS) {
    it(`${run.job}: ${run.audience === "managers" ? "one message per manager" : "one report for the supervisor"}`, async () => {
      clock.set(run.at);
      const report = await scheduler.runJob(run.job);
      expect(report.error ?? "").toBe("");
      expect(report.outcome).toBe("ran");
      const rows = await t.db.outbox.findMany({ where: { kind: run.job }, select: { staffId: true, payload: true } });
      if (run.audience === "managers") {
        expect(report.result).toMatchObject({ queued: MANAGERS, errors: 0 });
        expect(new Set(rows.map((r) => r.staffId))).toEqual(new Set(company.managerIds));
      } else {
        expect(report.result).toMatchObject({ queued: 1, errors: 0 });
        expect(rows.map((r) => r.staffId)).toEqual([company.supervisorId]);
      }
    });
  }

  it("the supervisor's reports speak about the whole team of 1,200", async () => {
    const payload = async (kind: string) => JSON.parse((await t.db.outbox.findFirstOrThrow({ where: { kind } })).payload) as { text: string };
    // The digest's title counts the team; the minimum alert names everyone at risk (nobody went out).
    expect((await payload("supervisor-digest")).text).toContain(String(MANAGERS));
    expect((await payload("weekly-minimum-alert")).text.split("\n").filter((l) => l.includes("manager M")).length).toBe(MANAGERS);
    expect((await payload("overdue-alert")).text).toContain(String(MANAGERS));
  });
});
