import { afterEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../src/app.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import type { Staff } from "../../src/generated/prisma/client.ts";
import { allJobs } from "../../src/jobs/registry.ts";
import { planDayList } from "../../src/modules/planning/planning.service.ts";
import { appointmentOf } from "../../src/modules/customers/class-label.ts";
import { ENGINES } from "../helpers/db.ts";
import { createWorld, local, type World } from "../helpers/reminders.ts";

const MONDAY = "2026-11-23";
const byTime = (a: string, b: string) => a.split("@")[1]!.localeCompare(b.split("@")[1]!) || a.localeCompare(b);

/** Stops of `date` the manager must book the day before (what the appointments reminder lists). */
async function dayBeforeStops(w: World, staff: Staff, date: string): Promise<string[]> {
  const day = await planDayList({ deps: w.deps, staff, date });
  return day.planned.filter((p) => p.status === "planned" && !p.booked && appointmentOf(w.deps.policy, p.classId) === "day-before").map((p) => p.customer.name);
}

function say(w: World, staff: Staff, text: string) {
  return createAppRouter(w.deps).handle({ platform: "telegram", chatId: `tg-${staff.code}`, userId: `tg-${staff.code}`, text });
}

describe("duty reminders over a simulated week", () => {
  let w: World;
  afterEach(async () => w?.t.close());

  // The whole week on both engines: every reminder job's queries, claims and slots run on PostgreSQL too.
  it.each(ENGINES)("tobacco-retail (%s): exactly the expected reminders per manager, at their times, each once", async (engine) => {
    w = await createWorld({ start: local(MONDAY, "00:00"), engine });
    // Appointments: Tuesday books Wednesday, Wednesday books Thursday, Friday books Monday (the
    // weekend has no working day); Monday and Thursday have no visit day next.
    const appointmentRuns = [
      ["2026-11-24", "2026-11-25"],
      ["2026-11-25", "2026-11-26"],
      ["2026-11-27", "2026-11-30"],
    ] as const;
    const expectedBookings = new Map<string, string[]>();
    for (const s of [w.m1, w.m2]) for (const [, target] of appointmentRuns) expectedBookings.set(`${s.code}:${target}`, await dayBeforeStops(w, s, target));

    await w.simulate(local(MONDAY, "00:00"), local("2026-11-29", "23:30"), {
      // M001 logs every Wednesday visit by noon; M002 logs nothing.
      onStep: async (now) => {
        if (now.getTime() === local("2026-11-25", "12:00").getTime()) {
          await w.t.db.plannedVisit.updateMany({ where: { managerId: w.m1.id, date: "2026-11-25" }, data: { status: "done" } });
        }
      },
    });

    const sent = await w.sentByStaff();
    for (const s of [w.m1, w.m2]) {
      const expected = [
        "morning-list@2026-11-23 07:30",
        "unlogged-visits@2026-11-23 18:30",
        "morning-list@2026-11-25 07:30",
        "morning-list@2026-11-26 07:30",
        "unlogged-visits@2026-11-26 18:30",
        "weekly-summary@2026-11-27 16:00",
        "month-end@2026-11-28 09:00",
      ];
      if (s.code === "M002") expected.push("unlogged-visits@2026-11-25 18:30");
      // M001 has the demo's 信息采集点 and collects no prices: reminded Thursday and Friday.
      if (s.code === "M001") expected.push("info-points@2026-11-26 16:00", "info-points@2026-11-27 16:00");
      for (const [day, target] of appointmentRuns) if (expectedBookings.get(`${s.code}:${target}`)!.length) expected.push(`appointments@${day} 17:00`);
      expect(sent[s.code]).toEqual(expected.sort(byTime));
    }
    // At least one appointments reminder exists, so the check above is not vacuous.
    expect([...expectedBookings.values()].some((v) => v.length)).toBe(true);

    // Every message reached the platform exactly once.
    const rows = await w.t.db.outbox.findMany();
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(w.port.sent).toHaveLength(rows.length);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    // The morning list carries no numbered options: a bare number after it is a stop number.
    for (const r of rows.filter((r) => r.kind === "morning-list")) expect(JSON.parse(r.payload).choices).toBeUndefined();

    // The appointment reminder names exactly the stops to book.
    for (const [key, names] of expectedBookings) {
      const [code, target] = key.split(":") as [string, string];
      const row = rows.find((r) => r.key === `appointments:staff:${(code === "M001" ? w.m1 : w.m2).id}:${target}`);
      expect(Boolean(row)).toBe(names.length > 0);
      for (const name of names) expect(JSON.parse(row!.payload).text).toContain(name);
    }
    // The evening list shows only stops not logged, numbered as in the day list.
    const evening = JSON.parse(rows.find((r) => r.key === `unlogged-visits:staff:${w.m2.id}:2026-11-23`)!.payload).text as string;
    const monday = await planDayList({ deps: w.deps, staff: w.m2, date: MONDAY });
    expect(evening).toContain(`${monday.planned.length}. ${monday.planned.at(-1)!.customer.name}`);
    expect(evening.split("\n").filter((l) => /^\d+\. /.test(l))).toHaveLength(monday.planned.length);
  });

  it("muted reminders are not sent; quiet hours defer a message to their end instead of dropping it", async () => {
    w = await createWorld({ start: local(MONDAY, "00:00") });
    expect((await say(w, w.m2, "/mute 未登记"))[0]!.text).toContain("已关闭“未登记拜访”");
    expect((await say(w, w.m2, "/mute morningList"))[0]!.text).toContain("必发提醒");
    expect((await say(w, w.m1, "/quiet 18:00-08:00"))[0]!.text).toContain("18:00–08:00");
    const tuesdayBookings = await dayBeforeStops(w, w.m1, "2026-11-25");
    const tuesdayBookings2 = await dayBeforeStops(w, w.m2, "2026-11-25");

    await w.simulate(local(MONDAY, "00:00"), local(MONDAY, "23:30"));
    // Monday evening: M001's unlogged list waits in the outbox until the quiet hours end.
    const waiting = await w.t.db.outbox.findFirstOrThrow({ where: { kind: "unlogged-visits", staffId: w.m1.id } });
    expect(waiting).toMatchObject({ status: "pending", nextAttemptAt: local("2026-11-24", "08:00") });
    await w.simulate(local("2026-11-24", "00:00"), local("2026-11-24", "23:30"));

    const sent = await w.sentByStaff();
    expect(sent.M001).toEqual([
      "morning-list@2026-11-23 08:00",
      "unlogged-visits@2026-11-24 08:00",
      ...(tuesdayBookings.length ? ["appointments@2026-11-24 17:00"] : []),
    ]);
    expect(sent.M002).toEqual(["morning-list@2026-11-23 07:30", ...(tuesdayBookings2.length ? ["appointments@2026-11-24 17:00"] : [])]);
    expect(await w.t.db.outbox.count({ where: { staffId: w.m2.id, kind: "unlogged-visits" } })).toBe(0);

    // /unmute brings it back; /reminders shows the state.
    expect((await say(w, w.m2, "/unmute unloggedVisits"))[0]!.text).toContain("已重新打开");
    const list = (await say(w, w.m1, "/reminders"))[0]!.text;
    expect(list).toContain("🔔 早间拜访清单 · 拜访日 07:30 · 必发");
    expect(list).toContain("🌙 免打扰：18:00–08:00");
    expect(list).not.toContain("每周电话联系"); // off in the tobacco preset
  });

  it("key-account: weekly and daily phone duties, purchase plans by the 28th, credit follow-ups twice a month", async () => {
    w = await createWorld({ preset: "key-account", start: local(MONDAY, "00:00") });
    const bookings = new Map<string, string[]>();
    for (const s of [w.m1, w.m2]) for (const target of ["2026-11-25", "2026-11-26", "2026-11-30"]) bookings.set(`${s.code}:${target}`, await dayBeforeStops(w, s, target));
    // Five different customers: the daily minimum counts customers phoned, not calls logged.
    const fiveCustomers = await w.t.db.customer.findMany({ where: { managerId: w.m1.id }, orderBy: { id: "asc" }, take: 5 });

    await w.simulate(local(MONDAY, "00:00"), local("2026-11-29", "23:30"), {
      onStep: async (now) => {
        // M001 makes the 5 phone contacts of the day on Tuesday morning.
        if (now.getTime() === local("2026-11-24", "11:00").getTime()) {
          await w.t.db.visit.createMany({
            data: fiveCustomers.map((c, i) => ({ customerId: c.id, managerId: w.m1.id, mode: "phone", visitedAt: new Date(now.getTime() - i * 60_000) })),
          });
        }
      },
    });
    // Tuesday 1 December: the credit follow-up (nothing else is due then).
    await w.simulate(local("2026-12-01", "09:30"), local("2026-12-01", "10:00"));

    const sent = await w.sentByStaff();
    for (const s of [w.m1, w.m2]) {
      const expected = [
        "morning-list@2026-11-23 07:30",
        "weekly-phone-contacts@2026-11-23 09:00",
        "unlogged-visits@2026-11-23 18:30",
        "morning-list@2026-11-25 07:30",
        "purchase-plans@2026-11-25 09:00",
        "unlogged-visits@2026-11-25 18:30",
        "morning-list@2026-11-26 07:30",
        "unlogged-visits@2026-11-26 18:30",
        "weekly-summary@2026-11-27 16:00",
        "month-end@2026-11-28 09:00",
        "purchase-plans@2026-11-28 09:00",
        "credit-follow-up@2026-12-01 09:30",
      ];
      for (const day of ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]) {
        if (!(s.code === "M001" && day === "2026-11-24")) expected.push(`daily-phone-minimum@${day} 16:30`);
      }
      for (const [day, target] of [["2026-11-24", "2026-11-25"], ["2026-11-25", "2026-11-26"], ["2026-11-27", "2026-11-30"]] as const) {
        if (bookings.get(`${s.code}:${target}`)!.length) expected.push(`appointments@${day} 17:00`);
      }
      expect(sent[s.code]).toEqual(expected.sort(byTime));
    }
    const phone = await w.t.db.outbox.findFirstOrThrow({ where: { kind: "weekly-phone-contacts", staffId: w.m1.id } });
    expect(JSON.parse(phone.payload).text).toMatch(/本周需电话联系的A类客户、B类客户 \d+ 家/);
    const credit = await w.t.db.outbox.findFirstOrThrow({ where: { kind: "credit-follow-up", staffId: w.m1.id } });
    // Credit customers whose receivables are collected (0) have no follow-up duty.
    const creditCount = await w.t.db.customer.count({ where: { managerId: w.m1.id, credit: true, active: true, OR: [{ receivables: null }, { receivables: { gt: 0 } }] } });
    // 1 December: no contact this month yet, so every one of them is short.
    expect(JSON.parse(credit.payload).text).toContain(`本月赊销客户跟进：${creditCount} 家还不到 2 次（有未收款的共 ${creditCount} 家）`);
    const plans = await w.t.db.outbox.findFirstOrThrow({ where: { kind: "purchase-plans", staffId: w.m1.id } });
    const customers = await w.t.db.customer.count({ where: { managerId: w.m1.id, active: true } });
    expect(JSON.parse(plans.payload).text).toContain(`还差 ${customers} 家（共 ${customers} 家）`);
  });

  it("process down across the morning run: one catch-up on start, not two; it reads like /today", async () => {
    w = await createWorld({ start: local(MONDAY, "10:00") });
    // Up at 10:00 (down since before 07:30).
    await w.scheduler.runDue();
    await w.dispatcher.drainOnce();
    // Restarted at 10:30 as a new instance: the morning slot has run already.
    w.clock.set(local(MONDAY, "10:30"));
    const reports = await new Scheduler({ deps: w.deps, jobs: allJobs(), instanceId: "reboot" }).runDue();
    expect(reports.find((r) => r.jobId === "morning-list")).toMatchObject({ outcome: "already-done" });
    await w.dispatcher.drainOnce();
    expect(await w.sentByStaff()).toEqual({ M001: ["morning-list@2026-11-23 10:00"], M002: ["morning-list@2026-11-23 10:00"] });

    const today = (await say(w, w.m1, "/today"))[0]!.text;
    const morning = w.port.sent.find((m) => m.to.chatId === "tg-M001")!.reply.text;
    expect(morning.startsWith("☀️ 李明，早上好！\n" + today)).toBe(true);
  });

  it("a manager with no chat binding gets nothing queued", async () => {
    w = await createWorld({ start: local(MONDAY, "07:30"), bind: ["M001"] });
    const reports = await w.scheduler.runDue();
    expect(reports.find((r) => r.jobId === "morning-list")?.result).toMatchObject({ queued: 1, unbound: 1 });
    expect(await w.t.db.outbox.count({ where: { staffId: w.m2.id } })).toBe(0);
  });
});
