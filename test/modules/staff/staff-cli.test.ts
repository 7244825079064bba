import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { findStaffByIdentity } from "../../../src/core/router.ts";
import { openDb } from "../../../src/db/client.ts";
import { redeemBindCode } from "../../../src/modules/staff/binding.service.ts";
import { runCli } from "../../helpers/cli.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const cli = runCli;

describe("npx visitmate staff bindings | unbind", () => {
  let app: PlatformApp;
  beforeEach(async () => {
    app = await createPlatformApp();
  });
  afterEach(() => app.close());

  const bind = async (platform: "telegram" | "lark" | "wechat", userId: string, staffCode: string) => {
    const replies = await app.router.handle({ platform, chatId: userId, userId, text: `/bind ${await app.bindCode(staffCode)}` });
    expect(replies[0]!.text).toContain("✅");
  };

  it("lists bindings with masked chat ids, for everyone or one person; unbind removes one platform and tells that chat", async () => {
    await bind("telegram", "7012345678", "M001");
    await bind("lark", "ou_abcdef123456", "M001");
    await bind("wechat", "wxid_chen_0001", "M002");

    const all = await cli(app.testDb.url, ["staff", "bindings"]);
    expect(all.code).toBe(0);
    expect(all.out.split("\n")).toEqual([
      "员工编码  姓名  平台      账号   绑定时间（Asia/Shanghai）",
      "M001      李明  飞书      …3456  2026-11-23 10:00",
      "M001      李明  Telegram  …5678  2026-11-23 10:00",
      "M002      陈静  微信      …0001  2026-11-23 10:00",
      "共 3 个绑定。解除：npx visitmate staff unbind 员工编码 --platform 平台",
      "",
    ]);
    for (const id of ["7012345678", "ou_abcdef123456", "wxid_chen_0001"]) expect(all.out).not.toContain(id);

    const one = await cli(app.testDb.url, ["staff", "bindings", "M002"]);
    expect(one.out).toContain("M002      陈静  微信");
    expect(one.out).not.toContain("M001");
    expect((await cli(app.testDb.url, ["staff", "bindings", "S001"])).out).toBe("王建国（S001）没有绑定聊天账号。\n");
    const unknown = await cli(app.testDb.url, ["staff", "bindings", "NOPE"]);
    expect([unknown.code, unknown.err]).toEqual([1, "没有编码为“NOPE”的员工。\n"]);

    const removed = await cli(app.testDb.url, ["staff", "unbind", "M001", "--platform", "飞书"]);
    expect(removed.code).toBe(0);
    expect(removed.out).toBe("已解除 李明（M001）在飞书的 1 个绑定：…3456。\n已排队通知被解除的账号，由运行中的机器人发送（npx visitmate outbox 查看）。\n");
    expect(await findStaffByIdentity(app.db, "lark", "ou_abcdef123456")).toBeNull();
    expect((await findStaffByIdentity(app.db, "telegram", "7012345678"))!.code).toBe("M001");
    const notice = await app.db.outbox.findFirstOrThrow({ where: { kind: "bind-notice", platform: "lark" } });
    expect(notice.chatId).toBe("ou_abcdef123456");
    expect(JSON.parse(notice.payload).text).toMatch(/^🔔 管理员于 \d{4}-\d\d-\d\d \d\d:\d\d 解除了本飞书账号与 李明（M001）的绑定/);

    const again = await cli(app.testDb.url, ["staff", "unbind", "M001", "--platform", "lark"]);
    expect([again.code, again.err]).toEqual([1, "李明（M001）在飞书没有绑定，什么也没有改。\n"]);
    const noPlatform = await cli(app.testDb.url, ["staff", "unbind", "M001"]);
    expect(noPlatform.code).toBe(2);
    expect(noPlatform.err).toContain("请用 --platform 指定平台：telegram、lark 或 wechat。");
    expect((await cli(app.testDb.url, ["staff", "bindings"])).out).toContain("共 2 个绑定。");
  });

  it("bind-code, bindings and unbind are in the usage text in both languages", async () => {
    for (const [locale, words] of [
      ["zh-CN", ["staff bind-code 编码", "staff bindings [编码]", "staff unbind 编码 --platform 平台"]],
      ["en", ["staff bind-code CODE", "staff bindings [CODE]", "staff unbind CODE --platform P"]],
    ] as const) {
      const help = await cli(app.testDb.url, ["help"], locale);
      for (const w of words) expect(help.out).toContain(w);
      const usage = await cli(app.testDb.url, ["staff"], locale);
      expect(usage.code).toBe(2);
      for (const w of ["bind-code", "bindings", "unbind"]) expect(usage.err).toContain(`visitmate staff ${w}`);
    }
  });
});

describe("migration to hashed bind codes", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps existing rows for history, retires unused plain codes, leaves bindings alone", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "visitmate-bindmig-"));
    const file = path.join(dir, "old.db");
    // A database as the previous release left it: every migration up to work_summaries.
    const migrations = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
    const raw = new Database(file);
    raw.exec(`CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    for (const name of readdirSync(migrations).filter((n) => n < "20261203000000").sort()) {
      if (name.endsWith(".toml")) continue;
      const sql = readFileSync(path.join(migrations, name, "migration.sql"), "utf8");
      raw.exec(sql);
      raw.prepare(`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`).run(randomUUID(), createHash("sha256").update(sql).digest("hex"), name);
    }
    raw.exec(`INSERT INTO Staff (id, code, name, role, updatedAt) VALUES (1, 'M001', '李明', 'manager', '2026-11-01 00:00:00')`);
    raw.exec(`INSERT INTO ChatIdentity (platform, platformUserId, staffId) VALUES ('telegram', '7012345678', 1)`);
    raw.exec(`INSERT INTO BindCode (id, code, staffId, expiresAt, usedAt) VALUES (1, 'USEDCODE', 1, '2026-11-02 00:00:00', '2026-11-01 08:00:00'), (2, 'LIVECODE', 1, '2099-01-01 00:00:00', NULL)`);
    raw.close();

    const db = await openDb(`file:${file}`);
    try {
      const rows = await db.bindCode.findMany({ orderBy: { id: "asc" } });
      expect(rows.map((r) => [r.id, r.codeHash, r.usedAt !== null, r.revokedAt !== null])).toEqual([
        [1, "retired:1", true, false],
        [2, "retired:2", false, true],
      ]);
      const columns = (await db.$queryRawUnsafe<{ name: string }[]>(`PRAGMA table_info("BindCode")`)).map((c) => c.name);
      expect(columns).not.toContain("code");
      const clock = new FakeClock("2026-11-23T02:00:00Z");
      const r = await redeemBindCode({ db, clock, code: "LIVECODE", platform: "lark", platformUserId: "ou_x" });
      expect(r).toMatchObject({ ok: false, kind: "refused" });
      expect((await findStaffByIdentity(db, "telegram", "7012345678"))!.code).toBe("M001");
      expect(await db.bindAttempt.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });
});
