import { PNG } from "pngjs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeChartRenderer } from "../../../src/modules/reports/chart.ts";
import { TelegramAdapter } from "../../../src/adapters/telegram/telegram.adapter.ts";
import { DEFAULT_DELIVERY, deliver } from "../../../src/adapters/platform.ts";
import { SendError } from "../../../src/core/chat.ts";
import { Dispatcher, enqueue } from "../../../src/core/outbox.ts";
import { CHART, CHART_BYTES, countingPort, EXPORT, EXPORT_BYTES, reportReply, reportRouter } from "../../helpers/attachments.ts";
import { FakeTelegram, type ApiCall, type FakeUser, type UploadedFile } from "../../helpers/fake-telegram.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const WANG: FakeUser = { id: 6161, first_name: "Jianguo", username: "wangjg" };
const noSleep = { ...DEFAULT_DELIVERY, sleep: async () => undefined };

const fileOf = (c: ApiCall): UploadedFile => (c.method === "sendPhoto" ? c.payload.photo : c.payload.document) as UploadedFile;

/** text, then the chart as a photo, then the export as a document, with exact names and bytes. */
function expectReport(calls: ApiCall[], opts: { keyboard?: boolean } = {}): void {
  expect(calls.map((c) => c.method)).toEqual(["sendMessage", "sendPhoto", "sendDocument"]);
  const [text, photo, document] = calls as [ApiCall, ApiCall, ApiCall];
  expect(text.payload.__plain).toBe("📊 团队周报（12月1日–12月7日）");
  // Choices stay on the text message.
  if (opts.keyboard !== false) expect(text.payload.reply_markup.inline_keyboard.flat().map((b: { text: string }) => b.text)).toEqual(["下载明细"]);
  expect(fileOf(photo)).toMatchObject({ field: "photo", filename: CHART.name, size: CHART_BYTES.length });
  expect(fileOf(photo).bytes.equals(CHART_BYTES)).toBe(true);
  expect(fileOf(document)).toMatchObject({ field: "document", filename: EXPORT.name, size: EXPORT_BYTES.length });
  expect(fileOf(document).bytes.equals(EXPORT_BYTES)).toBe(true);
}

