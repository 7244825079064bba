import { mock, PuppetMock } from "wechaty-puppet-mock";
import { hashBindCode } from "../../src/modules/staff/binding.service.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../src/adapters/lark/lark.adapter.ts";
import { TelegramAdapter } from "../../src/adapters/telegram/telegram.adapter.ts";
import { WechatAdapter } from "../../src/adapters/wechat/wechat.adapter.ts";
import { allCommands } from "../../src/app.ts";
import { createRouter, type Command, type Router } from "../../src/core/router.ts";
import { claimStrangerNotice } from "../../src/modules/staff/strangers.service.ts";
import { bindIdentity } from "../../src/modules/staff/staff.service.ts";
import { cardActionEvent, FakeLarkApi, messageEvent, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram, type ApiCall, type FakeUser } from "../helpers/fake-telegram.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LI_MING: FakeUser = { id: 4242, first_name: "Ming", username: "liming" };
const CHEN: FakeUser = { id: 4343, first_name: "Jing", username: "chenjing" };
const STRANGER: FakeUser = { id: 5151, first_name: "Stranger" };
const STRANGER_2: FakeUser = { id: 5252, first_name: "Passer-by" };
const GROUP = { id: -100777, type: "supergroup", title: "片区群" };

const PRIVATE_ONLY = "请私聊我";

async function bind(app: PlatformApp, platform: string, platformUserId: string, staffCode: string): Promise<void> {
  const staff = (await app.db.staff.findUnique({ where: { code: staffCode } }))!;
  await bindIdentity({ db: app.db, platform, platformUserId, staffId: staff.id });
}

/** Names and addresses of the manager's shops: none may appear in a group. */
async function shopWords(app: PlatformApp, staffCode = "M001"): Promise<string[]> {
  const customers = await app.db.customer.findMany({ where: { manager: { code: staffCode }, active: true }, select: { name: true, address: true } });
  return customers.flatMap((c) => [c.name, c.address ?? ""]).filter((w) => w.length >= 3);
}

/**
 * The app's commands plus a question that may be asked in a group (none of the app's own are):
 * to see who may answer a keyboard, a card or numbered options there.
 */
function routerWithGroupQuestion(app: PlatformApp): Router {
  const poll: Command = {
    name: "poll",
    privateOnly: false,
    run: async () => ({ text: "今天先去哪家？", choices: [{ label: "甲店", value: "/picked 甲店" }, { label: "乙店", value: "/picked 乙店" }] }),
  };
  const picked: Command = { name: "picked", privateOnly: false, run: async (ctx) => ({ text: `${ctx.staff!.name} 选了 ${ctx.rest}` }) };
  return createRouter({ deps: app.deps, commands: [...allCommands(), poll, picked], claimStrangerNotice: (o) => claimStrangerNotice({ db: app.db, ...o }) });
}

