import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../src/adapters/lark/lark.adapter.ts";
import { TelegramAdapter } from "../../src/adapters/telegram/telegram.adapter.ts";
import { outboxCommand } from "../../src/cli/jobs.cli.ts";
import type { Reply } from "../../src/core/chat.ts";
import { isDbFault } from "../../src/core/db-faults.ts";
import type { Router } from "../../src/core/router.ts";
import { cardActionEvent, FakeLarkApi, messageEvent, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram, type FakeUser } from "../helpers/fake-telegram.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LI_MING: FakeUser = { id: 4242, first_name: "Ming", username: "liming" };
const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const VERIFICATION_TOKEN = "verification-token-for-tests";
const ENCRYPT_KEY = "encrypt-key-for-tests";
const LARK_USER = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };

/** The app's router, plus `/three` answering with three replies (a multi-part answer) and `/one`. */
function withParts(router: Router): Router {
  return {
    commands: () => router.commands(),
    async handle(msg) {
      if (msg.text === "/three") return [{ text: "part 1" }, { text: "part 2" }, { text: "part 3" }] satisfies Reply[];
      if (msg.text === "/one") return [{ text: "part 4" }];
      return router.handle(msg);
    },
  };
}

const texts = (tg: FakeTelegram, chatId: number) => tg.sent(chatId).map((c) => String(c.payload.text));

