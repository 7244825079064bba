import { afterEach, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/core/chat.ts";
import { Scheduler } from "../../../src/core/scheduler.ts";
import { createAppRouter } from "../../../src/app.ts";
import { overdueAlertJob } from "../../../src/jobs/supervisor-reports.job.ts";
import { at, createScenario, type Scenario } from "./scenario.ts";

describe("overdue customers say whether the plan has them", () => {
  let s: Scenario;
  afterEach(async () => s?.t.close());

  const plan = async (code: string, date: string, status = "planned") => {
    const c = await s.t.db.customer.findFirstOrThrow({ where: { code } });
    await s.t.db.plannedVisit.create({ data: { managerId: s.staff.M1.id, customerId: c.id, date, status } });
  };

  it("the morning alert: the next planned visit of each customer named, or that none is planned", async () => {
    // C8 (core, every two weeks, last seen 10 Nov) went overdue on 25 Nov.
    s = await createScenario(at("2026-11-25", "08:35"));
    const alertOf = async () => {
      const row = await s.t.db.outbox.findFirst({ where: { kind: "overdue-alert", staffId: s.staff.S1.id }, orderBy: { id: "desc" } });
      return row ? (JSON.parse(row.payload) as Reply).text : null;
    };
    await plan("C8", "2026-11-23", "skipped");
    await new Scheduler({ deps: s.deps, jobs: [overdueAlertJob], instanceId: "x" }).runDue();
    expect(await alertOf()).toContain("· C8店（核心客户） 超期 1 天（上次 11月10日（周二）），还没排进计划");

    await s.t.db.outbox.deleteMany({});
    await s.t.db.jobRun.deleteMany({});
    await plan("C8", "2026-11-30");
    await plan("C8", "2026-12-14");
    const before = await s.t.db.plannedVisit.findMany({ orderBy: { id: "asc" } });
    await new Scheduler({ deps: s.deps, jobs: [overdueAlertJob], instanceId: "x" }).runDue();
    expect(await alertOf()).toContain("· C8店（核心客户） 超期 1 天（上次 11月10日（周二）），已排 11月30日（周一）");
    // Looking it up changes nothing in the plan.
    expect(await s.t.db.plannedVisit.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });

  it("/team M001: each overdue customer shown with today's list, a later day, or not planned", async () => {
    s = await createScenario();
    const router = createAppRouter(s.deps);
    const team = async () => (await router.handle({ platform: "telegram", chatId: "tg-s1", userId: "tg-s1", text: "/team M001" })).map((r) => r.text).join("\n");
    // C7 (core, never visited) and C8 (core, last 10 Nov) are overdue on 2 Dec.
    let text = await team();
    expect(text).toMatch(/· C7店（核心客户） 超期 \d+ 天（从未拜访），还没排进计划/);
    expect(text).toContain("· C8店（核心客户） 超期 8 天（上次 11月10日（周二）），还没排进计划");
    await plan("C7", "2026-12-02");
    await plan("C8", "2026-12-07");
    text = await team();
    expect(text).toMatch(/· C7店（核心客户） 超期 \d+ 天（从未拜访），今天在清单上/);
    expect(text).toContain("· C8店（核心客户） 超期 8 天（上次 11月10日（周二）），已排 12月7日（周一）");
  });
});
