import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FileBox } from "file-box";
import { mock } from "wechaty-puppet-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WechatAdapter, type WechatAdapterOptions } from "../../../src/adapters/wechat/wechat.adapter.ts";
import { declaredMedia, wechatLocation } from "../../../src/adapters/wechat/wechat.mapper.ts";
import { MediaError, type InboundMessage } from "../../../src/core/chat.ts";
import type { Router } from "../../../src/core/router.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";
import { brokenImage, LocatingPuppetMock, sendFile, shareLocation, type Contact } from "../../helpers/wechat-evidence.ts";


const PHOTO = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(4096, 3)]);

describe("WeChat evidence mapping (pure)", () => {
  it("maps a location, with its name as label and the message time; no forward flag on WeChat", () => {
    const at = new Date("2026-11-23T02:00:00Z");
    expect(wechatLocation({ latitude: 31.2304, longitude: 121.4737, name: "人民广场" }, at)).toEqual({ lat: 31.2304, lng: 121.4737, label: "人民广场", sentAt: at });
  });

  it("gives null coordinates when missing, not numbers, out of range, or unreadable", () => {
    for (const p of [{}, { latitude: NaN, longitude: 121 }, { latitude: 31, longitude: "x" }, { latitude: 95, longitude: 121 }, null]) {
      const got = wechatLocation(p);
      expect([got.lat, got.lng], JSON.stringify(p)).toEqual([null, null]);
    }
  });

  it("reads what a file box declares, ignoring FileBox's 'unknown' markers", () => {
    expect(declaredMedia({ size: -1, mediaType: "application/unknown", name: "" })).toEqual({});
    expect(declaredMedia({ size: 10, mediaType: "image/jpeg", name: "a.jpg" })).toEqual({ bytes: 10, mime: "image/jpeg", name: "a.jpg" });
  });
});

