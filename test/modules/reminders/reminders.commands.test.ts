import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAppRouter } from "../../../src/app.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { parseQuietHours, quietHoursEnd, resolveReminderName } from "../../../src/modules/reminders/reminders.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

describe("reminder commands", () => {
  let t: TestDb;
  let deps: AppDeps;
  beforeEach(async () => {
    t = await createTestDb();
    deps = { db: t.db, policy: loadPolicy({ preset: "key-account" }), clock: new FakeClock("2026-11-23T00:00:00Z"), log: silentLogger };
    const s = await t.db.staff.create({ data: { code: "M1", name: "Li", role: "manager", locale: "en" } });
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "7", staffId: s.id } });
  });
  afterEach(async () => t.close());

  const say = async (text: string) => (await createAppRouter(deps).handle({ platform: "telegram", chatId: "7", userId: "7", text }))[0]!.text;
  const staff = () => t.db.staff.findUniqueOrThrow({ where: { code: "M1" } });

  it("mutes and unmutes by id, kebab-case or name; required reminders stay on", async () => {
    expect(await say("/mute")).toContain("Can be turned off: appointments, unlogged visits");
    expect(await say("/mute weekly-phone-contacts")).toContain("“weekly phone contacts” is off");
    expect(await say("/mute credit")).toContain("“credit follow-up” is off");
    expect(await say("/mute 采购计划")).toContain("“purchase plans” is off");
    expect((await staff()).mutedReminders).toBe("creditFollowUp,purchasePlans,weeklyPhoneContacts");
    expect(await say("/mute morning visit list")).toContain("required and cannot be turned off");
    expect(await say("/mute nonsense")).toContain("There is no reminder called “nonsense”");
    expect(await say("/unmute credit")).toContain("is on again");
    expect(await say("/unmute all")).toContain("All reminders are on again");
    expect((await staff()).mutedReminders).toBe("");
    expect(await say("/mute all")).toContain("All optional reminders are off");
    expect((await staff()).mutedReminders.split(",")).not.toContain("morningList");
  });

  it("sets, shows and clears quiet hours; /reminders lists what is on", async () => {
    expect(await say("/quiet 22:00-7:30")).toContain("Quiet hours set to 22:00–07:30");
    expect(await say("/quiet")).toContain("Quiet hours: 22:00–07:30");
    await say("/mute appointments");
    const list = await say("/reminders");
    expect(list).toContain("🔔 morning visit list · visit days at 07:30 · required");
    expect(list).toContain("🔕 appointments ·");
    expect(list).toContain("🔔 weekly phone contacts · Mondays at 09:00");
    expect(list).toContain("🌙 Quiet hours: 22:00–07:30");
    expect(await say("/quiet off")).toContain("Quiet hours removed");
    expect(await say("/quiet 25:00-07:00")).toContain("Usage: /quiet");
  });

  it("parses quiet hours and finds when they end, across midnight too", () => {
    expect(parseQuietHours("22:00-07:30")).toEqual({ start: "22:00", end: "07:30" });
    expect(parseQuietHours("12:00～13:30")).toEqual({ start: "12:00", end: "13:30" });
    expect(parseQuietHours("２２：００－０７：３０")).toEqual({ start: "22:00", end: "07:30" });
    expect(parseQuietHours("22:00")).toBeNull();
    const q = { quietStart: "22:00", quietEnd: "07:30" };
    const tz = "Asia/Shanghai";
    expect(quietHoursEnd(q, new Date("2026-11-23T23:30:00+08:00"), tz)?.toISOString()).toBe(new Date("2026-11-24T07:30:00+08:00").toISOString());
    expect(quietHoursEnd(q, new Date("2026-11-23T06:00:00+08:00"), tz)?.toISOString()).toBe(new Date("2026-11-23T07:30:00+08:00").toISOString());
    expect(quietHoursEnd(q, new Date("2026-11-23T07:30:00+08:00"), tz)).toBeNull();
    expect(quietHoursEnd({ quietStart: "12:00", quietEnd: "13:30" }, new Date("2026-11-23T12:10:00+08:00"), tz)?.toISOString()).toBe(new Date("2026-11-23T13:30:00+08:00").toISOString());
    expect(resolveReminderName(deps.policy, "早间清单")).toBe("morningList");
    expect(resolveReminderName(deps.policy, "Unlogged-Visits")).toBe("unloggedVisits");
  });
});