describe("Telegram: strangers, floods, groups (grammY against a fake Bot API)", () => {
  let app: PlatformApp;
  let tg: FakeTelegram;
  let adapter: TelegramAdapter | null;
  let running: Promise<void> | null;

  beforeEach(async () => {
    app = await createPlatformApp();
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    adapter = null;
    running = null;
  });
  afterEach(async () => {
    await adapter?.stop();
    await running?.catch(() => undefined);
    await tg.close();
    await app.close();
  });

  function start(extra: Partial<ConstructorParameters<typeof TelegramAdapter>[0]> = {}): TelegramAdapter {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, pollTimeoutSeconds: 1, ...extra });
    running = adapter.run();
    return adapter;
  }
  async function restart(extra: Partial<ConstructorParameters<typeof TelegramAdapter>[0]> = {}): Promise<TelegramAdapter> {
    await adapter!.stop();
    await running;
    return start(extra);
  }
  const texts = (chatId: number) => tg.sent(chatId).map((c) => String(c.payload.__plain ?? c.payload.text));

  it("a stranger's flood of 300 messages gets one answer, writes one row, and a bound manager is answered while it is still being handled", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    start(); // the default throttle, as in production
    // The stranger's one answer stays in flight until released: whatever the manager gets before
    // that was handled while the stranger's messages were still queued behind it.
    const held = tg.holdSends(STRANGER.id);
    const flood = Array.from({ length: 300 }, (_, i) => tg.message(STRANGER, i % 3 ? `买烟 ${i}` : `/today ${i}`));
    await tg.waitFor(() => held.arrived() === 1, "the stranger's refusal in flight");
    tg.message(LI_MING, "/help");
    const [help] = await tg.waitForSent(LI_MING.id, 1);
    expect(help!.payload.text).toContain("/today");
    expect(tg.sent(STRANGER.id)).toHaveLength(0);

    held.release();
    await tg.waitForSent(STRANGER.id, 1);
    await adapter!.idle();
    expect(held.arrived()).toBe(1);
    expect(texts(STRANGER.id)).toHaveLength(1);
    expect(texts(STRANGER.id)[0]).toContain("/bind");
    // One stranger-notice row; no processed-event rows for any of the 300.
    expect(await app.db.strangerNotice.count()).toBe(1);
    expect(await app.db.processedEvent.count({ where: { platform: "telegram", eventId: { in: flood.map((u) => String(u.update_id)) } } })).toBe(0);

    // The notice is stored: a restart does not repeat it; the next day gets one again.
    await restart();
    tg.message(STRANGER, "在吗");
    tg.message(LI_MING, "/help");
    await tg.waitForSent(LI_MING.id, 2);
    await adapter!.idle();
    expect(tg.sent(STRANGER.id)).toHaveLength(1);
    app.clock.advance(24 * 3600_000);
    tg.message(STRANGER, "在吗");
    await tg.waitForSent(STRANGER.id, 2);
    expect(texts(STRANGER.id)[1]).toContain("/bind");
    expect(await app.db.strangerNotice.count()).toBe(2);
  }, 120_000);

  it("a stranger's /bind still works, and only then do their messages count as events", async () => {
    start({ throttle: false });
    tg.message(STRANGER, "你好");
    await tg.waitForSent(STRANGER.id, 1);
    const code = await app.bindCode("M002");
    const bindUpdate = tg.message(STRANGER, `/bind ${code}`);
    const [, bound] = await tg.waitForSent(STRANGER.id, 2);
    expect(bound!.payload.text).toContain("绑定成功：陈静（M002");
    tg.message(STRANGER, "/whoami");
    const [, , who] = await tg.waitForSent(STRANGER.id, 3);
    expect(who!.payload.text).toContain("M002");
    expect(await app.db.processedEvent.count({ where: { platform: "telegram", eventId: String(bindUpdate.update_id) } })).toBe(1);
  });

  it("over 20 messages a minute: one polite 'slow down', then silence until the minute has passed", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    start({ throttle: false });
    for (let i = 0; i < 30; i++) tg.message(LI_MING, "/whoami");
    await tg.waitForSent(LI_MING.id, 21);
    await adapter!.idle();
    const got = texts(LI_MING.id);
    expect(got).toHaveLength(21);
    expect(got.slice(0, 20).every((t) => t.includes("李明（M001）"))).toBe(true);
    expect(got[20]).toContain("消息发得太快了");
    // Still within the minute: silence.
    app.clock.advance(30_000);
    tg.message(LI_MING, "/whoami");
    await adapter!.idle();
    expect(tg.sent(LI_MING.id)).toHaveLength(21);
    // The window has passed: answered again (and the notice is not repeated).
    app.clock.advance(31_000);
    tg.message(LI_MING, "/whoami");
    const [again] = await tg.waitForSent(LI_MING.id, 1, 21);
    expect(again!.payload.text).toContain("李明（M001）");
    expect(texts(LI_MING.id).filter((t) => t.includes("太快"))).toHaveLength(1);
  });

  it("a 1 MB /log (and /skip) is answered with a clear message and nothing else: no form, no error, no huge log line", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    start({ throttle: false });
    const huge = "桐庐县某某超市".repeat(150_000); // ~1 MB of text
    tg.message(LI_MING, `/log ${huge}`);
    tg.message(LI_MING, `/skip 1 ${huge}`);
    const [log, skip] = await tg.waitForSent(LI_MING.id, 2);
    for (const m of [log!, skip!]) {
      expect(m.payload.text).toContain("这条消息太长了");
      expect(m.payload.text).toContain("最多 4000 个字");
      expect(m.payload.text).not.toContain("出了问题");
    }
    expect(await app.db.formSession.count()).toBe(0);
    expect(await app.db.plannedVisit.count({ where: { status: "skipped" } })).toBe(0);
    expect(app.logs.filter((l) => l.level === "error")).toEqual([]);
    expect(Math.max(0, ...app.logs.map((l) => JSON.stringify(l).length))).toBeLessThan(2000);
  });

  it("in a group: /today, /whoami, /bind, stop numbers and form words get '请私聊我' and show nothing; a stranger's /bind there spends no code", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    start({ throttle: false });
    const code = await app.bindCode("M002");
    tg.message(LI_MING, "/today", GROUP);
    tg.message(LI_MING, "/whoami@visitmate_bot", GROUP);
    tg.message(LI_MING, "@visitmate_bot 3", GROUP);
    tg.message(LI_MING, `/bind ${code}`, GROUP);
    tg.message(STRANGER, `/bind ${code}`, GROUP);
    tg.message(STRANGER, "@visitmate_bot 在吗", GROUP);
    await tg.waitForSent(GROUP.id, 5);
    await adapter!.idle();
    const inGroup = texts(GROUP.id);
    // Four from the manager, one for the stranger (the second is silence: one a day).
    expect(inGroup).toHaveLength(5);
    for (const t of inGroup) expect(t).toContain(PRIVATE_ONLY);
    const words = await shopWords(app);
    expect(words.length).toBeGreaterThan(3);
    for (const t of inGroup) for (const w of [...words, "M001", "M002", "李明", "陈静", "客户经理"]) expect(t).not.toContain(w);
    expect((await app.db.bindCode.findUnique({ where: { codeHash: hashBindCode(code) } }))!.usedAt).toBeNull();
    expect(await app.db.chatIdentity.count({ where: { platform: "telegram", platformUserId: String(STRANGER.id) } })).toBe(0);
    expect(await app.db.formSession.count()).toBe(0);

    // The group's "message me privately" does not use up the private refusal, and /bind works there.
    tg.message(STRANGER, "你好");
    const [refusal] = await tg.waitForSent(STRANGER.id, 1);
    expect(refusal!.payload.text).toContain("/bind");
    tg.message(STRANGER, `/bind ${code}`);
    const [, ok] = await tg.waitForSent(STRANGER.id, 2);
    expect(ok!.payload.text).toContain("绑定成功：陈静（M002");
  });

  it("in a group only the person asked may tap the keyboard; another member's tap is refused and consumes nothing, also after a restart", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    await bind(app, "telegram", String(CHEN.id), "M002");
    app.router = routerWithGroupQuestion(app);
    start({ throttle: false });
    tg.message(LI_MING, "/poll", GROUP);
    const [question] = await tg.waitForSent(GROUP.id, 1);
    expect(question!.payload.reply_markup).toBeDefined();

    const answers = () => tg.calls.filter((c) => c.method === "answerCallbackQuery");
    tg.tap(CHEN, question!, "甲店");
    await tg.waitFor(() => answers().length === 1, "the other member's tap answered");
    expect(answers()[0]!.payload.text).toContain("问别人的问题");
    await adapter!.idle();
    expect(tg.calls.some((c) => c.method.startsWith("editMessage"))).toBe(false);
    expect(tg.sent(GROUP.id)).toHaveLength(1);

    // The manager's own tap still counts: the question was not consumed.
    tg.tap(LI_MING, question!, "乙店");
    const [, picked] = await tg.waitForSent(GROUP.id, 2);
    expect(picked!.payload.text).toBe("李明 选了 乙店");
    expect(tg.calls.find((c) => c.method === "editMessageText")!.payload.text).toContain("✅ <b>乙店</b>");

    // After a restart the stored keyboard still knows whom it asked: another member is refused, the asker answers.
    tg.message(LI_MING, "/poll", GROUP);
    const [, , second] = await tg.waitForSent(GROUP.id, 3);
    await restart({ throttle: false });
    tg.tap(CHEN, second!, "甲店");
    await tg.waitFor(() => answers().length === 3, "the tap after the restart answered");
    expect(answers()[2]!.payload.text).toContain("问别人的问题");
    await adapter!.idle();
    expect(texts(GROUP.id).filter((t) => t.includes("选了"))).toEqual(["李明 选了 乙店"]);
    tg.tap(LI_MING, second!, "甲店");
    await tg.waitFor(() => texts(GROUP.id).filter((t) => t.includes("选了")).length === 2, "the asker's tap after the restart");
    expect(texts(GROUP.id).filter((t) => t.includes("选了"))).toEqual(["李明 选了 乙店", "李明 选了 甲店"]);
  });

  it("in a private chat the same keyboard works as before", async () => {
    await bind(app, "telegram", String(LI_MING.id), "M001");
    app.router = routerWithGroupQuestion(app);
    start({ throttle: false });
    tg.message(LI_MING, "/poll");
    const [question] = await tg.waitForSent(LI_MING.id, 1);
    tg.tap(LI_MING, question as ApiCall, "甲店");
    const [, picked] = await tg.waitForSent(LI_MING.id, 2);
    expect(picked!.payload.text).toBe("李明 选了 甲店");
  });
});

