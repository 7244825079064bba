import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { FileBox } from "file-box";
import { mock } from "wechaty-puppet-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WechatAdapter } from "../../../src/adapters/wechat/wechat.adapter.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../../helpers/platform-app.ts";
import { brokenImage, LocatingPuppetMock, sendFile, shareLocation, type Contact } from "../../helpers/wechat-evidence.ts";

const PHOTO = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(4096, 5)]);

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe("WeChat visit evidence end to end (real router, wechaty-puppet-mock)", () => {
  let app: PlatformApp;
  let mocker: mock.Mocker;
  let puppet: LocatingPuppetMock;
  let adapter: WechatAdapter;
  let running: Promise<void>;
  let bot: Contact;
  let liMing: Contact;
  let got: string[];
  let cursor: number;

  beforeEach(async () => {
    app = await createPlatformApp();
    mocker = new mock.Mocker();
    puppet = new LocatingPuppetMock({ mocker });
    let virtualNow = 1_000_000;
    adapter = new WechatAdapter({ puppet, name: "visitmate-evidence-flow", router: app.router, deps: app.deps, now: () => virtualNow, sleep: async (ms) => void (virtualNow += ms) });
    running = adapter.run();
    await adapter.ready;
    bot = mocker.createContact({ name: "拜访助手" });
    mocker.login(bot);
    await waitUntil(() => adapter.bot!.isLoggedIn, "login");
    liMing = mocker.createContact({ name: "李明" });
    got = [];
    cursor = 0;
    liMing.on("message", (m) => {
      if (m.talker().id === bot.id) got.push(m.text() ?? "");
    });
  });
  afterEach(async () => {
    await adapter.stop();
    await running.catch(() => undefined);
    await app.close();
  });

  const say = (text: string) => liMing.say(text).to(bot);
  async function reply(match: (t: string) => boolean = () => true): Promise<string> {
    let found: string | null = null;
    await waitUntil(() => {
      for (let i = cursor; i < got.length; i++) {
        if (match(got[i]!)) {
          found = got[i]!;
          cursor = i + 1;
          return true;
        }
      }
      return false;
    }, "a reply");
    return found!;
  }

  async function startFieldVisit() {
    say(`/bind ${await app.bindCode("M001")}`);
    await reply((t) => t.includes("绑定成功"));
    say("/today");
    await reply((t) => t.includes("拜访清单"));
    const m001 = await app.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stop = await app.db.plannedVisit.findFirstOrThrow({ where: { managerId: m001.id, date: "2026-11-23" }, orderBy: [{ sequence: "asc" }, { id: "asc" }], include: { customer: true } });
    say("1");
    await reply((t) => t.includes("拜访方式"));
    say("1");
    return stop.customer;
  }

  it("check-in inside the radius by a shared location, a picture linked and stored once, submitted", async () => {
    const shop = await startFieldVisit();
    expect(await reply()).toContain("📍 到店可随时发送位置签到（点 ＋ → 位置，发送当前位置）");
    shareLocation(mocker, puppet, liMing, bot, app.clock.now(), { latitude: shop.lat, longitude: shop.lng, name: "门店" });
    expect(await reply()).toContain("📍 已签到 10:00，距门店 0 米。");
    liMing.say(FileBox.fromBase64(PHOTO.toString("base64"), "shelf.png")).to(bot);
    expect(await reply()).toContain("📷 已收到 1 张照片（本次拜访共 1 张）。");
    // The numbered options are still the duration's: 1 = 10 分钟, then 1 = submit.
    say("1");
    expect(await reply()).toContain("一切正常就选 1 提交");
    say("1");
    expect(await reply((t) => t.includes("已记录"))).toContain("📍 0 米 · 实测 0 分钟 · 📷 1 张");

    const visit = await app.db.visit.findFirstOrThrow({ where: { customerId: shop.id }, orderBy: { id: "desc" } });
    expect(visit.checkinStatus).toBe("inside");
    const photos = await app.db.visitPhoto.findMany();
    expect(photos).toHaveLength(1);
    expect(photos[0]).toMatchObject({ visitId: visit.id, customerId: shop.id, platform: "wechat", bytes: PHOTO.length, mime: "image/png" });
    const stored = filesUnder(path.join(app.testDb.dir, "photos"));
    expect(stored).toHaveLength(1);
    expect(readFileSync(stored[0]!).equals(PHOTO)).toBe(true);
  });

  it("the mock's own fixed location is far from the shop: outside the radius, a reason is asked", async () => {
    await startFieldVisit();
    await reply();
    // wechaty-puppet-mock answers every location with 海淀区成府路45号 (Beijing), far from the demo shops.
    shareLocation(mocker, puppet, liMing, bot, app.clock.now());
    const outside = await reply();
    expect(outside).toMatch(/⚠️ 已签到 10:00，但距.+ [\d.]+ 公里，超出 300 米范围，需要说明原因。/);
    expect(outside).toContain("拜访用了多长时间");
    // The duration, then the reason, before the section menu.
    say("1");
    const why = await reply();
    expect(why).toContain("原因是？");
    expect(why).toContain("1. 门店已搬迁");
    say("1");
    expect(await reply()).toContain("一切正常就选 1 提交");
    say("1");
    expect(await reply((t) => t.includes("已记录"))).toContain("⚠️ 距店");
    const visit = await app.db.visit.findFirstOrThrow({ where: { checkinStatus: { not: null } }, orderBy: { id: "desc" } });
    expect(visit).toMatchObject({ checkinStatus: "outside", checkinReason: "门店已搬迁", checkinLat: 39.995120999999997, checkinLng: 116.334154 });
    expect(visit.checkinDistanceM).toBeGreaterThan(1_000_000);
  });

  it("a picture the puppet cannot give: a clear message, nothing stored, the form asks its question again", async () => {
    await startFieldVisit();
    expect(await reply()).toContain("拜访用了多长时间");
    brokenImage(mocker, liMing, bot);
    const failed = await reply();
    expect(failed).toContain("照片下载失败，没有保存。请重新发送。");
    expect(failed).toContain("拜访用了多长时间");
    expect(await app.db.visitPhoto.count()).toBe(0);
    expect(filesUnder(path.join(app.testDb.dir, "photos"))).toHaveLength(0);
    // A file that is no picture is told apart.
    const pdf = FileBox.fromBase64(Buffer.from("%PDF-1.4 not a photo at all").toString("base64"), "报价.pdf");
    sendFile(mocker, liMing, bot, pdf);
    expect(await reply()).toContain("这个文件不是图片，没有保存。");
    expect(await app.db.visitPhoto.count()).toBe(0);
    say("1");
    expect(await reply()).toContain("一切正常就选 1 提交");
  });
});
