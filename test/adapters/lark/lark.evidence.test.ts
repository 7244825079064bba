import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../../src/adapters/http-server.ts";
import { LarkAdapter, type LarkAdapterOptions } from "../../../src/adapters/lark/lark.adapter.ts";
import { inboundEvidence, postImages, type LarkMessage } from "../../../src/adapters/lark/lark.mapper.ts";
import { MediaError, type InboundMessage } from "../../../src/core/chat.ts";
import type { Router } from "../../../src/core/router.ts";
import { FakeLarkApi, postLarkEvent, richMessageEvent } from "../../helpers/fake-lark.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const LI_MING = { openId: "ou_liming0000000000000000000000001", chatId: "oc_p2p_liming000000000000000000001" };
const BOT = "ou_bot0000000000000000000000000001";
/** A real PNG's first bytes are enough for the adapter: it only carries bytes. */
const PHOTO = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(2048, 7)]);

function message(over: Partial<LarkMessage>): LarkMessage {
  return { message_id: "om_1", chat_id: LI_MING.chatId, chat_type: "p2p", message_type: "location", content: "{}", create_time: "1795399200000", ...over };
}

describe("Lark evidence mapping (pure)", () => {
  it("maps a location message: string coordinates, the POI name as label, the message time", () => {
    const got = inboundEvidence(message({ content: JSON.stringify({ name: "人民广场", latitude: "31.2304", longitude: "121.4737" }) }), BOT);
    expect(got).toEqual({ location: { lat: 31.2304, lng: 121.4737, label: "人民广场", sentAt: new Date(1795399200000) } });
  });

  it("gives null coordinates (not a dropped message) when they are missing, not numbers or out of range", () => {
    for (const content of [{ name: "某地" }, { latitude: "", longitude: "121.4" }, { latitude: "abc", longitude: "121.4" }, { latitude: "91", longitude: "121.4" }, { latitude: "31.2", longitude: "-181" }]) {
      const got = inboundEvidence(message({ content: JSON.stringify(content) }), BOT);
      expect(got && "location" in got ? [got.location.lat, got.location.lng] : got, JSON.stringify(content)).toEqual([null, null]);
    }
    const broken = inboundEvidence(message({ content: "not json" }), BOT);
    expect(broken).toEqual({ location: { lat: null, lng: null, sentAt: new Date(1795399200000) } });
  });

  it("maps an image and a file to resources to download by key", () => {
    expect(inboundEvidence(message({ message_type: "image", content: JSON.stringify({ image_key: "img_v3_abc" }) }), BOT)).toEqual({ media: { kind: "image", key: "img_v3_abc", resourceType: "image" } });
    expect(inboundEvidence(message({ message_type: "file", content: JSON.stringify({ file_key: "file_v3_abc", file_name: "货架.jpg" }) }), BOT)).toEqual({
      media: { kind: "file", key: "file_v3_abc", name: "货架.jpg", resourceType: "file" },
    });
  });

  it("finds the pictures of a rich-text message (a photo with a caption)", () => {
    const post = { title: "", content: [[{ tag: "text", text: "货架" }], [{ tag: "img", image_key: "img_a" }, { tag: "img", image_key: "img_b" }]] };
    expect(postImages(message({ message_type: "post", content: JSON.stringify(post) })).map((m) => m.key)).toEqual(["img_a", "img_b"]);
    expect(postImages(message({ message_type: "post", content: JSON.stringify({ zh_cn: post }) })).map((m) => m.key)).toEqual(["img_a", "img_b"]);
    expect(postImages(message({ message_type: "post", content: JSON.stringify({ title: "", content: [[{ tag: "text", text: "只有字" }]] }) }))).toEqual([]);
    expect(postImages(message({ message_type: "text", content: JSON.stringify({ text: "x" }) }))).toEqual([]);
  });

  it("ignores other message types, and evidence in a group that does not @mention the bot", () => {
    expect(inboundEvidence(message({ message_type: "sticker", content: JSON.stringify({ file_key: "x" }) }), BOT)).toBeNull();
    expect(inboundEvidence(message({ chat_type: "group", message_type: "image", content: JSON.stringify({ image_key: "img" }) }), BOT)).toBeNull();
    const mentioned = message({ chat_type: "group", message_type: "image", content: JSON.stringify({ image_key: "img" }), mentions: [{ key: "@_user_1", id: { open_id: BOT } }] });
    expect(inboundEvidence(mentioned, BOT)).not.toBeNull();
  });
});

