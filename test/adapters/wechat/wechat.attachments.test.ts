import { types } from "wechaty";
import { mock, PuppetMock } from "wechaty-puppet-mock";
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeChartRenderer } from "../../../src/modules/reports/chart.ts";
import { DEFAULT_DELIVERY, deliver } from "../../../src/adapters/platform.ts";
import { WechatAdapter } from "../../../src/adapters/wechat/wechat.adapter.ts";
import { Dispatcher, enqueue } from "../../../src/core/outbox.ts";
import { CHART, CHART_BYTES, countingPort, EXPORT, EXPORT_BYTES, reportReply, reportRouter } from "../../helpers/attachments.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

type Contact = ReturnType<mock.Mocker["createContact"]>;
type MockMessage = { id: string; type(): number; text(): string | undefined; talker(): { id: string }; toFileBox(): Promise<{ name: string; toBuffer(): Promise<Buffer> }> };

/** What the bot sent to a contact or room, in order: texts and files as the mock puppet stored them. */
interface Got {
  type: number;
  text?: string;
  file?: { name: string; bytes: Buffer };
}
function received(target: { on(event: "message", fn: (m: MockMessage) => void): unknown }, botId: () => string): Got[] {
  const got: Got[] = [];
  target.on("message", (m) => {
    if (m.talker().id !== botId()) return;
    const entry: Got = { type: m.type() };
    got.push(entry);
    if (m.type() === types.Message.Text) entry.text = m.text() ?? "";
    else void m.toFileBox().then(async (box) => (entry.file = { name: box.name, bytes: await box.toBuffer() }));
  });
  return got;
}

describe("WeChat attachments (wechaty file boxes through wechaty-puppet-mock)", () => {
  afterAll(() => closeChartRenderer());
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;
  const sleeps: number[] = [];
  let virtualNow = 0;
  const botId = () => bot.id;

  beforeEach(async () => {
    app = await createPlatformApp();
    mocker = new mock.Mocker();
    sleeps.length = 0;
    virtualNow = 1_000_000;
    adapter = new WechatAdapter({
      puppet: new PuppetMock({ mocker }),
      name: "visitmate-attachments-test",
      router: reportRouter(app.router),
      deps: app.deps,
      // Virtual time: the spacing between sends is recorded, not waited for.
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

  /** Text with numbered options, then the chart (an image message), then the export (a file). */
  async function expectReport(got: Got[], from = 0): Promise<void> {
    await waitUntil(() => got.length >= from + 3 && got.slice(from).every((g) => g.type === types.Message.Text || g.file), "the report");
    const [text, chart, xlsx] = got.slice(from) as [Got, Got, Got];
    expect(text.type).toBe(types.Message.Text);
    expect(text.text).toContain("📊 团队周报（12月1日–12月7日）");
    expect(text.text).toContain("1. 下载明细");
    expect(chart.type).toBe(types.Message.Image);
    expect(chart.file!.name).toBe(CHART.name);
    expect(chart.file!.bytes.equals(CHART_BYTES)).toBe(true);
    expect(xlsx.type).not.toBe(types.Message.Text);
    expect(xlsx.file!.name).toBe(EXPORT.name);
    expect(xlsx.file!.bytes.equals(EXPORT_BYTES)).toBe(true);
  }

  it("a supervisor's /team week: the team's figures, then the real chart as an image", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const s001 = await app.db.staff.findUniqueOrThrow({ where: { code: "S001" } });
    await app.db.chatIdentity.create({ data: { platform: "wechat", platformUserId: wang.id, staffId: s001.id } });
    const got = received(wang, botId);
    wang.say("/team week").to(bot);
    await waitUntil(() => got.length >= 2 && Boolean(got[1]!.file), "the week and its chart");
    expect(got[0]!.text).toMatch(/^📊 团队本周 · /);
    expect(got[1]!.type).toBe(types.Message.Image);
    const png = PNG.sync.read(got[1]!.file!.bytes);
    expect([png.width, png.height]).toEqual([960, 540]);
  });

  it("a direct reply: text with numbered options, then the chart, then the export, each spaced like any send", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const got = received(wang, botId);
    wang.say("/report").to(bot);
    await expectReport(got);
    await adapter.idle();
    expect(got).toHaveLength(3);
    // Three sends in a row: the second and third each waited for the rest of the interval.
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });

  it("in a room: the asker is mentioned on the text only; the files follow", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const room = mocker.createRoom({ topic: "桐庐片区", memberIdList: [bot.id, wang.id] });
    const got = received(room, botId);
    wang.say("@拜访助手 /report", [bot]).to(room);
    await expectReport(got);
    expect(got[0]!.text!.startsWith("@王建国")).toBe(true);
  });

  it("through the outbox: to the private chat, once", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const got = received(wang, botId);
    await enqueue({ db: app.db, key: "report:S001:2026-12-07", kind: "report", platform: "wechat", chatId: wang.id, reply: reportReply(), clock: app.clock });
    const dispatcher = new Dispatcher({ db: app.db, ports: new Map([["wechat", adapter]]), clock: app.clock, log: app.deps.log, sleep: async (ms) => app.clock.advance(ms) });
    expect(await dispatcher.drainOnce()).toMatchObject({ sent: 1, failed: 0 });
    await expectReport(got);
    expect((await dispatcher.drainOnce()).sent).toBe(0);
    expect(got).toHaveLength(3);
  });

  it("a retried reply resumes after what arrived: WeChat cannot deduplicate, so nothing is sent twice", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const got = received(wang, botId);
    // The puppet fails the first file send (a dropped connection to the WeChat client).
    const puppet = adapter.bot!.puppet as unknown as { messageSendFile: (...a: unknown[]) => Promise<unknown> };
    const original = puppet.messageSendFile.bind(puppet);
    let failures = 1;
    puppet.messageSendFile = async (...a: unknown[]) => {
      if (failures-- > 0) throw new Error("socket hang up");
      return original(...a);
    };
    const port = countingPort(adapter);
    await deliver(port, { platform: "wechat", chatId: wang.id }, reportReply(), { key: "reply:wechat:msg1:0", policy: { ...DEFAULT_DELIVERY, sleep: async () => undefined } });
    expect(port.calls).toBe(2);
    await expectReport(got);
    await adapter.idle();
    expect(got).toHaveLength(3);
  });

  it("an empty text sends only the files", async () => {
    const wang = mocker.createContact({ name: "王建国" });
    const got = received(wang, botId);
    await adapter.send({ platform: "wechat", chatId: wang.id }, { text: "", attachments: [CHART, EXPORT] });
    await waitUntil(() => got.length === 2 && got.every((g) => g.file), "two files");
    expect(got.map((g) => g.file!.name)).toEqual([CHART.name, EXPORT.name]);
  });
});
