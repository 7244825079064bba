import { PNG } from "pngjs";
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage, Reply } from "../../../src/core/chat.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

function png(r: number, g: number, b: number): Buffer {
  const img = new PNG({ width: 4, height: 4 });
  for (let i = 0; i < img.data.length; i += 4) img.data.set([r, g, b, 255], i);
  return PNG.sync.write(img);
}

/** The visit form end to end (Evidence core), then what the supervisor sees of it. */
describe("supervisors see what the visit form recorded", () => {
  let app: PlatformApp;
  afterEach(() => app.close());

  const send = (userId: string, extra: Partial<InboundMessage>): Promise<Reply[]> => app.router.handle({ platform: "telegram", chatId: userId, userId, text: "", ...extra });
  const say = (userId: string, text: string) => send(userId, { text });

  it("a field visit checked in 35 m from the shop with a photo reads in /team M001 and comes back from /photos", async () => {
    app = await createPlatformApp();
    for (const [code, user] of [["M001", "m1"], ["S001", "s1"]] as const) {
      const staff = (await app.db.staff.findUnique({ where: { code } }))!;
      await app.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: user, staffId: staff.id } });
    }
    await say("m1", "/today");
    const m1 = (await app.db.staff.findUnique({ where: { code: "M001" } }))!;
    const stop = (await app.db.plannedVisit.findFirst({ where: { managerId: m1.id, date: "2026-11-23", stopNo: 1 }, include: { customer: true } }))!;
    // The demo's history has visits of this shop already: only one logged from here on counts.
    const before = (await app.db.visit.aggregate({ _max: { id: true } }))._max.id ?? 0;
    const mine = { managerId: m1.id, customerId: stop.customerId, id: { gt: before } };
    const transcript: string[] = [];
    const log = (rs: Reply[]) => transcript.push(...rs.map((r) => r.text));
    log(await say("m1", "1"));
    log(await say("m1", "1")); // 实地拜访
    // 35 m north of the shop: 35 / 111,195 m per degree of latitude.
    log(await send("m1", { location: { lat: stop.customer.lat + 35 / 111195, lng: stop.customer.lng, sentAt: app.clock.now() } }));
    const shelf = png(10, 120, 200);
    log(await send("m1", { media: [{ kind: "image", mime: "image/png", download: async () => shelf }] }));
    app.clock.advance(12 * 60_000);
    // Answer whatever is asked until the visit is logged: the duration (20), then submit (1).
    for (const answer of ["20", "1", "1", "1"]) {
      if (await app.db.visit.count({ where: mine })) break;
      log(await say("m1", answer));
    }
    const visit = await app.db.visit.findFirst({ where: mine });
    expect(visit, transcript.join("\n---\n")).not.toBeNull();
    expect(visit).toMatchObject({ checkinStatus: "inside", checkinDistanceM: 35, measuredMin: 12 });

    const [view] = await say("s1", "/team M001");
    const line = view!.text.split("\n").find((l) => /^ {2}1\. /.test(l))!;
    expect(line).toContain("📍 35 米");
    expect(line).toContain(`实测 12 分钟/填报 ${visit!.durationMin} 分钟`);
    expect(line).toContain("📷 1");
    const button = view!.choices!.find((c) => c.label === "📷 查看照片")!;
    const [photos] = await say("s1", button.value);
    expect(photos!.attachments!.map((a) => a.base64)).toEqual([shelf.toString("base64")]);
  });
});
