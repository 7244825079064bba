import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MediaError, type InboundLocation, type InboundMedia, type InboundMessage, type Reply } from "../../../src/core/chat.ts";
import { dayStops } from "../../../src/modules/visits/visits.service.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";
import { pngBytes } from "../../helpers/images.ts";

/**
 * Visit evidence through the real router and form engine, as a chat platform delivers it: a
 * location or a picture in an InboundMessage (the adapters' tests cover how each platform's
 * updates become one). Real SQLite file, real photo store on disk, fake clock.
 */

const CHAT = "ev-7";

interface Harness {
  app: PlatformApp;
  /** Sends text, a location or pictures; returns the replies. */
  send(m: Partial<InboundMessage>): Promise<Reply[]>;
  say(text: string): Promise<string>;
  stop1: { lat: number; lng: number; name: string; customerId: number };
}

let app: PlatformApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function harness(): Promise<Harness> {
  app = await createPlatformApp();
  const a = app;
  const m1 = await a.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
  await a.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: CHAT, staffId: m1.id } });
  const day = await dayStops({ deps: a.deps, staff: m1 });
  const first = day.stops[0]!;
  const send = (m: Partial<InboundMessage>) => a.router.handle({ platform: "telegram", chatId: CHAT, userId: CHAT, text: "", chatType: "private", ...m });
  const say = async (t: string) => text(await send({ text: t }));
  return { app: a, send, say, stop1: { lat: first.customer.lat, lng: first.customer.lng, name: first.customer.name, customerId: first.customer.id } };
}

/** A point `metres` north of (lat, lng). */
function north(p: { lat: number; lng: number }, metres: number): { lat: number; lng: number } {
  return { lat: p.lat + metres / 111_195, lng: p.lng };
}

function location(p: { lat: number | null; lng: number | null }, extra: Partial<InboundLocation> = {}): Partial<InboundMessage> {
  return { location: { lat: p.lat, lng: p.lng, ...extra } };
}

/** A picture the way an adapter hands it over; counts downloads. */
function picture(bytes: Buffer, opts: { declared?: number; fail?: MediaError } = {}): { media: InboundMedia; downloads: () => number } {
  let n = 0;
  const media: InboundMedia = {
    kind: "image",
    mime: "image/jpeg",
    ...(opts.declared !== undefined ? { bytes: opts.declared } : {}),
    async download(max) {
      n++;
      if (opts.fail) throw opts.fail;
      if (bytes.length > max) throw new MediaError("too-large", "over the limit");
      return bytes;
    },
  };
  return { media, downloads: () => n };
}

/** What the user reads: the text and the options under it. */
function text(replies: Reply[]): string {
  return replies.map((r) => [r.text, ...(r.choices ?? []).map((c, i) => `${i + 1}) ${c.label}`)].join("\n")).join("\n");
}

async function lastVisit(a: PlatformApp) {
  return a.db.visit.findFirstOrThrow({ orderBy: { id: "desc" }, include: { photos: true } });
}