describe("Telegram attachments (grammY uploads against the fake Bot API)", () => {
  afterAll(() => closeChartRenderer());
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

  const make = (extra: Partial<ConstructorParameters<typeof TelegramAdapter>[0]> = {}) =>
    (adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: reportRouter(app.router), deps: app.deps, ...extra }));

  it("a direct reply: text with its keyboard, then the chart as a photo, then the export as a document", async () => {
    running = make({ pollTimeoutSeconds: 1 }).run();
    tg.message(WANG, "/report");
    await tg.waitFor(() => tg.delivered(WANG.id).length >= 3, "the report");
    expectReport(tg.delivered(WANG.id));
    expect(app.logs.filter((l) => l.level !== "info")).toEqual([]);
  });

  it("a supervisor's /team week: the team's figures, then the real chart as a photo", async () => {
    const s001 = await app.db.staff.findUniqueOrThrow({ where: { code: "S001" } });
    await app.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: String(WANG.id), staffId: s001.id } });
    running = make({ pollTimeoutSeconds: 1 }).run();
    tg.message(WANG, "/team week");
    await tg.waitFor(() => tg.delivered(WANG.id).length >= 2, "the week and its chart");
    const [text, photo] = tg.delivered(WANG.id) as [ApiCall, ApiCall];
    expect(text.payload.__plain).toMatch(/^📊 团队本周 · /);
    expect(photo.method).toBe("sendPhoto");
    const png = PNG.sync.read(fileOf(photo).bytes);
    expect([png.width, png.height]).toEqual([960, 540]);
    expect(fileOf(photo).filename).toMatch(/^团队周报-\d{4}-\d{2}-\d{2}\.png$/);
  });

  it("through the outbox: the stored reply goes out the same way, once", async () => {
    make();
    await enqueue({ db: app.db, key: "report:S001:2026-12-07", kind: "report", platform: "telegram", chatId: String(WANG.id), reply: reportReply(), clock: app.clock });
    const dispatcher = new Dispatcher({ db: app.db, ports: new Map([["telegram", adapter!]]), clock: app.clock, log: app.deps.log, sleep: async (ms) => app.clock.advance(ms) });
    expect(await dispatcher.drainOnce()).toMatchObject({ sent: 1, failed: 0 });
    expectReport(tg.delivered(WANG.id));
    expect((await dispatcher.drainOnce()).sent).toBe(0);
    expect(tg.delivered(WANG.id)).toHaveLength(3);
  });

  it("429 on sendPhoto: the outbox reschedules after retry_after and resumes with the photo (the text is not sent twice)", async () => {
    make();
    await enqueue({ db: app.db, key: "report:S001:2026-12-07", kind: "report", platform: "telegram", chatId: String(WANG.id), reply: reportReply(), clock: app.clock });
    const dispatcher = new Dispatcher({ db: app.db, ports: new Map([["telegram", adapter!]]), clock: app.clock, log: app.deps.log, sleep: async (ms) => app.clock.advance(ms) });
    // Longer than auto-retry waits in place (5 s): thrown to the dispatcher.
    tg.failNext("sendPhoto", { error_code: 429, description: "Too Many Requests: retry after 17", parameters: { retry_after: 17 } });
    expect(await dispatcher.drainOnce()).toMatchObject({ sent: 0, rateLimited: 1, retried: 1 });
    const row = await app.db.outbox.findUniqueOrThrow({ where: { key: "report:S001:2026-12-07" } });
    expect(row.status).toBe("pending");
    expect(row.nextAttemptAt.getTime()).toBe(app.clock.now().getTime() + 17_000);
    expect(tg.delivered(WANG.id).map((c) => c.method)).toEqual(["sendMessage"]);

    app.clock.advance(17_000);
    expect(await dispatcher.drainOnce()).toMatchObject({ sent: 1 });
    expectReport(tg.delivered(WANG.id));
    expect(tg.calls.filter((c) => c.method === "sendPhoto:failed")).toHaveLength(1);
  });

  it("a short retry_after is waited out in place and the photo's bytes go again intact", async () => {
    make({ throttle: false });
    tg.failNext("sendPhoto", { error_code: 429, description: "Too Many Requests: retry after 0", parameters: { retry_after: 0 } });
    await adapter!.send({ platform: "telegram", chatId: String(WANG.id) }, reportReply());
    expect(tg.calls.map((c) => c.method)).toEqual(["sendMessage", "sendPhoto:failed", "sendPhoto", "sendDocument"]);
    expectReport(tg.delivered(WANG.id));
  });

  it("a direct reply retried after a 5xx on the document resumes there: text and photo arrive once", async () => {
    make({ throttle: false, autoRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true } });
    tg.failNext("sendDocument", { error_code: 502, description: "Bad Gateway" }, 2);
    const port = countingPort(adapter!);
    await deliver(port, { platform: "telegram", chatId: String(WANG.id) }, reportReply(), { key: "reply:telegram:1001:0", policy: noSleep });
    expect(port.calls).toBe(3);
    expectReport(tg.delivered(WANG.id));
  });

  it("maps upload failures like text: 429 with retry_after, 403 permanent, 5xx transient", async () => {
    make({ throttle: false, autoRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true } });
    const only = (a: typeof CHART) => ({ text: "", attachments: [a] });
    tg.failNext("sendPhoto", { error_code: 429, description: "Too Many Requests: retry after 9", parameters: { retry_after: 9 } });
    expect(await adapter!.send({ platform: "telegram", chatId: "1" }, only(CHART)).catch((e: unknown) => e)).toMatchObject({ status: 429, retryAfterMs: 9000 });
    tg.failNext("sendDocument", { error_code: 403, description: "Forbidden: bot was blocked by the user" });
    expect(await adapter!.send({ platform: "telegram", chatId: "1" }, only(EXPORT)).catch((e: unknown) => e)).toMatchObject({ status: 403, permanent: true });
    tg.failNext("sendDocument", { error_code: 500, description: "Internal Server Error" });
    const busy = (await adapter!.send({ platform: "telegram", chatId: "1" }, only(EXPORT)).catch((e: unknown) => e)) as SendError;
    expect(busy).toBeInstanceOf(SendError);
    expect(busy.status).toBe(500);
    expect(busy.permanent).toBeFalsy();
  });

  it("an empty text sends only the attachments", async () => {
    make({ throttle: false });
    await adapter!.send({ platform: "telegram", chatId: String(WANG.id) }, { text: "", attachments: [CHART, EXPORT] });
    expect(tg.delivered(WANG.id).map((c) => c.method)).toEqual(["sendPhoto", "sendDocument"]);
  });

  it("an image over the photo limit goes as a document; a file over the document limit is refused before anything is sent", async () => {
    make({ throttle: false, uploadLimits: { photoBytes: 1000, documentBytes: 5000 } });
    await adapter!.send({ platform: "telegram", chatId: String(WANG.id) }, { text: "", attachments: [CHART] });
    const [doc] = tg.delivered(WANG.id);
    expect(doc!.method).toBe("sendDocument");
    expect(fileOf(doc!).bytes.equals(CHART_BYTES)).toBe(true);

    const refused = await adapter!.send({ platform: "telegram", chatId: String(WANG.id) }, reportReply()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SendError);
    expect(refused).toMatchObject({ status: 413, permanent: true });
    expect((refused as Error).message).not.toContain(EXPORT.name);
    expect(tg.delivered(WANG.id)).toHaveLength(1);
  });

  it("an image Telegram refuses as a photo (dimensions) still arrives, as a document", async () => {
    make({ throttle: false });
    tg.failNext("sendPhoto", { error_code: 400, description: "Bad Request: PHOTO_INVALID_DIMENSIONS" });
    await adapter!.send({ platform: "telegram", chatId: String(WANG.id) }, { text: "", attachments: [CHART] });
    const [doc] = tg.delivered(WANG.id);
    expect(doc!.method).toBe("sendDocument");
    expect(fileOf(doc!)).toMatchObject({ filename: CHART.name, size: CHART_BYTES.length });
    // Logged by kind and size only.
    expect(JSON.stringify(app.logs)).not.toContain(CHART.name);
  });
});
