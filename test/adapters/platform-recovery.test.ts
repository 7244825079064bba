import { hostname } from "node:os";
import { createServer, type Server } from "node:net";
import { mock, PuppetMock } from "wechaty-puppet-mock";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../src/adapters/lark/lark.adapter.ts";
import { instanceName, startPlatforms, supervise, type PlatformRuntime, type Supervised } from "../../src/adapters/platforms.ts";
import { TelegramAdapter } from "../../src/adapters/telegram/telegram.adapter.ts";
import { WechatAdapter } from "../../src/adapters/wechat/wechat.adapter.ts";
import { statusCommand } from "../../src/cli/status.cli.ts";
import { loadEnv, platformsFromEnv } from "../../src/config/env.ts";
import { listPlatformStates } from "../../src/modules/ops/platform-state.service.ts";
import { FakeLarkApi, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram } from "../helpers/fake-telegram.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LARK = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const FAST = { minDelayMs: 20, maxDelayMs: 80 };

describe("platforms recover, and their state is visible", () => {
  let app: PlatformApp | null = null;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    await app?.close();
    app = null;
  });

  it("WeChat: the puppet service is down at start (start() resolves, no login ever) → retried until it is up, then answers", async () => {
    app = await createPlatformApp();
    const up = new mock.Mocker();
    let puppets = 0;
    const adapter = new WechatAdapter({
      // First run: a puppet whose service never answers (never logs in); then the real one.
      puppet: () => (++puppets === 1 ? new PuppetMock({ mocker: new mock.Mocker() }) : new PuppetMock({ mocker: up })),
      name: "visitmate-recovery",
      router: app.router,
      deps: app.deps,
      loginTimeoutMs: 300,
      minSendIntervalMs: 0,
    });
    const s = supervise(adapter, { log: app.deps.log, clock: app.clock, ...FAST });
    closers.push(() => s.stop());
    await waitUntil(() => s.status.state === "retrying" && puppets >= 2, "the first run given up");
    expect(s.status.lastError).toMatch(/not logged in after 300 ms/);
    expect(app.logs.some((l) => l.msg === "wechat failed; retrying")).toBe(true);

    await adapter.ready;
    const self = up.createContact({ name: "拜访助手" });
    up.login(self);
    await waitUntil(() => s.status.state === "up", "wechat up after login");
    expect(s.attempts).toBe(2);
    const stranger = up.createContact({ name: "陌生人" });
    const got: string[] = [];
    stranger.on("message", (m: { text(): string | undefined; talker(): { id: string } }) => {
      if (m.talker().id === self.id) got.push(m.text() ?? "");
    });
    stranger.say("/start").to(self);
    await waitUntil(() => got.some((t) => t.includes("/bind")), "an answer after recovery");
  }, 60_000);

  it("Telegram: 5xx on getMe, then ok → up; status CLI and /healthz show retrying, then up", async () => {
    app = await createPlatformApp();
    const tg = new FakeTelegram(TOKEN);
    await tg.start();
    closers.push(() => tg.close());
    tg.failNext("getMe", { error_code: 502, description: "Bad Gateway" }, 2);
    const config = platformsFromEnv(loadEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.url, VISITMATE_HTTP_HOST: "127.0.0.1", VISITMATE_HTTP_PORT: "0" }));
    // The explicit port starts the HTTP server (for /healthz) without any webhook.
    let runtime: PlatformRuntime | null = await startPlatforms({ config, deps: app.deps, router: app.router, supervisor: { minDelayMs: 150, maxDelayMs: 300 }, instance: "test-host" });
    closers.push(async () => void (await runtime?.stop()));
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${runtime!.server!.port}/healthz`);
      return { status: res.status, body: (await res.json()) as { status: string; platforms: Record<string, { state: string; lastError: string | null; attempts: number; since: string }> } };
    };

    await waitUntil(() => runtime!.status()[0]!.state === "retrying", "telegram retrying");
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.platforms.telegram).toMatchObject({ state: "retrying" });
    expect(down.body.platforms.telegram!.lastError).toMatch(/502/);
    expect(JSON.stringify(down.body)).not.toContain(TOKEN.split(":")[1]);
    await waitUntil(async () => (await listPlatformStates({ db: app!.db })).some((r) => r.state === "retrying"), "retrying stored");
    let printed = "";
    expect(await statusCommand([], { deps: app.deps, out: (s) => (printed += s + "\n") })).toBe(1);
    expect(printed).toMatch(/test-host\s+telegram\s+重试中/);
    expect(printed).toContain("502");

    await waitUntil(() => runtime!.status()[0]!.state === "up", "telegram up");
    const ok = await health();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "ok", platforms: { telegram: { state: "up", attempts: 3 } } });
    await waitUntil(async () => (await listPlatformStates({ db: app!.db }))[0]?.state === "up", "up stored");
    printed = "";
    expect(await statusCommand([], { deps: app.deps, out: (s) => (printed += s + "\n") })).toBe(0);
    expect(printed).toMatch(/telegram\s+已连接/);
    tg.message({ id: 4242, first_name: "New" }, "/start");
    await tg.waitForSent(4242, 1);

    // A clean stop is stored too: a stopped bot is not reported as failing.
    await runtime.stop();
    runtime = null;
    expect((await listPlatformStates({ db: app.db }))[0]).toMatchObject({ instance: "test-host", platform: "telegram", state: "stopped" });
    printed = "";
    expect(await statusCommand([], { deps: { ...app.deps, policy: { ...app.policy, locale: "en" } }, out: (s) => (printed += s + "\n") })).toBe(0);
    expect(printed).toMatch(/telegram\s+stopped/);
  }, 60_000);

  it("two instances on one host named by VISITMATE_INSTANCE keep their own platform states; the status CLI lists both", async () => {
    app = await createPlatformApp();
    const names: string[] = [];
    for (const [k, name] of ["vm-a", "vm-b"].entries()) {
      const token = `${TOKEN.slice(0, -1)}${k}`;
      const tg = new FakeTelegram(token);
      await tg.start();
      closers.push(() => tg.close());
      const env = loadEnv({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: tg.url, VISITMATE_INSTANCE: name });
      names.push(instanceName(env));
      const runtime = await startPlatforms({ config: platformsFromEnv(env), deps: app.deps, router: app.router, supervisor: FAST, instance: instanceName(env) });
      closers.push(() => runtime.stop());
      await waitUntil(() => runtime.status()[0]!.state === "up", `${name} up`);
    }
    expect(names).toEqual(["vm-a", "vm-b"]);
    await waitUntil(async () => (await listPlatformStates({ db: app!.db })).filter((r) => r.state === "up").length === 2, "both stored");
    expect((await listPlatformStates({ db: app.db })).map((r) => `${r.instance}/${r.platform}`).sort()).toEqual(["vm-a/telegram", "vm-b/telegram"]);
    let printed = "";
    expect(await statusCommand([], { deps: app.deps, out: (s) => (printed += s + "\n") })).toBe(0);
    expect(printed).toMatch(/vm-a\s+telegram\s+已连接/);
    expect(printed).toMatch(/vm-b\s+telegram\s+已连接/);
    // Unset, the host name; a name that is not one is refused at start-up, saying what a name is.
    expect(instanceName(loadEnv({}))).toBe(hostname());
    expect(() => loadEnv({ VISITMATE_INSTANCE: "vm a/1" })).toThrow(/VISITMATE_INSTANCE: must be 1–64 letters/);
  }, 60_000);

  it("Telegram webhook: the port listens before setWebhook; a port in use is one clear start-up error, no setWebhook", async () => {
    app = await createPlatformApp();
    const tg = new FakeTelegram(TOKEN);
    await tg.start();
    closers.push(() => tg.close());
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    closers.push(() => server.close());
    let listeningAtSetWebhook: boolean | null = null;
    const push = tg.calls.push.bind(tg.calls);
    tg.calls.push = (...calls) => {
      if (calls.some((c) => c.method === "setWebhook")) listeningAtSetWebhook = server.port !== null;
      return push(...calls);
    };
    const adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, webhook: { url: "https://bot.example.com/tg", secret: "s".repeat(32), server } });
    const s = supervise(adapter, { log: app.deps.log, clock: app.clock, ...FAST });
    closers.push(() => s.stop());
    await waitUntil(() => s.status.state === "up", "telegram webhook up");
    expect(listeningAtSetWebhook).toBe(true);
    expect(tg.calls.filter((c) => c.method === "setWebhook")).toHaveLength(1);

    // The configured port is taken by another program.
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = String((blocker.address() as { port: number }).port);
    const config = platformsFromEnv(loadEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.url, TELEGRAM_WEBHOOK_URL: "https://bot.example.com/tg2", VISITMATE_HTTP_HOST: "127.0.0.1", VISITMATE_HTTP_PORT: port }));
    const before = tg.calls.filter((c) => c.method === "setWebhook").length;
    await expect(startPlatforms({ config, deps: app.deps, router: app.router })).rejects.toThrow(new RegExp(`VISITMATE_HTTP_PORT: port ${port} .* is in use`));
    expect(tg.calls.filter((c) => c.method === "setWebhook").length).toBe(before);
  }, 60_000);

  it("Lark webhook: URL verification is answered with a wrong app secret (status retrying, never 'ready')", async () => {
    app = await createPlatformApp();
    const api = new FakeLarkApi(LARK);
    await api.start();
    closers.push(() => api.close());
    const server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    closers.push(() => server.close());
    const adapter = new LarkAdapter({ ...LARK, appSecret: "wrong-secret-wrong-secret-wrong!", domain: api.url, connection: "webhook", encryptKey: "ek", verificationToken: "vt", webhook: { server, path: "/lark/events" }, router: app.router, deps: app.deps });
    const s: Supervised = supervise(adapter, { log: app.deps.log, clock: app.clock, ...FAST });
    closers.push(() => s.stop());
    await waitUntil(() => s.status.state === "retrying" && s.attempts >= 2, "lark retrying on the refused secret");
    const url = `http://127.0.0.1:${server.port}/lark/events`;
    const check = await postLarkEvent(url, { type: "url_verification", challenge: "ch-123", token: "vt" }, { encryptKey: "ek", now: app.clock.now(), unsigned: true });
    expect(check).toEqual({ status: 200, body: { challenge: "ch-123" } });
    const wrong = await postLarkEvent(url, { type: "url_verification", challenge: "ch-123", token: "not-vt" }, { encryptKey: "ek", now: app.clock.now(), unsigned: true });
    expect(wrong.status).toBe(401);
    expect(s.status.lastError).toMatch(/10014|secret|token/i);
    expect(app.logs.some((l) => l.msg === "lark ready")).toBe(false);
  }, 60_000);

  it("Lark ws: not connected → never 'ready', status retrying, /healthz 503", async () => {
    app = await createPlatformApp();
    const api = new FakeLarkApi(LARK);
    await api.start();
    closers.push(() => api.close());
    const config = platformsFromEnv(loadEnv({ LARK_APP_ID: LARK.appId, LARK_APP_SECRET: LARK.appSecret, LARK_CONNECTION: "ws", LARK_DOMAIN: api.url, VISITMATE_HTTP_HOST: "127.0.0.1", VISITMATE_HTTP_PORT: "0" }));
    const runtime = await startPlatforms({ config, deps: app.deps, router: app.router, supervisor: FAST, larkConnectTimeoutMs: 200, instance: "ws-host" });
    closers.push(() => runtime.stop());
    await waitUntil(() => runtime.status()[0]!.state === "retrying" && runtime.status()[0]!.attempts >= 2, "lark ws retrying");
    expect(runtime.status()[0]!.lastError).toMatch(/long connection not open/);
    expect(app.logs.some((l) => l.msg === "lark ready")).toBe(false);
    const res = await fetch(`http://127.0.0.1:${runtime.server!.port}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { platforms: { lark: { state: string } } }).platforms.lark.state).toBe("retrying");
    const stored = await listPlatformStates({ db: app.db });
    await waitUntil(async () => (await listPlatformStates({ db: app!.db })).some((r) => r.platform === "lark" && r.state === "retrying"), "stored retrying");
    expect(stored.every((r) => r.instance === "ws-host")).toBe(true);
    expect(JSON.stringify(await listPlatformStates({ db: app.db }))).not.toContain(LARK.appSecret);
  }, 60_000);
});
