import { afterEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../src/app.ts";
import type { Staff } from "../../src/generated/prisma/client.ts";
import { listWeeklyPhoneList, PHONE_LIST_PAGE } from "../../src/modules/reminders/reminders.service.ts";
import { createWorld, local, type World } from "../helpers/reminders.ts";

const MONDAY = "2026-11-23";

function say(w: World, staff: Staff, text: string) {
  return createAppRouter(w.deps).handle({ platform: "telegram", chatId: `tg-${staff.code}`, userId: `tg-${staff.code}`, text });
}
const text = async (w: World, staff: Staff, line: string) => (await say(w, staff, line)).map((r) => r.text).join("\n");
const entryRefs = (s: string) => [...s.matchAll(/^(P\d+)\. /gm)].map((m) => m[1]);

describe("key-account weekly phone list: paged, P-numbered, /call P3", () => {
  let w: World;
  afterEach(async () => w?.t.close());

  it("Monday's reminder lists page 1 as P1…P15 and names /calls 2 and /call; /calls pages through the rest with the same numbers", async () => {
    w = await createWorld({ preset: "key-account", start: local(MONDAY, "08:55") });
    const list = await listWeeklyPhoneList({ db: w.t.db, policy: w.deps.policy, managerId: w.m1.id, date: MONDAY });
    expect(list.length).toBeGreaterThan(PHONE_LIST_PAGE);
    await w.simulate(local(MONDAY, "09:00"), local(MONDAY, "09:00"));
    const row = await w.t.db.outbox.findFirstOrThrow({ where: { kind: "weekly-phone-contacts", staffId: w.m1.id } });
    const pushed = JSON.parse(row.payload).text as string;
    expect(pushed).toMatch(new RegExp(`本周需电话联系的A类客户、B类客户 ${list.length} 家（每周至少一次），第 1/${Math.ceil(list.length / PHONE_LIST_PAGE)} 页：`));
    expect(entryRefs(pushed)).toEqual(list.slice(0, PHONE_LIST_PAGE).map((e) => e.ref));
    expect(pushed).toContain(`……还有 ${list.length - PHONE_LIST_PAGE} 家：发送 /calls 2 查看下一页`);
    expect(pushed).toMatch(/打完电话发送 \/call 编号登记，如 \/call P\d+/);
    expect(pushed).not.toContain("请登记为电话拜访");
    // No stop-number clash: every entry starts with P, none with a bare number.
    expect(pushed).not.toMatch(/^\d+\. /m);

    expect(entryRefs(await text(w, w.m1, "/calls"))).toEqual(entryRefs(pushed));
    const page2 = await text(w, w.m1, "/calls 2");
    expect(entryRefs(page2)).toEqual(list.slice(PHONE_LIST_PAGE, 2 * PHONE_LIST_PAGE).map((e) => e.ref));
    expect(page2).toContain(`第 2/`);
    expect(await text(w, w.m1, "/calls 9")).toContain("电话清单只有");
  });

  it("/call P3 logs a call to the third entry; the list keeps its numbers and marks it done", async () => {
    w = await createWorld({ preset: "key-account", start: local("2026-11-25", "10:00") });
    const before = await listWeeklyPhoneList({ db: w.t.db, policy: w.deps.policy, managerId: w.m1.id, date: "2026-11-25" });
    const p3 = before[2]!;
    const asked = await text(w, w.m1, "/call P3");
    expect(asked).toContain(p3.customer.name);
    const logged = await text(w, w.m1, "确认订单");
    expect(logged).toContain(p3.customer.name);
    const visit = await w.t.db.visit.findFirstOrThrow({ where: { managerId: w.m1.id, mode: "phone" }, orderBy: { id: "desc" } });
    expect(visit.customerId).toBe(p3.customer.id);

    const after = await listWeeklyPhoneList({ db: w.t.db, policy: w.deps.policy, managerId: w.m1.id, date: "2026-11-25" });
    expect(after.map((e) => [e.ref, e.customer.id])).toEqual(before.map((e) => [e.ref, e.customer.id]));
    expect(after[2]!.done).toBe(true);
    const shown = await text(w, w.m1, "/calls");
    expect(shown).toMatch(new RegExp(`^P3\\. ${p3.customer.name.replace(/[()（）]/g, ".")} · .+ · ✅ 本周已联系$`, "m"));

    // In the call form, the P-number works as the answer too; one past the end is refused by name.
    await text(w, w.m1, "/call");
    expect(await text(w, w.m1, `P${before.length + 1}`)).toContain(`本周电话清单里没有 P${before.length + 1}（共 ${before.length} 家`);
    expect(await text(w, w.m1, "P1")).toContain(before[0]!.customer.name);
  });
});
