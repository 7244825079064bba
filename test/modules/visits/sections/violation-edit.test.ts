/**
 * A violation reported in a visit, then taken out by an edit: the supervisor's notice is withdrawn
 * while it still waits, the manager is told the truth either way, and putting it back queues it again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../../src/config/policy.ts";
import { FakeClock } from "../../../../src/core/clock.ts";
import type { ChatFormEnv } from "../../../../src/core/forms/form-router.ts";
import { silentLogger } from "../../../../src/core/logger.ts";
import type { Customer, Staff } from "../../../../src/generated/prisma/client.ts";
import { translator } from "../../../../src/i18n/i18n.ts";
import { marketSection } from "../../../../src/modules/visits/sections/market.ts";
import { createTestDb, type TestDb } from "../../../helpers/db.ts";

const clock = new FakeClock("2026-12-02T01:30:00Z");
const t = translator("zh-CN");
type Round = Parameters<NonNullable<typeof marketSection.afterLog>>[0]["rounds"][number];
const violation = (text: string) => ({ topics: ["violation"], violation: text }) as unknown as Round;

describe("a violation taken out of a visit by an edit", () => {
  let tdb: TestDb;
  let staff: Staff;
  let supervisor: Staff;
  let shop: Customer;
  let env: ChatFormEnv;
  let visitId: number;

  beforeEach(async () => {
    tdb = await createTestDb();
    supervisor = await tdb.db.staff.create({ data: { code: "S001", name: "王建国", role: "supervisor" } });
    staff = await tdb.db.staff.create({ data: { code: "M001", name: "李明", role: "manager", supervisorId: supervisor.id } });
    await tdb.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-s1", staffId: supervisor.id } });
    shop = await tdb.db.customer.create({ data: { code: "C1", name: "张记烟酒店", lat: 29.8, lng: 119.69, managerId: staff.id } });
    visitId = (await tdb.db.visit.create({ data: { customerId: shop.id, managerId: staff.id, visitedAt: clock.now(), mode: "field", details: "{}" } })).id;
    env = { t, now: clock.now(), today: "2026-12-02", deps: { db: tdb.db, policy: loadPolicy(), clock, log: silentLogger }, staff, locale: "zh-CN", platform: "console" };
  });
  afterEach(async () => tdb.close());

  const afterLog = (rounds: Round[], edited: boolean) => tdb.db.$transaction((tx) => marketSection.afterLog!({ tx, env, visitId, customer: shop, rounds, edited }));
  const notice = () => tdb.db.outbox.findFirstOrThrow({ where: { kind: "visit-violation" } });

  it("withdrawn while pending; queued again when an edit puts it back; once sent, the manager is told to correct it", async () => {
    expect(await afterLog([violation("隔壁店疑似卖私烟")], false)).toEqual(["📣 违规情况已转告主管 王建国。"]);
    expect(await notice()).toMatchObject({ status: "pending", staffId: supervisor.id, chatId: "tg-s1" });

    // An edit without it: the notice has not gone yet, so it is withdrawn, and the manager is told so.
    expect(await afterLog([], true)).toEqual(["↩️ 违规情况已从这次拜访中删除，给主管 王建国 的提醒已撤回（还没发出）。"]);
    expect((await notice()).status).toBe("cancelled");
    // An edit of a visit that never had one says nothing.
    expect(await afterLog([], true)).toEqual([]);

    // Put back (with another text): queued again under the same key, with the new text.
    expect(await afterLog([violation("无证经营")], true)).toEqual(["📣 违规情况已转告主管 王建国。"]);
    const again = await notice();
    expect(again).toMatchObject({ status: "pending", attempts: 0 });
    expect(again.payload).toContain("无证经营");
    expect(await tdb.db.outbox.count({ where: { kind: "visit-violation" } })).toBe(1);

    // Once delivered, it cannot be taken back: the manager hears that, and nothing else changes.
    await tdb.db.outbox.update({ where: { id: again.id }, data: { status: "sent", sentAt: clock.now() } });
    expect(await afterLog([], true)).toEqual(["⚠️ 违规情况已从这次拜访中删除，但主管 王建国 已经收到先前的提醒。如有误，请直接告诉 王建国。"]);
    expect((await notice()).status).toBe("sent");
    // A first log without a violation touches nothing.
    expect(await afterLog([], false)).toEqual([]);
  });
});