const APP_CREDS = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const L_LI = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };
const L_CHEN = { openId: "ou_chenjing000000000000000000000001", chatId: "oc_p2p_chen00000000000000000000001" };
const L_STRANGER = { openId: "ou_stranger00000000000000000000001", chatId: "oc_p2p_stranger0000000000000000001" };
const L_GROUP = "oc_group0000000000000000000000001";

describe("Lark: strangers and groups (official SDK against a fake open API)", () => {
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;

  async function startLark(): Promise<void> {
    adapter = new LarkAdapter({
      ...APP_CREDS,
      domain: api.url,
      connection: "webhook",
      encryptKey: ENCRYPT_KEY,
      verificationToken: VERIFICATION_TOKEN,
      webhook: { server, path: "/lark/events" },
      router: app.router,
      deps: app.deps,
    });
    running = adapter.run();
    await adapter.ready;
  }

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP_CREDS);
    await api.start();
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    eventsUrl = `http://127.0.0.1:${await server.listen()}/lark/events`;
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await server.close();
    await api.close();
    await app.close();
  });

  const mentionBot = () => [{ key: "@_user_1", open_id: api.botOpenId, name: "VisitMate" }];
  const say = (who: { openId: string; chatId: string }, text: string, extra: Partial<Parameters<typeof messageEvent>[0]> = {}) =>
    postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: who.openId, chatId: who.chatId, text, ...extra }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
  const inGroup = (who: { openId: string }, text: string) => say({ openId: who.openId, chatId: L_GROUP }, `@_user_1 ${text}`, { chatType: "group", mentions: mentionBot() });
  const tap = (who: { openId: string }, chatId: string, messageId: string, value: unknown) =>
    postLarkEvent(eventsUrl, cardActionEvent({ token: VERIFICATION_TOKEN, openId: who.openId, chatId, messageId, value }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });

  it("a stranger's flood gets one answer; the bound manager is answered", async () => {
    await bind(app, "lark", L_LI.openId, "M001");
    await startLark();
    for (let i = 0; i < 40; i++) await say(L_STRANGER, `/today ${i}`);
    await say(L_LI, "/help");
    await api.next(L_LI.chatId, 0, (t) => t.includes("/today"));
    await adapter.idle();
    expect(api.to(L_STRANGER.chatId)).toHaveLength(1);
    expect(FakeLarkApi.textOf(api.to(L_STRANGER.chatId)[0]!)).toContain("/bind");
    expect(await app.db.strangerNotice.count()).toBe(1);
  });

  it("in a group: data commands and a stranger's /bind get '请私聊我'; a card there answers only the person asked, even after a restart", async () => {
    await bind(app, "lark", L_LI.openId, "M001");
    await bind(app, "lark", L_CHEN.openId, "M002");
    app.router = routerWithGroupQuestion(app);
    await startLark();
    const code = await app.bindCode("M002");
    await inGroup(L_LI, "/today");
    await inGroup(L_LI, "/whoami");
    await inGroup(L_STRANGER, `/bind ${code}`);
    await api.waitFor(() => api.to(L_GROUP).length === 3, "three answers in the group");
    const words = await shopWords(app);
    for (const m of api.to(L_GROUP)) {
      const text = FakeLarkApi.textOf(m);
      expect(text).toContain(PRIVATE_ONLY);
      for (const w of [...words, "M001", "李明"]) expect(text).not.toContain(w);
    }
    expect((await app.db.bindCode.findUnique({ where: { codeHash: hashBindCode(code) } }))!.usedAt).toBeNull();

    await inGroup(L_LI, "/poll");
    const { msg: card } = await api.next(L_GROUP, 3, (_, s) => s.msg_type === "interactive");
    const [first, second] = FakeLarkApi.buttons(card);
    const refused = await tap(L_CHEN, L_GROUP, card.message_id, first!.value);
    expect(refused.body.toast.content).toContain("问别人的问题");
    expect(refused.body.card).toBeUndefined();
    await adapter.idle();
    expect(api.to(L_GROUP).filter((m) => FakeLarkApi.textOf(m).includes("选了"))).toHaveLength(0);

    // A restart forgets the card, but its buttons still name whom it asks.
    await adapter.stop();
    await running;
    await startLark();
    const again = await tap(L_CHEN, L_GROUP, card.message_id, first!.value);
    expect(again.body.toast.content).toContain("问别人的问题");
    const mine = await tap(L_LI, L_GROUP, card.message_id, second!.value);
    expect(mine.body.toast.type).toBe("success");
    const { msg: picked } = await api.next(L_GROUP, 4, (t) => t.includes("选了"));
    expect(FakeLarkApi.textOf(picked)).toBe("李明 选了 乙店");
    await adapter.idle();
    expect(api.to(L_GROUP).filter((m) => FakeLarkApi.textOf(m).includes("选了"))).toHaveLength(1);
  });
});

