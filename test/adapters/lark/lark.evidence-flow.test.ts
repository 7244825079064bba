import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../../src/adapters/lark/lark.adapter.ts";
import { FakeLarkApi, messageEvent, postLarkEvent, richMessageEvent } from "../../helpers/fake-lark.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const LI_MING = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };
/** Enough of a PNG for the photo store (the content is told by its signature). */
const PHOTO = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(4096, 9)]);

/** Every file under a directory (the photo store's objects). */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe("Lark visit evidence end to end (real router, fake open API)", () => {
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;
  let cursor: number;
  let seq = 0;

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP);
    await api.start();
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    eventsUrl = `http://127.0.0.1:${await server.listen()}/lark/events`;
    adapter = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router: app.router, deps: app.deps });
    running = adapter.run();
    await adapter.ready;
    cursor = 0;
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await server.close();
    await api.close();
    await app.close();
  });

  const post = (payload: Record<string, unknown>) => postLarkEvent(eventsUrl, payload, { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
  const say = (text: string) => post(messageEvent({ token: VERIFICATION_TOKEN, ...LI_MING, text }));
  const location = (lat: number, lng: number) =>
    post(richMessageEvent({ token: VERIFICATION_TOKEN, ...LI_MING, messageType: "location", content: { name: "门店", latitude: String(lat), longitude: String(lng) }, createTime: app.clock.now() }));
  /** A picture Lark holds for this message (or none, to fail the download). */
  function image(bytes: Buffer | null): Promise<unknown> {
    const messageId = `om_photo_${++seq}`;
    const key = `img_v3_${seq}`;
    if (bytes) api.addResource(messageId, key, { type: "image", bytes, mime: "image/png" });
    return post(richMessageEvent({ token: VERIFICATION_TOKEN, ...LI_MING, messageType: "image", content: { image_key: key }, createTime: app.clock.now(), messageId }));
  }
  /** The next reply whose text matches, after the last one read. */
  async function reply(match: (t: string) => boolean = () => true): Promise<string> {
    const got = await api.next(LI_MING.chatId, cursor, (t) => match(t));
    cursor = got.cursor;
    return FakeLarkApi.textOf(got.msg);
  }

  /** Bound, today's list shown, the first stop's field visit started; returns the stop's customer. */
  async function startFieldVisit() {
    await say(`/bind ${await app.bindCode("M001")}`);
    await reply((t) => t.includes("绑定成功"));
    await say("/today");
    await reply((t) => t.includes("拜访清单"));
    const m001 = await app.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stop = await app.db.plannedVisit.findFirstOrThrow({ where: { managerId: m001.id, date: "2026-11-23" }, orderBy: [{ sequence: "asc" }, { id: "asc" }], include: { customer: true } });
    await say("1");
    await reply((t) => t.includes("拜访方式"));
    await say("1");
    return stop.customer;
  }

  it("check-in inside the radius, a photo linked and stored once, submitted", async () => {
    const shop = await startFieldVisit();
    // Optional check-in (the preset's default): the duration question offers it.
    expect(await reply()).toContain("📍 到店可随时发送位置签到（点输入框旁的 ＋ → 位置）");
    await location(shop.lat, shop.lng);
    const checkedIn = await reply();
    expect(checkedIn).toContain("📍 已签到 10:00，距门店 0 米。");
    expect(checkedIn).toContain("拜访用了多长时间");
    await image(PHOTO);
    const got = await reply();
    expect(got).toContain("📷 已收到 1 张照片（本次拜访共 1 张）。");
    expect(got).toContain("拜访用了多长时间");
    expect(api.resourceRequests).toEqual([{ messageId: `om_photo_${seq}`, fileKey: `img_v3_${seq}`, type: "image" }]);
    // Duration (10 分钟), then the menu's submit.
    await say("1");
    expect(await reply()).toContain("一切正常就选 1 提交");
    await say("1");
    expect(await reply((t) => t.includes("已记录"))).toContain("📍 0 米 · 实测 0 分钟 · 📷 1 张");

    const visit = await app.db.visit.findFirstOrThrow({ where: { customerId: shop.id }, orderBy: { id: "desc" } });
    expect(visit.checkinStatus).toBe("inside");
    const photos = await app.db.visitPhoto.findMany();
    expect(photos).toHaveLength(1);
    expect(photos[0]).toMatchObject({ visitId: visit.id, customerId: shop.id, platform: "lark", bytes: PHOTO.length, mime: "image/png" });
    const stored = filesUnder(path.join(app.testDb.dir, "photos"));
    expect(stored).toHaveLength(1);
    expect(readFileSync(stored[0]!).equals(PHOTO)).toBe(true);
  });

  it("a picture Lark fails to give, or a location without coordinates: a clear message, nothing stored, the form asks its question again", async () => {
    await startFieldVisit();
    expect(await reply()).toContain("拜访用了多长时间");
    api.failNext({ status: 500, body: { code: 500, msg: "internal error" } }, "resource");
    await image(PHOTO);
    const failed = await reply();
    expect(failed).toContain("照片下载失败，没有保存。请重新发送。");
    expect(failed).toContain("拜访用了多长时间");
    // A key Lark does not know for that message (400) is the same.
    await image(null);
    expect(await reply()).toContain("照片下载失败，没有保存。请重新发送。");
    await post(richMessageEvent({ token: VERIFICATION_TOKEN, ...LI_MING, messageType: "location", content: { name: "某地" }, createTime: app.clock.now() }));
    const blank = await reply();
    expect(blank).toContain("这条位置没有经纬度，无法签到。请重新发送当前位置。");
    expect(blank).toContain("拜访用了多长时间");
    expect(await app.db.visitPhoto.count()).toBe(0);
    expect(filesUnder(path.join(app.testDb.dir, "photos"))).toHaveLength(0);
    const state = JSON.parse((await app.db.formSession.findFirstOrThrow()).state) as { meta: { evidence?: { checkin?: unknown; photos?: unknown[] } } };
    expect(state.meta).toBeDefined();
    expect(state.meta.evidence?.checkin).toBeUndefined();
    expect(state.meta.evidence?.photos ?? []).toEqual([]);
    // The form goes on where it was.
    await say("1");
    expect(await reply()).toContain("一切正常就选 1 提交");
  });
});