function storedFiles(a: PlatformApp): string[] {
  const dir = path.join(a.testDb.dir, "photos");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe("visit evidence: check-in by location", () => {
  it("checks in inside the radius at any step, measures the visit to the submit, and records both durations", async () => {
    const h = await harness();
    expect(await h.say("1")).toContain("拜访方式");
    const duration = await h.send({ text: "1" });
    // Optional check-in: the duration question offers it, with Telegram's location button.
    expect(text(duration)).toContain("📍 到店可随时发送位置签到");
    expect(duration[0]!.askLocation).toBe(true);
    const checkedIn = text(await h.send(location(north(h.stop1, 40), { accuracyM: 12 })));
    expect(checkedIn).toMatch(/📍 已签到 10:00，距门店 4\d 米。/);
    // The same question again (no answer consumed).
    expect(checkedIn).toContain("拜访用了多长时间");
    h.app.clock.advance(18 * 60_000);
    const menu = await h.say("20");
    expect(menu).toContain("一切正常，提交");
    const done = await h.say("1");
    expect(done).toMatch(/✅ 已记录：.* · 实地 · 20 分钟 · 📍 4\d 米 · 实测 18 分钟 · 一切正常/);
    const v = await lastVisit(h.app);
    expect(v.checkinStatus).toBe("inside");
    expect(v.checkinDistanceM).toBeGreaterThanOrEqual(39);
    expect(v.checkinDistanceM).toBeLessThanOrEqual(41);
    expect(v.checkinAccuracyM).toBe(12);
    expect(v.durationMin).toBe(20);
    expect(v.measuredMin).toBe(18);
    expect(v.checkoutAt?.toISOString()).toBe("2026-11-23T02:18:00.000Z");
    expect(v.checkinReason).toBe("");
  });

  it("outside the radius asks why right after the duration and keeps the reason; a second location checks out", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    const far = text(await h.send(location(north(h.stop1, 1000))));
    expect(far).toMatch(/⚠️ 已签到 10:00，但距.* 1.0 公里，超出 300 米范围，需要说明原因。/);
    const ask = await h.say("15");
    expect(ask).toContain("签到位置距");
    expect(ask).toContain("1.0 公里（范围 300 米）。原因是？");
    expect(ask).toContain("门店已搬迁");
    expect(await h.say("2")).toContain("一切正常，提交");
    h.app.clock.advance(12 * 60_000);
    expect(text(await h.send(location(north(h.stop1, 990))))).toContain("📍 已签退 10:12，实测 12 分钟。");
    h.app.clock.advance(30 * 60_000);
    const done = await h.say("1");
    expect(done).toContain("⚠️ 距店 1.0 公里");
    expect(done).toContain("实测 12 分钟");
    const v = await lastVisit(h.app);
    expect(v.checkinStatus).toBe("outside");
    expect(v.checkinReason).toBe("门店坐标不准");
    // Check-out was the second location, not the submit half an hour later.
    expect(v.measuredMin).toBe(12);
    expect(v.checkoutLat).not.toBeNull();
  });

  it("a check-in outside sent at the section menu is explained before the visit is recorded", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    await h.say("15");
    const menu = text(await h.send(location(north(h.stop1, 700))));
    expect(menu).toContain("超出 300 米范围");
    expect(menu).toContain("一切正常，提交");
    const ask = await h.say("1");
    expect(ask).toContain("700 米（范围 300 米）。原因是？");
    expect(await h.app.db.visit.count({ where: { checkinStatus: { not: null } } })).toBe(0);
    expect(await h.say("在店外见的客户")).toContain("✅ 已记录");
    const v = await lastVisit(h.app);
    expect(v.checkinStatus).toBe("outside");
    expect(v.checkinReason).toBe("在店外见的客户");
  });

  it("a check-in outside, then one at the shop, checks in again and asks nothing", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    await h.send(location(north(h.stop1, 800)));
    expect(text(await h.send(location(north(h.stop1, 30))))).toContain("📍 已重新签到 10:00，距门店 30 米。");
    await h.say("15");
    const done = await h.say("1");
    expect(done).toContain("📍 30 米");
    expect((await lastVisit(h.app)).checkinStatus).toBe("inside");
  });

  it("required check-in waits for a location after the mode, with the location button; 'cannot check in' asks why", async () => {
    const h = await harness();
    h.app.policy.evidence.checkIn.mode = "required";
    await h.say("1");
    const ask = await h.send({ text: "1" });
    expect(text(ask)).toContain("📍 请在");
    expect(text(ask)).toContain("发送当前位置签到（点下方「📍 发送当前位置」按钮）");
    expect(ask[0]!.askLocation).toBe(true);
    expect(await h.say("好的")).toContain("请发送当前位置");
    const reason = await h.say("1");
    expect(reason).toContain("无法签到的原因是？");
    await h.say("已离店，补录");
    await h.say("15");
    const done = await h.say("1");
    expect(done).toContain("未签到");
    const v = await lastVisit(h.app);
    expect(v.checkinStatus).toBe("none");
    expect(v.checkinReason).toBe("已离店，补录");
    expect(v.measuredMin).toBeNull();
  });

  it("required check-in: a location answers the question and a far one asks the reason at once", async () => {
    const h = await harness();
    h.app.policy.evidence.checkIn.mode = "required";
    await h.say("1");
    await h.say("1");
    const duration = text(await h.send(location(north(h.stop1, 2000))));
    expect(duration).toContain("超出 300 米范围");
    expect(duration).toContain("拜访用了多长时间");
    // The reason comes right after the duration, before the section menu.
    expect(await h.say("15")).toContain("原因是？");
    expect(await h.say("在店外见的客户")).toContain("一切正常，提交");
    await h.say("1");
    const v = await lastVisit(h.app);
    expect(v.checkinStatus).toBe("outside");
    expect(v.checkinReason).toBe("在店外见的客户");
  });

  it("bad locations get a specific message, the form keeps its question and nothing is recorded", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    const session = async () => (await h.app.db.formSession.findFirstOrThrow()).stepId;
    const before = await session();
    const none = text(await h.send(location({ lat: null, lng: null })));
    expect(none).toContain("这条位置没有经纬度");
    expect(none).toContain("拜访用了多长时间");
    expect(text(await h.send(location(h.stop1, { forwarded: true })))).toContain("转发的位置不能用于签到");
    const old = new Date(h.app.clock.now().getTime() - 25 * 60_000);
    expect(text(await h.send(location(h.stop1, { sentAt: old })))).toContain("这条位置是 10 分钟以前的");
    expect(await session()).toBe(before);
    await h.say("15");
    await h.say("1");
    const v = await lastVisit(h.app);
    // Optional check-in, none sent: recorded as no check-in, no coordinates anywhere.
    expect(v.checkinStatus).toBe("none");
    expect(v.checkinLat).toBeNull();
  });

  it("a location outside a visit form, or on a phone visit, is not kept", async () => {
    const h = await harness();
    expect(text(await h.send(location(h.stop1)))).toContain("位置只在拜访记录中用于签到，这次的位置没有保存");
    await h.say("1");
    await h.say("3");
    expect(text(await h.send(location(h.stop1)))).toContain("电话不需要签到，位置没有保存");
    await h.say("15");
    expect(await h.say("1")).toContain("✅ 已记录");
    const v = await lastVisit(h.app);
    expect(v.mode).toBe("phone");
    expect(v.checkinStatus).toBeNull();
    expect(v.checkinLat).toBeNull();
  });

  it("a group chat gets the private-only answer for a location", async () => {
    const h = await harness();
    const out = await h.send({ ...location(h.stop1), chatType: "group", chatId: "group-1" });
    expect(text(out)).toContain("私聊");
    expect(await h.app.db.formSession.count()).toBe(0);
  });
});

