import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startPlatforms, supervise, type PlatformRuntime } from "../../src/adapters/platforms.ts";
import type { PlatformAdapter } from "../../src/adapters/platform.ts";
import { loadEnv, platformsFromEnv } from "../../src/config/env.ts";
import { AppError } from "../../src/core/errors.ts";
import { start } from "../../src/main.ts";
import { FakeLarkApi, messageEvent, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram } from "../helpers/fake-telegram.ts";
import { createPlatformApp, recordingLogger, waitUntil, type LogLine, type PlatformApp } from "../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LARK = { LARK_APP_ID: "cli_a1b2c3d4e5f60718", LARK_APP_SECRET: "s3cretS3cretS3cretS3cretS3cret12", LARK_ENCRYPT_KEY: "ek", LARK_VERIFICATION_TOKEN: "vt" };

function configError(env: Record<string, string>): string {
  try {
    loadEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("platform configuration", () => {
  it("enables a platform by its main credential and needs only that platform's variables", () => {
    expect(platformsFromEnv(loadEnv({}))).toEqual({ http: { host: "0.0.0.0", port: 8080 } });
    // Variables of disabled platforms are not checked.
    expect(() => loadEnv({ TELEGRAM_API_ROOT: "not a url", LARK_ENCRYPT_KEY: "x", LARK_CONNECTION: "pigeon" })).not.toThrow();

    const all = platformsFromEnv(loadEnv({ TELEGRAM_BOT_TOKEN: TOKEN, ...LARK, WECHATY_PUPPET: "wechaty-puppet-mock", VISITMATE_HTTP_PORT: "9000" }));
    expect(all.telegram).toEqual({ token: TOKEN, apiRoot: undefined });
    expect(all.lark).toMatchObject({ appId: LARK.LARK_APP_ID, domain: "feishu", connection: "webhook", webhookPath: "/lark/events", encryptKey: "ek" });
    expect(all.wechat).toEqual({ puppet: "wechaty-puppet-mock", token: undefined, name: "visitmate" });
    expect(all.http.port).toBe(9000);

    const hook = platformsFromEnv(loadEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: "https://bot.example.com/tg" }));
    expect(hook.telegram!.webhook!.url).toBe("https://bot.example.com/tg");
    expect(hook.telegram!.webhook!.secret).toMatch(/^[a-f0-9]{64}$/);

    // Long connection: no webhook secrets needed.
    const ws = platformsFromEnv(loadEnv({ LARK_APP_ID: LARK.LARK_APP_ID, LARK_APP_SECRET: LARK.LARK_APP_SECRET, LARK_CONNECTION: "ws", LARK_DOMAIN: "lark" }));
    expect(ws.lark).toMatchObject({ connection: "ws", domain: "lark" });
  });

  it("a missing or malformed value stops start-up with a message naming each bad variable", async () => {
    expect(configError({ TELEGRAM_BOT_TOKEN: "not-a-token" })).toMatch(/TELEGRAM_BOT_TOKEN: must look like/);
    expect(configError({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: "http://insecure.example.com/x" })).toMatch(/TELEGRAM_WEBHOOK_URL: must be an https:\/\/ URL/);
    expect(configError({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: "ftp://x" })).toMatch(/TELEGRAM_API_ROOT/);
    const lark = configError({ LARK_APP_ID: "app123" });
    expect(lark).toMatch(/LARK_APP_ID: must look like cli_/);
    expect(lark).toMatch(/LARK_APP_SECRET: required/);
    expect(lark).toMatch(/LARK_ENCRYPT_KEY: required/);
    expect(lark).toMatch(/LARK_VERIFICATION_TOKEN: required/);
    expect(configError({ ...LARK, LARK_DOMAIN: "feishu.cn" })).toMatch(/LARK_DOMAIN/);
    expect(configError({ ...LARK, VISITMATE_HTTP_PORT: "http" })).toMatch(/VISITMATE_HTTP_PORT/);
    expect(configError({ WECHATY_PUPPET: "padlocal" })).toMatch(/WECHATY_PUPPET: must be a puppet package name/);
    expect(configError({ WECHATY_PUPPET: "wechaty-puppet-service" })).toMatch(/WECHATY_PUPPET_TOKEN: required/);

    // Through the real start-up path: nothing starts.
    await expect(start({ env: { TELEGRAM_BOT_TOKEN: "123:short" } })).rejects.toThrow(/TELEGRAM_BOT_TOKEN/);
  });

  it("a puppet that is not installed is named at start-up", async () => {
    const app = await createPlatformApp();
    try {
      const config = platformsFromEnv(loadEnv({ WECHATY_PUPPET: "wechaty-puppet-not-installed" }));
      await expect(startPlatforms({ config, deps: app.deps, router: app.router })).rejects.toThrow(/WECHATY_PUPPET: cannot load wechaty-puppet-not-installed/);
    } finally {
      await app.close();
    }
  });
});

