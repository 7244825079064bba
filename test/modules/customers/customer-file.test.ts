import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { customerFileBrief, parseKeyPeople, type CustomerFileValue } from "../../../src/modules/customers/customer-file.ts";
import { readCustomerFile, updateCustomerFile } from "../../../src/modules/customers/customer-file.service.ts";
import { changesFromAnswers, parseAmountInput } from "../../../src/modules/customers/customer-file.dialog.ts";
import { formatImportReport, importCustomers, importManagers, type ImportReport } from "../../../src/modules/imports/import.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const policy = loadPolicy({ preset: "key-account" });
const clock = new FakeClock("2026-12-02T01:30:00Z");
const zh = translator("zh-CN");
const en = translator("en");

let t: TestDb;
let dir: string;

beforeEach(async () => {
  t = await createTestDb();
  dir = mkdtempSync(path.join(tmpdir(), "visitmate-file-"));
  const managers = write("m.csv", "工号,姓名,角色\nM1,李明,客户经理\n");
  const r = await importManagers({ db: t.db, file: managers });
  expect(r.ok, formatImportReport(r, "en")).toBe(true);
});

afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const HEADER = "客户编码,客户名称,客户经理,纬度,经度,信用客户,规模,设备,用油情况,需求,技术要求,注册信息,账期,信用额度,应收账款,应收到期日,关键人物";

function csv(...rows: string[]): string {
  return [HEADER, ...rows].join("\n") + "\n";
}

function errors(r: ImportReport) {
  return r.errors.map((e) => ({ row: e.row, column: e.column, reason: e.reason }));
}

describe("key people text", () => {
  it("reads name/role/phone entries split by ；, ; or |, the first primary", () => {
    expect(parseKeyPeople("张伟/采购主管/138 0000 0001；李强/设备员| 王芳")).toEqual({
      people: [
        { name: "张伟", role: "采购主管", phone: "138 0000 0001", primary: true },
        { name: "李强", role: "设备员", phone: "", primary: false },
        { name: "王芳", role: "", phone: "", primary: false },
      ],
    });
  });

  it("names the entry and the part that is wrong", () => {
    expect(parseKeyPeople("张伟/采购/13800000001；李强/设备员/call me")).toEqual({ error: 'key_people entry 2 "李强/设备员/call me": "call me" is not a phone number' });
    expect(parseKeyPeople("/采购主管/13800000001")).toEqual({ error: 'key_people entry 1 "/采购主管/13800000001": the name is missing' });
    expect(parseKeyPeople("张伟/a/b/c")).toEqual({ error: 'key_people entry 1 "张伟/a/b/c": use name/role/phone (found 4 parts)' });
    expect(parseKeyPeople("张伟；张伟")).toEqual({ error: 'key_people entry 2 "张伟": 张伟 is listed twice' });
  });
});

