import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { GError } from "gerror";
import { Api, GrammyError, HttpError } from "grammy";
import path from "node:path";
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LarkAdapter } from "../../src/adapters/lark/lark.adapter.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import type { AppDeps, Router } from "../../src/core/router.ts";
import { createLogger, errorSummary, MAX_LOG_LINE } from "../../src/core/logger.ts";
import { openDb } from "../../src/db/client.ts";
import { start } from "../../src/main.ts";
import { createBindCode } from "../../src/modules/staff/binding.service.ts";
import { tempDbUrl } from "../helpers/console.ts";
import { FakeLarkApi } from "../helpers/fake-lark.ts";
import { FakeTelegram } from "../helpers/fake-telegram.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { MONDAY_10AM, waitUntil } from "../helpers/platform-app.ts";

const BOT_TOKEN = "7012345678:AAHlogRedactionTokenDoNotLog_0123456789";
const LARK = { appId: "cli_a1b2c3d4e5f60718", appSecret: "LarkAppSecretDoNotLog0123456789ab" };
const ENCRYPT_KEY = "lark-encrypt-key-do-not-log";
const VERIFICATION_TOKEN = "lark-verification-token-do-not-log";

/** A logger writing into `lines` through the real line format (and so the redaction layer). */
function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger("info", (l) => lines.push(l)) };
}

