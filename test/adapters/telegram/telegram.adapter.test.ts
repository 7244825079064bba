import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TelegramAdapter, telegramSendError } from "../../../src/adapters/telegram/telegram.adapter.ts";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { SendError } from "../../../src/core/chat.ts";
import { FakeTelegram, type FakeUser } from "../../helpers/fake-telegram.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LI_MING: FakeUser = { id: 4242, first_name: "Ming", username: "liming" };
const STRANGER: FakeUser = { id: 5151, first_name: "Stranger" };

describe("Telegram adapter (grammY against a fake Bot API)", () => {
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

  function startPolling(): TelegramAdapter {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, pollTimeoutSeconds: 1 });
    running = adapter.run();
    return adapter;
  }

  it("long polling: refuses a stranger once, binds with a code, /today, logs a visit with buttons, gets a reminder", async () => {
    startPolling();

    // A stranger gets exactly one polite explanation and nothing else.
    tg.message(STRANGER, "/today");
    const [refusal] = await tg.waitForSent(STRANGER.id, 1);
    expect(refusal!.payload.text).toContain("/bind");
    expect(refusal!.payload.text).not.toContain("拜访清单");

    // Bind with a one-time code.
    const code = await app.bindCode("M001");
    tg.message(LI_MING, `/bind ${code.toLowerCase()}`);
    let { call: m, cursor } = await tg.next(LI_MING.id, 0);
    expect(m.payload.text).toContain("绑定成功：李明（M001，客户经理）");
    expect(m.payload.text).toContain("提醒将发送到：Telegram");

    // /today: the visit list, in HTML mode with the text escaped.
    tg.message(LI_MING, "/today");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访清单")));
    expect(m.payload.parse_mode).toBe("HTML");
    expect(m.payload.text).toContain("11月23日（周一） 拜访清单");

    // /log: the form asks with inline keyboards; each tap is answered and marked on the message.
    const visitsBefore = await app.db.visit.count();
    tg.message(LI_MING, "/log");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (_, c) => Boolean(c.payload.reply_markup)));
    const firstStop = (m.payload.reply_markup.inline_keyboard as { text: string }[][])[0]![0]!.text;
    tg.tap(LI_MING, m, firstStop);
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访方式")));
    expect(tg.calls.some((c) => c.method === "answerCallbackQuery")).toBe(true);
    const edit = tg.calls.find((c) => c.method === "editMessageText")!;
    expect(edit.payload.text).toContain(`✅ <b>${firstStop}</b>`);
    expect(edit.payload.reply_markup).toBeUndefined();

    tg.tap(LI_MING, m, "实地");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访用了多长时间")));
    const duration = (m.payload.reply_markup.inline_keyboard as { text: string }[][]).flat()[0]!.text;
    tg.tap(LI_MING, m, duration);
    // The section menu (inline buttons), not the location button's message after the duration question.
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (_, c) => Boolean(c.payload.reply_markup?.inline_keyboard)));
    const sectionsMessage = m;
    tg.tap(LI_MING, sectionsMessage, "✅ 一切正常，提交");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("已记录")));
    expect(m.payload.text).toContain(`✅ 已记录：${firstStop} · 实地`);
    expect(await app.db.visit.count()).toBe(visitsBefore + 1);
    const visit = await app.db.visit.findFirst({ orderBy: { id: "desc" }, include: { customer: true } });
    expect(visit!.customer.name).toBe(firstStop);
    expect(visit!.mode).toBe("field");

    // A second tap on an answered keyboard counts once.
    const answersBefore = tg.calls.filter((c) => c.method === "answerCallbackQuery").length;
    tg.tap(LI_MING, sectionsMessage, "✅ 一切正常，提交");
    await tg.waitFor(() => tg.calls.filter((c) => c.method === "answerCallbackQuery").length > answersBefore, "second answer");
    expect(tg.calls.filter((c) => c.method === "answerCallbackQuery").at(-1)!.payload.text).toContain("已经回答过");
    expect(await app.db.visit.count()).toBe(visitsBefore + 1);

    // A scheduled reminder goes through the outbox to this chat.
    const to = await app.remind(new Map([["telegram", adapter!]]), "⏰ 下午 5 点前记录今天的拜访");
    expect(to).toEqual({ platform: "telegram", chatId: String(LI_MING.id) });
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("⏰")));
    expect(m.payload.text).toBe("⏰ 下午 5 点前记录今天的拜访");
    expect(tg.sent(STRANGER.id)).toHaveLength(1);
  }, 180_000);

  it("processes an update_id once, even when it is delivered again after a restart", async () => {
    const code = await app.bindCode("M001");
    startPolling();
    const bind = tg.message(LI_MING, `/bind ${code}`);
    await tg.waitForSent(LI_MING.id, 1);
    const whoami = tg.message(LI_MING, "/whoami");
    await tg.waitForSent(LI_MING.id, 2);

    // Restart: a new process, and the server hands out both updates again.
    await adapter!.stop();
    await running;
    tg.redeliver(bind);
    tg.redeliver(whoami);
    startPolling();
    tg.message(LI_MING, "/help");
    const [help] = await tg.waitForSent(LI_MING.id, 1, 2);
    expect(help!.payload.text).toContain("/today");
    expect(tg.sent(LI_MING.id)).toHaveLength(3);
    expect(await app.db.processedEvent.count({ where: { platform: "telegram", eventId: String(bind.update_id) } })).toBe(1);
  });

  it("webhook mode: checks the secret token, answers, and ignores a repeated update", async () => {
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    const port = await server.listen();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, webhook: { url, secret: "s3cret_token", server } });
    running = adapter.run();
    await tg.waitFor(() => tg.calls.some((c) => c.method === "setWebhook"), "setWebhook");
    const setWebhook = tg.calls.find((c) => c.method === "setWebhook")!;
    expect(setWebhook.payload).toMatchObject({ url, secret_token: "s3cret_token" });

    const update = { update_id: 9001, message: { message_id: 1, date: 0, chat: { id: STRANGER.id, type: "private" }, from: { ...STRANGER, is_bot: false }, text: "hello" } };
    const post = (secret: string | null, body: unknown) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) }, body: JSON.stringify(body) });

    expect((await post("wrong", update)).status).toBe(401);
    expect((await post(null, update)).status).toBe(401);
    expect(tg.sent()).toHaveLength(0);

    expect((await post("s3cret_token", update)).status).toBe(200);
    await tg.waitForSent(STRANGER.id, 1);
    expect((await post("s3cret_token", update)).status).toBe(200);
    // A new update from someone bound is answered; the repeated one never was.
    const code = await app.bindCode("M001");
    const bind = { update_id: 9002, message: { message_id: 2, date: 0, chat: { id: LI_MING.id, type: "private" }, from: { ...LI_MING, is_bot: false }, text: `/bind ${code}` } };
    expect((await post("s3cret_token", bind)).status).toBe(200);
    await tg.waitForSent(LI_MING.id, 1);
    await adapter.idle();
    expect(tg.sent(STRANGER.id)).toHaveLength(1);
    await adapter.stop();
    await running;
    await server.close();
  });

  it("maps Bot API failures to SendError: 429 with retry_after, 403 permanent, 5xx transient", async () => {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, throttle: false, autoRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true } });
    tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 17", parameters: { retry_after: 17 } });
    const limited = await adapter.send({ platform: "telegram", chatId: "1" }, { text: "x" }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(SendError);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 17_000 });

    tg.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" });
    const blocked = await adapter.send({ platform: "telegram", chatId: "1" }, { text: "x" }).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ status: 403, permanent: true });

    tg.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" });
    const gateway = await adapter.send({ platform: "telegram", chatId: "1" }, { text: "x" }).catch((e: unknown) => e);
    expect(gateway).toMatchObject({ status: 502 });
    expect((gateway as SendError).permanent).toBeFalsy();

    // A network failure (nothing listening) is transient too.
    expect(telegramSendError(new Error("socket hang up")).permanent).toBeUndefined();
  });

  it("auto-retry waits out a short retry_after by itself", async () => {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, throttle: false });
    tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 0", parameters: { retry_after: 0 } });
    await adapter.send({ platform: "telegram", chatId: "7" }, { text: "after a pause" });
    expect(tg.calls.map((c) => c.method)).toEqual(["sendMessage:failed", "sendMessage"]);
  });

  it("a bad token fails run() with 401 (the supervisor logs and retries it)", async () => {
    adapter = new TelegramAdapter({ token: "123456789:AAwrongwrongwrongwrongwrongwrong", apiRoot: tg.url, router: app.router, deps: app.deps });
    await expect(adapter.run()).rejects.toMatchObject({ error_code: 401 });
  });

  it("in groups answers commands and mentions only, long texts are split at 4096 characters", async () => {
    const code = await app.bindCode("M001");
    startPolling();
    tg.message(LI_MING, `/bind ${code}`);
    await tg.waitForSent(LI_MING.id, 1);
    const group = { id: -100123, type: "supergroup", title: "片区群" };
    tg.message(LI_MING, "今天天气不错", group);
    tg.message(LI_MING, "/whoami@other_bot", group);
    tg.message(LI_MING, "/whoami@visitmate_bot", group);
    const [who] = await tg.waitForSent(group.id, 1);
    // Staff data stays out of the group.
    expect(who!.payload.text).toContain("请私聊我");
    expect(who!.payload.text).not.toContain("M001");
    tg.message(LI_MING, "@visitmate_bot /help", group);
    const [, help] = await tg.waitForSent(group.id, 2);
    expect(help!.payload.text).toContain("/today");
    await adapter!.idle();
    expect(tg.sent(group.id)).toHaveLength(2);

    const long = Array.from({ length: 300 }, (_, i) => `${i + 1}. <店> & “名字”${"很长的地址".repeat(4)}`).join("\n");
    await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, { text: long, choices: [{ label: "好", value: "ok" }] });
    await waitUntil(() => tg.sent(LI_MING.id).length >= 4, "split message");
    const parts = tg.sent(LI_MING.id).slice(1);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(String(p.payload.__plain).length).toBeLessThanOrEqual(4096);
    expect(parts.map((p) => p.payload.__plain).join("\n")).toBe(long);
    expect(parts.at(-1)!.payload.reply_markup).toBeDefined();
    expect(parts[0]!.payload.reply_markup).toBeUndefined();
    expect(parts[0]!.payload.text).toContain("&lt;店&gt; &amp; “名字”");
  });
});