describe("customer import with the file columns", () => {
  it("stores the file and the key people; Customer.keyPerson is the primary's name; fileUpdatedAt stays unset", async () => {
    const r = await importCustomers({
      db: t.db,
      policy,
      clock,
      file: write("c.csv", csv('K1,华东机械厂,M1,30.27,120.14,是,大型,"数控机床 40 台, 叉车 6 台",液压油 L-HM46 每月约 20 桶,换油周期延长,抗磨 ISO VG46,"91330100MA2 有限责任公司",30天,5万,"23,000",2026-12-15,张伟/采购主管/13800000001；李强/设备员/0571-88880002')),
    });
    expect(r.ok, formatImportReport(r, "en")).toBe(true);
    const c = await t.db.customer.findUniqueOrThrow({ where: { code: "K1" } });
    expect(c).toMatchObject({ scale: "large", equipment: "数控机床 40 台, 叉车 6 台", creditTermDays: 30, creditLimit: 50000, receivables: 23000, receivablesDue: "2026-12-15", keyPerson: "张伟", fileUpdatedAt: null });
    const file = await readCustomerFile({ db: t.db, customerId: c.id });
    expect(file!.keyPeople.map((p) => [p.name, p.role, p.phone, p.primary])).toEqual([
      ["张伟", "采购主管", "13800000001", true],
      ["李强", "设备员", "0571-88880002", false],
    ]);

    // Same file again: unchanged; a new list of people is an update and replaces them.
    const same = await importCustomers({ db: t.db, policy, clock, file: write("c2.csv", csv('K1,华东机械厂,M1,30.27,120.14,是,大型,"数控机床 40 台, 叉车 6 台",液压油 L-HM46 每月约 20 桶,换油周期延长,抗磨 ISO VG46,"91330100MA2 有限责任公司",30天,5万,"23,000",2026-12-15,张伟/采购主管/13800000001；李强/设备员/0571-88880002')) });
    expect(same).toMatchObject({ ok: true, unchanged: 1, updated: 0 });
    const next = await importCustomers({ db: t.db, policy, clock, file: write("c3.csv", csv("K1,华东机械厂,M1,30.27,120.14,是,大型,,,,,,30,50000,0,,王芳/技术员")) });
    expect(next).toMatchObject({ ok: true, updated: 1 });
    const after = await readCustomerFile({ db: t.db, customerId: c.id });
    expect(after!.keyPeople.map((p) => p.name)).toEqual(["王芳"]);
    expect(after!.customer.keyPerson).toBe("王芳");
    expect(after!.receivables).toBe(0);
  });

  it("rejects bad amounts, dates, terms, scales and phones with a reason per cell, in both languages", async () => {
    const r = await importCustomers({
      db: t.db,
      policy,
      clock,
      file: write("bad.csv", csv("K1,甲厂,M1,30.27,120.14,是,超大,,,,,,三十天,五万,-300,2026-13-01,张伟/采购/1380000x", "K2,乙厂,M1,30.28,120.15,否,中型,,,,,,30,abc,,12/31,/经理")),
    });
    expect(r.ok).toBe(false);
    expect(errors(r)).toEqual([
      { row: 2, column: "scale", reason: "scale must be one of small, mid, large (小型/中型/大型)" },
      { row: 2, column: "credit_term_days", reason: "credit_term_days must be a whole number of days from 0 to 3650 (e.g. 30 or 30天)" },
      { row: 2, column: "credit_limit", reason: 'credit_limit must be an amount in yuan like 50000 or 5万 (got "五万")' },
      { row: 2, column: "receivables", reason: "receivables must not be negative" },
      { row: 2, column: "receivables_due", reason: 'receivables_due must be a date like 2026-12-31 (got "2026-13-01")' },
      { row: 2, column: "key_people", reason: 'key_people entry 1 "张伟/采购/1380000x": "1380000x" is not a phone number' },
      { row: 3, column: "credit_limit", reason: 'credit_limit must be an amount in yuan like 50000 or 5万 (got "abc")' },
      { row: 3, column: "receivables_due", reason: 'receivables_due must be a date like 2026-12-31 (got "12/31")' },
      { row: 3, column: "key_people", reason: 'key_people entry 1 "/经理": the name is missing' },
    ]);
    const zhText = formatImportReport(r, "zh-CN");
    expect(zhText).toContain("信用额度(credit_limit) · 值 \"五万\" · 应是金额（元），例如 50000 或 5万，现在是“五万”");
    expect(zhText).toContain("应收账款(receivables) · 值 \"-300\" · 不能是负数");
    expect(zhText).toContain("关键人物第 1 位“张伟/采购/1380000x”：“1380000x”不是电话号码");
    expect(zhText).toContain("应收到期日应是日期，例如 2026-12-31，现在是“12/31”");
    expect(formatImportReport(r, "en")).toContain("key person 1 “/经理”: the name is missing");
    expect(await t.db.customer.count()).toBe(0);
  });
});

