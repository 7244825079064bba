import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, tempDbUrl, withDb } from "../../helpers/console.ts";

// Wednesday 2 Dec 2026, 09:30 in Shanghai. The demo: 李明 (M001) and 张… (M002) under 王建国 (S001).
const WEDNESDAY = "2026-12-02T01:30:00Z";

describe("/assist in the terminal: a manager proposes 帮扶, the supervisor answers with one tap", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("approval: the supervisor gets the reason and two buttons, the override is set, the manager is told; a second proposal says it is pending", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(WEDNESDAY),
      lines: ["/assist 钟家水果店", "/assist 钟家水果店 店主生病，经营困难", "/assist 钟家水果店 再提一次", "/assists", "/as S001", "/assists", "/assist-ok 1", "/assist-ok 1", "/as M001", "/assist 钟家水果店 又一次"],
    });
    expect(out).toContain("请写上店名和原因");
    expect(out).toContain("📨 已提交：钟家水果店 列为帮扶客户，已发给主管 王建国 审批（#1）。");
    expect(out).toContain("钟家水果店 的帮扶申请已在等主管审批");
    expect(out).toContain("#1 钟家水果店（TL-W0002）· 李明");
    expect(out).toContain("✅ 已批准 #1：钟家水果店 列为帮扶客户。已通知 李明。");
    expect(out).toContain("申请 #1（钟家水果店）已经处理过了：已批准。");
    expect(out).toContain("钟家水果店 已经是帮扶客户。");
    await withDb(tmp.url, async (db) => {
      const shop = await db.customer.findFirstOrThrow({ where: { code: "TL-W0002" } });
      expect(shop).toMatchObject({ classOverride: "assistance", serviceClass: "assistance" });
      const sup = await db.staff.findUniqueOrThrow({ where: { code: "S001" } });
      const m1 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      const toSupervisor = await db.outbox.findFirstOrThrow({ where: { kind: "class-proposal", staffId: sup.id } });
      const notice = JSON.parse(toSupervisor.payload) as { text: string; choices: { label: string; value: string }[] };
      expect(notice.text).toContain("李明 提议把 钟家水果店（TL-W0002）列为帮扶客户。");
      expect(notice.text).toContain("原因：店主生病，经营困难");
      expect(notice.choices.map((c) => c.value)).toEqual(["/assist-ok 1", "/assist-no 1"]);
      const toManager = await db.outbox.findFirstOrThrow({ where: { kind: "class-proposal", staffId: m1.id } });
      expect(JSON.parse(toManager.payload).text).toContain("主管 王建国 批准了：钟家水果店 列为帮扶客户（#1）");
      expect(await db.classProposal.count()).toBe(1);
    });
  });

  it("rejection: the class stays, the manager is told; a manager cannot decide their own proposal", async () => {
    tmp = tempDbUrl();
    const out = await runConsoleScript({
      url: tmp.url,
      clock: new FakeClock(WEDNESDAY),
      lines: ["/assist 赵家副食店 生意差，需要指导", "/assist-ok 1", "/as S001", "/assist-no 1", "/as M001", "/assists"],
    });
    expect(out).toContain("📨 已提交：赵家副食店 列为帮扶客户");
    expect(out).toContain("找不到申请 #1，或不归您审批。");
    expect(out).toContain("已回复 #1：赵家副食店 不列为帮扶客户。已通知 李明。");
    expect(out).toContain("没有待审批的帮扶申请。");
    await withDb(tmp.url, async (db) => {
      const shop = await db.customer.findFirstOrThrow({ where: { code: "TL-W0005" } });
      expect(shop.classOverride).toBeNull();
      expect(shop.serviceClass).toBe("regular");
      const m1 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      const told = await db.outbox.findFirstOrThrow({ where: { kind: "class-proposal", staffId: m1.id } });
      expect(JSON.parse(told.payload).text).toContain("主管 王建国 没有批准 赵家副食店 列为帮扶客户（#1）");
      expect(await db.classProposal.findFirstOrThrow()).toMatchObject({ status: "rejected", pendingKey: null });
    });
  });
});
