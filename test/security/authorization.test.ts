import { afterEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../src/app.ts";
import type { Router } from "../../src/core/router.ts";
import { at, createScenario, type Scenario } from "../modules/reports/scenario.ts";

/**
 * The authorization matrix: every command that names someone else's data (a customer, a stop, a
 * complaint, a plan entry, a manager), typed or forged as button data, by a manager of the same
 * team, a manager of another team, the other team's supervisor and a stranger. Nothing of M1's
 * may be shown or changed by anyone but M1, their supervisors and an admin.
 */
describe("authorization matrix", () => {
  let s: Scenario;
  let router: Router;
  afterEach(async () => s?.t.close());

  async function setup() {
    s = await createScenario(at("2026-12-02", "11:00"));
    for (const [code, user] of [["M002", "tg-m2"], ["M003", "tg-m3"], ["S002", "tg-s2"], ["A001", "tg-a1"]] as const) {
      const staff = await s.t.db.staff.findUniqueOrThrow({ where: { code } });
      await s.t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: user, staffId: staff.id } });
    }
    router = createAppRouter(s.deps);
  }
  const say = async (user: string, text: string, isAction = false) =>
    (await router.handle({ platform: "telegram", chatId: user, userId: user, text, isAction })).map((r) => `${r.text}\n${(r.choices ?? []).map((c) => c.label).join(" | ")}`).join("\n");
  /** Everything of M1's that any command could change (the probers' own plans may be made). */
  const state = async () => {
    const managerId = s.staff.M1.id;
    return JSON.stringify(
      await Promise.all([
        s.t.db.visit.findMany({ where: { managerId }, orderBy: { id: "asc" } }),
        s.t.db.plannedVisit.findMany({ where: { managerId }, orderBy: { id: "asc" } }),
        s.t.db.complaint.findMany({ where: { managerId }, orderBy: { id: "asc" } }),
        s.t.db.complaintEvent.findMany({ orderBy: { id: "asc" } }),
        s.t.db.customer.findMany({ where: { managerId }, orderBy: { id: "asc" } }),
        s.t.db.dayOff.findMany({ where: { staffId: managerId }, orderBy: { id: "asc" } }),
        s.t.db.workSummary.findMany({ orderBy: { id: "asc" } }),
      ]),
    );
  };

  it("nobody outside M1's line sees or changes M1's customers, stops, complaints or figures", async () => {
    await setup();
    const m1Complaint = (await s.t.db.complaint.findFirstOrThrow({ where: { managerId: s.staff.M1.id, status: "open" } })).id;
    const m1Stop = (await s.t.db.plannedVisit.findFirstOrThrow({ where: { managerId: s.staff.M1.id, status: "planned" } })).id;
    const before = await state();
    // M1's shop names and codes: nobody else's reply may carry them.
    const secrets = ["C1店", "C2店", "C3店", "C6店", "王芳"];
    const probes: [string, boolean][] = [
      ["/log C1", false],
      ["/log C2店", false],
      ["/call C3", false],
      ["/complaint C6", false],
      [`/resolve ${m1Complaint}`, false],
      [`/ack ${m1Complaint}`, true],
      [`/reassign ${m1Complaint} M003`, true],
      [`/comment ${m1Complaint} 看看`, false],
      [`/told ${m1Complaint}`, true],
      [`/book #${m1Stop} 14:30`, true],
      [`/nobook #${m1Stop}`, true],
      ["/team M001", true],
      ["/team export", false],
      ["/complaints", false],
      ["/summary", false],
      ["/undo", false],
      ["/edit 1", false],
      ["/skip 2 店主不在", false],
    ];
    for (const user of ["tg-m2", "tg-m3", "tg-s2", "stranger-1"]) {
      for (const [text, isAction] of probes) {
        const out = await say(user, text, isAction);
        // (What the prober typed may be echoed back: "没有找到“C2店”" tells them nothing.)
        for (const secret of secrets.filter((x) => !text.includes(x))) expect(out, `${user} ${text}`).not.toContain(secret);
        // Leave any form a probe opened (their own), so the next probe is a command again.
        await say(user, "/cancel");
      }
    }
    expect(await state()).toBe(before);
    // The same complaint is visible to M1's supervisor, their supervisor and the admin.
    for (const user of ["tg-s1", "tg-r1", "tg-a1"]) expect(await say(user, "/team M001"), user).toContain("👤 王芳 M001");
    expect(await say("tg-s1", "/complaints")).toContain("C6店");
    expect(await say("tg-r1", "/complaints")).toContain("C6店");
  });

  it("a stranger gets the binding instructions once, then silence, and never anyone's data", async () => {
    await setup();
    const texts = ["/today", "/plan", "/team", "/me", "/complaints", "/summary send", "/weekly", "/log C1", "/team M001", "1"];
    const outs = [];
    for (const text of texts) outs.push(await say("stranger-2", text, text.startsWith("/team")));
    expect(outs[0]).toMatch(/绑定|bind/);
    expect(outs.slice(1).every((o) => o === "")).toBe(true);
    for (const out of outs) for (const secret of ["C1店", "王芳", "M001"]) expect(out).not.toContain(secret);
    expect(await s.t.db.workSummary.count()).toBe(0);
  });
});