describe("updateCustomerFile", () => {
  async function customer(): Promise<number> {
    const r = await importCustomers({ db: t.db, policy, clock, file: write("c.csv", csv("K1,华东机械厂,M1,30.27,120.14,是,中型,数控机床,,,,,,,,,")) });
    expect(r.ok, formatImportReport(r, "en")).toBe(true);
    return (await t.db.customer.findUniqueOrThrow({ where: { code: "K1" } })).id;
  }

  it("writes only real changes, returns the old values, upserts key people by name and keeps keyPerson in sync", async () => {
    const id = await customer();
    const at = new Date("2026-12-02T02:00:00Z");
    const first = await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at, changes: { equipment: "数控机床 40 台", oilUsage: "L-HM46 每月 20 桶", keyPeople: [{ name: "张伟", role: "采购主管", phone: "13800000001" }] } }));
    expect(first.changed).toBe(true);
    expect(first.old).toEqual({ equipment: "数控机床", oilUsage: "", keyPeople: [] });
    expect((await t.db.customer.findUniqueOrThrow({ where: { id } })).fileUpdatedAt).toEqual(at);
    expect(first.file.keyPeople).toEqual([{ name: "张伟", role: "采购主管", phone: "13800000001", primary: true }]);

    // The same answers again: nothing written, fileUpdatedAt unchanged.
    const later = new Date("2026-12-03T02:00:00Z");
    const again = await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at: later, changes: { equipment: "数控机床 40 台", keyPeople: [{ name: "张伟", role: "采购主管" }] } }));
    expect(again).toMatchObject({ changed: false, old: {} });
    expect((await t.db.customer.findUniqueOrThrow({ where: { id } })).fileUpdatedAt).toEqual(at);

    // A second person made primary; the first's phone updated by name.
    const third = await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at: later, changes: { keyPeople: [{ name: "李强", role: "设备员", primary: true }, { name: "张伟", phone: "13900000009" }] } }));
    expect(third.old.keyPeople).toEqual([{ name: "张伟", role: "采购主管", phone: "13800000001", primary: true }]);
    expect(third.file.keyPeople).toEqual([
      { name: "李强", role: "设备员", phone: "", primary: true },
      { name: "张伟", role: "采购主管", phone: "13900000009", primary: false },
    ]);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id } })).keyPerson).toBe("李强");

    // Removing the primary promotes the other.
    await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at: later, changes: { removeKeyPeople: ["李强"] } }));
    expect((await t.db.customer.findUniqueOrThrow({ where: { id } })).keyPerson).toBe("张伟");
    await expect(t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at: later, changes: { keyPeople: [{ name: "王芳", phone: "not a phone" }] } }))).rejects.toThrow();
  });

  it("a customer with only the old single key_person name: that name is the primary key person and stays when another is added", async () => {
    const r = await importCustomers({ db: t.db, policy, clock, file: write("old.csv", "客户编码,客户名称,客户经理,纬度,经度,关键人\nK9,老厂,M1,30.27,120.14,周建国\n") });
    expect(r.ok, formatImportReport(r, "en")).toBe(true);
    const id = (await t.db.customer.findUniqueOrThrow({ where: { code: "K9" } })).id;
    expect((await readCustomerFile({ db: t.db, customerId: id }))!.keyPeople).toEqual([{ name: "周建国", role: "", phone: "", primary: true }]);
    const at = new Date("2026-12-02T02:00:00Z");
    const same = await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at, changes: { keyPeople: [{ name: "周建国" }] } }));
    expect(same.changed).toBe(false);
    const added = await t.db.$transaction((tx) => updateCustomerFile({ tx, customerId: id, at, changes: { keyPeople: [{ name: "赵刚", role: "设备员" }] } }));
    expect(added.file.keyPeople.map((p) => [p.name, p.primary])).toEqual([
      ["周建国", true],
      ["赵刚", false],
    ]);
    expect(await t.db.keyPerson.count({ where: { customerId: id } })).toBe(2);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id } })).keyPerson).toBe("周建国");
  });

  it("the form's answers fold into one change set, a later edit of a field winning", () => {
    expect(
      changesFromAnswers({
        edits: [
          { field: "equipment", text: "叉车" },
          { field: "creditLimit", amount: 50000 },
          { field: "equipment", text: "叉车 6 台" },
          { field: "keyPerson", kpName: "张伟", kpRole: "采购主管", kpPhone: null, kpPrimary: true },
          { field: "done" },
        ],
      }),
    ).toEqual({ equipment: "叉车 6 台", creditLimit: 50000, keyPeople: [{ name: "张伟", role: "采购主管", phone: "", primary: true }] });
    expect([parseAmountInput("5万"), parseAmountInput("50,000元"), parseAmountInput("¥8000"), parseAmountInput("五万")]).toEqual([50000, 50000, 8000, null]);
  });
});

describe("customerFileBrief", () => {
  const file: CustomerFileValue = {
    name: "华东机械厂",
    code: "K1",
    credit: true,
    registration: "",
    scale: "large",
    scaleNote: "年用油约 30 吨",
    equipment: "数控机床 40 台",
    oilUsage: "L-HM46 每月 20 桶",
    needs: "",
    techRequirements: "",
    creditTermDays: 30,
    creditLimit: 50000,
    receivables: 23000,
    receivablesDue: "2026-12-15",
    fileUpdatedAt: null,
    keyPeople: [
      { name: "李强", role: "设备员", phone: "", primary: false },
      { name: "张伟", role: "采购主管", phone: "13800000001", primary: true },
    ],
  };

  it("shows scale, equipment, oil usage, credit, receivables due and the primary key person", () => {
    expect(customerFileBrief(file, zh, "2026-12-02")).toBe(
      [
        "📁 华东机械厂 档案要点：",
        "· 规模：大型 · 年用油约 30 吨",
        "· 设备：数控机床 40 台",
        "· 用油：L-HM46 每月 20 桶",
        "· 信用：额度 5万元，账期 30 天",
        "· 应收：2.3万元，12月15日（周二）到期",
        "· 关键人：张伟（采购主管） 13800000001",
      ].join("\n"),
    );
    expect(customerFileBrief(file, en, "2026-12-20")).toContain("Receivables: ¥23,000, overdue since");
  });

  it("says when a mid/large customer has no key person, and when there is no file at all", () => {
    expect(customerFileBrief({ ...file, keyPeople: [] }, zh, "2026-12-02")).toContain("关键人：⚠️ 还没有（大中型客户至少要有 1 个）");
    const empty = { ...file, scale: "", scaleNote: "", equipment: "", oilUsage: "", creditTermDays: null, creditLimit: null, receivables: null, receivablesDue: null, keyPeople: [] };
    expect(customerFileBrief(empty, zh, "2026-12-02")).toBe("📁 华东机械厂 还没有建档，拜访后请补充（/file 华东机械厂 改）。");
  });
});