describe("running several platforms", () => {
  let app: PlatformApp | null = null;
  let runtime: PlatformRuntime | null = null;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await runtime?.stop();
    runtime = null;
    for (const c of closers.splice(0)) await c();
    await app?.close();
    app = null;
  });

  it("a platform that fails (bad token) is logged and retried with backoff while the others work", async () => {
    app = await createPlatformApp();
    const tg = new FakeTelegram(TOKEN);
    await tg.start();
    const lark = new FakeLarkApi({ appId: LARK.LARK_APP_ID, appSecret: LARK.LARK_APP_SECRET });
    await lark.start();
    closers.push(() => tg.close(), () => lark.close());

    const config = platformsFromEnv(
      loadEnv({ TELEGRAM_BOT_TOKEN: "123456789:AAwrongwrongwrongwrongwrongwrongwr", TELEGRAM_API_ROOT: tg.url, ...LARK, LARK_DOMAIN: lark.url, VISITMATE_HTTP_HOST: "127.0.0.1", VISITMATE_HTTP_PORT: "0" }),
    );
    runtime = await startPlatforms({ config, deps: app.deps, router: app.router, supervisor: { minDelayMs: 20, maxDelayMs: 80 } });
    expect([...runtime.ports.keys()]).toEqual(["telegram", "lark"]);

    await waitUntil(() => app!.logs.filter((l) => l.msg === "telegram failed; retrying").length >= 3, "telegram retries");
    const retries = app.logs.filter((l) => l.msg === "telegram failed; retrying");
    expect(retries[0]!.extra).toMatchObject({ inMs: 20 });
    expect(retries[1]!.extra).toMatchObject({ inMs: 40 });
    expect(String(retries[0]!.extra!.error)).toContain("401");

    // Lark is up regardless and answers.
    await waitUntil(() => runtime!.server?.port != null && app!.logs.some((l) => l.msg === "lark ready"), "lark ready");
    const url = `http://127.0.0.1:${runtime.server!.port}/lark/events`;
    const res = await postLarkEvent(url, messageEvent({ token: "vt", openId: "ou_someone", chatId: "oc_someone", text: "/today" }), { encryptKey: "ek", now: app.clock.now() });
    expect(res.status).toBe(200);
    await lark.next("oc_someone", 0, (t) => t.includes("/bind"));
  });

  it("the supervisor restarts a platform whose connection ends, and stop() ends it for good", async () => {
    const logs: LogLine[] = [];
    let runs = 0;
    let release: (() => void) | null = null;
    const adapter: PlatformAdapter = {
      platform: "wechat",
      async send() {},
      run: () =>
        new Promise<void>((resolve, reject) => {
          runs++;
          if (runs === 1) reject(new Error("network down"));
          else if (runs === 2) resolve();
          else release = resolve;
        }),
      async stop() {
        release?.();
      },
    };
    const s = supervise(adapter, { log: recordingLogger(logs), minDelayMs: 5, maxDelayMs: 10 });
    await waitUntil(() => runs === 3, "third run");
    expect(logs.map((l) => l.msg)).toEqual(["wechat failed; retrying", "wechat stopped unexpectedly; restarting"]);
    await s.stop();
    expect(s.attempts).toBe(3);
  });

  it("npm start runs an enabled platform beside the terminal and keeps running after the terminal input ends", async () => {
    app = await createPlatformApp();
    const tg = new FakeTelegram(TOKEN);
    await tg.start();
    closers.push(() => tg.close());
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (c: Buffer) => (printed += c.toString()));
    const stop = new AbortController();
    const done = start({
      env: { DATABASE_URL: app.testDb.url, LOG_LEVEL: "silent", VISITMATE_SCHEDULER: "0", TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.url },
      input,
      output,
      clock: app.clock,
      signal: stop.signal,
    });
    input.end("/whoami\n");
    await waitUntil(() => printed.includes("👤 李明（M001）"), "terminal answer");
    // The terminal's input ended; Telegram still answers.
    tg.message({ id: 31337, first_name: "New" }, "/start");
    await tg.waitForSent(31337, 1);
    expect(tg.sent(31337)[0]!.payload.text).toContain("/bind");
    stop.abort();
    await done;
  });
});
