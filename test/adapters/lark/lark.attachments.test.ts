import { PNG } from "pngjs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeChartRenderer } from "../../../src/modules/reports/chart.ts";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../../src/adapters/lark/lark.adapter.ts";
import { LARK_FILE_LIMIT } from "../../../src/adapters/lark/lark.mapper.ts";
import { DEFAULT_DELIVERY, deliver } from "../../../src/adapters/platform.ts";
import { SendError } from "../../../src/core/chat.ts";
import { Dispatcher, enqueue } from "../../../src/core/outbox.ts";
import { CHART, CHART_BYTES, countingPort, EXPORT, EXPORT_BYTES, reportReply, reportRouter } from "../../helpers/attachments.ts";
import { FakeLarkApi, messageEvent, postLarkEvent, type LarkSent } from "../../helpers/fake-lark.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const WANG = { openId: "ou_wang00000000000000000000000001", chatId: "oc_p2p_wang000000000000000000000001" };
const noSleep = { ...DEFAULT_DELIVERY, sleep: async () => undefined };

describe("Lark attachments (official SDK uploads against the fake open API)", () => {
  afterAll(() => closeChartRenderer());
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;

  const build = () =>
    new LarkAdapter({
      ...APP,
      domain: api.url,
      connection: "webhook",
      encryptKey: ENCRYPT_KEY,
      verificationToken: VERIFICATION_TOKEN,
      webhook: { server, path: "/lark/events" },
      router: reportRouter(app.router),
      deps: app.deps,
    });

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP);
    await api.start();
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    eventsUrl = `http://127.0.0.1:${await server.listen()}/lark/events`;
    adapter = build();
    running = adapter.run();
    await adapter.ready;
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await server.close();
    await api.close();
    await app.close();
  });

  /** The card with its button, then the chart as an image message, then the export as a file message. */
  function expectReport(sent: LarkSent[]): void {
    expect(sent.map((s) => s.msg_type)).toEqual(["interactive", "image", "file"]);
    const [card, image, file] = sent as [LarkSent, LarkSent, LarkSent];
    expect(FakeLarkApi.textOf(card)).toBe("📊 团队周报（12月1日–12月7日）");
    expect(FakeLarkApi.buttons(card).map((b) => b.label)).toEqual(["下载明细"]);
    const chart = api.uploadOf(image)!;
    expect(chart).toMatchObject({ kind: "image", fields: { image_type: "message" } });
    expect(chart.bytes.equals(CHART_BYTES)).toBe(true);
    expect(image.content).toEqual({ image_key: chart.key });
    const xlsx = api.uploadOf(file)!;
    expect(xlsx).toMatchObject({ kind: "file", fields: { file_type: "xls", file_name: EXPORT.name } });
    expect(xlsx.bytes.equals(EXPORT_BYTES)).toBe(true);
    expect(file.content).toEqual({ file_key: xlsx.key });
  }

  it("a direct reply to a message: card, then the chart as an image message, then the export as a file message", async () => {
    await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: WANG.openId, chatId: WANG.chatId, text: "/report" }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    await api.waitFor(() => api.to(WANG.chatId).length >= 3, "the report");
    await adapter.idle();
    const sent = api.to(WANG.chatId);
    expectReport(sent);
    // Answered into the chat the message came from, like every reply.
    expect(sent.every((s) => s.receive_id_type === "chat_id")).toBe(true);
    expect(api.uploads).toHaveLength(2);
  });

  it("a supervisor's /team week: the team's figures as a card, then the real chart as an image message", async () => {
    const s001 = await app.db.staff.findUniqueOrThrow({ where: { code: "S001" } });
    await app.db.chatIdentity.create({ data: { platform: "lark", platformUserId: WANG.openId, staffId: s001.id } });
    await postLarkEvent(eventsUrl, messageEvent({ token: VERIFICATION_TOKEN, openId: WANG.openId, chatId: WANG.chatId, text: "/team week" }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    await api.waitFor(() => api.to(WANG.chatId).length >= 2, "the week and its chart");
    const [card, image] = api.to(WANG.chatId) as [LarkSent, LarkSent];
    expect(FakeLarkApi.textOf(card)).toMatch(/^📊 团队本周 · /);
    expect(image.msg_type).toBe("image");
    const png = PNG.sync.read(api.uploadOf(image)!.bytes);
    expect([png.width, png.height]).toEqual([960, 540]);
  });

  it("through the outbox: to the person's open_id, once", async () => {
    await enqueue({ db: app.db, key: "report:S001:2026-12-07", kind: "report", platform: "lark", chatId: WANG.openId, reply: reportReply(), clock: app.clock });
    const dispatcher = new Dispatcher({ db: app.db, ports: new Map([["lark", adapter]]), clock: app.clock, log: app.deps.log, sleep: async (ms) => app.clock.advance(ms) });
    expect(await dispatcher.drainOnce()).toMatchObject({ sent: 1, failed: 0 });
    const sent = api.to(WANG.openId);
    expectReport(sent);
    expect(sent.every((s) => s.receive_id_type === "open_id")).toBe(true);
  });

  it("an upload lost to a connection reset, then an image message whose answer was lost: one image message, one upload", async () => {
    api.resetNext({ on: "image" });
    // The card goes through; the image message is taken by Lark but its answer never arrives.
    api.resetNext({ delivered: true, after: 1 });
    const port = countingPort(adapter);
    await deliver(port, { platform: "lark", chatId: WANG.chatId }, reportReply(), { key: "reply:lark:ev_report:0", policy: noSleep });
    expect(port.calls).toBe(3);
    expectReport(api.to(WANG.chatId));
    // The retry sent the image message again under its uuid, without uploading the chart again.
    expect(api.uploads.map((u) => u.kind)).toEqual(["image", "file"]);
    expect(app.logs.map((l) => JSON.stringify(l)).join("\n")).not.toContain(EXPORT.name);
  });

  it("after a restart (no memory of the first attempt) the uuids still keep every message single", async () => {
    // The file message is taken but its answer lost; the process then stops before retrying.
    api.resetNext({ delivered: true, after: 2 });
    const key = "outbox:report:S001:2026-12-07";
    const first = await adapter.send({ platform: "lark", chatId: WANG.openId }, reportReply(), { key }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SendError);
    const restarted = build();
    await restarted.send({ platform: "lark", chatId: WANG.openId }, reportReply(), { key });
    expectReport(api.to(WANG.openId));
    // Uploaded again (the new process cannot know the keys), shown once.
    expect(api.uploads.map((u) => u.kind)).toEqual(["image", "file", "image", "file"]);
  });

  it("an empty text sends only the attachments", async () => {
    await adapter.send({ platform: "lark", chatId: WANG.openId }, { text: "", attachments: [CHART, EXPORT] });
    expect(api.to(WANG.openId).map((s) => s.msg_type)).toEqual(["image", "file"]);
  });

  it("a file over 30 MB is refused for good before anything is sent", async () => {
    const huge = { ...EXPORT, base64: Buffer.alloc(LARK_FILE_LIMIT + 1).toString("base64") };
    const refused = await adapter.send({ platform: "lark", chatId: WANG.openId }, { text: "导出", attachments: [huge] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 413, permanent: true });
    expect(api.to(WANG.openId)).toEqual([]);
    expect(api.uploads).toEqual([]);
  });

  it("maps upload failures like message failures: 429 with reset, refusal permanent, 5xx transient", async () => {
    const only = { text: "", attachments: [CHART] };
    api.failNext({ status: 429, body: { code: 99991400, msg: "request trigger frequency limit" }, headers: { "x-ogw-ratelimit-reset": "4" } }, "image");
    expect(await adapter.send({ platform: "lark", chatId: WANG.openId }, only).catch((e: unknown) => e)).toMatchObject({ status: 429, retryAfterMs: 4000 });
    api.failNext({ status: 400, body: { code: 234011, msg: "Can't recognize image format." } }, "image");
    expect(await adapter.send({ platform: "lark", chatId: WANG.openId }, only).catch((e: unknown) => e)).toMatchObject({ status: 400, permanent: true });
    api.failNext({ status: 503, body: { code: 1, msg: "busy" } }, "file");
    const busy = (await adapter.send({ platform: "lark", chatId: WANG.openId }, { text: "", attachments: [EXPORT] }).catch((e: unknown) => e)) as SendError;
    expect(busy).toBeInstanceOf(SendError);
    expect(busy.status).toBe(503);
    expect(busy.permanent).toBeFalsy();
    api.failNext({ status: 503, body: { code: 1, msg: "busy" } });
    await adapter.send({ platform: "lark", chatId: WANG.openId }, { text: "客户张三欠款 3000 元" }).catch(() => undefined);
    // The SDK logs failed requests with their data (the form, the message content): our log gets
    // status, Lark's code and the path only.
    const sdk = app.logs.filter((l) => l.msg === "lark sdk");
    expect(sdk.length).toBeGreaterThanOrEqual(4);
    const logged = JSON.stringify(sdk);
    expect(logged).toMatch(/status=503 larkCode=1 larkMsg=busy method=POST path=\/open-apis\/im\/v1\/files/);
    expect(logged).toMatch(/status=503 larkCode=1 larkMsg=busy method=POST path=\/open-apis\/im\/v1\/messages/);
    expect(logged).not.toContain("_boundary");
    expect(logged).not.toContain("张三");
    expect(logged).not.toContain(EXPORT.name);
  });
});
