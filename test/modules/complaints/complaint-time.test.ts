import { afterEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../../src/app.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { splitDateTimeInput } from "../../../src/core/date-input.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { timeLeftText } from "../../../src/modules/complaints/complaints.service.ts";
import { complaintDeadline } from "../../../src/modules/complaints/sla.ts";
import { seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

// Wednesday 2 December 2026, 09:30 in Shanghai.
const WED_0930 = "2026-12-02T01:30:00Z";

describe("complaint time: an earlier day, with its real time driving the deadline", () => {
  let t: TestDb;
  afterEach(async () => t?.close());

  async function setup(): Promise<{ deps: AppDeps; say: (text: string) => Promise<string> }> {
    t = await createTestDb();
    const deps: AppDeps = { db: t.db, policy: loadPolicy(), clock: new FakeClock(WED_0930), log: silentLogger };
    await seedDemoIfEmpty(deps);
    const m1 = await t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "7", staffId: m1.id } });
    const router = createAppRouter(deps);
    const say = async (text: string) => (await router.handle({ platform: "telegram", chatId: "7", userId: "7", text })).map((r) => r.text).join("\n");
    return { deps, say };
  }

  it("reads the forms people type for a time on an earlier day", () => {
    const today = "2026-12-02";
    expect(splitDateTimeInput("9:30", today)).toEqual({ date: today, time: "9:30" });
    expect(splitDateTimeInput("昨天 19:30", today)).toEqual({ date: "2026-12-01", time: "19:30" });
    expect(splitDateTimeInput("昨天19:30", today)).toEqual({ date: "2026-12-01", time: "19:30" });
    expect(splitDateTimeInput("昨晚7点半", today)).toEqual({ date: "2026-12-01", time: "晚上7点半" });
    expect(splitDateTimeInput("昨天晚上7点", today)).toEqual({ date: "2026-12-01", time: "晚上7点" });
    expect(splitDateTimeInput("前天下午3点", today)).toEqual({ date: "2026-11-30", time: "下午3点" });
    expect(splitDateTimeInput("12-01 19:30", today)).toEqual({ date: "2026-12-01", time: "19:30" });
    expect(splitDateTimeInput("12月1日 19:30", today)).toEqual({ date: "2026-12-01", time: "19:30" });
    expect(splitDateTimeInput("yesterday 19:30", today)).toEqual({ date: "2026-12-01", time: "19:30" });
    expect(splitDateTimeInput("店主说的", today)).toBeNull();
  });

  it("records yesterday evening's complaint with that time; future and absurd times are refused and the form keeps its place", async () => {
    const { deps, say } = await setup();
    await say("/complaint");
    await say("1");
    await say("1");
    await say("店主说利群断货两周了");
    expect(await say("是")).toContain("昨天 19:30");
    // Tomorrow, later today, two weeks ago: refused, the same question stays open.
    expect(await say("明天 9:00")).toContain("这个时间还没到");
    expect(await say("10:30")).toContain("这个时间还没到");
    expect(await say("11-18 10:00")).toContain("这个时间已超过 7 天");
    expect(await say("随便")).toContain("请输入时间，如 9:30");
    const done = await say("昨晚7点半");
    expect(done).toMatch(/📝 已登记投诉 #1 · .+，(还剩|已超时) .+/);
    const c = await t.db.complaint.findUniqueOrThrow({ where: { id: 1 } });
    expect(c.openedAt).toEqual(new Date("2026-12-01T11:30:00Z"));
    expect(c.deadlineAt).toEqual(complaintDeadline(new Date("2026-12-01T11:30:00Z"), deps.policy));
    // The deadline runs from last night, not from now: it is earlier than one opened now.
    expect(c.deadlineAt!.getTime()).toBeLessThan(complaintDeadline(new Date(WED_0930), deps.policy).getTime());
    expect(done).toContain(timeLeftText(deps, c, new Date(WED_0930), translator("zh-CN")));
  });

  it("the time left reads with one level of brackets", async () => {
    const { deps } = await setup();
    const deadlineAt = new Date("2026-12-02T08:00:00Z"); // 16:00 local
    const zh = timeLeftText(deps, { deadlineAt }, new Date("2026-12-02T01:38:00Z"), translator("zh-CN"));
    expect(zh).toBe("还剩 6 小时 22 分钟，16:00 前处理完");
    expect(`（${zh}）`).not.toMatch(/（[^）]*（/);
    expect(timeLeftText(deps, { deadlineAt }, new Date("2026-12-02T01:38:00Z"), translator("en"))).toBe("6 h 22 min left, resolve by 16:00");
  });
});
