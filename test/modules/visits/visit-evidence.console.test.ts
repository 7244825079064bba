import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";
import { pngBytes } from "../../helpers/images.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai (a visit day of the demo manager M001).
const MONDAY_MORNING = "2026-11-23T00:00:00Z";

/** The whole evidence flow from the terminal: /loc for the phone's location, /photo PATH for its camera. */
describe("visit evidence in the terminal", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    tmp?.cleanup();
  });

  it("/loc checks in, /photo PATH adds a photo (stored under photos/ beside the database), malformed ones explain the usage and keep the form", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(MONDAY_MORNING);
    await runConsoleScript({ url: tmp.url, clock, lines: ["/today"] });
    db = await openDb(tmp.url);
    const m001 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stop = await db.plannedVisit.findFirstOrThrow({ where: { managerId: m001.id, date: "2026-11-23" }, orderBy: [{ sequence: "asc" }, { id: "asc" }], include: { customer: true } });
    const photo = path.join(tmp.dir, "货架.png");
    writeFileSync(photo, pngBytes(11));
    const { lat, lng } = stop.customer;
    const out = await runConsoleScript({
      url: tmp.url,
      clock,
      lines: ["1", "1", "/loc 北纬30", `/loc ${lat.toFixed(6)}，${lng.toFixed(6)}`, `/photo ${path.join(tmp.dir, "nothere.png")}`, `/photo ${photo}`, "15", "1"],
    });
    expect(out).toContain("📍 到店可随时发送位置签到（输入 /loc 纬度,经度）。");
    expect(out).toContain("用法：/loc 纬度,经度");
    expect(out).toMatch(/📍 已签到 08:00，距门店 0 米。/);
    expect(out).toContain("找不到文件：");
    expect(out).toContain("📷 已收到 1 张照片（本次拜访共 1 张）。");
    expect(out).toMatch(/✅ 已记录：.* · 实地 · 15 分钟 · 📍 0 米 · 实测 0 分钟 · 📷 1 张/);
    // The malformed /loc and /photo left the form where it was: no "leave the form?" question.
    expect(out).not.toContain("要先把它填完吗");
    const visit = await db.visit.findFirstOrThrow({ where: { customerId: stop.customerId }, orderBy: { id: "desc" }, include: { photos: true } });
    expect(visit.checkinStatus).toBe("inside");
    expect(visit.photos).toHaveLength(1);
    expect(existsSync(path.join(tmp.dir, "photos", visit.photos[0]!.hash.slice(0, 2), `${visit.photos[0]!.hash}.png`))).toBe(true);
  });
});
