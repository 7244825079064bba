import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { PNG } from "pngjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/core/chat.ts";
import { zonedInstant } from "../../../src/core/dates.ts";
import { evidenceCountsOf } from "../../../src/modules/evidence/evidence-report.service.ts";
import { receivePhoto } from "../../../src/modules/evidence/evidence.service.ts";
import { photoPages } from "../../../src/modules/evidence/evidence.commands.ts";
import { photoKey } from "../../../src/modules/evidence/photo-store.ts";
import { runCli } from "../../helpers/cli.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";
import { createTestDb } from "../../helpers/db.ts";
import { loadPolicy } from "../../../src/config/policy.ts";

const TODAY = "2026-11-23";

/** A small PNG of one colour: a real image, different content per colour. */
function png(r: number, g: number, b: number): Buffer {
  const img = new PNG({ width: 4, height: 4 });
  for (let i = 0; i < img.data.length; i += 4) img.data.set([r, g, b, 255], i);
  return PNG.sync.write(img);
}

interface World {
  app: PlatformApp;
  ids: Record<string, number>;
  /** The image bytes of M001's visits, in the order /photos must send them. */
  images: Buffer[];
  minOfStop1: number;
}

async function bindAs(app: PlatformApp, code: string, userId: string): Promise<void> {
  const staff = (await app.db.staff.findUnique({ where: { code } }))!;
  await app.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: userId, staffId: staff.id } });
}

async function say(app: PlatformApp, userId: string, text: string): Promise<Reply[]> {
  return app.router.handle({ platform: "telegram", chatId: userId, userId, text });
}

const local = (time: string) => zonedInstant(TODAY, time, "Asia/Shanghai");

/**
 * The demo company on Monday 23 Nov 2026 with M001's day logged with evidence: stop 1 checked in
 * 35 m away but measured under the class minimum with two photos (one a duplicate), stop 2 checked
 * in 850 m away (shop moved), an unplanned field visit without check-in whose photo retention
 * removed, a phone visit. A second team (S009 → M009) for the refusal.
 */
async function world(): Promise<World> {
  const app = await createPlatformApp();
  for (const [code, user] of [["M001", "m1"], ["M002", "m2"], ["S001", "s1"], ["A001", "a1"]] as const) await bindAs(app, code, user);
  const other = await app.db.staff.create({ data: { code: "S009", name: "赵敏", role: "supervisor" } });
  await app.db.staff.create({ data: { code: "M009", name: "孙丽", role: "manager", supervisorId: other.id } });
  await bindAs(app, "S009", "s9");
  // M001's list of today, made as the manager asks for it.
  await say(app, "m1", "/today");
  const m1 = (await app.db.staff.findUnique({ where: { code: "M001" } }))!;
  const plan = await app.db.plannedVisit.findMany({ where: { managerId: m1.id, date: TODAY }, orderBy: [{ sequence: "asc" }], include: { customer: true } });
  expect(plan.length).toBeGreaterThanOrEqual(2);
  const onList = new Set(plan.map((p) => p.customerId));
  const unplanned = (await app.db.customer.findFirst({ where: { managerId: m1.id, id: { notIn: [...onList] } } }))!;
  const phoned = (await app.db.customer.findFirst({ where: { managerId: m1.id, id: { notIn: [...onList, unplanned.id] } } }))!;
  const minOfStop1 = app.policy.classes.find((c) => c.id === plan[0]!.customer.serviceClass)!.visitMinutes.min;

  const field = { managerId: m1.id, mode: "field", details: "{}" };
  const v1 = await app.db.visit.create({
    data: { ...field, customerId: plan[0]!.customerId, plannedVisitId: plan[0]!.id, visitedAt: local("08:30"), durationMin: 20, checkinStatus: "inside", checkinDistanceM: 35, checkinAt: local("08:18"), measuredMin: minOfStop1 - 3 },
  });
  const v2 = await app.db.visit.create({
    data: { ...field, customerId: plan[1]!.customerId, plannedVisitId: plan[1]!.id, visitedAt: local("09:10"), durationMin: 20, checkinStatus: "outside", checkinDistanceM: 850, checkinReason: "门店已搬迁", measuredMin: 18 },
  });
  // Logged without a location while the policy asked for one: the form writes "none".
  const v3 = await app.db.visit.create({ data: { ...field, customerId: unplanned.id, visitedAt: local("09:40"), durationMin: 15, checkinStatus: "none" } });
  await app.db.visit.create({ data: { managerId: m1.id, customerId: phoned.id, mode: "phone", details: "{}", visitedAt: local("09:50"), durationMin: 5 } });
  for (const p of plan.slice(0, 2)) await app.db.plannedVisit.update({ where: { id: p.id }, data: { status: "done" } });

  const store = app.deps.photos!;
  const photo = async (bytes: Buffer, visitId: number, customerId: number, section: string | null) => {
    const r = await receivePhoto({ db: app.db, store, staffId: m1.id, platform: "telegram", bytes, maxBytes: 1 << 20, now: app.clock.now(), section });
    if (!r.ok) throw new Error(r.reason);
    await app.db.visitPhoto.update({ where: { id: r.photo.id }, data: { visitId, customerId } });
    return r.photo;
  };
  const red = png(200, 0, 0);
  const green = png(0, 200, 0);
  const blue = png(0, 0, 200);
  // Sent in this order; /photos shows them by visit time, then as sent.
  await photo(red, v1.id, v1.customerId, "guidance");
  await photo(blue, v3.id, v3.customerId, null);
  await photo(red, v1.id, v1.customerId, null); // the same picture again: a duplicate
  await photo(green, v2.id, v2.customerId, null);
  // Retention removed the content of the unplanned visit's photo (the row stays).
  await rm(path.join(app.testDb.dir, "photos", photoKey(hashOf(blue), "image/png").slice(0, 2), photoKey(hashOf(blue), "image/png")));
  return { app, ids: { v1: v1.id, v2: v2.id, v3: v3.id, m1: m1.id }, images: [red, red, green], minOfStop1 };
}

