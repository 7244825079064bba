import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../../src/app.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { policyTranslator, type AppDeps } from "../../../src/core/router.ts";
import type { Customer, Staff } from "../../../src/generated/prisma/client.ts";
import { considerCheckin, countOpenCoordinateProposals } from "../../../src/modules/evidence/coordinates.service.ts";
import { distanceM } from "../../../src/modules/evidence/geo.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const SHOP = { lat: 30.25, lng: 120.15 };
/** About 500 m north of the shop: outside the 300 m radius. */
const MOVED = { lat: 30.2545, lng: 120.15 };

describe("shop coordinates proposed from check-ins", () => {
  let t: TestDb;
  let deps: AppDeps;
  let clock: FakeClock;
  let sup: Staff, mgr: Staff, sup2: Staff, mgr2: Staff, admin: Staff;
  let located: Customer, unlocated: Customer, otherTeam: Customer;

  beforeEach(async () => {
    t = await createTestDb();
    clock = new FakeClock("2026-11-23T02:00:00Z");
    deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger };
    const staff = (code: string, name: string, role: string, supervisorId?: number) => t.db.staff.create({ data: { code, name, role, supervisorId: supervisorId ?? null } });
    sup = await staff("S1", "王主管", "supervisor");
    mgr = await staff("M1", "李明", "manager", sup.id);
    sup2 = await staff("S2", "赵主管", "supervisor");
    mgr2 = await staff("M2", "钱多", "manager", sup2.id);
    admin = await staff("A1", "管理员", "admin");
    for (const s of [sup, mgr, sup2, mgr2, admin]) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
    const shop = (code: string, name: string, managerId: number, extra: Partial<Customer> = {}) => t.db.customer.create({ data: { code, name, managerId, ...SHOP, ...extra } });
    located = await shop("C1", "钟氏小卖部", mgr.id);
    unlocated = await shop("C2", "新开便利店", mgr.id, { located: false, lat: 30.2, lng: 120.1 });
    otherTeam = await shop("C3", "好又多超市", mgr2.id);
  });
  afterEach(async () => t.close());

  const t0 = policyTranslator(loadPolicy(), "zh-CN");
  /** A completed field visit with its check-in, then considerCheckin in the same transaction, as the visit form does. */
  async function checkIn(customer: Customer, at: { lat: number; lng: number }, managerId = customer.managerId): Promise<string[]> {
    clock.advance(60 * 60_000);
    const now = clock.now();
    return t.db.$transaction(async (tx) => {
      const visit = await tx.visit.create({ data: { customerId: customer.id, managerId, visitedAt: now, mode: "field", checkinStatus: "outside", checkinAt: now, checkinLat: at.lat, checkinLng: at.lng, checkinDistanceM: 0 } });
      return considerCheckin(tx, { policy: deps.policy, customerId: customer.id, visitId: visit.id, now, t: t0 });
    });
  }
  const proposals = () => t.db.coordinateProposal.findMany({ orderBy: { id: "asc" } });
  const outbox = () => t.db.outbox.findMany({ orderBy: { id: "asc" } });
  const say = async (who: Staff, text: string) => (await createAppRouter(deps).handle({ platform: "telegram", chatId: `tg-${who.code}`, userId: `tg-${who.code}`, text }))[0]!;

  it("a shop without coordinates gets its first check-in proposed, the supervisor is asked once, and a second check-in asks nothing more", async () => {
    const at = { lat: 30.2611, lng: 120.1622 };
    const lines = await checkIn(unlocated, at);
    expect(lines).toEqual(["📍 新开便利店 还没有坐标：本次签到的位置已作为门店坐标提交，已请 王主管 确认。"]);
    const [p] = await proposals();
    expect(p).toMatchObject({ customerId: unlocated.id, kind: "missing", lat: at.lat, lng: at.lng, basis: 1, distanceM: null, status: "open" });
    const rows = await outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ staffId: sup.id, chatId: "tg-S1", key: `coord-proposal:${p!.id}:${sup.id}`, kind: "coord-proposal" });
    const notice = JSON.parse(rows[0]!.payload);
    expect(notice.text).toContain(`#${p!.id} 新开便利店（C2）· 门店原来没有坐标，按签到位置 · 李明`);
    expect(notice.text).toContain("uri.amap.com/marker?position=120.162200,30.261100");
    expect(notice.choices).toEqual([
      { label: `#${p!.id} 确认`, value: `/coords ok ${p!.id}` },
      { label: `#${p!.id} 忽略`, value: `/coords no ${p!.id}` },
    ]);

    expect(await checkIn(unlocated, { lat: 30.2612, lng: 120.1621 })).toEqual([]);
    expect(await proposals()).toHaveLength(1);
    expect(await outbox()).toHaveLength(1);
  });

  it("a moved shop is proposed after three agreeing check-ins, never while they disagree or agree with the stored position", async () => {
    // Inside the radius: nothing to propose, however often.
    for (let i = 0; i < 3; i++) expect(await checkIn(located, { lat: SHOP.lat + 0.0003, lng: SHOP.lng })).toEqual([]);
    // Far away but scattered ~300 m apart: no agreement.
    expect(await checkIn(located, MOVED)).toEqual([]);
    expect(await checkIn(located, { lat: MOVED.lat, lng: MOVED.lng + 0.003 })).toEqual([]);
    expect(await checkIn(located, { lat: MOVED.lat + 0.0027, lng: MOVED.lng })).toEqual([]);
    expect(await proposals()).toEqual([]);
    // Three in a row within 100 m of their mean.
    expect(await checkIn(located, { lat: MOVED.lat + 0.0002, lng: MOVED.lng })).toEqual([]);
    expect(await checkIn(located, { lat: MOVED.lat - 0.0002, lng: MOVED.lng + 0.0002 })).toEqual([]);
    const lines = await checkIn(located, MOVED);
    const [p] = await proposals();
    expect(p).toMatchObject({ kind: "moved", basis: 3, status: "open" });
    expect(Math.abs(p!.lat - MOVED.lat)).toBeLessThan(0.0002);
    expect(p!.distanceM).toBe(distanceM(SHOP, p!));
    expect(p!.distanceM).toBeGreaterThan(400);
    expect(lines).toEqual([`📍 钟氏小卖部 最近 3 次签到都在同一处，距门店坐标 ${p!.distanceM} 米：新位置已提交，已请 王主管 确认。`]);
    // None twice while it is open.
    expect(await checkIn(located, MOVED)).toEqual([]);
    expect(await proposals()).toHaveLength(1);
  });

  it("tells the manager truthfully when the supervisor has no chat, and asks the admins when there is no supervisor", async () => {
    await t.db.chatIdentity.deleteMany({ where: { staffId: sup.id } });
    expect(await checkIn(unlocated, MOVED)).toEqual(["📍 新开便利店 还没有坐标：本次签到的位置已作为门店坐标提交，但暂时联系不到 王主管（未绑定聊天）；王主管 可发 /coords 确认。"]);
    expect(await outbox()).toEqual([]);

    const lone = await t.db.staff.create({ data: { code: "M9", name: "孙独", role: "manager" } });
    const shop = await t.db.customer.create({ data: { code: "C9", name: "独立小店", managerId: lone.id, ...SHOP, located: false } });
    expect(await checkIn(shop, MOVED)).toEqual(["📍 独立小店 还没有坐标：本次签到的位置已作为门店坐标提交，已请 管理员 确认。"]);
    expect((await outbox()).map((r) => r.staffId)).toEqual([admin.id]);

    await t.db.chatIdentity.deleteMany({ where: { staffId: admin.id } });
    const shop2 = await t.db.customer.create({ data: { code: "C10", name: "二号小店", managerId: lone.id, ...SHOP, located: false } });
    expect((await checkIn(shop2, MOVED))[0]).toContain("但暂时联系不到 管理员（未绑定聊天）；管理员 可发 /coords 确认。");
    await t.db.staff.update({ where: { id: admin.id }, data: { active: false } });
    const shop3 = await t.db.customer.create({ data: { code: "C11", name: "三号小店", managerId: lone.id, ...SHOP, located: false } });
    expect((await checkIn(shop3, MOVED))[0]).toContain("但还没有主管或管理员能确认；管理员可发 /coords 确认。");
    expect(await outbox()).toHaveLength(1);
  });

  it("/coords lists the team's proposals; confirming moves and locates the shop; another team's supervisor is refused; a dismissed position is not proposed again", async () => {
    await checkIn(unlocated, MOVED);
    for (let i = 0; i < 3; i++) await checkIn(otherTeam, MOVED);
    const [mine, theirs] = await proposals();
    expect(theirs).toMatchObject({ customerId: otherTeam.id, kind: "moved" });
    expect(await countOpenCoordinateProposals({ db: t.db, viewer: sup })).toBe(1);
    expect(await countOpenCoordinateProposals({ db: t.db, viewer: admin })).toBe(2);

    const list = await say(sup, "/coords");
    expect(list.text).toContain("📍 待确认的门店坐标（1）：");
    expect(list.text).toContain(`#${mine!.id} 新开便利店（C2）`);
    expect(list.text).not.toContain("好又多超市");
    expect(list.choices?.map((c) => c.value)).toEqual([`/coords ok ${mine!.id}`, `/coords no ${mine!.id}`]);
    expect((await say(admin, "/coords")).text).toContain("📍 待确认的门店坐标（2）：");
    expect((await say(mgr, "/coords")).text).toBe("没有待确认的门店坐标。");

    expect((await say(sup2, `/coords ok ${mine!.id}`)).text).toBe(`#${mine!.id} 不是您团队的门店，不能由您确认。`);
    expect((await say(mgr, `/coords ok ${mine!.id}`)).text).toBe(`#${mine!.id} 不是您团队的门店，不能由您确认。`);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id: unlocated.id } })).located).toBe(false);

    expect((await say(sup, `/coords ok ${mine!.id}`)).text).toBe(`✅ 已确认 #${mine!.id}：新开便利店（C2）的坐标已更新。`);
    expect(await t.db.customer.findUniqueOrThrow({ where: { id: unlocated.id } })).toMatchObject({ lat: MOVED.lat, lng: MOVED.lng, located: true });
    expect(await t.db.coordinateProposal.findUniqueOrThrow({ where: { id: mine!.id } })).toMatchObject({ status: "accepted", decidedById: sup.id, decidedAt: clock.now() });
    expect((await say(sup, `/coords no ${mine!.id}`)).text).toBe(`#${mine!.id}（新开便利店）已经处理过了：已确认。`);
    expect((await say(sup, "/coords ok 999")).text).toBe("没有编号为 #999 的坐标提议。");
    expect((await say(sup, "/coords ok")).text).toBe("请写上编号，例如 /coords ok 12。");

    expect((await say(sup2, `/coords no ${theirs!.id}`)).text).toBe(`已忽略 #${theirs!.id}：好又多超市（C3）的坐标不变。`);
    expect(await t.db.customer.findUniqueOrThrow({ where: { id: otherTeam.id } })).toMatchObject({ lat: SHOP.lat, lng: SHOP.lng });
    // The same check-ins do not bring the dismissed position back; three new ones may.
    expect(await checkIn(otherTeam, MOVED)).toEqual([]);
    expect(await checkIn(otherTeam, MOVED)).toEqual([]);
    expect(await proposals()).toHaveLength(2);
    expect((await checkIn(otherTeam, MOVED))[0]).toContain("已请 赵主管 确认");
    expect(await proposals()).toHaveLength(3);
  });
});