describe("the logger's redaction layer", () => {
  it("removes tokens and secrets from the message, from extra at any depth, and from JSON and query strings inside it", () => {
    const { lines, log } = capture();
    log.error(`GET https://api.telegram.org/bot${BOT_TOKEN}/getMe failed`, {
      headers: { Authorization: "Bearer t-g1044abcdefabcdef", "x-request-id": "r1" },
      config: { data: JSON.stringify({ app_id: LARK.appId, app_secret: LARK.appSecret }), url: "/open-apis/auth/v3/tenant_access_token/internal" },
      deep: { a: { b: { appSecret: LARK.appSecret, tenant_access_token: "t-tenant-secret", password: "hunter2hunter2", secret: "s3" } } },
      detail: `request failed: {"app_id":"${LARK.appId}","app_secret":"${LARK.appSecret}"} token=abcdef123456 Bearer u-user-token`,
      url: "https://example.test/hook?token=querytoken123&page=2",
    });
    const line = lines.join("\n");
    for (const secret of [BOT_TOKEN, BOT_TOKEN.split(":")[1]!, LARK.appSecret, "t-g1044abcdefabcdef", "t-tenant-secret", "hunter2hunter2", "abcdef123456", "u-user-token", "querytoken123"]) {
      expect(line).not.toContain(secret);
    }
    // What is not secret stays readable.
    expect(line).toContain("/getMe failed");
    expect(line).toContain("x-request-id");
    expect(line).toContain("page=2");
    expect(line).toContain("/open-apis/auth/v3/tenant_access_token/internal");
    expect(line).toContain(LARK.appId);
  });

  it("removes bind codes (bare, grouped, after /bind, /start or 绑定 in any case) but keeps words that only look like one", () => {
    const { lines, log } = capture();
    log.info("command /bind abcd 2345 failed", { a: "/start QRST6789", b: "绑定 wxyz-2345", c: "code HJKM2345 expired", d: "KMNP-QRST", e: "ENETUNREACH ECONNREFUSED SQLITE_BUSY M001 P2002" });
    const line = lines[0]!;
    for (const code of ["abcd", "2345", "QRST6789", "wxyz", "HJKM2345", "KMNP-QRST"]) expect(line).not.toContain(code);
    expect(line).toContain("/bind [redacted]");
    expect(line).toContain("ENETUNREACH ECONNREFUSED SQLITE_BUSY M001 P2002");
  });

  it("omits message text fields and phone numbers, keeps ids, dates and times", () => {
    const { lines, log } = capture();
    log.warn("send failed to 13812345678", {
      chat_id: 42,
      payload: { chat_id: 42, text: "张记便利店 李老板 13900001111" },
      nested: { request: { body: "备注：客户说下周补货", data: { content: "{\"text\":\"hello\"}" } } },
      raw: '{"receive_id":"oc_1","content":"{\\"text\\":\\"张记便利店\\"}"}',
      said: 'the SDK wrote "text": "王记烟酒 老王" and stopped',
      dump: 'request failed: {"data":{"name":"顺达超市","rows":[["陈记杂货"]]},"code":99991400} (retrying)',
      phones: "+86 139 0000 2222, 010-62345678, (0755) 1234567, 075588889999",
      record: { id: 7, name: "永兴便利店", keyPerson: "周伟", address: "城南街道迎春路12号", from: { first_name: "小王", last_name: "王" } },
      keep: { id: 1234, at: "2026-11-23T02:00:00.000Z", ms: 1763877600000, key: "morning-list:staff:3:2026-11-23" },
    });
    const line = lines[0]!;
    for (const s of ["13812345678", "13900001111", "张记便利店", "李老板", "备注", "hello", "王记烟酒", "顺达超市", "陈记杂货", "永兴便利店", "周伟", "迎春路", "小王", "139 0000 2222", "62345678", "1234567", "75588889999"]) expect(line).not.toContain(s);
    expect(line).toContain('request failed: {\\"data\\":\\"[omitted]\\",\\"code\\":99991400} (retrying)');
    expect(line).toContain('"chat_id":42');
    expect(line).toContain('"payload":"[omitted]"');
    expect(line).toContain("2026-11-23T02:00:00.000Z");
    expect(line).toContain("1763877600000");
    expect(line).toContain("morning-list:staff:3:2026-11-23");
  });

  it("caps a line, survives cycles, sockets and BigInts", () => {
    const { lines, log } = capture();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    log.info("x".repeat(10_000), { cyclic, big: 10n, buf: Buffer.from("secret bytes"), list: Array.from({ length: 100 }, (_, i) => i) });
    expect(lines[0]!.length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(lines[0]).toMatch(/…\[\+\d+ chars\]$/);
    // A huge string (an SDK dumping a whole body) is cut before the patterns run; what shows is clean.
    log.info("huge", { detail: `token=${"q".repeat(40)} ${"张记便利店 13812345678 ".repeat(300_000)}` });
    expect(lines[1]!.length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(lines[1]).not.toMatch(/q{10}|13812345678/);
    lines.splice(1);
    log.info("short", { cyclic, big: 10n, buf: Buffer.from("secret bytes") });
    expect(lines[1]).toContain('"self":"[circular]"');
    expect(lines[1]).toContain('"big":"10"');
    expect(lines[1]).toContain('"buf":"[Buffer]"');
    expect(lines[1]).not.toContain("secret bytes");
  });
});

describe("errorSummary: SDK errors as status / code / message only", () => {
  let tg: FakeTelegram | null = null;
  let t: TestDb | null = null;
  afterEach(async () => {
    await tg?.close();
    tg = null;
    await t?.close();
    t = null;
  });

  it("a grammY GrammyError keeps its status, method and description, never its payload (the reply text) or the token", async () => {
    tg = new FakeTelegram(BOT_TOKEN);
    const api = new Api(BOT_TOKEN, { apiRoot: await tg.start() });
    tg.failNext("sendMessage", { error_code: 400, description: "Bad Request: chat not found" });
    const err = await api.sendMessage(42, "张记便利店 李老板 13812345678 /bind ABCD2345").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    const summary = errorSummary(err);
    expect(summary).toBe("GrammyError status=400 method=sendMessage: Bad Request: chat not found");
    // Even passed raw (a careless call site), the layer summarises it.
    const { lines, log } = capture();
    log.error("send failed", { error: err });
    expect(lines[0]).toContain(summary);
    expect(lines[0]).not.toMatch(/张记|李老板|13812345678|ABCD2345|AAH/);
  });

  it("a grammY HttpError names the network failure, the token inside the fetch error's URL removed", async () => {
    const api = new Api(BOT_TOKEN, { apiRoot: "http://127.0.0.1:9" });
    const err = await api.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    const summary = errorSummary(err);
    expect(summary).toMatch(/^HttpError: Network request for 'getMe' failed!/);
    expect(summary).toContain("cause:");
    expect(summary).not.toContain(BOT_TOKEN.split(":")[1]!);
  });

  it("a Lark send or upload that fails logs the SDK's status and Lark's code, never the message, the file or the tenant token", async () => {
    const api = new FakeLarkApi(LARK);
    await api.start();
    try {
      const { lines, log } = capture();
      const router: Router = { commands: () => [], handle: async () => [] };
      const adapter = new LarkAdapter({ ...LARK, domain: api.url, connection: "ws", router, deps: { log, policy: loadPolicy(), clock: new FakeClock(MONDAY_10AM) } as unknown as AppDeps });
      api.failNext({ status: 400, body: { code: 230002, msg: "Bot is not in the chat" } });
      const sent = await adapter.send({ platform: "lark", chatId: "oc_1" }, { text: "张记便利店 李老板 13812345678 绑定 ABCD2345" }).catch((e: unknown) => e);
      expect(errorSummary(sent)).toContain("larkCode=230002");
      api.failNext({ status: 500, body: { code: 500, msg: "upload failed" } }, "file");
      const chart = { kind: "file" as const, name: "张记便利店-13812345678.xlsx", mime: "application/octet-stream", base64: Buffer.from("李老板 13812345678").toString("base64") };
      await adapter.send({ platform: "lark", chatId: "oc_1" }, { text: "", attachments: [chart] }).catch(() => undefined);
      const text = lines.join("\n");
      // The SDK did log both failures, as summaries.
      expect(text).toMatch(/lark sdk .*status=400 .*larkCode=230002 .*path=\/open-apis\/im\/v1\/messages/);
      expect(text).toMatch(/lark sdk .*status=500 .*path=\/open-apis\/im\/v1\/files/);
      expect(text).not.toMatch(/张记|李老板|13812345678|ABCD2345|t-fake-token|LarkAppSecret/);
    } finally {
      await api.close();
    }
  });

  it("a Prisma error says what failed and why, not the query's arguments (names, codes)", async () => {
    t = await createTestDb();
    const err = await t.db.customer.findFirst({ where: { name: "张记便利店", code: "ABCD2345", bogus: 1 } as never }).catch((e: unknown) => e);
    expect((err as Error).message).toContain("张记便利店");
    const summary = errorSummary(err);
    expect(summary).toMatch(/^PrismaClientValidationError: Invalid `.*customer\.findFirst\(\)` invocation/);
    expect(summary).toContain("Unknown argument `bogus`");
    expect(summary).not.toMatch(/张记便利店|ABCD2345/);
  });

  it("a wechaty GError made from an event payload keeps neither the message text nor the phone number", () => {
    const err = GError.from({ text: "张记便利店 13812345678", talkerId: "wxid_1" });
    const summary = errorSummary(err);
    expect(summary).toMatch(/^GError/);
    expect(summary).not.toMatch(/张记便利店|13812345678/);
    expect(summary).toContain("wxid_1");
  });

  it("our own errors keep their top stack frames, without the message's later lines", () => {
    const err = new Error("boom\nsecond line with 张记便利店");
    const summary = errorSummary(err);
    expect(summary).toMatch(/^Error: boom at test\/core\/log-redaction\.test\.ts:\d+/);
    expect(summary).not.toContain("张记便利店");
  });
});

describe("a failing session, through the real start-up, leaves no secret and no customer data in the log", () => {
  let tmp: ReturnType<typeof tempDbUrl> | null = null;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    tmp?.cleanup();
    tmp = null;
  });

  it(
    "Lark's token endpoint fails, Telegram sends fail, a /bind fails with the database broken: every log line is clean",
    { timeout: 180_000 },
    async () => {
      tmp = tempDbUrl();
      const dataDir = path.join(tmp.dir, "data");
      const dbFile = path.join(dataDir, "visitmate.db");
      const url = `file:${dbFile}`;
      const logFile = path.join(dataDir, "visitmate.log");

      const tg = new FakeTelegram(BOT_TOKEN);
      await tg.start();
      closers.push(() => tg.close());
      const lark = new FakeLarkApi(LARK);
      await lark.start();
      closers.push(() => lark.close());
      // The token endpoint: a 500, then a dropped connection; the third attempt gets a token.
      lark.failNext({ status: 500, body: { code: 500, msg: "internal error" } }, "token");
      lark.resetNext({ on: "token" });

      const input = new PassThrough();
      const output = new PassThrough();
      let screen = "";
      output.on("data", (c: Buffer) => (screen += c.toString("utf8")));
      const stop = new AbortController();
      const done = start({
        env: {
          DATABASE_URL: url,
          LOG_LEVEL: "info",
          VISITMATE_SCHEDULER: "off",
          TELEGRAM_BOT_TOKEN: BOT_TOKEN,
          TELEGRAM_API_ROOT: tg.url,
          LARK_APP_ID: LARK.appId,
          LARK_APP_SECRET: LARK.appSecret,
          LARK_ENCRYPT_KEY: ENCRYPT_KEY,
          LARK_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
          // Long connection: the SDK also posts the app secret to the WebSocket endpoint (which the fake lacks).
          LARK_CONNECTION: "ws",
          LARK_DOMAIN: lark.url,
          VISITMATE_HTTP_HOST: "127.0.0.1",
          VISITMATE_HTTP_PORT: "0",
        },
        input,
        output,
        clock: new FakeClock(MONDAY_10AM),
        logToFile: true,
        signal: stop.signal,
      });
      closers.push(async () => {
        input.end();
        stop.abort();
        await done;
      });
      const log = async () => readFile(logFile, "utf8").catch(() => "");

      // Up: the demo is seeded and the terminal acts as the first manager.
      await waitUntil(() => screen.includes("（M001，"), "the terminal banner", 90_000);
      const side = await openDb(url);
      closers.push(() => side.$disconnect());
      const clock = new FakeClock(MONDAY_10AM);
      const codeLi = (await createBindCode({ db: side, clock, staffCode: "M001" }))!.code;
      const codeChen = (await createBindCode({ db: side, clock, staffCode: "M002" }))!.code;

      // Lark: two failed token requests, retried by the supervisor, then the credentials pass and the
      // SDK asks for the ws endpoint (which fails: never "ready", the long connection is not open).
      await waitUntil(() => lark.paths.includes("/open-apis/bot/v3/info"), "lark credentials accepted after the token failures", 60_000);
      await waitUntil(() => lark.paths.includes("/callback/ws/endpoint"), "the ws endpoint request", 30_000);
      expect(lark.tokenRequests.length).toBeGreaterThanOrEqual(3);

      // Telegram: 李明 binds; the reply (with his name) fails for good.
      await waitUntil(async () => (await log()).includes("telegram polling"), "telegram polling", 30_000);
      const li = { id: 5550001, first_name: "李明" };
      tg.failNext("sendMessage", { error_code: 400, description: "Bad Request: chat not found" });
      tg.message(li, `/bind ${codeLi.toLowerCase()}`);
      await waitUntil(async () => (await log()).includes("outbox send failed for good"), "the failed /bind reply");
      // His day list (customer names, addresses, phone numbers) fails too: blocked.
      tg.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" }, 5);
      tg.message(li, "/today");
      await waitUntil(async () => ((await log()).match(/outbox send failed for good/g) ?? []).length >= 2, "the failed /today reply");

      // The database breaks under a /bind with a live code, on Telegram and in the terminal.
      const raw = new Database(dbFile);
      raw.exec(`ALTER TABLE "BindCode" RENAME TO "BindCode_away"`);
      tg.message({ id: 5550002, first_name: "陈静" }, `/bind ${codeChen}`);
      input.write(`/bind ${codeChen}\n`);
      await waitUntil(async () => ((await log()).match(/command failed/g) ?? []).length >= 2, "both failing /bind commands");
      raw.exec(`ALTER TABLE "BindCode_away" RENAME TO "BindCode"`);
      raw.close();

      input.end();
      stop.abort();
      await done;

      const text = await log();
      const lines = text.split("\n").filter(Boolean);
      // The session did fail where it was meant to, and said so.
      expect(text).toContain("lark sdk");
      expect(text).toMatch(/lark failed; retrying .*status=500/);
      expect(text).toMatch(/outbox send failed for good .*400 Bad Request: chat not found/);
      expect(text).toMatch(/outbox send failed for good .*403/);
      expect(text).toMatch(/command failed .*"command":"\/bind"/);
      expect(text).toMatch(/P2021: .*The table `main.BindCode` does not exist/);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(2000);

      // Secrets: none.
      const secrets = [BOT_TOKEN, BOT_TOKEN.split(":")[1]!, LARK.appSecret, ENCRYPT_KEY, VERIFICATION_TOKEN, "t-fake-token", codeLi, codeLi.toLowerCase(), codeChen];
      for (const s of secrets) expect(text, `log holds ${s}`).not.toContain(s);

      // Customer data from the demo: names, key persons, addresses, phone numbers; staff names.
      const customers = await side.customer.findMany({ select: { name: true, keyPerson: true, address: true, phone: true } });
      const staff = await side.staff.findMany({ select: { name: true } });
      expect(customers.length).toBeGreaterThan(50);
      const personal = [...customers.flatMap((c) => [c.name, c.keyPerson, c.address, c.phone]), ...staff.map((s) => s.name)].filter((s) => s.length >= 2);
      const found = personal.filter((p) => text.includes(p));
      expect(found).toEqual([]);
      expect(text).not.toMatch(/(?<!\d)1[3-9]\d{9}(?!\d)/);

      // The files beside: owner-only.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, logFile]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    },
  );
});