describe("visit evidence: photos", () => {
  it("a photo is stored once by its content and linked to the visit; the same picture later is flagged as a duplicate", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    const shelf = pngBytes(3);
    const got = text(await h.send({ media: [picture(shelf).media] }));
    expect(got).toContain("📷 已收到 1 张照片（本次拜访共 1 张）");
    // Sent twice in the same visit: one photo, no duplicate flag against the manager.
    expect(text(await h.send({ media: [picture(shelf).media] }))).toContain("这张照片本次拜访已经收到过，没有重复保存（本次拜访共 1 张）");
    expect(await h.app.db.visitPhoto.count()).toBe(1);
    await h.say("15");
    expect(await h.say("1")).toContain("📷 1 张");
    const first = await lastVisit(h.app);
    expect(first.photos).toHaveLength(1);
    expect(first.photos[0]!.mime).toBe("image/png");
    expect(first.photos[0]!.customerId).toBe(first.customerId);
    expect(first.photos[0]!.duplicateOfId).toBeNull();
    expect(storedFiles(h.app)).toEqual([`${first.photos[0]!.hash}.png`]);

    // Stop 2, the same picture again: accepted, flagged, still one stored file.
    await h.say("2");
    await h.say("1");
    const dup = text(await h.send({ media: [picture(shelf).media] }));
    expect(dup).toContain("⚠️ 这张照片与 11月23日 10:00 收到的一张完全相同，已标记为重复");
    await h.say("15");
    await h.say("1");
    const second = await lastVisit(h.app);
    expect(second.id).not.toBe(first.id);
    expect(second.photos[0]!.duplicateOfId).toBe(first.photos[0]!.id);
    expect(storedFiles(h.app)).toHaveLength(1);
  });

  it("a section the policy names asks for a photo before its round ends; typed text gets the hint", async () => {
    const h = await harness();
    h.app.policy.evidence.photos.requiredSections = ["guidance"];
    await h.say("1");
    await h.say("1");
    await h.say("15");
    // Guidance is option 10 of the tobacco menu; answer its questions with skips/defaults until the photo.
    let out = await h.say("10");
    for (let i = 0; i < 30 && !out.includes("📷 请拍一张"); i++) out = await h.say(out.includes("回复“完成”") ? "完成" : out.includes("1)") ? "1" : "跳过");
    expect(out).toContain("📷 请拍一张经营指导");
    expect(await h.say("拍好了")).toContain("请发送照片");
    const after = text(await h.send({ media: [picture(pngBytes(9)).media] }));
    expect(after).toContain("📷 已收到 1 张照片");
    expect(after).toContain("✓ 已记下：经营指导");
    expect(after).toMatch(/1\) .*提交/);
    await h.say("1");
    const v = await lastVisit(h.app);
    expect(v.photos).toHaveLength(1);
    expect(v.photos[0]!.section).toBe("guidance");
  });

  it("bad pictures get a clear message, nothing is stored, and the form keeps its place", async () => {
    const h = await harness();
    await h.say("1");
    await h.say("1");
    const big = picture(pngBytes(4), { declared: 50 * 1024 * 1024 });
    expect(text(await h.send({ media: [big.media] }))).toContain("照片超过 10 MB，没有保存");
    expect(big.downloads()).toBe(0);
    const broken = picture(pngBytes(4), { fail: new MediaError("download-failed", "404") });
    const failed = text(await h.send({ media: [broken.media] }));
    expect(failed).toContain("照片下载失败，没有保存。请重新发送。");
    expect(failed).toContain("拜访用了多长时间");
    expect(text(await h.send({ media: [picture(Buffer.from("%PDF-1.4 not a picture at all")).media] }))).toContain("这个文件不是图片");
    expect(text(await h.send({ media: [picture(Buffer.alloc(0)).media] }))).toContain("收到的是空文件");
    expect(await h.app.db.visitPhoto.count()).toBe(0);
    expect(storedFiles(h.app)).toEqual([]);
    await h.say("15");
    expect(await h.say("1")).toContain("✅ 已记录");
  });

  it("a photo outside a visit form is not kept", async () => {
    const h = await harness();
    const p = picture(pngBytes(5));
    expect(text(await h.send({ media: [p.media] }))).toContain("照片需要在拜访记录中发送，这张没有保存");
    expect(p.downloads()).toBe(0);
    expect(await h.app.db.visitPhoto.count()).toBe(0);
  });
});