describe("WeChat evidence messages (wechaty with wechaty-puppet-mock)", () => {
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let puppet: LocatingPuppetMock;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;
  let liMing: Contact;
  let received: InboundMessage[];
  /** The adapter's options, read at each download: a test shortens the download deadline. */
  let options: WechatAdapterOptions;
  /** Serves picture bytes for URL file boxes (a remote file the puppet hands over). */
  let files: Server;
  let filesUrl: string;

  beforeEach(async () => {
    app = await createPlatformApp();
    mocker = new mock.Mocker();
    puppet = new LocatingPuppetMock({ mocker });
    received = [];
    const recording: Router = {
      commands: () => app.router.commands(),
      handle: (msg) => {
        received.push(msg);
        return app.router.handle(msg);
      },
    };
    let virtualNow = 1_000_000;
    options = { puppet, name: "visitmate-evidence-test", router: recording, deps: app.deps, now: () => virtualNow, sleep: async (ms) => void (virtualNow += ms) };
    adapter = new WechatAdapter(options);
    running = adapter.run();
    await adapter.ready;
    bot = mocker.createContact({ name: "拜访助手" });
    mocker.login(bot);
    await waitUntil(() => adapter.bot!.isLoggedIn, "login");
    liMing = mocker.createContact({ name: "李明" });
    files = createServer((req, res) => {
      if (req.url === "/chunked/shelf.png") {
        res.writeHead(200, { "content-type": "image/png" });
        res.write(PHOTO.subarray(0, 100));
        return void res.end(PHOTO.subarray(100));
      }
      // Headers, half the picture, then nothing: a transfer that stalls.
      if (req.url === "/stall/shelf.png") return void res.writeHead(200, { "content-type": "image/png", "content-length": String(PHOTO.length) }).write(PHOTO.subarray(0, 100));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    files.closeAllConnections();
    await new Promise<void>((resolve) => files.close(() => resolve()));
    await app.close();
  });

  async function next(before: number): Promise<InboundMessage> {
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

  it("a shared location reaches the router with its coordinates, name and time, text empty, private", async () => {
    const at = app.clock.now();
    const id = shareLocation(mocker, puppet, liMing, bot, at, { latitude: 31.2304, longitude: 121.4737, name: "人民广场" });
    const msg = await next(0);
    expect(msg).toMatchObject({ platform: "wechat", chatId: liMing.id, userId: liMing.id, text: "", eventId: id, chatType: "private", location: { lat: 31.2304, lng: 121.4737, label: "人民广场", sentAt: at } });
    expect(msg.location!.forwarded).toBeUndefined();
  });

  it("the mock puppet's own location (its fixed place) and one without coordinates", async () => {
    shareLocation(mocker, puppet, liMing, bot, app.clock.now());
    const fixed = await next(0);
    expect(fixed.location).toMatchObject({ lat: 39.995120999999997, lng: 116.334154, label: "东升乡人民政府(海淀区成府路45号)" });
    shareLocation(mocker, puppet, liMing, bot, app.clock.now(), { name: "某地" });
    const blank = await next(1);
    expect(blank.location).toMatchObject({ lat: null, lng: null, label: "某地" });
  });

  it("a picture: downloaded from the message's file only when asked, refused past the limit", async () => {
    liMing.say(FileBox.fromBase64(PHOTO.toString("base64"), "shelf.png")).to(bot);
    const msg = await next(0);
    expect(msg.text).toBe("");
    expect(msg.media).toHaveLength(1);
    expect(msg.media![0]).toMatchObject({ kind: "image", bytes: PHOTO.length, mime: "image/png" });
    expect((await msg.media![0]!.download(1 << 20)).equals(PHOTO)).toBe(true);
    expect((await failure(msg.media![0]!.download(1000))).reason).toBe("too-large");
  });

  it("a remote picture of unknown size is counted while reading; a missing one is a download failure", async () => {
    liMing.say(FileBox.fromUrl(`${filesUrl}/chunked/shelf.png`)).to(bot);
    const chunked = await next(0);
    expect(chunked.media![0]!.kind).toBe("image");
    expect((await failure(chunked.media![0]!.download(1000))).reason).toBe("too-large");
    expect((await chunked.media![0]!.download(1 << 20)).equals(PHOTO)).toBe(true);

    liMing.say(FileBox.fromUrl(`${filesUrl}/gone/shelf.png`)).to(bot);
    const gone = await next(1);
    expect((await failure(gone.media![0]!.download(1 << 20))).reason).toBe("download-failed");

    brokenImage(mocker, liMing, bot);
    const broken = await next(2);
    expect(broken.media![0]!.kind).toBe("image");
    expect((await failure(broken.media![0]!.download(1 << 20))).reason).toBe("download-failed");
  });

  it("an attachment is a file with its name", async () => {
    sendFile(mocker, liMing, bot, FileBox.fromBase64(PHOTO.toString("base64"), "陈列.pdf"));
    const msg = await next(0);
    expect(msg.media![0]).toMatchObject({ kind: "file", name: "陈列.pdf" });
    expect((await msg.media![0]!.download(1 << 20)).equals(PHOTO)).toBe(true);
  });

  it("pictures and locations in a room are ignored (they cannot @mention the bot)", async () => {
    const room = mocker.createRoom({ topic: "门店群", memberIdList: [bot.id, liMing.id] });
    const seen: string[] = [];
    // Registered after the adapter's own listener: when it fires, the adapter has had the message.
    adapter.bot!.on("message", (m) => void seen.push(m.id));
    liMing.say(FileBox.fromBase64(PHOTO.toString("base64"), "shelf.png")).to(room);
    await waitUntil(() => seen.length === 1, "the room picture to arrive");
    await adapter.idle();
    expect(received).toEqual([]);
    // The same person's private picture still goes through.
    liMing.say(FileBox.fromBase64(PHOTO.toString("base64"), "shelf.png")).to(bot);
    expect((await next(0)).chatType).toBe("private");
  });

  it("a stalled transfer fails at the download deadline", async () => {
    options.downloadTimeoutMs = 300;
    liMing.say(FileBox.fromUrl(`${filesUrl}/stall/shelf.png`)).to(bot);
    const stalled = await next(0);
    expect((await failure(stalled.media![0]!.download(1 << 20))).reason).toBe("download-failed");
  });
});
