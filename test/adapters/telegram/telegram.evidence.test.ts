import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadTelegramFile, TelegramAdapter } from "../../../src/adapters/telegram/telegram.adapter.ts";
import { MediaError, type InboundMessage, type Reply } from "../../../src/core/chat.ts";
import type { Router } from "../../../src/core/router.ts";
import { dayStops } from "../../../src/modules/visits/visits.service.ts";
import { FakeTelegram, type ApiCall, type FakeUser } from "../../helpers/fake-telegram.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LI_MING: FakeUser = { id: 4242, first_name: "Ming", username: "liming" };
const GROUP = { id: -100777, type: "supergroup", title: "销售群" };
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7), Buffer.from([0xff, 0xd9])]);
const MB = 1024 * 1024;

/** What the adapter hands the core, recorded; each message is answered with `answer(msg)`. */
function recordingRouter(inner: Router, seen: InboundMessage[], answerWith: (msg: InboundMessage) => Reply[] = () => [{ text: "收到" }]): Router {
  return { commands: () => inner.commands(), handle: async (msg) => (seen.push(msg), answerWith(msg)) };
}

async function mediaError(p: Promise<unknown>): Promise<MediaError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MediaError);
  return err as MediaError;
}

describe("Telegram evidence: locations, photos and documents (grammY against the fake Bot API)", () => {
  let app: PlatformApp;
  let tg: FakeTelegram;
  let adapter: TelegramAdapter | null;
  let running: Promise<void> | null;
  let seen: InboundMessage[];

  beforeEach(async () => {
    app = await createPlatformApp();
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    adapter = null;
    running = null;
    seen = [];
  });
  afterEach(async () => {
    await adapter?.stop();
    await running?.catch(() => undefined);
    await tg.close();
    await app.close();
  });

  function start(answerWith?: (msg: InboundMessage) => Reply[]): TelegramAdapter {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: recordingRouter(app.router, seen, answerWith), deps: app.deps, pollTimeoutSeconds: 1 });
    running = adapter.run();
    return adapter;
  }

  const received = (n: number) => tg.waitFor(() => seen.length >= n, `${n} inbound messages`);

  it("a location: coordinates, accuracy, when it was sent, not forwarded; the text is empty", async () => {
    start();
    const update = tg.location(LI_MING, { latitude: 30.2741, longitude: 120.1551, horizontal_accuracy: 12.5 }, { date: 1795400000 });
    await received(1);
    expect(seen[0]).toEqual({
      platform: "telegram",
      chatId: String(LI_MING.id),
      userId: String(LI_MING.id),
      userName: "Ming",
      text: "",
      isAction: false,
      eventId: String(update.update_id),
      chatType: "private",
      location: { lat: 30.2741, lng: 120.1551, accuracyM: 12.5, sentAt: new Date(1795400000 * 1000), forwarded: false },
    });
    expect(seen[0]!.media).toBeUndefined();
  });

  it("a forwarded location is marked forwarded; a venue carries its title; a live location's first message counts, its updates do not", async () => {
    start();
    tg.location(LI_MING, { latitude: 30.1, longitude: 120.1 }, { forwarded: true });
    await received(1);
    expect(seen[0]!.location).toMatchObject({ lat: 30.1, lng: 120.1, forwarded: true });

    tg.venue(LI_MING, { latitude: 30.2, longitude: 120.2 }, "惠民烟酒店");
    await received(2);
    expect(seen[1]!.location).toMatchObject({ lat: 30.2, lng: 120.2, forwarded: false, label: "惠民烟酒店" });

    const live = tg.location(LI_MING, { latitude: 30.3, longitude: 120.3, live_period: 900 });
    await received(3);
    expect(seen[2]!.location).toMatchObject({ lat: 30.3, lng: 120.3 });
    // Telegram would not even deliver it (allowed_updates has no edited_message); the adapter has no handler either.
    tg.pushUpdate({ edited_message: { ...live.message, location: { latitude: 31, longitude: 121 }, edit_date: live.message.date + 60 } });
    tg.location(LI_MING, { latitude: 30.4, longitude: 120.4 });
    await received(4);
    expect(seen.map((m) => m.location?.lat)).toEqual([30.1, 30.2, 30.3, 30.4]);
  });

  it("a photo: the largest size, declared as a JPEG with its size, downloaded through getFile and the file route", async () => {
    start();
    const small = tg.addFile(Buffer.from("small"));
    const large = tg.addFile(JPEG);
    const medium = tg.addFile(Buffer.from("medium-size"));
    tg.photo(LI_MING, [{ file: small, width: 90, height: 67 }, { file: large, width: 1280, height: 960 }, { file: medium, width: 320, height: 240 }], { caption: "货架" });
    await received(1);
    const msg = seen[0]!;
    // The caption does not answer the form's question.
    expect(msg.text).toBe("");
    expect(msg.location).toBeUndefined();
    expect(msg.media).toHaveLength(1);
    const media = msg.media![0]!;
    expect({ kind: media.kind, mime: media.mime, bytes: media.bytes, name: media.name }).toEqual({ kind: "image", mime: "image/jpeg", bytes: JPEG.length, name: undefined });
    expect(tg.calls.some((c) => c.method === "getFile")).toBe(false);
    const bytes = await media.download(5 * MB);
    expect(bytes.equals(JPEG)).toBe(true);
    expect(tg.calls.filter((c) => c.method === "getFile").map((c) => c.payload.file_id)).toEqual([large.file_id]);
    expect(tg.downloads).toEqual([{ path: large.file_path, status: 200 }]);
  });

  it("a document: a file with its declared type, name and size", async () => {
    start();
    const pdf = tg.addFile(Buffer.from("%PDF-1.4 report"), { ext: "pdf" });
    tg.document(LI_MING, pdf, { file_name: "陈列.pdf", mime_type: "application/pdf" });
    await received(1);
    const media = seen[0]!.media![0]!;
    expect({ kind: media.kind, mime: media.mime, name: media.name, bytes: media.bytes }).toEqual({ kind: "file", mime: "application/pdf", name: "陈列.pdf", bytes: 15 });
    expect((await media.download(MB)).toString()).toBe("%PDF-1.4 report");
  });

  it("in a group: only a photo or location addressed to the bot reaches the core, marked as a group", async () => {
    start();
    const file = tg.addFile(JPEG);
    tg.photo(LI_MING, [{ file, width: 800, height: 600 }], { chat: GROUP });
    tg.location(LI_MING, { latitude: 30, longitude: 120 }, { chat: GROUP });
    tg.location(LI_MING, { latitude: 30.5, longitude: 120.5 }, { chat: GROUP, replyToBot: true });
    tg.photo(LI_MING, [{ file, width: 800, height: 600 }], { chat: GROUP, caption: "@visitmate_bot 陈列" });
    await received(2);
    await adapter!.idle();
    expect(seen.map((m) => [m.chatType, m.chatId, m.location?.lat ?? null, m.media?.length ?? 0])).toEqual([
      ["group", String(GROUP.id), 30.5, 0],
      ["group", String(GROUP.id), null, 1],
    ]);
  });

  it("through the real router: a location in a group is refused there, outside a visit nothing is kept", async () => {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, pollTimeoutSeconds: 1 });
    running = adapter.run();
    const code = await app.bindCode("M001");
    tg.message(LI_MING, `/bind ${code}`);
    let { cursor } = await tg.next(LI_MING.id, 0, (t) => t.includes("绑定成功"));
    tg.location(LI_MING, { latitude: 30.5, longitude: 120.5 }, { chat: GROUP, replyToBot: true });
    const group = await tg.next(GROUP.id, 0);
    expect(group.call.payload.__plain).toContain("私聊");
    tg.location(LI_MING, { latitude: 30.5, longitude: 120.5 });
    ({ cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("位置只在拜访记录中用于签到")));
  });

  describe("download limits and failures", () => {
    const api = (tgApi: FakeTelegram) => new TelegramAdapter({ token: TOKEN, apiRoot: tgApi.url, router: app.router, deps: app.deps, throttle: false, botInfo: { ...tgApi.bot, has_main_web_app: false, can_connect_to_business: false } as never }).bot.api;
    const get = (fileId: string, maxBytes: number, declaredBytes?: number) =>
      downloadTelegramFile({ api: api(tg), apiRoot: tg.url, token: TOKEN, fileId, maxBytes, declaredBytes, timeoutMs: 5000 });

    it("a declared size over the limit, or over the Bot API's 20 MB, is refused before any call", async () => {
      const big = tg.addFile(JPEG, { declaredSize: 3 * MB });
      expect((await mediaError(get(big.file_id, 2 * MB, big.file_size))).reason).toBe("too-large");
      const huge = tg.addFile(JPEG, { declaredSize: 25 * MB });
      expect((await mediaError(get(huge.file_id, 100 * MB, huge.file_size))).reason).toBe("too-large");
      expect(tg.calls.filter((c) => c.method === "getFile")).toEqual([]);
      expect(tg.downloads).toEqual([]);
    });

    it("getFile's size and the bytes themselves are checked too: a file larger than it said is cut off", async () => {
      const quiet = tg.addFile(JPEG, { declaredSize: 3 * MB });
      // The message said nothing; getFile says 3 MB.
      expect((await mediaError(get(quiet.file_id, 2 * MB))).reason).toBe("too-large");
      expect(tg.downloads).toEqual([]);
      const liar = tg.addFile(Buffer.alloc(300_000, 1), { declaredSize: 1000 });
      expect((await mediaError(get(liar.file_id, 100_000, liar.file_size))).reason).toBe("too-large");
    });

    it("a missing file (404), an unknown file_id and an unreachable server are download failures that never name the token", async () => {
      const gone = tg.addFile(null, { declaredSize: 1000 });
      const failures = [await mediaError(get(gone.file_id, MB, gone.file_size)), await mediaError(get("nope", MB))];
      expect(tg.downloads).toEqual([{ path: gone.file_path, status: 404 }]);
      const offline = new FakeTelegram(TOKEN);
      await offline.start();
      const deadApi = api(offline);
      await offline.close();
      failures.push(await mediaError(downloadTelegramFile({ api: deadApi, apiRoot: offline.url, token: TOKEN, fileId: "x", maxBytes: MB, timeoutMs: 5000 })));
      for (const f of failures) {
        expect(f.reason).toBe("download-failed");
        expect(f.message).not.toContain(TOKEN);
        expect(f.message).not.toContain(TOKEN.split(":")[1]);
        expect(f.cause).toBeUndefined();
      }
    });
  });

  describe("asking for the location", () => {
    const buttons = (c: ApiCall) => (c.payload.reply_markup?.keyboard as { text: string; request_location?: boolean }[][] | undefined)?.flat();

    it("without choices: the location button on the question itself, one-time and resized", async () => {
      start();
      await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, { text: "到店了吗？请发送位置签到。", askLocation: true }, { address: { askedTo: String(LI_MING.id) } });
      const [m] = tg.sent(LI_MING.id);
      expect(m!.payload.__plain).toBe("到店了吗？请发送位置签到。");
      expect(m!.payload.reply_markup).toEqual({ keyboard: [[{ text: "📍 发送当前位置", request_location: true }]], one_time_keyboard: true, resize_keyboard: true });
    });

    it("with choices: the question keeps its inline keyboard, then one short message carries the location button", async () => {
      start();
      const reply: Reply = { text: "请发送位置签到，或选择：", choices: [{ label: "跳过签到", value: "skip" }], askLocation: true };
      await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, reply, { address: { askedTo: String(LI_MING.id) } });
      const [question, hint] = tg.sent(LI_MING.id);
      expect(tg.sent(LI_MING.id)).toHaveLength(2);
      expect(question!.payload.reply_markup.inline_keyboard.flat().map((b: { text: string }) => b.text)).toEqual(["跳过签到"]);
      expect(buttons(question!)).toBeUndefined();
      expect(hint!.payload.__plain).toBe("👇 到店后点下方按钮发送位置");
      expect(buttons(hint!)).toEqual([{ text: "📍 发送当前位置", request_location: true }]);
    });

    it("the button speaks the recipient's language", async () => {
      start();
      const staff = await app.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      await app.db.staff.update({ where: { id: staff.id }, data: { locale: "en" } });
      await app.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: String(LI_MING.id), staffId: staff.id } });
      await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, { text: "Check in?", askLocation: true }, { address: { askedTo: String(LI_MING.id) } });
      expect(buttons(tg.sent(LI_MING.id)[0]!)).toEqual([{ text: "📍 Send my location", request_location: true }]);
    });

    it("a resumed reply (the hint failed once) sends only what did not arrive", async () => {
      start();
      const reply: Reply = { text: "请发送位置签到，或选择：", choices: [{ label: "跳过签到", value: "skip" }], askLocation: true };
      const to = { platform: "telegram" as const, chatId: String(LI_MING.id) };
      // The question is in flight when the fault is armed, so the hint (the next call) is the one refused.
      const hold = tg.holdSends(LI_MING.id);
      const first = adapter!.send(to, reply, { key: "k1" });
      await tg.waitFor(() => hold.arrived() === 1, "the question in flight");
      tg.failNext("sendMessage", { error_code: 400, description: "Bad Request: keyboard" });
      hold.release();
      await expect(first).rejects.toThrow();
      expect(tg.sent(LI_MING.id).map((c) => c.payload.__plain)).toEqual(["请发送位置签到，或选择："]);
      await adapter!.send(to, reply, { key: "k1" });
      expect(tg.sent(LI_MING.id).map((c) => c.payload.__plain)).toEqual(["请发送位置签到，或选择：", "👇 到店后点下方按钮发送位置"]);
      expect(tg.sent(LI_MING.id)[1]!.payload.reply_markup.keyboard).toBeDefined();
    });

    it("the first plain reply after a location removes the keyboard; inline keyboards stay untouched", async () => {
      start((msg) => (msg.location ? [{ text: "为什么不在店里？", choices: [{ label: "店铺搬迁", value: "moved" }] }] : [{ text: "好的" }]));
      tg.location(LI_MING, { latitude: 30, longitude: 120 });
      let { call, cursor } = await tg.next(LI_MING.id, 0);
      expect(call.payload.reply_markup).toEqual({ inline_keyboard: [[expect.objectContaining({ text: "店铺搬迁" })]] });
      tg.message(LI_MING, "店铺搬迁了");
      ({ call, cursor } = await tg.next(LI_MING.id, cursor));
      expect(call.payload.__plain).toBe("好的");
      expect(call.payload.reply_markup).toEqual({ remove_keyboard: true });
      tg.message(LI_MING, "再说一句");
      ({ call, cursor } = await tg.next(LI_MING.id, cursor));
      expect(call.payload.reply_markup).toBeUndefined();
    });
  });

  describe("in a visit, through the real router", () => {
    let cursor: number;
    /** Sends `text` (or runs `act`) and waits for the bot's next message that matches. */
    async function expectReply(act: string | (() => void), match: (text: string) => boolean): Promise<ApiCall> {
      if (typeof act === "string") tg.message(LI_MING, act);
      else act();
      const found = await tg.next(LI_MING.id, cursor, match);
      cursor = found.cursor;
      return found.call;
    }
    const now = () => Math.floor(app.clock.now().getTime() / 1000);
    /** The visit just logged (the demo company has earlier ones). */
    const logged = () => app.db.visit.findFirstOrThrow({ orderBy: { id: "desc" } });
    const storedFiles = (): string[] => {
      const dir = path.join(app.testDb.dir, "photos");
      try {
        return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.(jpg|png|webp|gif|heic)$/.test(f));
      } catch {
        return [];
      }
    };

    /** Binds 李明, starts a field visit of stop 1 and returns its shop; the form is at the duration question. */
    async function startFieldVisit(): Promise<{ lat: number; lng: number; name: string }> {
      adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, pollTimeoutSeconds: 1 });
      running = adapter.run();
      cursor = 0;
      const code = await app.bindCode("M001");
      await expectReply(`/bind ${code}`, (t) => t.includes("绑定成功"));
      await expectReply("1", (t) => t.includes("拜访方式"));
      await expectReply("1", (t) => t.includes("拜访用了多长时间"));
      const staff = await app.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      const shop = (await dayStops({ deps: app.deps, staff })).stops.find((s) => s.n === 1)!.customer;
      expect(shop.located).toBe(true);
      return shop;
    }

    it("the check-in question comes with the location button; a location at the shop checks in inside the radius", async () => {
      const shop = await startFieldVisit();
      // The duration question keeps its inline buttons; the location button follows on its own message.
      const hint = await expectReply(() => undefined, (t) => t.includes("到店后点下方按钮"));
      const question = tg.sent(LI_MING.id)[cursor - 2]!;
      expect(question.payload.__plain).toContain("拜访用了多长时间");
      expect(question.payload.__plain).toContain("发送当前位置");
      expect(question.payload.reply_markup.inline_keyboard.flat().length).toBeGreaterThan(0);
      expect(hint.payload.reply_markup).toEqual({ keyboard: [[{ text: "📍 发送当前位置", request_location: true }]], one_time_keyboard: true, resize_keyboard: true });

      await expectReply(() => tg.location(LI_MING, { latitude: shop.lat + 0.0002, longitude: shop.lng, horizontal_accuracy: 15 }, { date: now() }), (t) => t.includes("📍 已签到"));
      app.clock.advance(18 * 60_000);
      await expectReply("20", (t) => t.includes("一切正常"));
      const done = await expectReply("1", (t) => t.includes("已记录"));
      expect(done.payload.__plain).toMatch(/📍 2\d 米/);
      // The first plain reply after the location takes the keyboard away.
      expect(done.payload.reply_markup).toEqual({ remove_keyboard: true });
      const visit = await logged();
      expect(visit).toMatchObject({ mode: "field", checkinStatus: "inside", checkinAccuracyM: 15, measuredMin: 18, durationMin: 20 });
      expect(visit!.checkinDistanceM).toBeGreaterThan(15);
      expect(visit!.checkinDistanceM).toBeLessThan(30);
    }, 120_000);

    it("check-in required by the policy: the form waits at the check-in question, which has the location button; the location answers it", async () => {
      // The app's own policy (each load has its own copy of the defaults), as every step reads it.
      app.policy.evidence.checkIn.mode = "required";
      adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, pollTimeoutSeconds: 1 });
      running = adapter.run();
      cursor = 0;
      const code = await app.bindCode("M001");
      await expectReply(`/bind ${code}`, (t) => t.includes("绑定成功"));
      await expectReply("1", (t) => t.includes("拜访方式"));
      const ask = await expectReply("1", (t) => t.includes("发送当前位置签到"));
      expect(ask.payload.reply_markup.inline_keyboard.flat().map((b: { text: string }) => b.text)).toEqual(["无法签到（说明原因）"]);
      const hint = await expectReply(() => undefined, () => true);
      expect(hint.payload.reply_markup.keyboard).toEqual([[{ text: "📍 发送当前位置", request_location: true }]]);
      const staff = await app.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
      const shop = (await dayStops({ deps: app.deps, staff })).stops.find((s) => s.n === 1)!.customer;
      const next = await expectReply(() => tg.location(LI_MING, { latitude: shop.lat, longitude: shop.lng }, { date: now() }), (t) => t.includes("拜访用了多长时间"));
      expect(next.payload.__plain).toContain("📍 已签到");
    }, 120_000);

    it("a location 1 km away: outside the radius, the bot asks why after the duration", async () => {
      const shop = await startFieldVisit();
      const note = await expectReply(() => tg.location(LI_MING, { latitude: shop.lat + 0.009, longitude: shop.lng }, { date: now() }), (t) => t.includes("超出 300 米范围"));
      expect(note.payload.__plain).toContain("需要说明原因");
      // The reason comes right after the duration.
      const why = await expectReply("20", (t) => t.includes("原因是？"));
      expect(why.payload.reply_markup.inline_keyboard.flat().map((b: { text: string }) => b.text)).toContain("门店已搬迁");
      await expectReply(() => tg.tap(LI_MING, why, "门店已搬迁"), (t) => t.includes("一切正常"));
      await expectReply("1", (t) => t.includes("已记录"));
      const visit = await logged();
      expect(visit).toMatchObject({ checkinStatus: "outside", checkinReason: "门店已搬迁" });
      expect(visit!.checkinDistanceM).toBeGreaterThan(950);
      expect(visit!.checkinDistanceM).toBeLessThan(1050);
    }, 120_000);

    it("a photo is stored once and linked to the visit; the same photo sent again in the visit is not added twice", async () => {
      await startFieldVisit();
      const first = tg.addFile(JPEG);
      await expectReply(() => tg.photo(LI_MING, [{ file: tg.addFile(Buffer.from("thumbnail")), width: 90, height: 67 }, { file: first, width: 1280, height: 960 }], { date: now() }), (t) => t.includes("已收到 1 张照片"));
      expect(await app.db.visitPhoto.count()).toBe(1);
      expect(storedFiles()).toHaveLength(1);
      // Sent again (Telegram gives it a new file id): the same bytes, one photo of this visit, no duplicate flag.
      const again = await expectReply(() => tg.photo(LI_MING, [{ file: tg.addFile(JPEG), width: 1280, height: 960 }], { date: now() }), (t) => t.includes("已经收到过"));
      expect(again.payload.__plain).not.toContain("已标记为重复");
      await expectReply("20", (t) => t.includes("一切正常"));
      const done = await expectReply("1", (t) => t.includes("已记录"));
      expect(done.payload.__plain).toContain("📷 1 张");
      const visit = await logged();
      const photos = await app.db.visitPhoto.findMany({ orderBy: { id: "asc" } });
      expect(photos.map((p) => [p.visitId, p.platform, p.mime, p.bytes, p.duplicateOfId])).toEqual([[visit!.id, "telegram", "image/jpeg", JPEG.length, null]]);
      expect(storedFiles()).toHaveLength(1);
    }, 120_000);

    it("bad input keeps the form's place and stores nothing: a forwarded location, a photo over the limit, a download that fails", async () => {
      const shop = await startFieldVisit();
      const isDurationQuestion = (t: string) => t.includes("拜访用了多长时间");
      const forwarded = await expectReply(() => tg.location(LI_MING, { latitude: shop.lat, longitude: shop.lng }, { date: now(), forwarded: true }), isDurationQuestion);
      expect(forwarded.payload.__plain).toContain("转发的位置不能用于签到");

      const huge = tg.addFile(JPEG, { declaredSize: app.policy.evidence.photos.maxBytes + 1 });
      const tooLarge = await expectReply(() => tg.photo(LI_MING, [{ file: huge, width: 4000, height: 3000 }], { date: now() }), isDurationQuestion);
      expect(tooLarge.payload.__plain).toContain("照片超过");
      expect(tg.calls.filter((c) => c.method === "getFile")).toEqual([]);

      const gone = tg.addFile(null, { declaredSize: 5000 });
      const failed = await expectReply(() => tg.photo(LI_MING, [{ file: gone, width: 1280, height: 960 }], { date: now() }), isDurationQuestion);
      expect(failed.payload.__plain).toContain("照片下载失败");
      expect(tg.downloads).toEqual([{ path: gone.file_path, status: 404 }]);

      const pdf = tg.addFile(Buffer.from("%PDF-1.4 not a photo of a shelf"), { ext: "pdf" });
      const refused = await expectReply(() => tg.document(LI_MING, pdf, { file_name: "陈列.pdf", mime_type: "application/pdf" }, { date: now() }), isDurationQuestion);
      expect(refused.payload.__plain).toContain("不是图片");
      // An image sent as a file is taken.
      const asFile = tg.addFile(JPEG);
      await expectReply(() => tg.document(LI_MING, asFile, { file_name: "IMG_0001.JPG", mime_type: "image/jpeg" }, { date: now() }), (t) => t.includes("已收到 1 张照片"));

      await expectReply("20", (t) => t.includes("一切正常"));
      await expectReply("1", (t) => t.includes("已记录"));
      const visit = await logged();
      expect(visit!.checkinStatus).not.toBe("inside");
      expect(visit!.checkinLat).toBeNull();
      expect(await app.db.visitPhoto.count()).toBe(1);
      expect(storedFiles()).toHaveLength(1);
      expect(JSON.stringify(app.logs)).not.toContain(TOKEN.split(":")[1]);
    }, 120_000);
  });
});
