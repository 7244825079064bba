import { afterEach, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/core/chat.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import { supervisorDigestJob } from "../../../src/jobs/supervisor-reports.job.ts";
import { at, createScenario, type Scenario } from "../reports/scenario.ts";

describe("the supervisor digest: open coordinate proposals and the day's visit evidence", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  const digestOf = async (code: string) => {
    const staff = await s.t.db.staff.findUniqueOrThrow({ where: { code } });
    const row = await s.t.db.outbox.findFirst({ where: { kind: "supervisor-digest", staffId: staff.id } });
    return row ? (JSON.parse(row.payload) as Reply).text : null;
  };

  it("adds one line with the count when the team has proposals open, none otherwise", async () => {
    s = await createScenario(at("2026-12-02", "19:05"));
    const m1 = await s.t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const shops = await s.t.db.customer.findMany({ where: { managerId: m1.id }, take: 3, orderBy: { id: "asc" } });
    for (const c of shops) await s.t.db.coordinateProposal.create({ data: { customerId: c.id, lat: c.lat + 0.005, lng: c.lng, kind: "moved", basis: 3, distanceM: 556 } });
    await s.t.db.coordinateProposal.update({ where: { id: (await s.t.db.coordinateProposal.findFirstOrThrow()).id }, data: { status: "dismissed" } });
    await new Scheduler({ deps: s.deps, jobs: [supervisorDigestJob], instanceId: "x" }).runDue();
    const digest = await digestOf("S001");
    expect(digest).toContain(`\n📍 ${shops.length - 1} 个门店坐标待确认：/coords\n`);
  });

  it("says nothing about coordinates when none are open", async () => {
    s = await createScenario(at("2026-12-02", "19:05"));
    await new Scheduler({ deps: s.deps, jobs: [supervisorDigestJob], instanceId: "x" }).runDue();
    expect(await digestOf("S001")).not.toContain("门店坐标");
  });

  it("adds the day's visit evidence when something is flagged, nothing when all check-ins are in order", async () => {
    s = await createScenario(at("2026-12-02", "19:05"));
    const m1 = await s.t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const shops = await s.t.db.customer.findMany({ where: { managerId: m1.id }, take: 3, orderBy: { id: "asc" } });
    const visit = (customerId: number, hour: string, data: Record<string, unknown>) =>
      s.t.db.visit.create({ data: { customerId, managerId: m1.id, mode: "field", details: "{}", visitedAt: new Date(`2026-12-02T${hour}:00+08:00`), durationMin: 15, ...data } });
    await visit(shops[0]!.id, "09:00", { checkinStatus: "inside", checkinDistanceM: 20, measuredMin: 16 });
    await new Scheduler({ deps: s.deps, jobs: [supervisorDigestJob], instanceId: "x" }).runDue();
    expect(await digestOf("S001")).not.toContain("签到与照片");
    await s.t.db.outbox.deleteMany({ where: { kind: "supervisor-digest" } });
    await s.t.db.jobRun.deleteMany({});
    await visit(shops[1]!.id, "10:00", { checkinStatus: "outside", checkinDistanceM: 900, checkinReason: "门店已搬迁", measuredMin: 16 });
    await visit(shops[2]!.id, "11:00", { checkinStatus: "none" });
    await new Scheduler({ deps: s.deps, jobs: [supervisorDigestJob], instanceId: "x" }).runDue();
    expect(await digestOf("S001")).toMatch(/📍 今天的签到与照片（实地拜访 \d+ 次）：超出范围 1 · 未签到 1 · 实测时长不足 0 · 重复照片 0。详情：\/team 编码/);
  });
});
