// Issue #14 must-have 7: the staff import keeps the reporting lines whole. A supervisor with an
// active team cannot be demoted or leave until the team is moved; a manager who leaves is
// deactivated, and the report says what became of their complaints and plans.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { formatImportReport, importManagers, type ImportReport } from "../../../src/modules/imports/import.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const policy = loadPolicy();
// 2026-11-22 10:00 in Shanghai.
const clock = new FakeClock("2026-11-22T02:00:00Z");
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
  const roster = "工号,姓名,岗位,上级工号\nS001,王建国,主管,\nS002,赵丽,主管,\nM1,李明,客户经理,S001\nM2,张伟,客户经理,S001\nM3,陈静,客户经理,S002\n";
  expect((await run(roster)).ok).toBe(true);
});
afterEach(async () => t.close());

let n = 0;
function run(csv: string): Promise<ImportReport> {
  const file = path.join(t.dir, `staff-${n++}.csv`);
  writeFileSync(file, csv);
  return importManagers({ db: t.db, file, clock, policy });
}

const staff = (code: string) => t.db.staff.findUniqueOrThrow({ where: { code } });
const errorsOf = (r: ImportReport) => r.errors.map((e) => ({ row: e.row, column: e.column, reason: e.reason }));

describe("a supervisor with a team", () => {
  it("cannot be demoted: the row error names the managers, nothing of the row is applied", async () => {
    const r = await run("code,name,role\nS001,王建国(新),manager\n");
    expect(r.ok).toBe(false);
    expect(errorsOf(r)).toEqual([{ row: 2, column: "role", reason: "S001 still has 2 active team members (M1 李明, M2 张伟) and cannot be made a customer manager" }]);
    expect(formatImportReport(r, "zh-CN")).toContain("S001 名下还有 2 名在职下属（M1 李明, M2 张伟），不能改为客户经理");
    expect(formatImportReport(r, "en")).toContain("S001 still has 2 active team members (M1 李明, M2 张伟) and cannot be made a customer manager");
    const s = await staff("S001");
    expect([s.role, s.name]).toEqual(["supervisor", "王建国"]);
  });

  it("cannot be deactivated while the team reports to them", async () => {
    const r = await run("code,name,role,状态\nS001,王建国,主管,离职\n");
    expect(errorsOf(r)).toEqual([{ row: 2, column: "active", reason: "S001 still has 2 active team members (M1 李明, M2 张伟) and cannot be deactivated" }]);
    expect(formatImportReport(r, "zh-CN")).toContain("不能设为离职");
    expect((await staff("S001")).active).toBe(true);
  });

  it("can be demoted once the same file moves the team; members who left do not count", async () => {
    const moved = await run("code,name,role,supervisor\nS001,王建国,manager,S002\nM1,李明,manager,S002\nM2,张伟,manager,S002\n");
    expect(moved, formatImportReport(moved, "en")).toMatchObject({ ok: true });
    expect((await staff("S001")).role).toBe("manager");
    expect((await staff("M1")).supervisorId).toBe((await staff("S002")).id);

    // S002's team: M1, M2, M3 and now S001. Everyone but M3 leaves; M3 is moved away: S002 may go.
    const gone = await run("code,name,role,supervisor,status\nS001,王建国,manager,S002,inactive\nM1,李明,manager,S002,inactive\nM2,张伟,manager,S002,inactive\nM3,陈静,manager,,\nS002,赵丽,supervisor,,inactive\n");
    expect(gone, formatImportReport(gone, "en")).toMatchObject({ ok: true });
    expect((await staff("S002")).active).toBe(false);
  });

  it("nobody can be put under a supervisor who left", async () => {
    expect((await run("code,name,role,supervisor,status\nM3,陈静,manager,,\nS002,赵丽,supervisor,,离职\n")).ok).toBe(true);
    const r = await run("code,name,role,supervisor\nM1,李明,manager,S002\n");
    expect(errorsOf(r)).toEqual([{ row: 2, column: "supervisor", reason: "supervisor S002 is inactive" }]);
    expect(formatImportReport(r, "zh-CN")).toContain("上级 S002 已离职");
  });

  it("a status the import does not understand is a row error", async () => {
    const r = await run("code,name,role,状态\nM1,李明,客户经理,休假\n");
    expect(errorsOf(r)).toEqual([{ row: 2, column: "active", reason: "status must be active or inactive (在职/离职)" }]);
  });
});

