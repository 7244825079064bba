import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../../src/adapters/lark/lark.adapter.ts";
import { createAppRouter } from "../../../src/app.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { cardActionEvent, FakeLarkApi, messageEvent, postLarkEvent, type LarkSent } from "../../helpers/fake-lark.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const LI_MING = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };
const OVER = "这个问题已经结束";

describe("Lark: buttons are bound to their question (official SDK against a fake open API)", () => {
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;
  const extraDbs: Db[] = [];

  async function startAdapter(deps: AppDeps): Promise<void> {
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: deps.log });
    const port = await server.listen();
    eventsUrl = `http://127.0.0.1:${port}/lark/events`;
    const router = deps === app.deps ? app.router : createAppRouter(deps);
    adapter = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router, deps });
    running = adapter.run();
    await adapter.ready;
  }
  async function stopAdapter(): Promise<void> {
    await adapter.stop();
    await running.catch(() => undefined);
    await server.close();
  }
  /** A new process: new adapter (its memory of sent cards gone), new router, new connection. */
  async function restart(): Promise<void> {
    await stopAdapter();
    const db = await openDb(app.testDb.url);
    extraDbs.push(db);
    await startAdapter({ ...app.deps, db });
  }

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP);
    await api.start();
    await startAdapter(app.deps);
  });
  afterEach(async () => {
    await stopAdapter();
    await api.close();
    for (const d of extraDbs.splice(0)) await d.$disconnect();
    await app.close();
  });

  const say = (text: string) => postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: LI_MING.openId, chatId: LI_MING.chatId, text }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
  const tap = (messageId: string, value: unknown) => postLarkEvent(eventsUrl, cardActionEvent({ token: VERIFICATION_TOKEN, openId: LI_MING.openId, chatId: LI_MING.chatId, messageId, value }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
  const button = (m: LarkSent, label: string | RegExp) => {
    const b = FakeLarkApi.buttons(m).find((x) => (typeof label === "string" ? x.label === label : label.test(x.label)));
    if (!b) throw new Error(`no button ${String(label)}`);
    return b;
  };
  const session = () => app.db.formSession.findUnique({ where: { platform_chatId_userId: { platform: "lark", chatId: LI_MING.chatId, userId: LI_MING.openId } } });

  async function openLog(): Promise<{ card: LarkSent; cursor: number }> {
    const code = await app.bindCode("M001");
    await say(`/bind ${code}`);
    const { cursor: c1 } = await api.next(LI_MING.chatId, 0, (t) => t.includes("绑定成功"));
    await say("/log");
    const { msg, cursor } = await api.next(LI_MING.chatId, c1, (_, s) => s.msg_type === "interactive");
    return { card: msg, cursor };
  }

  it("a finished form's button: toast and card say '这个问题已经结束' (no ✅), the chat says nothing is open; after a restart too", async () => {
    let { card: stops, cursor } = await openLog();
    // Form buttons carry a short token (no control characters in the card), never the option's value.
    for (const b of FakeLarkApi.buttons(stops)) expect(b.value).toEqual({ f: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    await tap(stops.message_id, FakeLarkApi.buttons(stops)[0]!.value);
    let m: LarkSent;
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访方式")));
    await tap(m.message_id, button(m, "实地").value);
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访用了多长时间")));
    const durationCard = m;
    // Answered by typing: the duration card's buttons stay.
    await say("15");
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (_, s) => FakeLarkApi.buttons(s).some((b) => b.label === "✅ 一切正常，提交")));
    await tap(m.message_id, button(m, "✅ 一切正常，提交").value);
    ({ cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("已记录")));
    const visits = await app.db.visit.count();
    expect(await session()).toBeNull();

    const late = await tap(durationCard.message_id, button(durationCard, /^20 /).value);
    expect(late.body.toast).toEqual({ type: "info", content: "这个问题已经结束。" });
    const redrawn = JSON.stringify(late.body.card.data);
    expect(redrawn).not.toContain('"tag":"button"');
    expect(redrawn).toContain(OVER);
    expect(redrawn).not.toContain("✅");
    let reply: LarkSent;
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain(OVER);
    expect(FakeLarkApi.textOf(reply)).toContain("现在没有正在填写的表单");
    await adapter.idle();
    expect(await app.db.visit.count()).toBe(visits);
    expect(await session()).toBeNull();

    // After a restart the card is unknown to the new process; the stored state still refuses it.
    await restart();
    const afterRestart = await tap(durationCard.message_id, button(durationCard, /^15 /).value);
    expect(afterRestart.body.toast).toEqual({ type: "info", content: "这个问题已经结束。" });
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain(OVER);
    await adapter.idle();
    expect(await app.db.visit.count()).toBe(visits);
    expect(await session()).toBeNull();
  }, 180_000);

  // Forms run only in private chats (a group sees "请私聊我"), and a group card's buttons name whom
  // they ask (`u`). What is left for the token to guard: a form token of someone else's question
  // in another tap (a forged value) answers and changes nothing; with `u` it is refused outright.
  it("in a group no form opens; someone else's form token in a forged tap changes nothing, with `u` it is refused; the asker's tap still works", async () => {
    let { card: stops, cursor } = await openLog();
    const asked = (await session())!;
    const group = "oc_group_stale000000000000000000001";
    await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: LI_MING.openId, chatId: group, text: "@_user_1 /log", chatType: "group", mentions: [{ key: "@_user_1", open_id: api.botOpenId, name: "VisitMate" }] }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    const { msg: refusal } = await api.next(group, 0);
    expect(FakeLarkApi.textOf(refusal)).toContain("请私聊我");
    expect(refusal.msg_type).not.toBe("interactive");
    expect(await app.db.formSession.count({ where: { chatId: group } })).toBe(0);

    const WANG = { openId: "ou_wangwu000000000000000000000001", chatId: "oc_p2p_wangwu000000000000000000001" };
    const code = await app.bindCode("M002");
    await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: WANG.openId, chatId: WANG.chatId, text: `/bind ${code}` }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    const { cursor: wangCursor } = await api.next(WANG.chatId, 0, (t) => t.includes("绑定成功"));
    const first = FakeLarkApi.buttons(stops)[0]!;
    expect(first.value).toMatchObject({ f: expect.stringMatching(/^\d+\.\d+\.\d+$/) });

    // Li Ming's token in a tap of Wang's, in Wang's own chat, on a card we do not know.
    const forged = await postLarkEvent(eventsUrl, cardActionEvent({ token: VERIFICATION_TOKEN, openId: WANG.openId, chatId: WANG.chatId, messageId: "om_forged00000000000000000000001", value: first.value }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(forged.body.toast.content).toContain(OVER);
    expect(forged.body.card).toBeUndefined();
    const { msg: wangReply } = await api.next(WANG.chatId, wangCursor);
    expect(FakeLarkApi.textOf(wangReply)).toContain(OVER);
    await adapter.idle();
    expect((await app.db.formSession.findUnique({ where: { id: asked.id } }))!.state).toBe(asked.state);
    expect(api.to(LI_MING.chatId)).toHaveLength(cursor);

    // The same token naming Li Ming as the one asked (`u`), tapped by Wang in the group: refused.
    const withAsked = await postLarkEvent(eventsUrl, cardActionEvent({ token: VERIFICATION_TOKEN, openId: WANG.openId, chatId: group, messageId: "om_forged00000000000000000000002", value: { ...(first.value as object), u: LI_MING.openId } }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(withAsked.body.toast.content).toContain("问别人的问题");
    expect(withAsked.body.card).toBeUndefined();
    await adapter.idle();
    expect((await app.db.formSession.findUnique({ where: { id: asked.id } }))!.state).toBe(asked.state);
    expect(api.to(group)).toHaveLength(1);

    const mine = await tap(stops.message_id, first.value);
    expect(mine.body.toast).toEqual({ type: "success", content: `✅ ${first.label}` });
    expect(JSON.stringify(mine.body.card.data)).toContain(`✅ ${first.label}`);
    ({ cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访方式")));
  }, 180_000);

  it("an earlier step's button in a running form is refused and the current question asked again; a restart changes nothing; a current tap still works", async () => {
    let { card: stops, cursor } = await openLog();
    await tap(stops.message_id, FakeLarkApi.buttons(stops)[0]!.value);
    let m: LarkSent;
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访方式")));
    const modeCard = m;
    await say("实地");
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访用了多长时间")));
    const durationCard = m;

    const stale = await tap(modeCard.message_id, button(modeCard, "电话").value);
    expect(stale.body.toast.content).toContain(OVER);
    expect(JSON.stringify(stale.body.card.data)).not.toContain("✅");
    let reply: LarkSent;
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain(OVER);
    expect(FakeLarkApi.textOf(reply)).toContain("拜访用了多长时间");
    expect(JSON.parse((await session())!.state).answers.mode).toBe("field");

    await restart();
    const again = await tap(modeCard.message_id, button(modeCard, "网络").value);
    expect(again.body.toast.content).toContain(OVER);
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain(OVER);
    expect(JSON.parse((await session())!.state).answers.mode).toBe("field");

    // The current question's card, sent before the restart, still answers it: the stored card
    // names the choice and is redrawn answered (its buttons gone).
    const fifteen = button(durationCard, /^15 /);
    const ok = await tap(durationCard.message_id, fifteen.value);
    expect(ok.body.toast).toEqual({ type: "success", content: `✅ ${fifteen.label}` });
    expect(JSON.stringify(ok.body.card.data)).toContain(`✅ ${fifteen.label}`);
    expect(JSON.stringify(ok.body.card.data)).not.toContain('"tag":"action"');
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain("一切正常");
    expect(JSON.parse((await session())!.state).answers.duration).toBe(15);

    // A form payload that was never ours: over, nothing changes.
    const forged = await tap(reply.message_id, { f: "not-a-token" });
    expect(forged.body.toast.content).toContain(OVER);
    ({ msg: reply, cursor } = await api.next(LI_MING.chatId, cursor));
    expect(FakeLarkApi.textOf(reply)).toContain(OVER);
    expect(JSON.parse((await session())!.state).answers.duration).toBe(15);
  }, 180_000);
});
