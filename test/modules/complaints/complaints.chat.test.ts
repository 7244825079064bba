import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb } from "../../../src/db/client.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Monday 23 Nov 2026, 10:00 in Shanghai.
const MONDAY_10 = "2026-11-23T02:00:00Z";

describe("complaints through the terminal channel", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("a manager records a complaint they cannot resolve, the supervisor sees and acknowledges it, the manager resolves it", async () => {
    tmp = tempDbUrl();
    // First start seeds the demo; the supervisor also uses Telegram, where escalations reach them.
    await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_10), lines: [] });
    const setup = await openDb(tmp.url);
    const s1 = await setup.staff.findUniqueOrThrow({ where: { code: "S001" } });
    await setup.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-s001", staffId: s1.id } });
    await setup.$disconnect();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(MONDAY_10),
      lines: [
        "/complaint",
        "1", // first stop of today's list
        "1", // 货源
        "1", // an option number sent to the text question → asked again in words
        "店主说利群断货两周了",
        "否", // cannot resolve myself → supervisor at once
        "25:00", // bad time → re-asked
        "9:30",
        "/complaints",
        "/as S001",
        "/complaints",
        "/ack 1",
        "/as M002",
        "/resolve 1",
        "/as M001",
        "/resolve 1",
        "2", // not words → asked again
        "已协调补货",
        "否",
      ],
    });
    expect(out).toContain("只有数字、表情或符号说明不了问题");
    expect(out).toContain("请用文字写下是怎么解决的");
    expect(out).toContain("请输入时间，如 9:30");
    expect(out).toMatch(/📝 已登记投诉 #1 · .+，还剩 7 小时 30 分钟，17:30 前处理完。/);
    expect(out).toMatch(/您选择了无法自行解决，已通知主管 \S+，主管可在消息里确认、转派或批注。/);
    expect(out).toMatch(/📋 团队未结投诉 1 个[\s\S]*#1 .+ · 李明 · 货源 · 还剩 7 小时 30 分钟/);
    expect(out).toContain("👀 已确认投诉 #1");
    expect(out).toContain("找不到投诉 #1，或您无权查看");
    expect(out).toMatch(/✅ 投诉 #1 · .+ 已解决，用时 30 分钟，在时限内。/);
    expect(out).toContain("1 小时后我会再提醒您");

    const db = await openDb(tmp.url);
    const c = await db.complaint.findUniqueOrThrow({ where: { id: 1 } });
    expect(c).toMatchObject({ status: "resolved", canResolve: false, breached: false, customerInformed: false, escalationLevel: 1 });
    expect(c.openedAt).toEqual(new Date("2026-11-23T01:30:00Z"));
    expect(c.text).toBe("店主说利群断货两周了");
    expect(c.resolution).toBe("已协调补货");
    const keys = (await db.outbox.findMany({ orderBy: { id: "asc" } })).map((r) => [r.key.split(":")[2], r.status]);
    // The escalation was queued for the supervisor's Telegram; once resolved, what was not sent
    // yet is cancelled, and the reminder to tell the customer waits its hour.
    expect(keys).toEqual([
      ["escalate-now", "cancelled"],
      ["tell-customer", "pending"],
    ]);
    await db.$disconnect();
  });
  it("a complaint escalated to a supervisor with no chat says so plainly instead of claiming a delivery", async () => {
    tmp = tempDbUrl();
    // The demo's supervisor has a terminal inbox; this manager's new supervisor has no chat at all.
    await runConsoleScript({ url: tmp.url, clock: new FakeClock(MONDAY_10), lines: [] });
    const setup = await openDb(tmp.url);
    const s2 = await setup.staff.create({ data: { code: "S002", name: "赵主管", role: "supervisor" } });
    await setup.staff.update({ where: { code: "M001" }, data: { supervisorId: s2.id } });
    await setup.$disconnect();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(MONDAY_10),
      lines: ["/complaint", "1", "1", "店主说利群断货两周了", "否", "9:30"],
    });
    expect(out).toMatch(/📝 已登记投诉 #1/);
    expect(out).toMatch(/⚠️ 您选择了无法自行解决，但主管 赵主管 还没有绑定聊天账号，消息发不出去。投诉 #1 已记录，请电话联系主管/);
    expect(out).not.toContain("已通知主管");
    // Nothing went to the supervisor; the admin (bound to the terminal in the demo) learns who is unreachable.
    const db = await openDb(tmp.url);
    try {
      const rows = await db.outbox.findMany();
      const admin = await db.staff.findUniqueOrThrow({ where: { code: "A001" } });
      expect(rows.map((r) => [r.kind, r.staffId])).toEqual([["admin-unreachable", admin.id]]);
      expect(JSON.parse(rows[0]!.payload).text).toContain("赵主管（S002，主管）还没有绑定聊天账号，收不到投诉通知");
    } finally {
      await db.$disconnect();
    }
  });
});
