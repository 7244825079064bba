import { mock, PuppetMock } from "wechaty-puppet-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WechatAdapter } from "../../../src/adapters/wechat/wechat.adapter.ts";
import { createAppRouter } from "../../../src/app.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

type Contact = ReturnType<mock.Mocker["createContact"]>;

/**
 * WeChat has no buttons: options are numbered and answered by typing the number. The adapter's
 * memory of the last options is in RAM and may be an earlier question's; a form's number is
 * resolved by the form against the question it stored, so it never answers for an old one.
 */
describe("WeChat: numbered answers and buttons bound to their question (wechaty-puppet-mock)", () => {
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;
  const extraDbs: Db[] = [];

  async function startAdapter(db: Db = app.db): Promise<void> {
    const deps = { ...app.deps, db };
    adapter = new WechatAdapter({ puppet: new PuppetMock({ mocker }), name: "visitmate-stale-test", router: db === app.db ? app.router : createAppRouter(deps), deps, minSendIntervalMs: 0 });
    running = adapter.run();
    await adapter.ready;
  }

  beforeEach(async () => {
    app = await createPlatformApp();
    mocker = new mock.Mocker();
    await startAdapter();
    bot = mocker.createContact({ name: "拜访助手" });
    mocker.login(bot);
    await waitUntil(() => adapter.bot!.isLoggedIn, "login");
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    for (const d of extraDbs.splice(0)) await d.$disconnect();
    await app.close();
  });

  function inbox(contact: Contact, got: string[] = []): string[] {
    contact.on("message", (m: { text(): string | undefined; talker(): { id: string } }) => {
      if (m.talker().id === bot.id) got.push(m.text() ?? "");
    });
    return got;
  }
  async function next(got: string[], from: number, match: (t: string) => boolean = () => true): Promise<{ text: string; cursor: number }> {
    let found: { text: string; cursor: number } | null = null;
    await waitUntil(() => {
      for (let i = from; i < got.length; i++) if (match(got[i]!)) return Boolean((found = { text: got[i]!, cursor: i + 1 }));
      return false;
    }, "a reply");
    return found!;
  }
  const session = (contact: Contact) => app.db.formSession.findUnique({ where: { platform_chatId_userId: { platform: "wechat", chatId: contact.id, userId: contact.id } } });

  it("after a form finished, a typed number is a stop number again, not an option of the finished form's last question", async () => {
    const liMing = mocker.createContact({ name: "李明" });
    const got = inbox(liMing);
    const code = await app.bindCode("M001");
    liMing.say(`/bind ${code}`).to(bot);
    let { cursor } = await next(got, 0, (t) => t.includes("绑定成功"));
    // Numbers, then words: the last options shown stay in the adapter's memory.
    liMing.say("/log").to(bot);
    ({ cursor } = await next(got, cursor, (t) => /^1\. /m.test(t)));
    liMing.say("1").to(bot);
    ({ cursor } = await next(got, cursor, (t) => t.includes("拜访方式")));
    liMing.say("实地").to(bot);
    let text: string;
    ({ text, cursor } = await next(got, cursor, (t) => t.includes("拜访用了多长时间")));
    liMing.say("20").to(bot);
    ({ text, cursor } = await next(got, cursor, (t) => t.includes("一切正常，提交")));
    // The section menu's options are numbered; "2" would be its second option.
    expect(text).toMatch(/^2\. /m);
    liMing.say("提交").to(bot);
    ({ cursor } = await next(got, cursor, (t) => t.includes("已记录")));
    const visits = await app.db.visit.count();
    expect(await session(liMing)).toBeNull();

    liMing.say("2").to(bot);
    ({ text, cursor } = await next(got, cursor));
    expect(text).toContain("拜访方式");
    expect(text).not.toContain("这个问题已经结束");
    const opened = (await session(liMing))!;
    expect(JSON.parse(opened.state).answers.customer).toMatch(/^p:\d+$/);
    expect(await app.db.visit.count()).toBe(visits);
  }, 180_000);

  it("after a restart (the adapter's memory of options gone) a typed number still answers the question the form stored", async () => {
    const liMing = mocker.createContact({ name: "李明" });
    const got = inbox(liMing);
    const code = await app.bindCode("M001");
    liMing.say(`/bind ${code}`).to(bot);
    let { cursor } = await next(got, 0, (t) => t.includes("绑定成功"));
    liMing.say("/log").to(bot);
    ({ cursor } = await next(got, cursor, (t) => /^1\. /m.test(t)));
    liMing.say("1").to(bot);
    let text: string;
    ({ text, cursor } = await next(got, cursor, (t) => t.includes("拜访方式")));
    const phone = /^(\d+)\. 电话$/m.exec(text)![1]!;

    // A new process: new puppet, new adapter, new router and connection; the same WeChat accounts.
    await adapter.stop();
    await running.catch(() => undefined);
    mocker = new mock.Mocker();
    const db = await openDb(app.testDb.url);
    extraDbs.push(db);
    await startAdapter(db);
    bot = mocker.createContact({ id: bot.id, name: "拜访助手" });
    const liMingAgain = mocker.createContact({ id: liMing.id, name: "李明" });
    inbox(liMingAgain, got);
    mocker.login(bot);
    await waitUntil(() => adapter.bot!.isLoggedIn, "login again");

    liMingAgain.say(`${phone}.`).to(bot);
    ({ text, cursor } = await next(got, cursor));
    expect(text).toContain("拜访用了多长时间");
    expect(JSON.parse((await session(liMing))!.state).answers.mode).toBe("phone");
  }, 180_000);
});
