import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WEBHOOK_DEFAULTS, WebhookServer, type WebhookServerOptions } from "../../src/adapters/http-server.ts";
import { LarkAdapter } from "../../src/adapters/lark/lark.adapter.ts";
import { TelegramAdapter } from "../../src/adapters/telegram/telegram.adapter.ts";
import { pruneProcessedEvents } from "../../src/core/processed-events.ts";
import { encryptEvent, FakeLarkApi, larkSignatureHeaders, messageEvent, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram, type FakeUser } from "../helpers/fake-telegram.ts";
import { createPlatformApp, waitUntil, type PlatformApp } from "../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const TG_SECRET = "tg-webhook-secret-for-tests";
const TG_PATH = "/telegram/hook";
const LARK_PATH = "/lark/events";
const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12" };
const ENCRYPT_KEY = "encrypt-key-for-tests";
const VERIFICATION_TOKEN = "verification-token-for-tests";
const TG_STRANGER: FakeUser = { id: 5151, first_name: "Stranger" };
const LARK_STRANGER = { openId: "ou_stranger00000000000000000000001", chatId: "oc_p2p_stranger0000000000000000001" };
const MB = 1024 * 1024;

/** A raw TCP client: what a slow or hostile sender does, byte by byte. */
interface RawConn {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the connection is gone (closed by the server, or reset). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** The status of the first answer, once its status line arrived. */
  status(): Promise<number>;
}

async function openRaw(port: number): Promise<RawConn> {
  const socket = connect(port, "127.0.0.1");
  let data = "";
  let gone = false;
  socket.on("data", (d: Buffer) => void (data += d.toString("latin1")));
  // A reset after the server closed on us is one of the outcomes being tested, not a failure.
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => ((gone = true), resolve())));
  await once(socket, "connect");
  return {
    socket,
    received: () => data,
    closed,
    isClosed: () => gone,
    async status() {
      await waitUntil(() => /^HTTP\/1\.1 \d{3}/.test(data) || gone, "a status line");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (!m) throw new Error(`connection closed without an answer (${JSON.stringify(data)})`);
      return Number(m[1]);
    },
  };
}

function requestHead(path: string, headers: Record<string, string | number>, method = "POST"): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
}

