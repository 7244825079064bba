import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bindCodeText } from "../../../src/cli/staff.cli.ts";
import type { InboundMessage, Platform, Reply } from "../../../src/core/chat.ts";
import { Dispatcher } from "../../../src/core/outbox.ts";
import { findStaffByIdentity } from "../../../src/core/router.ts";
import { openDb } from "../../../src/db/client.ts";
import { BIND_LIMITS, createBindCode, hashBindCode } from "../../../src/modules/staff/binding.service.ts";
import { FakeChatPort } from "../../helpers/fake-chat.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const child = path.join(repoRoot, "test/modules/staff/bind-process.ts");
const REFUSED = "绑定码无效或已失效。请核对后重新发送（不区分大小写），或向管理员索取新的绑定码。";
const GLOBAL_LIMITED = "最近一小时内输错绑定码的次数太多，为了安全，绑定暂停。请在 11:00 之后再试，或联系管理员。";
const ACCOUNT_LIMITED = "本账号输错绑定码的次数太多（每小时最多 5 次）。请在 11:00 之后再试，或向管理员核对绑定码。";

/** One message handled by a separate VisitMate process on the same database file (a restart). */
function inNewProcess(url: string, at: Date, platform: Platform, userId: string, text: string, how: "type" | "tap" = "type"): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, url, at.toISOString(), platform, userId, text, how], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (c) => (out += String(c)));
    p.stderr.on("data", (c) => (err += String(c)));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as Reply[]) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe("bind codes: limits, one answer, hashes, confirmed switches", () => {
  let app: PlatformApp;
  beforeEach(async () => {
    app = await createPlatformApp();
  });
  afterEach(() => app.close());

  const handle = (platform: Platform, userId: string, text: string, isAction = false) => {
    const msg: InboundMessage = { platform, chatId: userId, userId, text, ...(isAction ? { isAction } : {}) };
    return app.router.handle(msg);
  };
  const say = async (platform: Platform, userId: string, text: string) => (await handle(platform, userId, text)).map((r) => r.text).join("\n---\n");
  const failures = () => app.db.bindAttempt.count({ where: { ok: false } });

  it("wrong, used, expired, revoked and deactivated-staff codes all get the identical reply, and bind nothing", async () => {
    const used = await app.bindCode("M001");
    expect(await say("telegram", "7000000001", `/bind ${used}`)).toContain("绑定成功");
    const expired = (await createBindCode({ db: app.db, clock: app.clock, staffCode: "M002", ttlMs: 60_000 }))!.code;
    const inactive = await app.bindCode("S001");
    await app.db.staff.update({ where: { code: "S001" }, data: { active: false } });
    const revoked = await app.bindCode("M001");
    await app.bindCode("M001"); // replaces `revoked`
    app.clock.advance(60_001);

    const replies = [];
    for (const [i, code] of ["ZZZZ2345", used, expired, revoked, inactive].entries()) {
      const r = await handle("lark", `ou_probe${i}`, `/bind ${code}`);
      expect(r).toHaveLength(1);
      expect(r[0]!.choices).toBeUndefined();
      replies.push(r[0]!.text);
      expect(await findStaffByIdentity(app.db, "lark", `ou_probe${i}`)).toBeNull();
    }
    expect(new Set(replies)).toEqual(new Set([REFUSED]));
    expect(await app.db.chatIdentity.count({ where: { platform: "lark" } })).toBe(0);
    // The reason is kept for the admin in the log, not in the reply.
    expect(app.logs.filter((l) => l.msg === "bind code refused").map((l) => l.extra!.reason)).toEqual(["invalid", "used", "expired", "revoked", "inactive"]);
    expect(JSON.stringify(app.logs)).not.toContain(used);
  });

  it("50 fresh accounts × 5 guesses: only 100 guesses are checked, then everyone waits until the hour is over", async () => {
    const valid = await app.bindCode("M002");
    const counts = { refused: 0, limited: 0, other: 0 };
    for (let a = 0; a < 50; a++) {
      for (let g = 0; g < 5; g++) {
        const text = await say("telegram", `80000${String(a).padStart(5, "0")}`, `/bind GUESS${String(a).padStart(2, "A")}${g}`);
        if (text === REFUSED) counts.refused++;
        else if (text === GLOBAL_LIMITED) counts.limited++;
        else counts.other++;
      }
      app.clock.advance(1000);
    }
    expect(counts).toEqual({ refused: BIND_LIMITS.globalFailures, limited: 250 - BIND_LIMITS.globalFailures, other: 0 });
    expect(await failures()).toBe(100);
    expect(app.logs.filter((l) => l.level === "warn").map((l) => [l.msg, l.extra!.scope])).toEqual([["bind attempt limit reached", "global"]]);
    expect(app.logs.filter((l) => l.msg === "bind attempt limit reached" && l.extra!.scope === "account")).toHaveLength(19);

    // An honest person with a valid code waits too, and is told until when: an hour after the
    // oldest failure that still counts (10:00:00).
    expect(await say("wechat", "wx_chen", `/bind ${valid}`)).toBe(GLOBAL_LIMITED);
    expect(await findStaffByIdentity(app.db, "wechat", "wx_chen")).toBeNull();
    // Attempts refused by the limit are not recorded, so hammering does not extend the pause.
    expect(await failures()).toBe(100);

    app.clock.set("2026-11-23T03:00:01Z");
    // The first guesses have left the window: room again, one guess per freed slot.
    expect(await say("wechat", "wx_chen", `/bind ${valid}`)).toContain("绑定成功：陈静（M002，客户经理）");
  });

  it("a restart keeps both limits: a new process on the same file still refuses, and lets go after the hour", async () => {
    const valid = await app.bindCode("M002");
    for (let a = 0; a < 20; a++) for (let g = 0; g < 5; g++) expect(await say("telegram", `9${a}`, `/bind WRONG${a}X${g}`)).toBe(REFUSED);
    const start = app.clock.now();
    await app.db.$disconnect();

    const [sameAccount, stranger] = await Promise.all([
      inNewProcess(app.testDb.url, start, "telegram", "90", `/bind ${valid}`),
      inNewProcess(app.testDb.url, start, "lark", "ou_new", `/bind ${valid}`),
    ]);
    expect(sameAccount.map((r) => r.text)).toEqual([ACCOUNT_LIMITED]);
    expect(stranger.map((r) => r.text)).toEqual([GLOBAL_LIMITED]);

    const later = new Date(start.getTime() + BIND_LIMITS.windowMs + 1);
    const after = await inNewProcess(app.testDb.url, later, "lark", "ou_new", `/bind ${valid}`);
    expect(after[0]!.text).toContain("绑定成功：陈静（M002，客户经理）");
    const db = await openDb(app.testDb.url);
    try {
      expect((await findStaffByIdentity(db, "lark", "ou_new"))!.code).toBe("M002");
    } finally {
      await db.$disconnect();
    }
  });

  it("a new code revokes the person's older unused codes", async () => {
    const first = (await createBindCode({ db: app.db, clock: app.clock, staffCode: "M001" }))!.code;
    const second = await bindCodeText(app.deps, "M001");
    expect(second.text).toContain("该员工之前 1 个未使用的绑定码已作废。");
    const code = /[:：] ?([A-Z0-9]{8})\n/.exec(second.text)![1]!;
    expect(await say("telegram", "7000000001", `/bind ${first}`)).toBe(REFUSED);
    expect(await say("telegram", "7000000001", `/bind ${code}`)).toContain("绑定成功：李明（M001");
    const rows = await app.db.bindCode.findMany({ where: { staff: { code: "M001" } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.revokedAt !== null, r.usedAt !== null])).toEqual([
      [true, false],
      [false, true],
    ]);
    // Another person's codes are untouched.
    const other = await app.bindCode("M002");
    await app.bindCode("M001");
    expect(await say("wechat", "wx_chen", `/bind ${other}`)).toContain("绑定成功：陈静");
  });

  it("only a hash of the code is stored: the plain code is nowhere in the database file", async () => {
    const { text } = await bindCodeText(app.deps, "M001");
    const code = /[:：] ?([A-Z0-9]{8})\n/.exec(text)![1]!;
    expect(text.split(code).length - 1).toBe(2); // the code line and the /bind example, printed once
    expect(text).toContain("只显示这一次");
    const file = path.join(app.testDb.dir, "test.db");
    const bytes = () => Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]).toString("latin1");
    expect(bytes()).not.toContain(code);
    await app.db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    const content = bytes();
    expect(content).not.toContain(code);
    expect(content).toContain(hashBindCode(code));
    expect(hashBindCode(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashBindCode(` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `)).toBe(hashBindCode(code));
    // And it still works.
    expect(await say("telegram", "7000000001", `/bind ${code}`)).toContain("绑定成功");
  });

  it("an account bound to someone else asks first; confirmed after a restart, both people are told", async () => {
    // 李明 uses Telegram and Lark; 陈静 uses WeChat.
    expect(await say("telegram", "7012345678", `/bind ${await app.bindCode("M001")}`)).toContain("绑定成功：李明");
    const second = await say("lark", "ou_li_0001", `/bind ${await app.bindCode("M001")}`);
    expect(second).toContain("也在通知您在 Telegram 上的账号。");
    expect(await say("wechat", "wxid_chen_01", `/bind ${await app.bindCode("M002")}`)).toContain("绑定成功：陈静");
    expect(await app.db.outbox.count({ where: { kind: "bind-notice" } })).toBe(1);

    const ask = await handle("telegram", "7012345678", `/bind ${await app.bindCode("M002")}`);
    expect(ask).toHaveLength(1);
    expect(ask[0]!.text).toContain("本 Telegram 账号目前绑定的是 李明（M001）。要改为绑定 陈静（M002，客户经理）吗？");
    expect(ask[0]!.text).toContain("请在 10 分钟内（10:10 前）选择");
    expect(ask[0]!.choices).toEqual([
      { label: "确认切换", value: "/bind confirm" },
      { label: "取消", value: "/bind cancel" },
    ]);
    // Nothing moved yet.
    expect((await findStaffByIdentity(app.db, "telegram", "7012345678"))!.code).toBe("M001");

    // The bot restarts; the tap arrives at the new process 5 minutes later.
    await app.db.$disconnect();
    const done = await inNewProcess(app.testDb.url, new Date(app.clock.now().getTime() + 5 * 60_000), "telegram", "7012345678", "/bind confirm", "tap");
    const text = done.map((r) => r.text).join("\n");
    expect(text).toContain("✅ 已切换：本 Telegram 账号现在绑定 陈静（M002，客户经理），不再绑定 李明（M001）。");
    expect(text).toContain("正在通知 李明（发往其飞书）。");
    expect(text).toContain("也在通知您在微信上的账号。");
    expect(text).toContain("提醒将发送到：Telegram");

    const db = await openDb(app.testDb.url);
    try {
      expect((await findStaffByIdentity(db, "telegram", "7012345678"))!.code).toBe("M002");
      expect(await db.bindSwitch.count()).toBe(0);
      // Both notices go through the outbox and reach the platforms.
      const ports = new Map([
        ["lark", new FakeChatPort("lark", app.clock)],
        ["wechat", new FakeChatPort("wechat", app.clock)],
        ["telegram", new FakeChatPort("telegram", app.clock)],
      ]);
      app.clock.advance(5 * 60_000);
      await new Dispatcher({ db, ports, clock: app.clock, log: app.deps.log, maxAttempts: 1 }).drainOnce();
      const lark = ports.get("lark")!.sent.map((m) => [m.to.chatId, m.reply.text]);
      expect(lark).toEqual([["ou_li_0001", expect.stringContaining("🔔 您绑定的 Telegram 账号（…5678）于 2026-11-23 10:05 改为绑定 陈静（M002），您的提醒不再发到那里。")]]);
      const wechat = ports.get("wechat")!.sent.map((m) => [m.to.chatId, m.reply.text]);
      expect(wechat).toEqual([["wxid_chen_01", expect.stringContaining("🔔 您的员工身份 陈静（M002）于 2026-11-23 10:05 绑定了一个 Telegram 账号（…5678）。")]]);
      expect(ports.get("telegram")!.sent.map((m) => m.reply.text)).toEqual([expect.stringContaining("绑定了一个飞书账号（…0001）")]);
    } finally {
      await db.$disconnect();
    }
  });

  it("the previous person who cannot be reached is named as such; cancel, a late answer and a new code change nothing", async () => {
    expect(await say("telegram", "7000000002", `/bind ${await app.bindCode("M002")}`)).toContain("绑定成功：陈静");
    // Cancel: still 陈静; the code is spent.
    const code1 = await app.bindCode("M001");
    expect(await say("telegram", "7000000002", `/bind ${code1}`)).toContain("要改为绑定 李明（M001，客户经理）吗？");
    expect(await say("telegram", "7000000002", "/bind cancel")).toContain("已取消，本账号仍绑定 陈静（M002）");
    expect(await say("telegram", "7000000002", "/bind confirm")).toContain("没有等待确认的切换");
    expect(await say("telegram", "7000000003", `/bind ${code1}`)).toBe(REFUSED);

    // Too late: 10 minutes passed.
    expect(await say("telegram", "7000000002", `/bind ${await app.bindCode("M001")}`)).toContain("要改为绑定");
    app.clock.advance(10 * 60_000 + 1);
    expect(await say("telegram", "7000000002", "/bind 确认")).toContain("没有等待确认的切换（可能已取消、已超过 10 分钟");

    // A new code for 李明 meanwhile drops the question (the admin wanted the old code dead).
    expect(await say("telegram", "7000000002", `/bind ${await app.bindCode("M001")}`)).toContain("要改为绑定");
    await app.bindCode("M001");
    expect(await say("telegram", "7000000002", "/bind confirm")).toContain("没有等待确认的切换");
    expect((await findStaffByIdentity(app.db, "telegram", "7000000002"))!.code).toBe("M002");

    // Confirmed: 陈静 has no other chat account, and the reply says so instead of claiming a notice.
    expect(await say("telegram", "7000000002", `/bind ${await app.bindCode("M001")}`)).toContain("要改为绑定");
    const done = await say("telegram", "7000000002", "/bind confirm");
    expect(done).toContain("已切换：本 Telegram 账号现在绑定 李明（M001，客户经理），不再绑定 陈静（M002）");
    expect(done).toContain("⚠ 陈静 没有其他已绑定的聊天账号，无法通知本人；请告诉对方或管理员。");
    expect(done).not.toContain("通知您");
    expect(done).not.toContain("正在通知");
    expect(await app.db.outbox.count({ where: { kind: "bind-notice" } })).toBe(0);
    expect((await findStaffByIdentity(app.db, "telegram", "7000000002"))!.code).toBe("M001");
  });
});
