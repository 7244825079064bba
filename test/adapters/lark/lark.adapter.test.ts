import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { LarkAdapter, larkSendError } from "../../../src/adapters/lark/lark.adapter.ts";
import { SendError } from "../../../src/core/chat.ts";
import { DEFAULT_DELIVERY, deliver } from "../../../src/adapters/platform.ts";
import { cardActionEvent, FakeLarkApi, messageEvent, postLarkEvent } from "../../helpers/fake-lark.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const LI_MING = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };
const STRANGER = { openId: "ou_stranger00000000000000000000001", chatId: "oc_p2p_stranger0000000000000000001" };

describe("Lark adapter (official SDK against a fake open API, signed and encrypted events)", () => {
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP);
    await api.start();
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    const port = await server.listen();
    eventsUrl = `http://127.0.0.1:${port}/lark/events`;
    adapter = new LarkAdapter({
      ...APP,
      domain: api.url,
      connection: "webhook",
      encryptKey: ENCRYPT_KEY,
      verificationToken: VERIFICATION_TOKEN,
      webhook: { server, path: "/lark/events" },
      router: app.router,
      deps: app.deps,
      // A 200 comes once a message is dealt with: on a busy machine that may take more than Lark's 2 s.
      ackWaitMs: 60_000,
    });
    running = adapter.run();
    // run() first checks the credentials and learns the bot's open_id.
    await adapter.ready;
    expect(api.tokenRequests).toHaveLength(1);
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await server.close();
    await api.close();
    await app.close();
  });

  const say = (who: { openId: string; chatId: string }, text: string, extra: Partial<Parameters<typeof messageEvent>[0]> = {}) =>
    postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: who.openId, chatId: who.chatId, text, ...extra }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
  const tap = (who: { openId: string; chatId: string }, messageId: string, value: unknown, eventId?: string) =>
    postLarkEvent(eventsUrl, cardActionEvent({ token: VERIFICATION_TOKEN, openId: who.openId, chatId: who.chatId, messageId, value, eventId }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });

  it("refuses a stranger, binds with a code, /today, logs a visit through cards, gets a reminder", async () => {
    // Acknowledged at once; the answer comes asynchronously through the message API.
    const ack = await say(STRANGER, "/today");
    expect(ack).toEqual({ status: 200, body: {} });
    const { msg: refusal } = await api.next(STRANGER.chatId, 0);
    expect(FakeLarkApi.textOf(refusal)).toContain("/bind");
    await adapter.idle();
    expect(api.to(STRANGER.chatId)).toHaveLength(1);

    const code = await app.bindCode("M001");
    await say(LI_MING, `/bind ${code}`);
    let { msg: m, cursor } = await api.next(LI_MING.chatId, 0);
    expect(m.receive_id_type).toBe("chat_id");
    expect(FakeLarkApi.textOf(m)).toContain("绑定成功：李明（M001，客户经理）已关联本飞书账号");

    await say(LI_MING, "/today");
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访清单")));
    expect(m.msg_type).toBe("post");

    // /log → cards; a tap is answered at once with a toast and the card redrawn without buttons.
    const visitsBefore = await app.db.visit.count();
    await say(LI_MING, "/log");
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (_, s) => s.msg_type === "interactive"));
    const stop = FakeLarkApi.buttons(m)[0]!;
    const tapped = await tap(LI_MING, m.message_id, stop.value);
    expect(tapped.status).toBe(200);
    expect(tapped.body.toast).toEqual({ type: "success", content: `✅ ${stop.label}` });
    expect(JSON.stringify(tapped.body.card.data)).not.toContain('"tag":"button"');
    expect(JSON.stringify(tapped.body.card.data)).toContain(`✅ ${stop.label}`);

    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访方式")));
    await tap(LI_MING, m.message_id, FakeLarkApi.buttons(m).find((b) => b.label === "实地")!.value);
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("拜访用了多长时间")));
    await tap(LI_MING, m.message_id, FakeLarkApi.buttons(m)[0]!.value);
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (_, s) => s.msg_type === "interactive"));
    const submitCard = m;
    const submit = FakeLarkApi.buttons(m).find((b) => b.label === "✅ 一切正常，提交")!;
    await tap(LI_MING, m.message_id, submit.value);
    ({ msg: m, cursor } = await api.next(LI_MING.chatId, cursor, (t) => t.includes("已记录")));
    expect(FakeLarkApi.textOf(m)).toContain(`✅ 已记录：${stop.label} · 实地`);
    expect(await app.db.visit.count()).toBe(visitsBefore + 1);

    // Tapping the same card again: "already answered", nothing recorded twice.
    const again = await tap(LI_MING, submitCard.message_id, submit.value);
    expect(again.body.toast.content).toContain("已经回答过");
    await adapter.idle();
    expect(await app.db.visit.count()).toBe(visitsBefore + 1);

    // A scheduled reminder: to the person's open_id, through the outbox.
    const to = await app.remind(new Map([["lark", adapter]]), "⏰ 明天 9:00 前预约核心客户");
    expect(to).toEqual({ platform: "lark", chatId: LI_MING.openId });
    const { msg: reminder } = await api.next(LI_MING.openId, 0);
    expect(reminder.receive_id_type).toBe("open_id");
    expect(FakeLarkApi.textOf(reminder)).toBe("⏰ 明天 9:00 前预约核心客户");
  }, 180_000);

  it("rejects a bad signature or a wrong verification token, and processes a redelivered event once", async () => {
    const forged = await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: STRANGER.openId, chatId: STRANGER.chatId, text: "/help" }), { encryptKey: ENCRYPT_KEY, now: app.clock.now(), badSignature: true });
    expect(forged.status).toBe(401);
    const wrongToken = await postLarkEvent(eventsUrl, messageEvent({ token: "not-the-token", openId: STRANGER.openId, chatId: STRANGER.chatId, text: "/help" }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(wrongToken.status).toBe(401);
    const wrongKey = await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: STRANGER.openId, chatId: STRANGER.chatId, text: "/help" }), { encryptKey: "another-key", now: app.clock.now() });
    // Signed with another key: refused by the signature check, before anything is decrypted (so a
    // tampered ciphertext cannot tell a padding error from a bad signature).
    expect(wrongKey.status).toBe(401);
    await adapter.idle();
    expect(api.sent).toHaveLength(0);

    // Lark retries a delivery it thinks failed: same event_id, processed once.
    const event = messageEvent({ token: VERIFICATION_TOKEN, openId: STRANGER.openId, chatId: STRANGER.chatId, text: "/help", eventId: "ev_redelivered_1" });
    expect((await postLarkEvent(eventsUrl, event, { encryptKey: ENCRYPT_KEY, now: app.clock.now() })).status).toBe(200);
    expect((await postLarkEvent(eventsUrl, event, { encryptKey: ENCRYPT_KEY, now: app.clock.now() })).status).toBe(200);
    await api.next(STRANGER.chatId, 0);
    await adapter.idle();
    expect((await postLarkEvent(eventsUrl, event, { encryptKey: ENCRYPT_KEY, now: app.clock.now() })).status).toBe(200);
    await adapter.idle();
    expect(api.to(STRANGER.chatId)).toHaveLength(1);

    // The console's URL check (challenge), encrypted like every event.
    const challenge = await postLarkEvent(eventsUrl, { type: "url_verification", token: VERIFICATION_TOKEN, challenge: "ch-123" }, { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(challenge).toEqual({ status: 200, body: { challenge: "ch-123" } });
  });

  it("in groups answers only @mentions of the bot, with the mention removed", async () => {
    const code = await app.bindCode("M001");
    await say(LI_MING, `/bind ${code}`);
    await api.next(LI_MING.chatId, 0);
    const group = { openId: LI_MING.openId, chatId: "oc_group0000000000000000000000001" };
    await say(group, "大家好", { chatType: "group" });
    await say(group, "@_user_1 看看这个", { chatType: "group", mentions: [{ key: "@_user_1", open_id: "ou_someone_else", name: "王五" }] });
    await say(group, "@_user_1 /help", { chatType: "group", mentions: [{ key: "@_user_1", open_id: api.botOpenId, name: "VisitMate" }] });
    const { msg } = await api.next(group.chatId, 0);
    // "/help" with the mention removed: the one command that also answers in a group.
    expect(FakeLarkApi.textOf(msg)).toContain("/today");
    expect(FakeLarkApi.textOf(msg)).toContain("请私聊我");
    await adapter.idle();
    expect(api.to(group.chatId)).toHaveLength(1);
  });

  it("shows names with special characters literally and splits long texts under 30 KB", async () => {
    const name = '<at user_id="all">所有人</at> **粗体** [链接](http://x) "引号" \\反斜杠';
    await adapter.send({ platform: "lark", chatId: LI_MING.openId }, { text: `客户：${name}`, choices: [{ label: name, value: "v" }] });
    await adapter.send({ platform: "lark", chatId: LI_MING.openId }, { text: `备注：${name}` });
    const [card, post] = api.to(LI_MING.openId);
    expect(card!.content.elements[0]).toEqual({ tag: "div", text: { tag: "plain_text", content: `客户：${name}` } });
    expect(FakeLarkApi.buttons(card!)[0]!.label).toBe(name);
    expect(post!.content.zh_cn.content[0]).toEqual([{ tag: "text", text: `备注：${name}` }]);

    const long = Array.from({ length: 2000 }, (_, i) => `${i + 1}. 桐庐县某某超市（“店”\\${i}）· 核心客户 · 迎春南路 ${i} 号`).join("\n");
    await adapter.send({ platform: "lark", chatId: LI_MING.chatId }, { text: long, choices: [{ label: "好", value: "ok" }] });
    const parts = api.to(LI_MING.chatId);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify({ receive_id: p.receive_id, msg_type: p.msg_type, content: JSON.stringify(p.content) }))).toBeLessThan(30 * 1024);
    expect(parts.map((p) => FakeLarkApi.textOf(p)).join("\n")).toBe(long);
    expect(parts.at(-1)!.msg_type).toBe("interactive");
    expect(parts.slice(0, -1).every((p) => p.msg_type === "post")).toBe(true);
  });

  it("a reply survives a connection reset before or after Lark took it, and is shown once", async () => {
    // A keep-alive socket the server closed while the bot was busy answers ECONNRESET.
    api.resetNext();
    api.resetNext({ delivered: true });
    await say(STRANGER, "/help");
    // The outbox retries it after its backoff (virtual time here), with the same uuid.
    for (let attempt = 1; attempt <= 2; attempt++) {
      await waitUntil(async () => (await app.db.outbox.findFirst({ where: { kind: "reply", attempts: attempt, status: "pending" } })) !== null, `attempt ${attempt} rescheduled`);
      app.clock.advance(15 * 60_000);
      app.dispatcher.wake();
    }
    const { msg } = await api.next(STRANGER.chatId, 0);
    expect(FakeLarkApi.textOf(msg)).toContain("/bind");
    await waitUntil(async () => (await app.db.outbox.count({ where: { kind: "reply", status: "sent" } })) === 1, "the reply sent");
    expect(api.to(STRANGER.chatId)).toHaveLength(1);
    expect(app.logs.filter((l) => l.msg === "outbox send failed for good")).toEqual([]);

    // A long reply in several pieces, the connection lost after the second was taken: retried
    // whole, every piece shown once and in order.
    const long = Array.from({ length: 2000 }, (_, i) => `${i + 1}. 桐庐县某某超市 · 迎春南路 ${i} 号`).join("\n");
    api.resetNext({ delivered: true, after: 1 });
    let calls = 0;
    const counting = { platform: "lark" as const, send: (...a: Parameters<LarkAdapter["send"]>) => (calls++, adapter.send(...a)) };
    await deliver(counting, { platform: "lark", chatId: LI_MING.chatId }, { text: long }, { key: "reply:lark:ev1:0", policy: { ...DEFAULT_DELIVERY, sleep: async () => undefined } });
    expect(calls).toBe(2);
    expect(api.to(LI_MING.chatId).map((p) => FakeLarkApi.textOf(p)).join("\n")).toBe(long);
  });

  it("maps message API failures to SendError: 429 with reset, rate-limit code, permanent 4xx, transient 5xx", async () => {
    api.failNext({ status: 429, body: { code: 99991400, msg: "request trigger frequency limit" }, headers: { "x-ogw-ratelimit-reset": "3" } });
    const limited = await adapter.send({ platform: "lark", chatId: LI_MING.openId }, { text: "x" }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(SendError);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 3000 });

    api.failNext({ status: 400, body: { code: 230002, msg: "Bot is not in the chat" } });
    expect(await adapter.send({ platform: "lark", chatId: "oc_gone" }, { text: "x" }).catch((e: unknown) => e)).toMatchObject({ permanent: true });

    api.failNext({ status: 503, body: { code: 1, msg: "busy" } });
    const busy = (await adapter.send({ platform: "lark", chatId: LI_MING.openId }, { text: "x" }).catch((e: unknown) => e)) as SendError;
    expect(busy.status).toBe(503);
    expect(busy.permanent).toBeFalsy();

    expect(larkSendError({ code: 230020, msg: "rate limited in chat" })).toMatchObject({ status: 429 });
  });
});