describe("a manager who leaves", () => {
  it("is deactivated; open complaints go to the supervisor at once, plan days from today are removed, and the report says so", async () => {
    const m1 = await staff("M1");
    const s1 = await staff("S001");
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "5001", staffId: s1.id } });
    const shop = await t.db.customer.create({ data: { code: "C1", name: "好运便利店", managerId: m1.id, lat: 30.2, lng: 120.1 } });
    const other = await t.db.customer.create({ data: { code: "C2", name: "老街烟酒", managerId: m1.id, lat: 30.3, lng: 120.2 } });
    const openedAt = new Date("2026-11-21T02:00:00Z");
    const c1 = await t.db.complaint.create({ data: { customerId: shop.id, managerId: m1.id, openedAt, text: "断货" } });
    const c2 = await t.db.complaint.create({ data: { customerId: other.id, managerId: m1.id, openedAt, text: "价格" } });
    await t.db.complaint.create({ data: { customerId: shop.id, managerId: m1.id, openedAt, text: "已处理", status: "resolved" } });
    for (const [date, status] of [["2026-11-20", "done"], ["2026-11-21", "skipped"], ["2026-11-22", "planned"], ["2026-11-22", "done"], ["2026-11-24", "planned"], ["2026-11-26", "planned"]] as const) {
      await t.db.plannedVisit.create({ data: { managerId: m1.id, customerId: date === "2026-11-22" && status === "done" ? other.id : shop.id, date, status } });
    }

    const r = await run("工号,姓名,岗位,上级工号,状态\nM1,李明,客户经理,S001,离职\n");
    expect(r, formatImportReport(r, "en")).toMatchObject({ ok: true, updated: 1 });
    expect((await staff("M1")).active).toBe(false);

    // Complaints stay open, escalated to the supervisor, with the escalation on record.
    const complaints = await t.db.complaint.findMany({ where: { id: { in: [c1.id, c2.id] } }, include: { events: true }, orderBy: { id: "asc" } });
    expect(complaints.map((c) => [c.status, c.escalationLevel, c.events.map((e) => [e.kind, e.staffId])])).toEqual([
      ["open", 1, [["escalate", s1.id]]],
      ["open", 1, [["escalate", s1.id]]],
    ]);
    // The supervisor is told in one message, on their chat.
    const notices = await t.db.outbox.findMany({ where: { kind: "complaint-handover" } });
    expect(notices.map((o) => [o.staffId, o.chatId])).toEqual([[s1.id, "5001"]]);
    expect(JSON.parse(notices[0]!.payload).text).toContain(`#${c1.id}`);

    // Plan days from today on are gone; what was done or skipped is history.
    const left = await t.db.plannedVisit.findMany({ where: { managerId: m1.id }, orderBy: { date: "asc" } });
    expect(left.map((p) => [p.date, p.status])).toEqual([["2026-11-20", "done"], ["2026-11-21", "skipped"], ["2026-11-22", "done"]]);

    const zh = formatImportReport(r, "zh-CN");
    expect(zh).toContain("M1 李明 已设为离职：");
    expect(zh).toContain("2 条未结投诉保持未结，已立即升级给主管 王建国（S001）");
    expect(zh).toContain("从 2026-11-22 起的 3 个计划拜访已删除");
    expect(zh).toContain("名下仍有 2 家客户");
    const en = formatImportReport(r, "en");
    expect(en).toContain("2 open complaints stay open and were escalated to supervisor 王建国 (S001)");
    expect(en).toContain("3 planned visits from 2026-11-22 on were removed");

    // Importing the same roster again changes nothing and hands over nothing twice.
    const again = await run("工号,姓名,岗位,上级工号,状态\nM1,李明,客户经理,S001,离职\n");
    expect(again).toMatchObject({ ok: true, unchanged: 1 });
    expect(again.notes).toBeUndefined();
    expect(await t.db.complaintEvent.count()).toBe(2);
  });

  it("without a supervisor, the report says an administrator must reassign the complaints", async () => {
    const m3 = await staff("M3");
    const shop = await t.db.customer.create({ data: { code: "C9", name: "金桥超市", managerId: m3.id, lat: 30.2, lng: 120.1 } });
    await t.db.complaint.create({ data: { customerId: shop.id, managerId: m3.id, openedAt: new Date("2026-11-21T02:00:00Z"), text: "断货" } });
    const r = await run("code,name,role,supervisor,status\nM3,陈静,manager,,inactive\n");
    expect(r.ok).toBe(true);
    expect(formatImportReport(r, "en")).toContain("1 open complaints stay open, but M3 has no supervisor to escalate to: an administrator must reassign them");
    expect(formatImportReport(r, "zh-CN")).toContain("M3 没有上级可升级：请管理员尽快改派");
    expect((await t.db.complaint.findFirstOrThrow()).escalationLevel).toBe(0);
  });
});