function hashOf(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("supervisors see visit evidence", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.app.close());

  it("/team M001: each visit of the day shows its check-in, measured against reported minutes and its photos", async () => {
    const [reply] = await say(w.app, "s1", "/team M001");
    const lines = reply!.text.split("\n");
    const stop1 = lines.find((l) => /^ {2}1\. /.test(l))!;
    expect(stop1).toContain("08:30 · 📍 35 米");
    expect(stop1).toContain(`实测 ${w.minOfStop1 - 3} 分钟/填报 20 分钟 ⚠️ 少于 ${w.minOfStop1} 分钟`);
    expect(stop1).toContain("📷 2 (1 张重复)");
    // The reported minutes are said once, beside the measured ones.
    expect(stop1).not.toContain("· 20 分钟");
    const stop2 = lines.find((l) => /^ {2}2\. /.test(l))!;
    expect(stop2).toContain("09:10 · ⚠️ 850 米 · 原因：门店已搬迁 · 实测 18 分钟/填报 20 分钟 · 📷 1");
    expect(stop2).not.toContain("少于");
    const other = lines.indexOf("计划外拜访：");
    expect(other).toBeGreaterThan(0);
    expect(lines[other + 1]).toMatch(/^ {2}· 09:40 .+ · 15 分钟 · 未签到 · 📷 1$/);
    // The phone visit has no check-in to show.
    expect(lines[other + 2]).toMatch(/^ {2}· 09:50 .+ · 5 分钟$/);
    expect(reply!.choices).toContainEqual({ label: "📷 查看照片", value: `/photos M001 ${TODAY}` });
  });

  it("/photos sends the day's photos as images in visit order, and lists the one retention deleted", async () => {
    const [reply] = await say(w.app, "s1", `/photos M001 ${TODAY}`);
    expect(reply!.attachments!.map((a) => [a.kind, a.mime, a.base64])).toEqual(w.images.map((b) => ["image", "image/png", b.toString("base64")]));
    const lines = reply!.text.split("\n");
    expect(lines[0]).toBe("📷 李明 M001 · 11月23日（周一）：4 张照片");
    expect(lines[1]).toMatch(/^1\. .+ 08:30 · 经营指导/);
    expect(lines[2]).toMatch(/^2\. .+ 08:30 · 重复照片$/);
    expect(lines[3]).toMatch(/^3\. .+ 09:10$/);
    expect(lines[4]).toMatch(/^4\. .+ 09:40 · 已按保留期（180 天）删除$/);
    // 今天 and the manager's own /photos read the same day.
    expect((await say(w.app, "s1", "/photos M001 今天"))[0]!.attachments).toHaveLength(3);
    expect((await say(w.app, "s1", "/photos M001 昨天"))[0]!.text).toBe("李明 M001 11月22日（周日） 没有拜访照片。");
    // Past the retention period the rows are gone with the content: said as such.
    expect((await say(w.app, "s1", "/photos M001 2026-05-01"))[0]!.text).toBe("李明 M001 5月1日（周五） 的拜访照片已超过保留期（180 天），已按规定删除。");
  });

  it("only the manager, their supervisor chain and admins see the photos; anyone else learns nothing", async () => {
    const refusal = "无法查看“M001”的拜访照片：只有客户经理本人、其上级主管和管理员可以查看。";
    for (const user of ["s9", "m2"]) {
      const replies = await say(w.app, user, "/photos M001");
      expect(replies).toEqual([{ text: refusal }]);
    }
    // A code nobody has reads the same.
    expect(await say(w.app, "s9", "/photos M404")).toEqual([{ text: "无法查看“M404”的拜访照片：只有客户经理本人、其上级主管和管理员可以查看。" }]);
    expect((await say(w.app, "a1", "/photos M001"))[0]!.attachments).toHaveLength(3);
    expect((await say(w.app, "m1", "/photos"))[0]!.attachments).toHaveLength(3);
    // Up the chain: a supervisor above S001 sees them too.
    const top = await w.app.db.staff.create({ data: { code: "S100", name: "钱总", role: "supervisor" } });
    await w.app.db.staff.update({ where: { code: "S001" }, data: { supervisorId: top.id } });
    await bindAs(w.app, "S100", "s100");
    expect((await say(w.app, "s100", "/photos M001"))[0]!.attachments).toHaveLength(3);
  });

  it("more than ten photos go ten at a time, the next page named", async () => {
    const m1 = w.ids.m1!;
    for (let i = 0; i < 9; i++) {
      const r = await receivePhoto({ db: w.app.db, store: w.app.deps.photos!, staffId: m1, platform: "telegram", bytes: png(i * 20, 100, 50), maxBytes: 1 << 20, now: w.app.clock.now() });
      if (!r.ok) throw new Error(r.reason);
      await w.app.db.visitPhoto.update({ where: { id: r.photo.id }, data: { visitId: w.ids.v2! } });
    }
    const [first] = await say(w.app, "s1", "/photos M001");
    expect(first!.text.split("\n")[0]).toBe("📷 李明 M001 · 11月23日（周一）：13 张照片（第 1/2 页）");
    expect(first!.text).toContain(`还有 3 张：/photos M001 ${TODAY} 2`);
    expect(first!.attachments).toHaveLength(10);
    const [second] = await say(w.app, "s1", `/photos M001 ${TODAY} 2`);
    expect(second!.text).not.toContain("还有");
    // Photos 11–13: two more of stop 2, then the deleted one (no image).
    expect(second!.text.split("\n").slice(1).map((l) => l.split(".")[0])).toEqual(["11", "12", "13"]);
    expect(second!.attachments).toHaveLength(2);
  });

  it("the week view counts per manager visits out of radius, without check-in, too short, and duplicate photos", async () => {
    const counts = (await evidenceCountsOf({ db: w.app.db, policy: w.app.policy, managers: [{ id: w.ids.m1! }], from: TODAY, through: TODAY }))!.get(w.ids.m1!);
    expect(counts).toEqual({ fieldVisits: 3, outside: 1, missing: 1, tooShort: 1, duplicates: 1 });
    const [reply] = await say(w.app, "s1", "/team week");
    const text = reply!.text;
    expect(text).toContain("签到与照片（实地拜访 3 次）：超出范围 1 · 未签到 1 · 实测时长不足 1 · 重复照片 1");
    const m1 = text.split("\n").find((l) => l.startsWith("李明 M001"))!;
    expect(m1).toContain("签到：超出范围 1 · 未签到 1 · 时长不足 1 · 重复照片 1");
    // M002 logged nothing: nothing to flag on their line.
    expect(text.split("\n").find((l) => l.startsWith("陈静 M002"))).not.toContain("签到：");
  });

  it("with check-in off for the company the reports say nothing of it; a field visit from before check-in existed is no miss", async () => {
    const withCheckIn = (mode: "off" | "optional", byClass: Record<string, "off" | "optional" | "required">) => ({ ...w.app.policy, evidence: { ...w.app.policy.evidence, checkIn: { ...w.app.policy.evidence.checkIn, mode, byClass } } });
    const count = (policy: ReturnType<typeof withCheckIn>) => evidenceCountsOf({ db: w.app.db, policy, managers: [{ id: w.ids.m1! }], from: TODAY, through: TODAY });
    expect(await count(withCheckIn("off", {}))).toBeNull();
    const v3 = (await w.app.db.visit.findUnique({ where: { id: w.ids.v3! }, include: { customer: true } }))!;
    const cls = v3.customer.serviceClass;
    // Only one class asks for a check-in: the reports still count what the form recorded.
    expect((await count(withCheckIn("off", { [cls]: "required" })))!.get(w.ids.m1!)!.missing).toBe(1);
    // No status at all (logged before visit evidence, or while it was off) was never asked: not missing.
    await w.app.db.visit.update({ where: { id: v3.id }, data: { checkinStatus: null } });
    expect((await count(withCheckIn("optional", {})))!.get(w.ids.m1!)!.missing).toBe(0);
    await w.app.db.visit.update({ where: { id: v3.id }, data: { checkinStatus: "none" } });
  });

  it("reading evidence writes nothing: no visit, photo or plan row changes", async () => {
    const db = w.app.db;
    const snapshot = async () => JSON.stringify(await Promise.all([db.visit.findMany({ orderBy: { id: "asc" } }), db.visitPhoto.findMany({ orderBy: { id: "asc" } }), db.plannedVisit.findMany({ orderBy: { id: "asc" } }), db.coordinateProposal.findMany()]));
    const before = await snapshot();
    await say(w.app, "s1", "/team M001");
    await say(w.app, "s1", "/photos M001");
    await say(w.app, "s1", "/team month");
    await say(w.app, "s9", "/photos M001");
    expect(await snapshot()).toBe(before);
  });

  it("report evidence --week: one JSON row per visit with its evidence", async () => {
    const r = await runCli(w.app.testDb.url, ["report", "evidence", "--supervisor", "S001", "--week", "2026-W48", "--format", "json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows.map((x) => [x.manager, x.time, x.mode, x.status])).toEqual([
      ["M001", "08:30", "field", "inside"],
      ["M001", "09:10", "field", "outside"],
      ["M001", "09:40", "field", "none"],
      ["M001", "09:50", "phone", ""],
    ]);
    expect(rows[0]).toMatchObject({ date: TODAY, distanceM: 35, reportedMin: 20, measuredMin: w.minOfStop1 - 3, photos: 2, duplicates: 1 });
    expect(rows[1]).toMatchObject({ distanceM: 850, reason: "门店已搬迁", measuredMin: 18, photos: 1, duplicates: 0 });
    expect((await runCli(w.app.testDb.url, ["report", "evidence", "--format", "json"])).err).toContain("请用 --week 或 --month 指定时段");
  });
});