type Contact = ReturnType<mock.Mocker["createContact"]>;

describe("WeChat: strangers and rooms (wechaty with wechaty-puppet-mock)", () => {
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;

  beforeEach(async () => {
    app = await createPlatformApp();
    app.router = routerWithGroupQuestion(app);
    mocker = new mock.Mocker();
    let virtualNow = 1_000_000;
    adapter = new WechatAdapter({
      puppet: new PuppetMock({ mocker }),
      name: "visitmate-security-test",
      router: app.router,
      deps: app.deps,
      now: () => virtualNow,
      sleep: async (ms) => void (virtualNow += ms),
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

  function inbox(target: { on(event: "message", fn: (m: { text(): string | undefined; talker(): { id: string } }) => void): unknown }): string[] {
    const got: string[] = [];
    target.on("message", (m) => {
      if (m.talker().id === bot.id) got.push(m.text() ?? "");
    });
    return got;
  }

  it("a stranger's flood in a private chat gets one answer", async () => {
    const stranger = mocker.createContact({ name: "路人" });
    const got = inbox(stranger);
    for (let i = 0; i < 30; i++) stranger.say(`在吗 ${i}`).to(bot);
    await waitUntil(() => got.length >= 1, "the refusal");
    await adapter.idle();
    expect(got).toHaveLength(1);
    expect(got[0]).toContain("/bind");
  });

  it("in a room: data commands get '请私聊我'; numbers answer only the options put to whoever sends them", async () => {
    const liMing = mocker.createContact({ name: "李明" });
    const chen = mocker.createContact({ name: "陈静" });
    const stranger = mocker.createContact({ name: "路人" });
    await bind(app, "wechat", liMing.id, "M001");
    await bind(app, "wechat", chen.id, "M002");
    const room = mocker.createRoom({ topic: "桐庐片区", memberIdList: [bot.id, liMing.id, chen.id, stranger.id] });
    const got = inbox(room);
    const code = await app.bindCode("M002");

    liMing.say("@拜访助手 /today", [bot]).to(room);
    await waitUntil(() => got.length >= 1, "the answer to /today");
    stranger.say(`@拜访助手 /bind ${code}`, [bot]).to(room);
    await waitUntil(() => got.length >= 2, "the answer to the stranger");
    expect(got[0]).toContain(PRIVATE_ONLY);
    expect(got[0]!.startsWith("@李明")).toBe(true);
    expect(got[1]).toContain(PRIVATE_ONLY);
    for (const w of [...(await shopWords(app)), "M001"]) expect(got[0]).not.toContain(w);
    expect((await app.db.bindCode.findUnique({ where: { codeHash: hashBindCode(code) } }))!.usedAt).toBeNull();

    liMing.say("@拜访助手 /poll", [bot]).to(room);
    await waitUntil(() => got.length >= 3, "the question");
    expect(got[2]).toContain("1. 甲店");
    // Another member: a bare number is not addressed to the bot; "@bot 1" is plain text from them.
    chen.say("1").to(room);
    chen.say("@拜访助手 1", [bot]).to(room);
    await waitUntil(() => got.length >= 4, "the answer to the other member");
    expect(got[3]).toContain(PRIVATE_ONLY);
    expect(got[3]!.startsWith("@陈静")).toBe(true);
    // The manager's question is still open: their "2" picks 乙店.
    liMing.say("2").to(room);
    await waitUntil(() => got.length >= 5, "the manager's answer");
    expect(got[4]).toContain("李明 选了 乙店");
    await adapter.idle();
    expect(got).toHaveLength(5);
  });
});

describe("what one message may ask for: search and reason caps", () => {
  let app: PlatformApp;
  beforeEach(async () => {
    app = await createPlatformApp();
    await bind(app, "telegram", String(LI_MING.id), "M001");
  });
  afterEach(async () => app.close());

  const say = async (text: string) => (await app.router.handle({ platform: "telegram", chatId: String(LI_MING.id), userId: String(LI_MING.id), text, chatType: "private" })).map((r) => r.text);

  it("a customer search longer than 100 characters is refused clearly and searches nothing; the form still waits for the customer", async () => {
    const [reply] = await say(`/log ${"某".repeat(150)}`);
    expect(reply).toContain("客户名称或编码太长了（最多 100 个字）");
    expect(reply).not.toContain("出了问题");
    expect(app.logs.filter((l) => l.level === "error")).toEqual([]);
    // The visit form is open at its first question: a normal search answers it.
    const session = (await app.db.formSession.findFirst())!;
    expect(session.stepId).toBe("customer");
    const shop = (await app.db.customer.findFirst({ where: { manager: { code: "M001" }, active: true, code: { not: "" } }, orderBy: { id: "asc" } }))!;
    expect((await say(shop.code)).join("\n")).toContain("拜访方式");
  });

  it("a /skip reason longer than 200 characters moves nothing; a short one moves the stop", async () => {
    const [long] = await say(`/skip 1 ${"因".repeat(300)}`);
    expect(long).toContain("改期原因太长了（300 个字，最多 200 个字）");
    expect(await app.db.plannedVisit.count({ where: { status: "skipped" } })).toBe(0);
    const [ok] = await say("/skip 1 客户临时关门");
    expect(ok).not.toContain("太长");
    expect(await app.db.plannedVisit.count({ where: { status: "skipped" } })).toBe(1);
  });
});
