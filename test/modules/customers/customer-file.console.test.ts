import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { runConsoleScript, tempDbUrl, withDb } from "../../helpers/console.ts";

// Wednesday 2 December 2026, 09:30 in Shanghai.
const WEDNESDAY = "2026-12-02T01:30:00Z";
const env = { VISITMATE_POLICY_PRESET: "key-account" };

describe("terminal: /file shows the key-account customer file and its form updates it", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("/file 编号 shows the whole file; /file 编号 改 changes equipment, a key person and receivables; /me counts the file", async () => {
    tmp = tempDbUrl();
    const clock = new FakeClock(WEDNESDAY);
    // First start seeds the demo; pick a large credit customer with receivables on file.
    await runConsoleScript({ url: tmp.url, clock, env, lines: ["/me"] });
    const c = await withDb(tmp.url, (db) => db.customer.findFirstOrThrow({ where: { scale: "large", manager: { code: "M001" } }, include: { keyPeople: true }, orderBy: { code: "asc" } }));

    const shown = await runConsoleScript({ url: tmp.url, clock, env, lines: [`/file ${c.code}`] });
    expect(shown).toContain(`📁 客户档案 · ${c.name}（${c.code}）`);
    expect(shown).toContain(`设备：${c.equipment}`);
    expect(shown).toContain("规模：大型");
    expect(shown).toContain(`更新档案：/file ${c.name} 改`);

    const out = await runConsoleScript({
      url: tmp.url,
      clock,
      env,
      lines: [`/file ${c.code} 改`, "设备", "数控机床 45 台、空压机 3 台", "关键人物", "赵刚", "采购主管", "139x", "139 0000 1111", "是", "应收账款", "五万", "3万", "保存", `/file ${c.code}`, "/me"],
    });
    expect(out).toContain(`更新 ${c.name} 的档案，一项一项改，改完点「保存」。`);
    expect(out).toContain("电话号码不对");
    expect(out).toContain("请输入金额，例如 50000、5万 或 0。");
    expect(out).toContain(`✅ 已更新 ${c.name} 的档案：设备、应收账款、关键人物。`);
    expect(out).toContain("设备：数控机床 45 台、空压机 3 台");
    expect(out).toContain("★ 赵刚（采购主管） 139 0000 1111");
    expect(out).toContain("档案更新于 12月2日（周三）");
    expect(out).toMatch(/本周已整理档案 1 份，还差 1 份/);

    const after = await withDb(tmp.url, (db) => db.customer.findUniqueOrThrow({ where: { id: c.id }, include: { keyPeople: true } }));
    expect(after).toMatchObject({ equipment: "数控机床 45 台、空压机 3 台", receivables: 30000, keyPerson: "赵刚", fileUpdatedAt: new Date(WEDNESDAY) });
    // The earlier key people stay, no longer primary.
    expect(after.keyPeople.length).toBe(c.keyPeople.length + 1);
    expect(after.keyPeople.filter((p) => p.primary).map((p) => p.name)).toEqual(["赵刚"]);
  });
});
