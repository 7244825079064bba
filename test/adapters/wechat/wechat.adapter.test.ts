import { PassThrough } from "node:stream";
import { ScanStatus } from "wechaty";
import { mock, PuppetMock } from "wechaty-puppet-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WechatAdapter } from "../../../src/adapters/wechat/wechat.adapter.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

type Contact = ReturnType<mock.Mocker["createContact"]>;

/** What a contact (or room) received from the bot, in order. */
function inbox(target: { on(event: "message", fn: (m: { text(): string | undefined; talker(): { id: string } }) => void): unknown }, botId: () => string): string[] {
  const got: string[] = [];
  target.on("message", (m) => {
    if (m.talker().id === botId()) got.push(m.text() ?? "");
  });
  return got;
}

describe("WeChat adapter (wechaty with wechaty-puppet-mock)", () => {
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;
  let output: PassThrough;
  let printed: string;
  const sleeps: number[] = [];
  let virtualNow = 0;

  beforeEach(async () => {
    app = await createPlatformApp();
    mocker = new mock.Mocker();
    output = new PassThrough();
    printed = "";
    output.on("data", (c: Buffer) => (printed += c.toString()));
    sleeps.length = 0;
    virtualNow = 1_000_000;
    adapter = new WechatAdapter({
      puppet: new PuppetMock({ mocker }),
      name: "visitmate-test",
      router: app.router,
      deps: app.deps,
      output,
      // Virtual time: the 1 s spacing is recorded, not waited for.
      now: () => virtualNow,
      sleep: async (ms) => {
        sleeps.push(ms);
        virtualNow += ms;
      },
    });
    running = adapter.run();
    await adapter.ready;
    bot = mocker.createContact({ name: "拜访助手" });
    mocker.login(bot);
    await waitUntil(() => adapter.bot!.isLoggedIn, "login");
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await app.close();
  });

  const botId = () => bot.id;
  async function nextText(got: string[], from: number, match: (t: string) => boolean = () => true): Promise<{ text: string; cursor: number }> {
    let found: { text: string; cursor: number } | null = null;
    await waitUntil(() => {
      for (let i = from; i < got.length; i++) if (match(got[i]!)) return Boolean((found = { text: got[i]!, cursor: i + 1 }));
      return false;
    }, "a reply");
    return found!;
  }
  /** The number in front of an option label ("3. 实地" → "3"). */
  function optionNumber(text: string, label: string): string {
    const line = text.split("\n").find((l) => new RegExp(`^\\d+\\. ${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`).test(l));
    if (!line) throw new Error(`no option "${label}" in:\n${text}`);
    return line.split(".")[0]!;
  }

  it("refuses a stranger, binds with a code, /today, logs a visit by numbered replies, gets a reminder", async () => {
    const stranger = mocker.createContact({ name: "路人" });
    const strangerInbox = inbox(stranger, botId);
    stranger.say("/today").to(bot);
    await nextText(strangerInbox, 0);
    expect(strangerInbox[0]).toContain("/bind");
    expect(strangerInbox[0]).toContain("微信");

    const liMing = mocker.createContact({ name: "李明" });
    const got = inbox(liMing, botId);
    const code = await app.bindCode("M001");
    liMing.say(`/bind ${code}`).to(bot);
    let { text, cursor } = await nextText(got, 0);
    expect(text).toContain("绑定成功：李明（M001，客户经理）已关联本微信账号");

    liMing.say("/today").to(bot);
    ({ text, cursor } = await nextText(got, cursor, (t) => t.includes("拜访清单")));

    // The form, answered with numbers.
    const visitsBefore = await app.db.visit.count();
    liMing.say("/log").to(bot);
    ({ text, cursor } = await nextText(got, cursor, (t) => /^1\. /m.test(t)));
    const firstStop = /^1\. (.+)$/m.exec(text)![1]!;
    liMing.say("1").to(bot);
    ({ text, cursor } = await nextText(got, cursor, (t) => t.includes("拜访方式")));
    liMing.say(optionNumber(text, "实地")).to(bot);
    ({ text, cursor } = await nextText(got, cursor, (t) => t.includes("拜访用了多长时间")));
    liMing.say("１").to(bot); // full-width, as typed with a Chinese IME
    ({ text, cursor } = await nextText(got, cursor, (t) => t.includes("一切正常，提交")));
    liMing.say(optionNumber(text, "✅ 一切正常，提交")).to(bot);
    ({ text, cursor } = await nextText(got, cursor, (t) => t.includes("已记录")));
    expect(text).toContain(`✅ 已记录：${firstStop} · 实地`);
    expect(await app.db.visit.count()).toBe(visitsBefore + 1);

    // Reminder through the outbox, to the private chat.
    const to = await app.remind(new Map([["wechat", adapter]]), "⏰ 请在 17:00 前提交今日拜访记录");
    expect(to).toEqual({ platform: "wechat", chatId: liMing.id });
    ({ text } = await nextText(got, cursor, (t) => t.startsWith("⏰")));
    expect(text).toBe("⏰ 请在 17:00 前提交今日拜访记录");

    // Every send after the first waited for the rest of its second.
    expect(sleeps.length).toBeGreaterThan(5);
    expect(sleeps.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
    expect(strangerInbox).toHaveLength(1);
  }, 180_000);

  it("in rooms answers @mentions only, mentioning the asker; data and forms stay in the private chat", async () => {
    const liMing = mocker.createContact({ name: "李明" });
    const other = mocker.createContact({ name: "王五" });
    const code = await app.bindCode("M001");
    const got = inbox(liMing, botId);
    liMing.say(`/bind ${code}`).to(bot);
    await nextText(got, 0);

    const room = mocker.createRoom({ topic: "桐庐片区", memberIdList: [bot.id, liMing.id, other.id] });
    const roomGot = inbox(room, botId);
    liMing.say("大家早").to(room);
    liMing.say("@拜访助手 /help", [bot]).to(room);
    const { text, cursor } = await nextText(roomGot, 0);
    expect(text).toContain("/today");
    expect(text.startsWith("@李明")).toBe(true);
    // A form would ask its questions in front of everyone: the room is told to go private.
    liMing.say("@拜访助手 /log", [bot]).to(room);
    const { text: refused, cursor: afterRefusal } = await nextText(roomGot, cursor);
    expect(refused).toContain("请私聊我");
    expect(refused).not.toMatch(/^1\. /m);
    other.say("1").to(room);
    liMing.say("1").to(room);
    await adapter.idle();
    expect(roomGot).toHaveLength(afterRefusal);
  });

  it("prints the login QR code to the terminal", async () => {
    mocker.scan("https://login.weixin.qq.com/l/abc123", ScanStatus.Waiting);
    await waitUntil(() => printed.includes("abc123"), "QR code printed");
    expect(printed).toContain("请用微信扫码登录");
    // The terminal rendering uses block characters.
    expect(printed).toMatch(/[█▀▄]/);
  });
});
