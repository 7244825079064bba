import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy, type TPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import type { Staff } from "../../../src/generated/prisma/client.ts";
import { complaintSlaJob } from "../../../src/jobs/complaint-sla.job.ts";
import {
  acknowledgeComplaint,
  findAccessible,
  listOpenComplaints,
  openComplaint,
  reassignCandidates,
  reassignComplaint,
  REASSIGN_CHOICES,
  resolveComplaint,
  sweepComplaints,
} from "../../../src/modules/complaints/complaints.service.ts";
import { seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

// Monday 23 Nov 2026, 09:00 in Shanghai (UTC+8).
const at = (local: string) => new Date(`${local}+08:00`);
const MIN = 60_000;

describe("complaints and the 8-hour limit", () => {
  let t: TestDb;
  let clock: FakeClock;
  let deps: AppDeps;
  let m1: Staff, m2: Staff, s1: Staff, s0: Staff;

  async function setup(policy: TPolicy = loadPolicy()) {
    clock = new FakeClock(at("2026-11-23T09:00:00"));
    deps = { db: t.db, policy, clock, log: silentLogger };
    await seedDemoIfEmpty(deps);
    // A regional manager above the supervisor, for escalation up the chain.
    s0 = await t.db.staff.create({ data: { code: "R001", name: "赵区域", role: "supervisor" } });
    s1 = await t.db.staff.update({ where: { code: "S001" }, data: { supervisorId: s0.id } });
    m1 = await t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    m2 = await t.db.staff.findUniqueOrThrow({ where: { code: "M002" } });
    for (const s of [m1, m2, s1, s0]) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
  }

  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => t.close());

  async function newComplaint(opts: { canResolve?: boolean; openedAt?: Date } = {}) {
    const customer = await t.db.customer.findFirstOrThrow({ where: { managerId: m1.id } });
    return openComplaint(deps.db, deps, {
      managerId: m1.id,
      customerId: customer.id,
      category: "supply",
      text: "利群断货两周",
      canResolve: opts.canResolve ?? true,
      openedAt: opts.openedAt ?? clock.now(),
    });
  }

  /** Runs the sweep once a minute from now until `until` (inclusive), like the cron job. */
  async function sweepUntil(until: Date, stepMs = MIN) {
    while (clock.now() < until) {
      clock.advance(stepMs);
      await sweepComplaints(deps, clock.now());
    }
  }

  const notices = () => t.db.outbox.findMany({ where: { key: { startsWith: "complaint:" } }, orderBy: { id: "asc" } });
  const recipientOf = (key: string) => Number(key.split(":").pop());

  it("sends each notice once: manager at 4 h and 6 h, supervisor at 6 h, both at 8 h; none after resolution", async () => {
    await setup();
    const c = await newComplaint();
    expect(c.deadlineAt).toEqual(at("2026-11-23T17:00:00"));
    await sweepUntil(at("2026-11-23T17:30:00"));
    const rows = await notices();
    const summary = rows
      .filter((r) => !r.key.includes("unacked"))
      .map((r) => [r.key.split(":")[2], recipientOf(r.key) === m1.id ? "manager" : "supervisor", r.nextAttemptAt.toISOString()]);
    expect(summary).toEqual([
      ["remind-50", "manager", at("2026-11-23T13:00:00").toISOString()],
      ["remind-75", "manager", at("2026-11-23T15:00:00").toISOString()],
      ["warn-75", "supervisor", at("2026-11-23T15:00:00").toISOString()],
      ["breach", "manager", at("2026-11-23T17:00:00").toISOString()],
      ["breach", "supervisor", at("2026-11-23T17:00:00").toISOString()],
    ]);
    expect(rows.find((r) => r.key.includes("warn-75"))!.payload).toContain("/ack");
    expect((await t.db.complaint.findUniqueOrThrow({ where: { id: c.id } })).breached).toBe(true);

    const before = (await notices()).length;
    await resolveComplaint(deps.db, deps, m1, c.id, { resolution: "已补货", customerInformed: true });
    await sweepUntil(at("2026-11-23T20:00:00"));
    expect((await notices()).length).toBe(before);
    const resolved = await t.db.complaint.findUniqueOrThrow({ where: { id: c.id } });
    expect(resolved).toMatchObject({ status: "resolved", breached: true, customerInformed: true });
  });

  it("a manager who has left gets no more notices; the supervisor still gets every one", async () => {
    await setup();
    await newComplaint();
    await t.db.staff.update({ where: { id: m1.id }, data: { active: false } });
    await sweepUntil(at("2026-11-23T17:30:00"));
    const rows = (await notices()).filter((r) => !r.key.includes("unacked"));
    expect(rows.map((r) => recipientOf(r.key))).toEqual([s1.id, s1.id]);
    expect(rows.map((r) => r.key.split(":")[2])).toEqual(["warn-75", "breach"]);
  });

  it("resolved in time records a hit, and a customer not yet told gets a reminder to tell them", async () => {
    await setup();
    const c = await newComplaint();
    await sweepUntil(at("2026-11-23T10:00:00"));
    const result = await resolveComplaint(deps.db, deps, m1, c.id, { resolution: "已协调配送", customerInformed: false });
    expect(result).toMatchObject({ breached: false, totalMinutes: 60 });
    const tell = (await notices()).find((r) => r.key.includes("tell-customer"))!;
    expect(tell.nextAttemptAt).toEqual(at("2026-11-23T11:00:00"));
    expect(tell.payload).toContain("/told");
    await sweepUntil(at("2026-11-23T18:00:00"));
    expect((await notices()).map((r) => r.key.split(":")[2])).toEqual(["tell-customer"]);
  });

  it("“cannot resolve myself” pings the supervisor at once", async () => {
    await setup();
    const c = await newComplaint({ canResolve: false });
    const rows = await notices();
    expect(rows.map((r) => [r.key.split(":")[2], recipientOf(r.key)])).toEqual([["escalate-now", s1.id]]);
    expect(rows[0]!.nextAttemptAt).toEqual(at("2026-11-23T09:00:00"));
    expect((await t.db.complaint.findUniqueOrThrow({ where: { id: c.id } })).escalationLevel).toBe(1);
  });

  it("an escalation nobody acknowledges goes to the next level; an acknowledged one stops", async () => {
    await setup();
    const c1 = await newComplaint({ canResolve: false });
    const c2 = await newComplaint({ canResolve: false });
    await acknowledgeComplaint(deps, s1, c2.id);
    await sweepUntil(at("2026-11-23T10:30:00"));
    const rows = await notices();
    const unacked = rows.filter((r) => r.key.includes("unacked"));
    expect(unacked.map((r) => [r.key.split(":")[1], recipientOf(r.key)])).toEqual([[String(c1.id), s0.id]]);
    // 09:00 escalation + 60 min policy, picked up by the next one-minute sweep.
    expect(unacked[0]!.nextAttemptAt.getTime() - at("2026-11-23T10:00:00").getTime()).toBeLessThanOrEqual(MIN);
    expect((await t.db.complaint.findUniqueOrThrow({ where: { id: c1.id } })).escalationLevel).toBe(2);
    expect((await t.db.complaint.findUniqueOrThrow({ where: { id: c2.id } })).escalationLevel).toBe(1);
  });

  it("counts only business hours when the policy has a calendar: across a night and a weekend", async () => {
    await setup(
      loadPolicy({
        overrides: { complaint: { businessHours: { workingDays: [1, 2, 3, 4, 5], start: "08:30", end: "17:30", lunch: { start: "12:00", end: "13:30" } } } },
      }),
    );
    // Friday 16:00: 1.5 h left on Friday, Saturday and Sunday off, Monday 08:30–12:00 and 13:30–16:30.
    clock.set(at("2026-11-27T16:00:00"));
    const c = await newComplaint();
    expect(c.deadlineAt).toEqual(at("2026-11-30T16:30:00"));
    // Ten-minute steps land exactly on the thresholds and keep three days of sweeps quick.
    await sweepUntil(at("2026-11-30T17:00:00"), 10 * MIN);
    const byStage = Object.fromEntries((await notices()).filter((r) => recipientOf(r.key) === m1.id).map((r) => [r.key.split(":")[2], r.nextAttemptAt]));
    // 50% = 4 h of work: Fri 1.5 h + Mon 08:30 + 2.5 h = 11:00; 75% = 6 h: Fri 1.5 h + Mon morning 3.5 h + 13:30 + 1 h = 14:30.
    expect(byStage["remind-50"]).toEqual(at("2026-11-30T11:00:00"));
    expect(byStage["remind-75"]).toEqual(at("2026-11-30T14:30:00"));
    expect(byStage.breach).toEqual(at("2026-11-30T16:30:00"));
  });

  it("a restart between thresholds sends nothing twice and misses nothing (scheduler catch-up)", async () => {
    await setup();
    const c = await newComplaint();
    const scheduler = () => new Scheduler({ deps, jobs: [complaintSlaJob] });
    // First process: runs every minute until 13:30 (the 4 h notice is out), then stops.
    let first = scheduler();
    while (clock.now() < at("2026-11-23T13:30:00")) {
      clock.advance(MIN);
      await first.runDue(clock.now());
    }
    expect((await notices()).map((r) => r.key.split(":")[2])).toEqual(["remind-50"]);
    // Down from 13:30 to 15:20, across the 6 h threshold; a new process catches up at start.
    clock.set(at("2026-11-23T15:20:00"));
    first = scheduler();
    await first.runDue(clock.now());
    await first.runDue(clock.now());
    const after = (await notices()).map((r) => r.key.split(":")[2]);
    expect(after).toEqual(["remind-50", "remind-75", "warn-75"]);
    expect(new Set((await notices()).map((r) => r.key)).size).toBe(3);
    expect((await t.db.complaint.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("open");
  });

  it("a manager cannot read another team's complaint; the supervisor chain can; actions need a supervisor", async () => {
    await setup();
    const c = await newComplaint();
    const other = await t.db.staff.create({ data: { code: "S009", name: "外组主管", role: "supervisor" } });
    const otherManager = await t.db.staff.create({ data: { code: "M009", name: "外组经理", role: "manager", supervisorId: other.id } });
    expect(await findAccessible(deps, m1, c.id)).not.toBeNull();
    expect(await findAccessible(deps, s1, c.id)).not.toBeNull();
    expect(await findAccessible(deps, s0, c.id)).not.toBeNull();
    expect(await findAccessible(deps, m2, c.id)).toBeNull();
    expect(await findAccessible(deps, other, c.id)).toBeNull();
    expect(await findAccessible(deps, otherManager, c.id)).toBeNull();
    expect((await listOpenComplaints(deps, m2)).length).toBe(0);
    expect((await listOpenComplaints(deps, s1)).map((x) => x.id)).toEqual([c.id]);
    expect(await acknowledgeComplaint(deps, m1, c.id)).toEqual({ ok: false, reason: "not-supervisor" });
    expect(await acknowledgeComplaint(deps, other, c.id)).toEqual({ ok: false, reason: "not-found" });
    expect(await reassignComplaint(deps, s1, c.id, "M009")).toEqual({ ok: false, reason: "unknown-manager" });
    const moved = await reassignComplaint(deps, s1, c.id, "M002");
    expect(moved.ok && moved.complaint.managerId).toBe(m2.id);
    expect(await findAccessible(deps, m1, c.id)).toBeNull();
    expect((await notices()).some((r) => r.key === `complaint:${c.id}:reassigned:${m2.id}`)).toBe(true);
    expect(await resolveComplaint(deps.db, deps, m1, c.id, { resolution: "x", customerInformed: true })).toBeNull();
  });
  it("offers the first managers of a large team by code to take a complaint over, and says how many there are", async () => {
    await setup();
    const c = await newComplaint();
    // The demo team plus 40 more under S001, and one outside the team.
    await t.db.staff.createMany({ data: Array.from({ length: 40 }, (_, i) => ({ code: `X${String(i).padStart(3, "0")}`, name: `经理${i}`, role: "manager", supervisorId: s1.id })) });
    await t.db.staff.create({ data: { code: "A000", name: "外组", role: "manager" } });
    const inTeam = await t.db.staff.count({ where: { supervisorId: s1.id, role: "manager", active: true, id: { not: m1.id } } });
    const { managers, total } = await reassignCandidates(t.db, s1.id, m1.id);
    expect(total).toBe(inTeam);
    expect(managers).toHaveLength(REASSIGN_CHOICES);
    const codes = managers.map((m) => m.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).not.toContain("A000");
    expect(codes).not.toContain(m1.code);
    expect(c.managerId).toBe(m1.id);
  });
});
