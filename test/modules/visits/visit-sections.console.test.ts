import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { registerVisitSection } from "../../../src/modules/visits/sections/index.ts";
import type { VisitSection } from "../../../src/modules/visits/sections/section.ts";
import { parseDetails } from "../../../src/modules/visits/visits.service.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai (a visit day of the demo manager M001).
const MONDAY_MORNING = "2026-11-23T00:00:00Z";
const at = (minutes: number) => new Date(new Date(MONDAY_MORNING).getTime() + minutes * 60_000);

// The tobacco menu: 1 submit, 2 info, 3 brand, 4 inventory, 5 market, …; market topics: 3 客户信息变更, 6 违规举报,
// 7 选好了 (one tapped number ticks a checklist item; 选好了 closes it); what changed: 1 电话, 2 关键人, 4 选好了.
const MARKET = "5";
const TOPICS_DONE = "7";
const FIELDS_DONE = "4";

describe("visit sections through the terminal: customer changes and violation reports", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    tmp?.cleanup();
  });

  const run = (lines: string[], minutes = 0, env?: Record<string, string>) => runConsoleScript({ url: tmp.url, clock: new FakeClock(at(minutes)), lines, env });

  async function today(env?: Record<string, string>) {
    await run(["/today"], 0, env);
    db = await openDb(tmp.url);
    const m001 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stops = await db.plannedVisit.findMany({
      where: { managerId: m001.id, date: "2026-11-23", status: { in: ["planned", "done"] } },
      orderBy: [{ sequence: "asc" }, { id: "asc" }],
      include: { customer: true },
    });
    return { m001, stops };
  }

  it("a changed phone number updates the customer, keeps the old one in the visit, and /undo puts it back", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const customer = stops[0]!.customer;
    const out = await run(["/log 1", "1", "20", MARKET, "3", TOPICS_DONE, "1", FIELDS_DONE, "139 1234 5678", "1"], 10);
    expect(out).toContain("客户哪些信息变了？");
    expect(out).toContain(`📇 客户资料已更新：电话 ${customer.phone || "（无）"} → 13912345678`);
    expect((await db!.customer.findUniqueOrThrow({ where: { id: customer.id } })).phone).toBe("13912345678");
    const v = (await db!.visit.findMany({ where: { details: { not: "{}" } } }))[0]!;
    expect(parseDetails(v).customerChanges).toEqual([{ field: "phone", old: customer.phone, new: "13912345678" }]);

    await run(["/undo", "1"], 12);
    expect(await db!.visit.count({ where: { id: v.id } })).toBe(0);
    expect((await db!.customer.findUniqueOrThrow({ where: { id: customer.id } })).phone).toBe(customer.phone);
  });

  it("a new key person replaces the customer's key person (role and phone kept in the visit); a bad phone number is asked again with what is wrong", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const customer = stops[1]!.customer;
    const out = await run(["/log 2", "1", "20", MARKET, "3", TOPICS_DONE, "2", FIELDS_DONE, "王五", "店长", "12345", "0571 6461 2345", "1"], 10);
    expect(out).toContain("⚠️ “12345”不是有效的电话号码：手机号是 1 开头的 11 位数字，座机要带区号（如 0571-64612345）。");
    expect(out).toContain(`关键人 ${customer.keyPerson || "（无）"} → 王五`);
    expect((await db!.customer.findUniqueOrThrow({ where: { id: customer.id } })).keyPerson).toBe("王五");
    const v = (await db!.visit.findMany({ where: { details: { not: "{}" } } }))[0]!;
    expect(parseDetails(v).customerChanges).toEqual([{ field: "keyPerson", old: customer.keyPerson, new: "王五", detail: { role: "店长", phone: "0571-64612345" }, created: true }]);
    // The customer file has them as its primary key person, with role and phone; /undo takes them out again.
    expect(await db!.keyPerson.findMany({ where: { customerId: customer.id, name: "王五" }, select: { role: true, phone: true, primary: true } })).toEqual([{ role: "店长", phone: "0571-64612345", primary: true }]);
    await run(["/undo", "1"], 12);
    expect(await db!.keyPerson.count({ where: { customerId: customer.id, name: "王五" } })).toBe(0);
    expect((await db!.customer.findUniqueOrThrow({ where: { id: customer.id } })).keyPerson).toBe(customer.keyPerson);
  });

  it("a violation report reaches the bound supervisor's chat; with the supervisor unbound the confirmation says it was not sent", async () => {
    tmp = tempDbUrl();
    const { m001 } = await today();
    const supervisor = await db!.staff.findUniqueOrThrow({ where: { id: m001.supervisorId! } });
    const out = await run(["/log 1", "1", "20", MARKET, "6", TOPICS_DONE, "隔壁店疑似卖私烟", "1"], 10);
    expect(out).toContain(`📣 违规情况已转告主管 ${supervisor.name}。`);
    const notices = await db!.outbox.findMany({ where: { kind: "visit-violation" } });
    expect(notices).toHaveLength(1);
    const binding = await db!.chatIdentity.findFirstOrThrow({ where: { staffId: supervisor.id } });
    expect(notices[0]).toMatchObject({ staffId: supervisor.id, platform: binding.platform, chatId: binding.platformUserId });
    expect(notices[0]!.payload).toContain("隔壁店疑似卖私烟");

    // The demo binds its own supervisor's terminal inbox at every start: a new supervisor without any chat.
    const s2 = await db!.staff.create({ data: { code: "S002", name: "赵主管", role: "supervisor" } });
    await db!.staff.update({ where: { id: m001.id }, data: { supervisorId: s2.id } });
    const unbound = await run(["/log 2", "1", "20", MARKET, "6", TOPICS_DONE, "无证经营", "1"], 20);
    expect(unbound).toContain("⚠️ 违规情况没有发出去：主管 赵主管 还没绑定聊天。请直接电话告诉 赵主管");
    expect(unbound).not.toContain("已转告主管");
    expect(await db!.outbox.count({ where: { kind: "visit-violation" } })).toBe(1);
  });

  it("with a complaint form open, /log asks first like any other command (one engine knows every form)", async () => {
    tmp = tempDbUrl();
    await today();
    const asked = await run(["/complaint", "/log"], 10);
    expect(asked).toMatch(/您正在填写「[^」]+」。要先把它填完吗？/);
    expect(asked).not.toContain("作废");
    expect((await db!.formSession.findFirstOrThrow()).formId).toBe("complaint");
    // Leaving it runs /log: the visit form replaces the complaint form.
    const left = await run(["/complaint", "/log", "2"], 11);
    const after = left.slice(left.lastIndexOf("要先把它填完吗？"));
    expect(after).toContain("记录哪家的拜访？");
    expect((await db!.formSession.findFirstOrThrow()).formId).toBe("visit");
  });

  it("a section registered by a test and listed in the policy is in the menu, is asked and lands in the record", async () => {
    tmp = tempDbUrl();
    const schema = z.object({ shelfPhoto: z.string() });
    const trial: VisitSection<z.infer<typeof schema>> = {
      id: "trial",
      presets: [],
      steps: [{ id: "shelfPhoto", type: "text", prompt: () => "货架照片编号？" }],
      schema,
      toDetails: (round, draft) => void draft.notes.push(`照片 ${round.shelfPhoto}`),
      confirm: () => ["已拍货架"],
    };
    registerVisitSection(trial as unknown as VisitSection);
    const file = path.join(tmp.dir, "policy.json");
    writeFileSync(file, JSON.stringify({ visitSections: ["info", "trial", "note"] }));
    const env = { VISITMATE_POLICY_FILE: file };
    await today(env);
    const out = await run(["/log 1", "1", "20", "3", "P-17", "1"], 10, env);
    expect(out).toContain("3) forms.visit.section.trial");
    expect(out).toContain("货架照片编号？");
    expect(out).toMatch(/✅ 已记录：.* · 已拍货架/);
    const v = (await db!.visit.findMany({ where: { details: { not: "{}" } } }))[0]!;
    expect(v.notes).toBe("照片 P-17");

    writeFileSync(file, JSON.stringify({ visitSections: ["info", "trail"] }));
    await expect(run(["/today"], 20, env)).rejects.toThrow(/visitSections lists unknown section "trail"/);
  });
});
