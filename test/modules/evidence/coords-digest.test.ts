import { afterEach, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/core/chat.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import { supervisorDigestJob } from "../../../src/jobs/supervisor-reports.job.ts";
import { at, createScenario, type Scenario } from "../reports/scenario.ts";

describe("the supervisor digest and open coordinate proposals", () => {
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
});