describe("Lark adapter start-up", () => {
  it("long connection mode (LARK_CONNECTION=ws): checks the credentials, opens the WSClient, and is not ready until the connection really opens", async () => {
    const app = await createPlatformApp();
    const api = new FakeLarkApi(APP);
    await api.start();
    const adapter = new LarkAdapter({ ...APP, domain: api.url, connection: "ws", router: app.router, deps: app.deps, connectTimeoutMs: 300 });
    let ups = 0;
    const running = adapter.run({ up: () => ups++, down: () => undefined });
    // The SDK asks the open API for its WebSocket endpoint (the fake has none to offer).
    await api.waitFor(() => api.paths.includes("/callback/ws/endpoint"), "ws endpoint request");
    expect(api.paths.slice(0, 2)).toEqual(["/open-apis/auth/v3/tenant_access_token/internal", "/open-apis/bot/v3/info"]);
    // Never connected: the run fails (the supervisor retries it), nothing said "ready".
    await expect(running).rejects.toThrow(/long connection not open/);
    expect(ups).toBe(0);
    expect(app.logs.some((l) => l.msg === "lark ready")).toBe(false);
    await adapter.stop();
    await api.close();
    await app.close();
  });

  it("long connection mode: stop() while still connecting ends the run cleanly", async () => {
    const app = await createPlatformApp();
    const api = new FakeLarkApi(APP);
    await api.start();
    const adapter = new LarkAdapter({ ...APP, domain: api.url, connection: "ws", router: app.router, deps: app.deps });
    const running = adapter.run();
    await api.waitFor(() => api.paths.includes("/callback/ws/endpoint"), "ws endpoint request");
    await adapter.stop();
    await running;
    await api.close();
    await app.close();
  });

  it("a wrong app secret fails run() (the supervisor logs and retries it)", async () => {
    const app = await createPlatformApp();
    const api = new FakeLarkApi(APP);
    await api.start();
    const adapter = new LarkAdapter({ ...APP, appSecret: "wrong-secret-wrong-secret", domain: api.url, connection: "ws", router: app.router, deps: app.deps });
    await expect(adapter.run()).rejects.toThrow();
    await adapter.stop();
    await api.close();
    await app.close();
  });
});
