import { afterEach, describe, expect, it } from "vitest";
import { answeredCard, doneMark } from "../../src/adapters/lark/lark.mapper.ts";
import { createAppRouter } from "../../src/app.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { formatDistance } from "../../src/core/format.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { t, translator } from "../../src/i18n/i18n.ts";
import { seedDemoIfEmpty } from "../../src/modules/demo/demo.service.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai: a visit day of the demo.
const MONDAY_8 = "2026-11-23T00:00:00Z";

describe("wording", () => {
  let db: TestDb;
  afterEach(async () => db?.close());

  it("distances: 米/公里 in zh-CN, m/km in en; 999.6 m is 1.0 公里", () => {
    expect(formatDistance(874.4, translator("zh-CN"))).toBe("874 米");
    expect(formatDistance(3240, translator("zh-CN"))).toBe("3.2 公里");
    expect(formatDistance(999.6, translator("zh-CN"))).toBe("1.0 公里");
    expect(formatDistance(874.4, translator("en"))).toBe("874 m");
    expect(formatDistance(3240, translator("en"))).toBe("3.2 km");
  });

  it("a Latin value next to Chinese gets the catalogues' space; Chinese values and terms like A类客户 stay as they are", () => {
    const params = { name: "李明", code: "M001", role: "客户经理" };
    expect(t("zh-CN", "bind.ok", { ...params, platform: "Telegram" })).toBe("✅ 绑定成功：李明（M001，客户经理）已关联本 Telegram 账号。");
    expect(t("zh-CN", "bind.ok", { ...params, platform: "飞书" })).toBe("✅ 绑定成功：李明（M001，客户经理）已关联本飞书账号。");
    expect(t("zh-CN", "notify.not-bound", { platform: "Telegram" })).toBe("您还没有在 Telegram 绑定账号。请先在 Telegram 里发送 /bind 绑定码，再设置提醒渠道。");
    expect(t("zh-CN", "calls.header", { classes: "A类客户", count: 3, page: "" })).toContain("本周需电话联系的A类客户 3 家");
    // English is left alone.
    expect(t("en", "bind.ok", { ...params, platform: "Telegram" })).not.toMatch(/ {2}/);
  });

  it("the Lark toast and answered card mark a tapped label once", () => {
    expect(doneMark("✅ 一切正常，提交")).toBe("✅ 一切正常，提交");
    expect(doneMark("货源")).toBe("✅ 货源");
    expect(JSON.stringify(answeredCard("问题", "✅ 一切正常，提交"))).not.toContain("✅ ✅");
  });

  async function router(): Promise<(text: string) => Promise<string>> {
    db = await createTestDb();
    const deps: AppDeps = { db: db.db, policy: loadPolicy(), clock: new FakeClock(MONDAY_8), log: silentLogger };
    await seedDemoIfEmpty(deps);
    const m1 = await db.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    await db.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "7", staffId: m1.id } });
    const r = createAppRouter(deps);
    return async (text) => (await r.handle({ platform: "telegram", chatId: "7", userId: "7", text })).map((x) => x.text).join("\n");
  }

  it("/help lists the key-account file and purchase plans only where the policy has key accounts", async () => {
    const say = await router();
    const tobacco = await say("/help");
    expect(tobacco).toContain("/log — ");
    expect(tobacco).not.toContain("/file — ");
    expect(tobacco).not.toContain("/purchase — ");
    // Still there when typed: the listing is what changes.
    expect(await say("/file")).not.toContain("这个命令");
    const m1 = await db.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const keyDeps: AppDeps = { db: db.db, policy: loadPolicy({ preset: "key-account" }), clock: new FakeClock(MONDAY_8), log: silentLogger };
    const keyRouter = createAppRouter(keyDeps);
    const keyHelp = (await keyRouter.handle({ platform: "telegram", chatId: "7", userId: "7", text: "/help" })).map((x) => x.text).join("\n");
    expect(m1.role).toBe("manager");
    expect(keyHelp).toContain("/file — ");
    expect(keyHelp).toContain("/purchase — ");
  });

  it("an empty message is answered: the open question again (no strike), else a pointer to /help", async () => {
    const say = await router();
    expect(await say("  ")).toBe("收到一条空消息。发送 /help 查看可用命令，或发送 /today 查看今天的拜访清单。");
    const first = await say("/complaint");
    const again = await say(" \n ");
    expect(again.startsWith("收到一条空消息，请回答：\n")).toBe(true);
    expect(again).toContain(first.split("\n")[0]!);
    expect(again).not.toContain("⚠️");
    // The form is where it was: the next answer is the customer.
    expect(await say("1")).toContain("属于哪一类？");
  });

  it("on the visit day a day-before appointment says booked or not; the day before it says to book", async () => {
    const say = await router();
    const today = await say("/today");
    const core = today.split("\n").filter((l) => l.includes(" · 核心客户 · "));
    expect(core.length).toBeGreaterThan(0);
    for (const l of core) expect(l).toMatch(/ · (已预约|未预约，请先电话确认) · /);
    expect(today).not.toContain("需提前一天预约");
    expect(today).toMatch(/距(出发点|上一站) [\d.]+ (米|公里)/);
    // Wednesday, the next visit day: still ahead, so the instruction is what to do.
    const wednesday = (await say("/plan 11-25")).split("\n").filter((l) => l.includes(" · 核心客户 · "));
    expect(wednesday.length).toBeGreaterThan(0);
    for (const l of wednesday) expect(l).toMatch(/ · 需提前一天预约(（已约）)? · /);
  });
});