describe("pages of photos", () => {
  it("ten to a page, and a page ends early rather than carry more bytes than a reply should hold", () => {
    const rows = (sizes: number[]) => sizes.map((bytes, i) => ({ i, bytes }));
    const ids = (pages: { i: number }[][]) => pages.map((p) => p.map((x) => x.i));
    expect(ids(photoPages(rows(Array(23).fill(100))))).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22]]);
    expect(ids(photoPages(rows([6, 6, 6, 20, 1, 1]), { maxBytes: 12 }))).toEqual([[0, 1], [2], [3], [4, 5]]);
    expect(photoPages([])).toEqual([]);
  });
});

describe("evidence counts of a company-wide period", () => {
  it("a thousand managers are counted in bounded chunks (the driver's bound-parameter limit is never reached)", async () => {
    const t = await createTestDb();
    try {
      const managers = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1 }));
      const counts = await evidenceCountsOf({ db: t.db, policy: loadPolicy({ preset: "tobacco-retail" }), managers, from: "2026-11-01", through: "2026-11-30" });
      expect(counts!.size).toBe(1000);
      expect(counts!.get(1000)).toEqual({ fieldVisits: 0, outside: 0, missing: 0, tooShort: 0, duplicates: 0 });
    } finally {
      await t.close();
    }
  });
});