describe("Lark evidence messages (official SDK against the fake open API)", () => {
  let app: PlatformApp;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let adapter: LarkAdapter;
  let running: Promise<void>;
  let eventsUrl: string;
  /** What the adapter handed the router: the real router answers, the test looks at the message. */
  let received: InboundMessage[];
  /** The adapter's options, read at each download: a test shortens the download deadline. */
  let options: LarkAdapterOptions;

  beforeEach(async () => {
    app = await createPlatformApp();
    api = new FakeLarkApi(APP);
    await api.start();
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    eventsUrl = `http://127.0.0.1:${await server.listen()}/lark/events`;
    received = [];
    const recording: Router = {
      commands: () => app.router.commands(),
      handle: (msg) => {
        received.push(msg);
        return app.router.handle(msg);
      },
    };
    options = { ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: "/lark/events" }, router: recording, deps: app.deps, ackWaitMs: 60_000 };
    adapter = new LarkAdapter(options);
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

  async function send(messageType: "location" | "image" | "file" | "post", content: Record<string, unknown>, messageId: string): Promise<InboundMessage> {
    const before = received.length;
    const ack = await postLarkEvent(eventsUrl, richMessageEvent({ token: VERIFICATION_TOKEN, ...LI_MING, messageType, content, createTime: app.clock.now(), messageId }), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(ack.status).toBe(200);
    await waitUntil(() => received.length > before, "the message to reach the router");
    await adapter.idle();
    return received[before]!;
  }

  async function failure(p: Promise<unknown>): Promise<MediaError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MediaError);
    return err as MediaError;
  }

  it("a location message reaches the router as a location with empty text, the event id and private chat", async () => {
    const msg = await send("location", { name: "人民广场", latitude: "31.2304", longitude: "121.4737" }, "om_loc_1");
    expect(msg).toMatchObject({ platform: "lark", chatId: LI_MING.chatId, userId: LI_MING.openId, text: "", chatType: "private", location: { lat: 31.2304, lng: 121.4737, label: "人民广场", sentAt: app.clock.now() } });
    expect(msg.eventId).toBeTruthy();
    expect(msg.media).toBeUndefined();
  });

  it("an image is downloaded through the message resource API, only when asked, by message id and image key", async () => {
    api.addResource("om_img_1", "img_v3_shelf", { type: "image", bytes: PHOTO, mime: "image/png" });
    const msg = await send("image", { image_key: "img_v3_shelf" }, "om_img_1");
    expect(msg.text).toBe("");
    expect(msg.media).toHaveLength(1);
    expect(msg.media![0]!.kind).toBe("image");
    // Nothing fetched until the form takes the photo.
    expect(api.resourceRequests).toEqual([]);
    const bytes = await msg.media![0]!.download(1024 * 1024);
    expect(bytes.equals(PHOTO)).toBe(true);
    expect(api.resourceRequests).toEqual([{ messageId: "om_img_1", fileKey: "img_v3_shelf", type: "image" }]);
  });

  it("a file keeps its name and is fetched with type=file", async () => {
    api.addResource("om_file_1", "file_v3_doc", { type: "file", bytes: PHOTO, mime: "application/octet-stream" });
    const msg = await send("file", { file_key: "file_v3_doc", file_name: "货架.png" }, "om_file_1");
    expect(msg.media![0]).toMatchObject({ kind: "file", name: "货架.png" });
    expect((await msg.media![0]!.download(1024 * 1024)).equals(PHOTO)).toBe(true);
    expect(api.resourceRequests.at(-1)).toEqual({ messageId: "om_file_1", fileKey: "file_v3_doc", type: "file" });
  });

  it("a photo with a caption (rich text): its picture as media, the caption as text", async () => {
    api.addResource("om_post_1", "img_v3_post", { type: "image", bytes: PHOTO, mime: "image/png" });
    const msg = await send("post", { title: "", content: [[{ tag: "text", text: "货架" }], [{ tag: "img", image_key: "img_v3_post" }]] }, "om_post_1");
    expect(msg.text).toBe("货架");
    expect(msg.media).toHaveLength(1);
    expect((await msg.media![0]!.download(1 << 20)).equals(PHOTO)).toBe(true);
    expect(api.resourceRequests).toEqual([{ messageId: "om_post_1", fileKey: "img_v3_post", type: "image" }]);
  });

  it("too large: refused by the declared length, and by counting when the length is not declared", async () => {
    api.addResource("om_big_1", "img_big", { type: "image", bytes: PHOTO, mime: "image/png" });
    const declared = await send("image", { image_key: "img_big" }, "om_big_1");
    expect((await failure(declared.media![0]!.download(1000))).reason).toBe("too-large");

    api.addResource("om_big_2", "img_big2", { type: "image", bytes: PHOTO, mime: "image/png", chunked: true });
    const chunked = await send("image", { image_key: "img_big2" }, "om_big_2");
    expect((await failure(chunked.media![0]!.download(1000))).reason).toBe("too-large");
    // Exactly at the limit is fine.
    expect((await chunked.media![0]!.download(PHOTO.length)).length).toBe(PHOTO.length);
  });

  it("a download failure (unknown key, 404, 500, cut connection, no key at all) is MediaError download-failed", async () => {
    const unknown = await send("image", { image_key: "img_gone" }, "om_gone_1");
    expect((await failure(unknown.media![0]!.download(1 << 20))).reason).toBe("download-failed");

    api.addResource("om_err_1", "img_err", { type: "image", bytes: PHOTO, mime: "image/png" });
    const msg = await send("image", { image_key: "img_err" }, "om_err_1");
    api.failNext({ status: 404, body: { code: 404, msg: "not found" } }, "resource");
    expect((await failure(msg.media![0]!.download(1 << 20))).reason).toBe("download-failed");
    api.failNext({ status: 500, body: { code: 500, msg: "internal error" } }, "resource");
    expect((await failure(msg.media![0]!.download(1 << 20))).reason).toBe("download-failed");
    api.resetNext({ on: "resource" });
    expect((await failure(msg.media![0]!.download(1 << 20))).reason).toBe("download-failed");
    // The fault was passing: the next try gets the picture.
    expect((await msg.media![0]!.download(1 << 20)).equals(PHOTO)).toBe(true);

    const keyless = await send("image", {}, "om_nokey_1");
    expect((await failure(keyless.media![0]!.download(1 << 20))).reason).toBe("download-failed");
    // The SDK logs each failure with the response stream as its body: logged as its status (the
    // stream holds the socket, which a log line cannot serialise).
    const logged = JSON.stringify(app.logs);
    expect(logged).toContain("response stream status=404");
    expect(logged).not.toContain("_readableState");
  });

  it("a stalled download (no answer, or a body that stops) fails at the deadline, not never", async () => {
    options.downloadTimeoutMs = 300;
    api.addResource("om_stall_1", "img_stall_h", { type: "image", bytes: PHOTO, mime: "image/png", stall: "headers" });
    const noAnswer = await send("image", { image_key: "img_stall_h" }, "om_stall_1");
    expect((await failure(noAnswer.media![0]!.download(1 << 20))).reason).toBe("download-failed");
    api.addResource("om_stall_2", "img_stall_b", { type: "image", bytes: PHOTO, mime: "image/png", stall: "body" });
    const halfBody = await send("image", { image_key: "img_stall_b" }, "om_stall_2");
    expect((await failure(halfBody.media![0]!.download(1 << 20))).reason).toBe("download-failed");
  });
});