describe("durable chat replies (outbox) and inbound events", () => {
  let app: PlatformApp | null = null;
  let tg: FakeTelegram | null = null;
  let adapter: { stop(): Promise<void> } | null = null;
  let running: Promise<void> | null = null;
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await adapter?.stop();
    await running?.catch(() => undefined);
    await tg?.close();
    await app?.close();
    app = tg = adapter = running = null;
  });

  async function telegram(opts: { busyTimeoutMs?: number; retryDelaysMs?: number[]; autoRetry?: ConstructorParameters<typeof TelegramAdapter>[0]["autoRetry"] } = {}) {
    app = await createPlatformApp({ busyTimeoutMs: opts.busyTimeoutMs, retryDelaysMs: opts.retryDelaysMs });
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    const a = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: withParts(app.router), deps: app.deps, pollTimeoutSeconds: 1, throttle: false, autoRetry: opts.autoRetry });
    adapter = a;
    running = a.run();
    return { app, tg, adapter: a };
  }

  async function bound(app: PlatformApp, tg: FakeTelegram): Promise<void> {
    tg.message(LI_MING, `/bind ${await app.bindCode("M001")}`);
    await tg.waitForSent(LI_MING.id, 1);
  }

  it("Telegram 429 with retry_after 8 on the first of three parts: all three later, in order, and a later reply waits its turn", async () => {
    const { app, tg } = await telegram();
    // retry_after 8 is above auto-retry's 5 s: it reaches the outbox as a 429.
    tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 8", parameters: { retry_after: 8 } });
    tg.message(LI_MING, "/three");
    await waitUntil(async () => (await app.db.outbox.count({ where: { kind: "reply", status: "pending", lastError: { contains: "429" } } })) === 1, "the 429 to reschedule part 1");
    const rows = await app.db.outbox.findMany({ where: { kind: "reply" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["pending", "pending", "pending"]);
    expect(rows[0]!.nextAttemptAt.getTime()).toBe(app.clock.now().getTime() + 8000);
    expect(JSON.parse(rows[0]!.address)).toEqual({ askedTo: String(LI_MING.id) });

    // Another message meanwhile: its reply may not overtake the waiting parts.
    tg.message(LI_MING, "/one");
    await waitUntil(async () => (await app.db.outbox.count({ where: { kind: "reply" } })) === 4, "the second reply queued");
    await waitUntil(async () => (await app.db.outbox.count({ where: { kind: "reply", status: "sending" } })) === 0, "the dispatcher to settle");
    expect(texts(tg, LI_MING.id)).toEqual([]);

    // Eight (virtual) seconds later everything goes, in order.
    app.clock.advance(8000);
    app.dispatcher.wake();
    await tg.waitForSent(LI_MING.id, 4);
    expect(texts(tg, LI_MING.id)).toEqual(["part 1", "part 2", "part 3", "part 4"]);
    await waitUntil(async () => (await app.db.outbox.count({ where: { kind: "reply", status: "sent" } })) === 4, "all four marked sent");
  });

  it("a reply that exhausts its attempts is in `outbox --failed`; `outbox retry --all-failed` sends it", async () => {
    const { app, tg } = await telegram({ autoRetry: { maxRetryAttempts: 0 } });
    tg.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" }, 5);
    tg.message(LI_MING, "/one");
    // Five attempts (the dispatcher's default), each after its backoff in virtual time.
    for (let attempt = 1; attempt <= 5; attempt++) {
      await waitUntil(async () => {
        const r = await app.db.outbox.findFirst({ where: { kind: "reply" } });
        return Boolean(r && r.attempts === attempt && r.status !== "sending");
      }, `attempt ${attempt}`);
      app.clock.advance(15 * 60_000);
      app.dispatcher.wake();
    }
    expect((await app.db.outbox.findFirstOrThrow({ where: { kind: "reply" } })).status).toBe("failed");
    expect(texts(tg, LI_MING.id)).toEqual([]);

    const out: string[] = [];
    expect(await outboxCommand(["--failed"], { deps: app.deps, out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(out.join("\n")).toContain(`reply:telegram:`);
    expect(out.join("\n")).toContain("502");

    out.length = 0;
    expect(await outboxCommand(["retry", "--all-failed", "--kind", "reply"], { deps: app.deps, out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(out.join("\n")).toContain("1 条失败的消息已重新排队");
    app.dispatcher.wake();
    await tg.waitForSent(LI_MING.id, 1);
    expect(texts(tg, LI_MING.id)).toEqual(["part 4"]);
    out.length = 0;
    await outboxCommand(["retry", "--all-failed"], { deps: app.deps, out: (s) => out.push(s), err: (s) => out.push(s) });
    expect(out.join("\n")).toContain("没有失败的消息");
  });

  it("a duplicate delivery of an event is handled once", async () => {
    const { app, tg } = await telegram();
    await bound(app, tg);
    const visitsBefore = await app.db.processedEvent.count();
    const update = tg.message(LI_MING, "/whoami");
    tg.redeliver(update);
    await tg.waitForSent(LI_MING.id, 2);
    tg.redeliver(update);
    tg.message(LI_MING, "/one");
    await tg.next(LI_MING.id, 2, (t) => t === "part 4");
    expect(tg.sent(LI_MING.id)).toHaveLength(3);
    expect(await app.db.processedEvent.count({ where: { platform: "telegram", eventId: String(update.update_id) } })).toBe(1);
    expect(await app.db.processedEvent.count()).toBe(visitsBefore + 2);
  });

  it("write lock held by another process past the busy timeout: busy notice, then the answer after the lock goes, nothing lost", async () => {
    const { app, tg } = await telegram({ busyTimeoutMs: 200, retryDelaysMs: [300] });
    await bound(app, tg);
    const file = app.testDb.url.replace(/^file:/, "");
    const holder = await holdWriteLock(file);
    cleanups.push(() => void holder.child.kill("SIGKILL"));

    const whoami = tg.message(LI_MING, "/whoami");
    const { cursor } = await tg.next(LI_MING.id, 1, (t) => t.includes("系统繁忙"));
    // Still locked: retried (and failing) without a second notice.
    await waitUntil(() => app.logs.filter((l) => l.msg.startsWith("database fault while handling")).length >= 3, "a few retries");
    expect(tg.sent(LI_MING.id)).toHaveLength(2);
    expect(await app.db.processedEvent.count({ where: { eventId: String(whoami.update_id) } })).toBe(0);

    await holder.release();
    const { call } = await tg.next(LI_MING.id, cursor);
    expect(String(call.payload.text)).toContain("李明");
    expect(tg.sent(LI_MING.id).filter((c) => String(c.payload.text).includes("系统繁忙"))).toHaveLength(1);
    expect(await app.db.processedEvent.count({ where: { eventId: String(whoami.update_id) } })).toBe(1);
  });

  it("stopping the adapter while the database stays locked does not hang: the waiting message tries once more, then is given up and logged", async () => {
    // Retries far apart: without the stop signal the stop would wait an hour.
    const { app, tg, adapter: a } = await telegram({ busyTimeoutMs: 200, retryDelaysMs: [3600_000] });
    await bound(app, tg);
    const holder = await holdWriteLock(app.testDb.url.replace(/^file:/, ""));
    cleanups.push(() => void holder.child.kill("SIGKILL"));
    tg.message(LI_MING, "/whoami");
    await tg.next(LI_MING.id, 1, (t) => t.includes("系统繁忙"));
    await a.stop();
    await running?.catch(() => undefined);
    expect(app.logs.filter((l) => l.msg === "message given up at stop after a database fault")).toHaveLength(1);
    await holder.release();
  });

  it("a message given up at stop is not confirmed to Telegram: the next run gets it again and answers it, once", async () => {
    const { app, tg, adapter: a } = await telegram({ busyTimeoutMs: 200, retryDelaysMs: [3600_000] });
    await bound(app, tg);
    const holder = await holdWriteLock(app.testDb.url.replace(/^file:/, ""));
    cleanups.push(() => void holder.child.kill("SIGKILL"));
    const whoami = tg.message(LI_MING, "/whoami");
    const { cursor } = await tg.next(LI_MING.id, 1, (t) => t.includes("系统繁忙"));
    await a.stop();
    await running?.catch(() => undefined);
    expect(app.logs.filter((l) => l.msg === "message given up at stop after a database fault")).toHaveLength(1);
    await holder.release();

    // The restarted process: Telegram still has the update (nothing redelivered by hand here).
    const again = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: withParts(app.router), deps: app.deps, pollTimeoutSeconds: 1, throttle: false });
    adapter = again;
    running = again.run();
    const { call } = await tg.next(LI_MING.id, cursor);
    expect(String(call.payload.text)).toContain("李明");
    expect(await app.db.processedEvent.count({ where: { eventId: String(whoami.update_id) } })).toBe(1);

    // Handled now, so confirmed at the next stop: a third run gets nothing and answers nothing more.
    await again.stop();
    await running;
    const sentBefore = tg.sent(LI_MING.id).length;
    const third = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: withParts(app.router), deps: app.deps, pollTimeoutSeconds: 1, throttle: false });
    adapter = third;
    running = third.run();
    tg.message(LI_MING, "/one");
    await tg.next(LI_MING.id, sentBefore, (t) => t === "part 4");
    expect(tg.sent(LI_MING.id)).toHaveLength(sentBefore + 1);
  });

  it("Lark: a message not yet dealt with is answered 503 (Lark delivers it again); given up at stop, the next run answers the redelivery, once", async () => {
    app = await createPlatformApp({ busyTimeoutMs: 200, retryDelaysMs: [3600_000] });
    const api = new FakeLarkApi(APP);
    await api.start();
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    const port = await server.listen();
    cleanups.push(() => api.close(), () => server.close());
    const start = async () => {
      const lark = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router: withParts(app!.router), deps: app!.deps, ackWaitMs: 300 });
      adapter = lark;
      running = lark.run();
      await lark.ready;
      return lark;
    };
    const post = (event: Record<string, unknown>) => postLarkEvent(`http://127.0.0.1:${port}/lark/events`, event, { encryptKey: ENCRYPT_KEY, now: app!.clock.now() });
    const event = (text: string) => messageEvent({ token: VERIFICATION_TOKEN, openId: LARK_USER.openId, chatId: LARK_USER.chatId, text });
    const sent = () => api.to(LARK_USER.chatId).map((m) => FakeLarkApi.textOf(m));
    const first = await start();

    // A 200 once its reply is queued (a busy machine may need Lark's redelivery: the same event again).
    const bind = event(`/bind ${await app.bindCode("M001")}`);
    let acked = 0;
    for (let i = 0; i < 100 && acked !== 200; i++) acked = (await post(bind)).status;
    expect(acked).toBe(200);
    expect(await app.db.outbox.count({ where: { kind: "reply" } })).toBe(1);

    // The database is locked: the user hears "busy", Lark gets a 503 and keeps the event.
    const holder = await holdWriteLock(app.testDb.url.replace(/^file:/, ""));
    cleanups.push(() => void holder.child.kill("SIGKILL"));
    const whoami = event("/whoami");
    expect((await post(whoami)).status).toBe(503);
    await waitUntil(() => sent().some((t) => t.includes("系统繁忙")), "the busy notice");
    // Lark's redelivery while it is still in hand: 503 again, and the message is not taken twice.
    expect((await post(whoami)).status).toBe(503);
    await first.stop();
    await running?.catch(() => undefined);
    expect(app.logs.filter((l) => l.msg === "message given up at stop after a database fault")).toHaveLength(1);
    await holder.release();
    const eventId = String((whoami.header as { event_id: string }).event_id);
    expect(await app.db.processedEvent.count({ where: { eventId } })).toBe(0);

    // The next run: Lark delivers the event again; it is answered and acknowledged.
    await start();
    acked = 0;
    for (let i = 0; i < 100 && acked !== 200; i++) acked = (await post(whoami)).status;
    expect(acked).toBe(200);
    await waitUntil(() => sent().some((t) => t.includes("李明")), "the answer to /whoami");
    expect(await app.db.processedEvent.count({ where: { eventId } })).toBe(1);
    // A later redelivery is acknowledged and answers nothing more.
    const replies = await app.db.outbox.count({ where: { kind: "reply" } });
    acked = 0;
    for (let i = 0; i < 100 && acked !== 200; i++) acked = (await post(whoami)).status;
    expect(acked).toBe(200);
    expect(await app.db.outbox.count({ where: { kind: "reply" } })).toBe(replies);
  });

  it("Telegram: a tap given up at stop is not recorded as answered, so its redelivered update is taken on the next run", async () => {
    app = await createPlatformApp({ retryDelaysMs: [3600_000] });
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    // The database fails only while the tap is handled (as a lock would, without blocking its reads).
    let faulty = false;
    const router: Router = {
      commands: () => app!.router.commands(),
      async handle(msg) {
        if (faulty && msg.isAction) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
        return app!.router.handle(msg);
      },
    };
    const make = () => new TelegramAdapter({ token: TOKEN, apiRoot: tg!.url, router, deps: app!.deps, pollTimeoutSeconds: 1, throttle: false });
    const first = make();
    adapter = first;
    running = first.run();
    await bound(app, tg);
    tg.message(LI_MING, "/log");
    const { call: stops, cursor } = await tg.next(LI_MING.id, 1, (_, c) => Boolean(c.payload.reply_markup?.inline_keyboard));
    const label = String((stops.payload.reply_markup.inline_keyboard as { text: string }[][])[0]![0]!.text);
    faulty = true;
    tg.tap(LI_MING, stops, label);
    const { cursor: after } = await tg.next(LI_MING.id, cursor, (t) => t.includes("系统繁忙"));
    await first.stop();
    await running?.catch(() => undefined);
    expect(app.logs.filter((l) => l.msg === "message given up at stop after a database fault")).toHaveLength(1);
    expect(await app.db.sentCard.count({ where: { messageId: `${LI_MING.id}:${stops.payload.__message_id}`, answered: { not: null } } })).toBe(0);

    // The next run gets the same update again and takes the tap: the form goes on.
    faulty = false;
    const again = make();
    adapter = again;
    running = again.run();
    await tg.next(LI_MING.id, after, (t) => t.includes("拜访方式"));
    await waitUntil(async () => (await app!.db.sentCard.count({ where: { messageId: `${LI_MING.id}:${stops.payload.__message_id}`, answered: { not: null } } })) === 1, "the keyboard recorded as answered");
  });

  it("Lark: a card tap shows ✅ only once it is dealt with; one in hand is marked when done; one given up at stop keeps its buttons for a tap after the restart", async () => {
    app = await createPlatformApp({ busyTimeoutMs: 200, retryDelaysMs: [300] });
    const api = new FakeLarkApi(APP);
    await api.start();
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    const port = await server.listen();
    cleanups.push(() => api.close(), () => server.close());
    const start = async (ackWaitMs: number) => {
      const lark = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router: app!.router, deps: app!.deps, ackWaitMs });
      adapter = lark;
      running = lark.run();
      await lark.ready;
      return lark;
    };
    const url = `http://127.0.0.1:${port}/lark/events`;
    const say = (text: string) => postLarkEvent(url, messageEvent({ token: VERIFICATION_TOKEN, openId: LARK_USER.openId, chatId: LARK_USER.chatId, text }), { encryptKey: ENCRYPT_KEY, now: app!.clock.now() });
    const tap = (messageId: string, value: unknown) => postLarkEvent(url, cardActionEvent({ token: VERIFICATION_TOKEN, openId: LARK_USER.openId, chatId: LARK_USER.chatId, messageId, value }), { encryptKey: ENCRYPT_KEY, now: app!.clock.now() });
    let lark = await start(60_000);
    await say(`/bind ${await app.bindCode("M001")}`);
    let { cursor } = await api.next(LARK_USER.chatId, 0);
    await say("/log");
    let m;
    ({ msg: m, cursor } = await api.next(LARK_USER.chatId, cursor, (_, s) => s.msg_type === "interactive"));
    const stops = m;
    const first = FakeLarkApi.buttons(stops)[0]!;

    // Dealt with in time: ✅ and the card redrawn as answered, in the answer to the tap itself.
    const ok = await tap(stops.message_id, first.value);
    expect(ok.body.toast).toEqual({ type: "success", content: `✅ ${first.label}` });
    ({ msg: m, cursor } = await api.next(LARK_USER.chatId, cursor, (t) => t.includes("拜访方式")));
    const mode = m;
    const field = FakeLarkApi.buttons(mode).find((b) => b.label === "实地")!;
    await lark.stop();
    await running?.catch(() => undefined);

    // The database is locked past the acknowledgement wait: the toast says it is being handled, the
    // card keeps its buttons; once the lock goes the answer comes and the card is marked answered.
    lark = await start(300);
    const holder = await holdWriteLock(app.testDb.url.replace(/^file:/, ""));
    cleanups.push(() => void holder.child.kill("SIGKILL"));
    const pending = await tap(mode.message_id, field.value);
    expect(pending.status).toBe(200);
    expect(pending.body.toast).toEqual({ type: "info", content: "已收到，正在处理，结果会发到聊天里。" });
    expect(pending.body.card).toBeUndefined();
    // A second tap meanwhile is not taken twice.
    expect((await tap(mode.message_id, field.value)).body.toast.content).toContain("已经回答过");
    await holder.release();
    ({ msg: m, cursor } = await api.next(LARK_USER.chatId, cursor, (t) => t.includes("拜访用了多长时间")));
    const duration = m;
    await waitUntil(() => api.patches.some((p) => p.message_id === mode.message_id && JSON.stringify(p.content).includes("✅ 实地")), "the card marked answered");
    expect(JSON.stringify(api.patches.find((p) => p.message_id === mode.message_id)!.content)).not.toContain('"tag":"button"');

    // Locked again, and the process stops while the tap is in hand: it is given up, nothing is
    // claimed, and after the restart the same button is taken.
    const holder2 = await holdWriteLock(app.testDb.url.replace(/^file:/, ""));
    cleanups.push(() => void holder2.child.kill("SIGKILL"));
    const minutes = FakeLarkApi.buttons(duration)[0]!;
    expect((await tap(duration.message_id, minutes.value)).body.toast.content).toContain("正在处理");
    await lark.stop();
    await running?.catch(() => undefined);
    expect(app.logs.filter((l) => l.msg === "message given up at stop after a database fault")).toHaveLength(1);
    await holder2.release();
    expect(await app.db.sentCard.count({ where: { messageId: duration.message_id, answered: { not: null } } })).toBe(0);
    expect(api.patches.some((p) => p.message_id === duration.message_id && JSON.stringify(p.content).includes("✅"))).toBe(false);

    await start(60_000);
    const retap = await tap(duration.message_id, minutes.value);
    expect(retap.body.toast).toEqual({ type: "success", content: `✅ ${minutes.label}` });
    await api.next(LARK_USER.chatId, cursor, (_, s) => s.msg_type === "interactive" && FakeLarkApi.textOf(s) !== FakeLarkApi.textOf(duration));
    expect(await app.db.sentCard.count({ where: { messageId: duration.message_id, answered: { not: null } } })).toBe(1);
  }, 120_000);

  it("disk full (SQLITE_FULL): the user is told, the answer comes once space returns", async () => {
    const { app, tg } = await telegram({ retryDelaysMs: [200] });
    await bound(app, tg);
    const [{ page_count }] = await app.db.$queryRawUnsafe<{ page_count: bigint }[]>("PRAGMA page_count");
    await app.db.$queryRawUnsafe(`PRAGMA max_page_count = ${Number(page_count) + 2}`);
    // Fill the last free pages so that the next write needs a page the file may not grow by.
    // (in the tables a handled message writes: its event mark and its reply).
    const fill = async (write: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 100_000; i++) {
        try {
          await write(i);
        } catch (err) {
          expect(isDbFault(err)).toBe(true);
          return;
        }
      }
      throw new Error("the disk never filled");
    };
    await fill((i) => app.db.processedEvent.create({ data: { platform: "filler", eventId: `filler-event-${i}` } }));
    await fill((i) => app.db.outbox.create({ data: { key: `filler:${i}`, kind: "filler", platform: "filler", chatId: "0", payload: "{}", status: "sent" } }));
    tg.message(LI_MING, "/whoami");
    const { cursor } = await tg.next(LI_MING.id, 1, (t) => t.includes("系统繁忙"));
    await waitUntil(() => app.logs.some((l) => l.msg.startsWith("database fault while handling") && JSON.stringify(l.extra).includes("full")), "SQLITE_FULL");
    // Space returns.
    await app.db.$queryRawUnsafe("PRAGMA max_page_count = 1073741823");
    const { call } = await tg.next(LI_MING.id, cursor);
    expect(String(call.payload.text)).toContain("李明");
  });

  it("Lark 99991400 (rate limit with its reset header) and a 5xx: delivered later, in order", async () => {
    app = await createPlatformApp();
    const api = new FakeLarkApi(APP);
    await api.start();
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    const port = await server.listen();
    const lark = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router: withParts(app.router), deps: app.deps });
    adapter = lark;
    running = lark.run();
    cleanups.push(() => api.close(), () => server.close());
    await lark.ready;
    const say = (text: string) =>
      postLarkEvent(`http://127.0.0.1:${port}/lark/events`, messageEvent({ token: VERIFICATION_TOKEN, openId: LARK_USER.openId, chatId: LARK_USER.chatId, text }), { encryptKey: ENCRYPT_KEY, now: app!.clock.now() });

    api.failNext({ status: 400, body: { code: 99991400, msg: "request trigger frequency limit" }, headers: { "x-ogw-ratelimit-reset": "12" } });
    await say("/three");
    await waitUntil(async () => (await app!.db.outbox.count({ where: { kind: "reply", status: "pending", lastError: { contains: "99991400" } } })) === 1, "the rate limit to reschedule");
    const first = await app.db.outbox.findFirstOrThrow({ where: { kind: "reply" }, orderBy: { id: "asc" } });
    expect(first.nextAttemptAt.getTime()).toBe(app.clock.now().getTime() + 12_000);
    expect(api.to(LARK_USER.chatId)).toHaveLength(0);

    // When it is due, part 1 goes, part 2 meets a dropped connection and then a 503: each backed
    // off, then delivered; the order holds.
    api.resetNext({ after: 1 });
    api.failNext({ status: 503, body: { code: 503, msg: "service unavailable" } });
    app.clock.advance(12_000);
    app.dispatcher.wake();
    for (const attempt of [1, 2]) {
      await waitUntil(async () => {
        const r = await app!.db.outbox.findMany({ where: { kind: "reply" }, orderBy: { id: "asc" } });
        return r[1]!.attempts === attempt && r[1]!.status === "pending";
      }, `part 2 attempt ${attempt} rescheduled`);
      app.clock.advance(15 * 60_000);
      app.dispatcher.wake();
    }
    await waitUntil(async () => (await app!.db.outbox.count({ where: { kind: "reply", status: "sent" } })) === 3, "all three sent");
    expect(api.to(LARK_USER.chatId).map((m) => FakeLarkApi.textOf(m))).toEqual(["part 1", "part 2", "part 3"]);
  });
});

/** A second process that takes the database's write lock (BEGIN IMMEDIATE) and holds it until released. */
async function holdWriteLock(file: string): Promise<{ child: ChildProcess; release(): Promise<void> }> {
  const script = `
    const Database = require("better-sqlite3");
    const db = new Database(${JSON.stringify(file)});
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("locked\\n");
    process.stdin.on("data", () => { db.exec("COMMIT"); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ["-e", script], { cwd: path.resolve(import.meta.dirname, "../.."), stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin!.write("go\n");
      }),
  };
}
