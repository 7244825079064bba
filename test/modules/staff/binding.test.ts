import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bindCodeText } from "../../../src/cli/staff.cli.ts";
import type { InboundMessage, Platform } from "../../../src/core/chat.ts";
import { resolveRecipient } from "../../../src/core/outbox.ts";
import { findStaffByIdentity } from "../../../src/core/router.ts";
import { createBindCode, hashBindCode, normaliseBindCode, parsePlatformName, redeemBindCode } from "../../../src/modules/staff/binding.service.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

describe("account binding", () => {
  let app: PlatformApp;
  beforeEach(async () => {
    app = await createPlatformApp();
  });
  afterEach(() => app.close());

  const say = async (platform: Platform, userId: string, text: string) => {
    const msg: InboundMessage = { platform, chatId: userId, userId, text };
    return (await app.router.handle(msg)).map((r) => r.text).join("\n---\n");
  };

  it("the CLI prints a one-time code valid for 24 hours", async () => {
    const { ok, text } = await bindCodeText(app.deps, "M001");
    expect(ok).toBe(true);
    const code = /[:：] ?([A-Z0-9]{8})\n/.exec(text)![1]!;
    expect(text).toContain("李明（M001）的绑定码");
    expect(text).toContain("2026-11-24 10:00（Asia/Shanghai）前有效");
    expect(text).toContain(`/bind ${code}`);
    const row = await app.db.bindCode.findUnique({ where: { codeHash: hashBindCode(code) } });
    expect(row!.expiresAt.toISOString()).toBe("2026-11-24T02:00:00.000Z");
    expect(row!.usedAt).toBeNull();
    expect((await bindCodeText(app.deps, "NOPE")).ok).toBe(false);
  });

  it("refuses unknown users with one polite message a day that explains how to get access, then stays silent", async () => {
    const visits = await app.db.visit.count();
    const answers = [];
    for (const text of ["/today", "你好", "/log", "3", "/help", "/start"]) answers.push(await app.router.handle({ platform: "telegram", chatId: "900", userId: "900", text }));
    const [first, ...rest] = answers;
    expect(first).toHaveLength(1);
    expect(first![0]!.text).toContain("/bind");
    expect(first![0]!.choices).toBeUndefined();
    for (const replies of rest) expect(replies).toEqual([]);
    expect(await app.db.visit.count()).toBe(visits);
    // The next day: one refusal again.
    app.clock.advance(24 * 3600_000);
    expect((await app.router.handle({ platform: "telegram", chatId: "900", userId: "900", text: "你好" }))[0]!.text).toContain("/bind");
  });

  it("binds with a code once; a used, expired or wrong code is refused with one and the same answer", async () => {
    const refused = "绑定码无效或已失效。请核对后重新发送（不区分大小写），或向管理员索取新的绑定码。";
    const code = await app.bindCode("M001");
    expect(await say("telegram", "100", `/bind ${code.slice(0, 4)}-${code.slice(4).toLowerCase()}`)).toContain("绑定成功：李明（M001，客户经理）");
    expect((await findStaffByIdentity(app.db, "telegram", "100"))!.code).toBe("M001");
    expect(await say("telegram", "101", `/bind ${code}`)).toBe(refused);
    expect(await findStaffByIdentity(app.db, "telegram", "101")).toBeNull();
    expect(await say("telegram", "101", "/bind ZZZZZZZZ")).toBe(refused);

    const late = await app.bindCode("M002");
    app.clock.advance(24 * 3600_000 + 1);
    expect(await say("telegram", "101", `/bind ${late}`)).toBe(refused);
    expect(await say("telegram", "101", "/bind")).toContain("/bind 绑定码");
  });

  it("a deactivated staff member cannot be bound; too many wrong codes pause /bind for an hour", async () => {
    const code = await app.bindCode("M002");
    await app.db.staff.update({ where: { code: "M002" }, data: { active: false } });
    expect(await say("lark", "ou_x", `/bind ${code}`)).toContain("绑定码无效或已失效");
    expect(await findStaffByIdentity(app.db, "lark", "ou_x")).toBeNull();
    for (let i = 0; i < 5; i++) expect(await say("lark", "ou_y", `/bind WRONG00${i}`)).toContain("无效");
    const good = await app.bindCode("M001");
    expect(await say("lark", "ou_y", `/bind ${good}`)).toBe("本账号输错绑定码的次数太多（每小时最多 5 次）。请在 11:00 之后再试，或向管理员核对绑定码。");
    app.clock.advance(16 * 60_000);
    expect(await say("lark", "ou_y", `/bind ${good}`)).toContain("输错绑定码的次数太多");
    app.clock.advance(45 * 60_000);
    expect(await say("lark", "ou_y", `/bind ${good}`)).toContain("绑定成功");
  });

  it("Telegram's /start: explains access, binds with a deep-link code, greets a known person", async () => {
    expect(await say("telegram", "300", "/start")).toContain("/bind");
    expect(await say("telegram", "300", `/start ${await app.bindCode("M002")}`)).toContain("绑定成功：陈静（M002，客户经理）");
    expect(await say("telegram", "300", "/start")).toBe("您好，陈静！发送 /today 查看今天的拜访清单，发送 /help 查看全部命令。");
  });

  it("two people racing with one code: exactly one wins", async () => {
    const { code } = (await createBindCode({ db: app.db, clock: app.clock, staffCode: "M001" }))!;
    const results = await Promise.all(["a", "b", "c"].map((u) => redeemBindCode({ db: app.db, clock: app.clock, code, platform: "wechat", platformUserId: u })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await app.db.chatIdentity.count({ where: { platform: "wechat" } })).toBe(1);
  });

  it("one person binds several platforms and chooses where reminders go; /unbind removes one", async () => {
    const staff = (await app.db.staff.findUnique({ where: { code: "M001" } }))!;
    await say("telegram", "100", `/bind ${await app.bindCode()}`);
    const second = await say("lark", "ou_li", `/bind ${await app.bindCode()}`);
    // Without a choice, reminders follow the latest binding.
    expect(second).toContain("提醒将发送到：飞书");

    const status = await app.router.handle({ platform: "lark", chatId: "ou_li", userId: "ou_li", text: "/notify" });
    expect(status[0]!.text).toContain("已绑定的渠道：Telegram、飞书");
    expect(status[0]!.choices!.map((c) => c.value)).toEqual(["/notify telegram", "/notify lark"]);

    expect(await say("lark", "ou_li", "/notify wechat")).toContain("还没有在微信绑定");
    expect(await say("lark", "ou_li", "/notify 短信")).toContain("不认识的渠道");
    // A button press arrives as its value.
    const pressed = await app.router.handle({ platform: "lark", chatId: "ou_li", userId: "ou_li", text: "/notify telegram", isAction: true });
    expect(pressed[0]!.text).toContain("以后的提醒将发送到 Telegram");
    expect(await resolveRecipient(app.db, (await app.db.staff.findUnique({ where: { id: staff.id } }))!)).toEqual({ platform: "telegram", chatId: "100" });

    // Unbinding the chosen platform: reminders fall back to the remaining binding.
    expect(await say("telegram", "100", "/unbind")).toContain("已解除本 Telegram 账号与 李明（M001）的绑定");
    expect(await findStaffByIdentity(app.db, "telegram", "100")).toBeNull();
    const after = (await app.db.staff.findUnique({ where: { id: staff.id } }))!;
    expect(after.notifyPlatform).toBeNull();
    expect(await resolveRecipient(app.db, after)).toEqual({ platform: "lark", chatId: "ou_li" });
    // Now a stranger again on Telegram.
    expect(await say("telegram", "100", "/today")).toContain("/bind");
    // The terminal has no /unbind.
    expect(await say("console", "terminal", "/unbind")).not.toContain("已解除");
  });

  it("English speakers get English; codes and platform names are forgiving", async () => {
    await app.db.staff.update({ where: { code: "M002" }, data: { locale: "en" } });
    expect(await say("wechat", "wx_chen", `/bind ${await app.bindCode("M002")}`)).toContain("✅ Linked: 陈静 (M002, customer manager) now uses this WeChat account.");
    expect(await say("wechat", "wx_chen", "/notify")).toContain("Reminders go to: WeChat");
    expect(normaliseBindCode(" ab12-cd34 ")).toBe("AB12CD34");
    expect(parsePlatformName("飞书")).toBe("lark");
    expect(parsePlatformName("Feishu")).toBe("lark");
    expect(parsePlatformName("微信")).toBe("wechat");
    expect(parsePlatformName("TG")).toBe("telegram");
  });
});