function chunk(bytes: number): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.toString(16)}\r\n`), Buffer.alloc(bytes, 0x61), Buffer.from("\r\n")]);
}

/** Streams chunked body bytes as fast as the connection takes them, until `total` or until the server closes it. */
async function pour(conn: RawConn, total: number): Promise<number> {
  const piece = chunk(64 * 1024);
  let sent = 0;
  while (sent < total && !conn.isClosed() && !conn.socket.destroyed) {
    const more = conn.socket.write(piece);
    sent += 64 * 1024;
    if (!more) await Promise.race([once(conn.socket, "drain").catch(() => undefined), conn.closed]);
  }
  return sent;
}

describe("webhook security (Telegram and Lark on one server; real SDKs against fake servers)", () => {
  let app: PlatformApp;
  let tg: FakeTelegram;
  let api: FakeLarkApi;
  let server: WebhookServer;
  let port: number;
  let telegram: TelegramAdapter;
  let lark: LarkAdapter;
  let running: Promise<void>[];
  const extraServers: WebhookServer[] = [];

  beforeEach(async () => {
    app = await createPlatformApp();
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    api = new FakeLarkApi(APP);
    await api.start();
    // The defaults, as the real start-up builds it (startPlatforms passes host, port and log only).
    server = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log });
    port = await server.listen();
    telegram = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: app.router, deps: app.deps, webhook: { url: `http://127.0.0.1:${port}${TG_PATH}`, secret: TG_SECRET, server } });
    lark = new LarkAdapter({ ...APP, domain: api.url, connection: "webhook", encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, webhook: { server, path: LARK_PATH }, router: app.router, deps: app.deps, ackWaitMs: 60_000 });
    running = [telegram.run(), lark.run()];
    await lark.ready;
    // A GET is answered 405 once a route exists (404 before): both routes are up.
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}${TG_PATH}`)).status === 405, "the telegram route");
  });
  afterEach(async () => {
    await telegram.stop();
    await lark.stop();
    await Promise.all(running.map((r) => r.catch(() => undefined)));
    for (const s of extraServers.splice(0)) await s.close();
    await server.close();
    await tg.close();
    await api.close();
    await app.close();
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const tgUpdate = (updateId: number, text: string) => ({ update_id: updateId, message: { message_id: updateId, date: 0, chat: { id: TG_STRANGER.id, type: "private" }, from: { ...TG_STRANGER, is_bot: false }, text } });
  const postTelegram = (body: string, secret: string | null = TG_SECRET) =>
    fetch(url(TG_PATH), { method: "POST", headers: { "content-type": "application/json", ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }) }, body });
  const larkMessage = (text: string, eventId?: string) => messageEvent({ token: VERIFICATION_TOKEN, openId: LARK_STRANGER.openId, chatId: LARK_STRANGER.chatId, text, eventId });
  /** Sends exactly these bytes with exactly these headers (a captured request, replayed). */
  const postRaw = async (path: string, headers: Record<string, string>, body: string) => {
    const res = await fetch(url(path), { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    return { status: res.status, text: await res.text() };
  };
  const errorsLogged = () => app.logs.filter((l) => l.level === "error");

  it("a valid signed Lark event and a Telegram update with the right secret still work end to end", async () => {
    const ack = await postLarkEvent(url(LARK_PATH), larkMessage("/help"), { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(ack).toEqual({ status: 200, body: {} });
    const { msg } = await api.next(LARK_STRANGER.chatId, 0);
    expect(FakeLarkApi.textOf(msg)).toContain("/bind");

    // The console's URL check comes unsigned (only the body is encrypted) and is still answered.
    const challenge = await postLarkEvent(url(LARK_PATH), { type: "url_verification", token: VERIFICATION_TOKEN, challenge: "ch-1" }, { encryptKey: ENCRYPT_KEY, now: app.clock.now(), unsigned: true });
    expect(challenge).toEqual({ status: 200, body: { challenge: "ch-1" } });

    expect((await postTelegram(JSON.stringify(tgUpdate(7001, "/help")))).status).toBe(200);
    const [reply] = await tg.waitForSent(TG_STRANGER.id, 1);
    expect(reply!.payload.text).toContain("/bind");
    expect(errorsLogged()).toEqual([]);
  });

  it("a forged Lark signature, a Lark event without a signature and a wrong Telegram secret are refused, nothing dispatched", async () => {
    const forged = await postLarkEvent(url(LARK_PATH), larkMessage("/help"), { encryptKey: ENCRYPT_KEY, now: app.clock.now(), badSignature: true });
    expect(forged.status).toBe(401);
    // Without its signature an event is refused even though its body decrypts with our key.
    const unsigned = await postLarkEvent(url(LARK_PATH), larkMessage("/help"), { encryptKey: ENCRYPT_KEY, now: app.clock.now(), unsigned: true });
    expect(unsigned.status).toBe(401);
    // A signature without its timestamp header.
    const body = encryptEvent(larkMessage("/help"), ENCRYPT_KEY);
    const { "x-lark-request-timestamp": _dropped, ...noTimestamp } = larkSignatureHeaders(body, { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect((await postRaw(LARK_PATH, noTimestamp, body)).status).toBe(401);

    expect((await postTelegram(JSON.stringify(tgUpdate(7101, "/help")), "wrong")).status).toBe(401);
    expect((await postTelegram(JSON.stringify(tgUpdate(7102, "/help")), TG_SECRET.slice(0, -1))).status).toBe(401);
    expect((await postTelegram(JSON.stringify(tgUpdate(7103, "/help")), null)).status).toBe(401);

    await lark.idle();
    expect(api.sent).toHaveLength(0);
    expect(tg.sent()).toHaveLength(0);
    expect(await app.db.processedEvent.count()).toBe(0);
  });

  it("the secret and the Lark timestamp are checked before the body is read: refused while the body is still on its way", async () => {
    // Telegram, wrong secret: a body of 2000 bytes announced, 10 sent, and the answer comes anyway.
    const t = await openRaw(port);
    t.socket.write(requestHead(TG_PATH, { "content-type": "application/json", "content-length": 2000, "x-telegram-bot-api-secret-token": "wrong" }) + "{".padEnd(10, " "));
    expect(await t.status()).toBe(401);
    // The rest of the body is not waited for (nor read): the server closes the connection.
    await t.closed;

    // Lark, a signature from the year 2000: refused on the headers alone.
    const headers = larkSignatureHeaders("{}", { encryptKey: ENCRYPT_KEY, now: new Date("2000-01-01T00:00:00Z") });
    const l = await openRaw(port);
    l.socket.write(requestHead(LARK_PATH, { "content-type": "application/json", "content-length": 2000, ...headers }) + "{".padEnd(10, " "));
    expect(await l.status()).toBe(401);
    await l.closed;
    expect(server.activeRequests).toBe(0);
  });

  it("a captured Lark event replayed later is refused on its timestamp, also after its event id left the dedupe table", async () => {
    const body = encryptEvent(larkMessage("/help", "ev_replayed_1"), ENCRYPT_KEY);
    const captured = larkSignatureHeaders(body, { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect((await postRaw(LARK_PATH, captured, body)).status).toBe(200);
    await api.next(LARK_STRANGER.chatId, 0);
    await lark.idle();

    // Eight days later the platform has pruned the event ids it remembers (a week's worth)…
    app.clock.advance(8 * 24 * 3600_000);
    await pruneProcessedEvents(app.db, new Date(app.clock.now().getTime() - 7 * 24 * 3600_000));
    expect(await app.db.processedEvent.count()).toBe(0);
    // …and the same bytes, correctly signed, are refused because of when they were signed.
    expect((await postRaw(LARK_PATH, captured, body)).status).toBe(401);

    // The window is ±5 minutes around our clock: 6 minutes off either way is refused, 4 minutes late accepted.
    const at = (offsetMs: number, text: string, eventId: string) =>
      postLarkEvent(url(LARK_PATH), larkMessage(text, eventId), { encryptKey: ENCRYPT_KEY, now: new Date(app.clock.now().getTime() + offsetMs) });
    expect((await postLarkEvent(url(LARK_PATH), larkMessage("/help", "ev_y2k"), { encryptKey: ENCRYPT_KEY, now: new Date("2000-01-01T00:00:00Z") })).status).toBe(401);
    expect((await at(-6 * 60_000, "/help", "ev_late_6")).status).toBe(401);
    expect((await at(6 * 60_000, "/help", "ev_early_6")).status).toBe(401);
    await lark.idle();
    expect(api.to(LARK_STRANGER.chatId)).toHaveLength(1);
    expect(await app.db.processedEvent.count()).toBe(0);

    expect((await at(-4 * 60_000, "/whoami", "ev_late_4")).status).toBe(200);
    await lark.idle();
    // Dispatched: the router answered it (a stranger's once-a-day refusal: eight days on, a new day).
    await api.next(LARK_STRANGER.chatId, 1);
    expect(api.to(LARK_STRANGER.chatId)).toHaveLength(2);
  });

  describe("bodies over the limit (default 256 KB) are refused with 413 on every path, the rest never read", () => {
    const paths = () => [
      { name: "telegram", path: TG_PATH, headers: { "x-telegram-bot-api-secret-token": TG_SECRET } as Record<string, string> },
      { name: "lark", path: LARK_PATH, headers: larkSignatureHeaders("", { encryptKey: ENCRYPT_KEY, now: app.clock.now() }) },
    ];

    it("the default limit is 256 KB, and a body under it is accepted", async () => {
      expect(server.bodyLimit).toBe(256 * 1024);
      expect(WEBHOOK_DEFAULTS.bodyLimit).toBe(256 * 1024);
      // 200 KB of padding in an otherwise ordinary update: under the limit, handled.
      const padded = { ...tgUpdate(7201, "/help"), padding: "x".repeat(200 * 1024) };
      expect((await postTelegram(JSON.stringify(padded))).status).toBe(200);
      await tg.waitForSent(TG_STRANGER.id, 1);
    });

    it("a declared Content-Length over the limit: 413 before any of the body is sent", async () => {
      for (const p of paths()) {
        const conn = await openRaw(port);
        // 50 MB announced, 1 KB sent: the answer cannot have waited for the body.
        conn.socket.write(requestHead(p.path, { "content-type": "application/json", "content-length": 50 * MB, ...p.headers }) + " ".repeat(1024));
        expect(await conn.status(), p.name).toBe(413);
        expect(conn.received(), p.name).toMatch(/connection: close/i);
        await conn.closed;
      }
    });

    it("a chunked body that grows past the limit: 413 as soon as it passes, and the connection is closed", async () => {
      for (const p of paths()) {
        const conn = await openRaw(port);
        conn.socket.write(requestHead(p.path, { "content-type": "application/json", "transfer-encoding": "chunked", ...p.headers }));
        // 300 KB, no final chunk: a server that waited for the whole body would never answer.
        for (let i = 0; i < 5; i++) conn.socket.write(chunk(60 * 1024));
        expect(await conn.status(), p.name).toBe(413);
        await conn.closed;
      }
      expect(errorsLogged()).toEqual([]);
    });

    it("a sender pouring 64 MB is cut off long before the end", async () => {
      for (const p of paths()) {
        const conn = await openRaw(port);
        conn.socket.write(requestHead(p.path, { "content-type": "application/json", "transfer-encoding": "chunked", ...p.headers }));
        const poured = await pour(conn, 64 * MB);
        await conn.closed;
        // What got through is the limit plus the sockets' buffers, never the whole body.
        expect(poured, p.name).toBeLessThan(32 * MB);
        if (conn.received()) expect(conn.received(), p.name).toMatch(/^HTTP\/1\.1 413/);
      }
      expect(server.activeRequests).toBe(0);
      expect(errorsLogged()).toEqual([]);
    });

    it("an unsigned Lark request may only be a small URL check: 4 KB at most", async () => {
      const big = await postLarkEvent(url(LARK_PATH), { type: "url_verification", token: VERIFICATION_TOKEN, challenge: "c".repeat(8 * 1024) }, { encryptKey: ENCRYPT_KEY, now: app.clock.now(), unsigned: true });
      expect(big.status).toBe(413);
    });

    it("the limit is configurable", async () => {
      const small = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log, bodyLimit: 1024 });
      extraServers.push(small);
      const smallPort = await small.listen();
      small.route("/hook", async (_req, res, body) => void res.end(String((await body.read()).length)));
      const post = (bytes: number) => fetch(`http://127.0.0.1:${smallPort}/hook`, { method: "POST", body: "a".repeat(bytes) });
      expect(await (await post(1024)).text()).toBe("1024");
      expect((await post(1025)).status).toBe(413);
    });
  });

  it("null, an array, a number, a string or invalid JSON: 400 with an empty answer, nothing logged as an error", async () => {
    const bodies = ["null", "[]", "[1,2]", "42", '"text"', "{", "", "true"];
    for (const b of bodies) {
      const res = await postTelegram(b);
      expect(res.status, `telegram ${JSON.stringify(b)}`).toBe(400);
      expect(await res.text()).toBe("");
      // Signed, so it reaches the parser.
      const signed = await postRaw(LARK_PATH, larkSignatureHeaders(b, { encryptKey: ENCRYPT_KEY, now: app.clock.now() }), b);
      expect(signed, `lark ${JSON.stringify(b)}`).toEqual({ status: 400, text: "" });
    }
    // An object that is not an update; an encrypted body whose content is null.
    expect((await postTelegram("{}")).status).toBe(400);
    expect((await postTelegram('{"update_id":"1"}')).status).toBe(400);
    const encryptedNull = await postLarkEvent(url(LARK_PATH), null, { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    expect(encryptedNull).toEqual({ status: 400, body: null });
    expect(errorsLogged()).toEqual([]);
    expect(tg.sent()).toHaveLength(0);
    expect(api.sent).toHaveLength(0);
  });

  it("a sender that goes away in the middle of its body is not logged as an error", async () => {
    const signed = larkSignatureHeaders("{}", { encryptKey: ENCRYPT_KEY, now: app.clock.now() });
    for (const headers of [{ "x-telegram-bot-api-secret-token": TG_SECRET }, signed]) {
      const path = "x-lark-signature" in headers ? LARK_PATH : TG_PATH;
      const conn = await openRaw(port);
      conn.socket.write(requestHead(path, { "content-type": "application/json", "content-length": 5000, ...headers }) + '{"update_id": 1, ');
      // The handler is reading the body when the client leaves.
      await waitUntil(() => server.activeRequests === 1, "the handler reading the body");
      conn.socket.destroy();
      await waitUntil(() => server.activeRequests === 0, "the handler to finish");
    }
    // Neither an error nor a warning: a client leaving is nothing to act on.
    expect(app.logs.filter((l) => l.level !== "info")).toEqual([]);
  });

  describe("slow senders and too many connections (small limits configured for the test)", () => {
    async function strictServer(opts: Partial<WebhookServerOptions>): Promise<number> {
      const s = new WebhookServer({ host: "127.0.0.1", port: 0, log: app.deps.log, ...opts });
      extraServers.push(s);
      const p = await s.listen();
      s.route("/hook", async (_req, res, body) => void res.end(String((await body.read()).length)));
      return p;
    }

    it("a socket that never finishes its headers, or never sends any, is closed by the headers timeout", async () => {
      const p = await strictServer({ headersTimeoutMs: 150, requestTimeoutMs: 300, timeoutCheckIntervalMs: 20 });
      const partial = await openRaw(p);
      partial.socket.write("POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      const silent = await openRaw(p);
      await Promise.all([partial.closed, silent.closed]);
      expect(partial.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(silent.received()).toMatch(/^HTTP\/1\.1 408/);
    });

    it("a body that never finishes is closed by the request timeout, without an error in the log", async () => {
      const p = await strictServer({ headersTimeoutMs: 150, requestTimeoutMs: 300, timeoutCheckIntervalMs: 20 });
      const slow = await openRaw(p);
      slow.socket.write(requestHead("/hook", { "content-length": 100 }) + "0123456789");
      await slow.closed;
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(errorsLogged()).toEqual([]);
    });

    it("connections over the cap are closed on arrival", async () => {
      const p = await strictServer({ maxConnections: 2, keepAliveTimeoutMs: 60_000 });
      const held: RawConn[] = [];
      for (let i = 0; i < 2; i++) {
        const c = await openRaw(p);
        // An answered request proves the server took the connection; keep-alive then holds it open.
        c.socket.write(requestHead("/nowhere", {}, "GET"));
        expect(await c.status()).toBe(404);
        held.push(c);
      }
      const third = await openRaw(p);
      third.socket.write(requestHead("/nowhere", {}, "GET"));
      await third.closed;
      expect(third.received()).toBe("");

      // One held connection goes: a new one is served again.
      held[0]!.socket.destroy();
      await waitUntil(async () => {
        const c = await openRaw(p);
        c.socket.write(requestHead("/nowhere", {}, "GET"));
        const answered = await c.status().catch(() => 0);
        c.socket.destroy();
        return answered === 404;
      }, "a free connection slot");
      held[1]!.socket.destroy();
    });
  });
});
