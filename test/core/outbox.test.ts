import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outboxCommand } from "../../src/cli/jobs.cli.ts";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Dispatcher, enqueue, resolveRecipient, toSendError, type DispatcherOptions } from "../../src/core/outbox.ts";
import { createTestDb, ENGINES, type TestDb } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";

const START = "2026-11-23T00:00:00Z";

/** Resolves when `check` holds; the bound only turns a hang into a readable failure. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(ENGINES)("outbox (%s)", (engine) => {
  let t: TestDb;
  let clock: FakeClock;
  let port: FakeChatPort;
  beforeEach(async () => {
    t = await createTestDb({ engine });
    clock = new FakeClock(START);
    port = new FakeChatPort("telegram", clock);
  });
  afterEach(async () => t.close());

  const dispatcher = (o: Partial<DispatcherOptions> = {}) =>
    new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log: silentLogger, instanceId: "test-1", sleep: virtualSleep(clock), ...o });
  const put = (key: string, chatId = "100", notBefore?: Date) =>
    enqueue({ db: t.db, key, kind: "test", platform: "telegram", chatId, reply: { text: `msg ${key}` }, notBefore, clock });
  const row = (key: string) => t.db.outbox.findUniqueOrThrow({ where: { key } });

  it("a key is queued once, however often it is enqueued", async () => {
    expect(await put("morning:staff:1:2026-11-23")).toBe(true);
    expect(await put("morning:staff:1:2026-11-23")).toBe(false);
    expect(await t.db.outbox.count()).toBe(1);
  });

  it("sends due rows once and leaves future rows for later", async () => {
    await put("a");
    await put("b", "200", new Date(clock.now().getTime() + 3600_000));
    const d = dispatcher();
    const s1 = await d.drainOnce();
    expect(s1.sent).toBe(1);
    expect(port.sent.map((m) => m.reply.text)).toEqual(["msg a"]);
    expect(await row("a")).toMatchObject({ status: "sent", attempts: 1, claimedBy: "test-1" });
    expect(await row("b")).toMatchObject({ status: "pending", attempts: 0 });
    // Nothing more to send now; a second drain sends nothing twice.
    expect((await d.drainOnce()).sent).toBe(0);
    clock.advance(3600_000);
    expect((await d.drainOnce()).sent).toBe(1);
    expect(port.sent.map((m) => m.reply.text)).toEqual(["msg a", "msg b"]);
  });

  it("429 with retry-after: retried after the delay, delivered once", async () => {
    await put("limited", "300");
    port.failFor("300", { kind: "rate-limit", retryAfterMs: 7000, times: 1 });
    const d = dispatcher();
    const s1 = await d.drainOnce();
    expect(s1).toMatchObject({ sent: 0, rateLimited: 1, retried: 1, failed: 0 });
    const r1 = await row("limited");
    expect(r1.status).toBe("pending");
    expect(r1.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 7000);
    expect(r1.lastError).toContain("429");
    clock.advance(6000);
    expect((await d.drainOnce()).sent).toBe(0);
    clock.advance(1000);
    expect((await d.drainOnce()).sent).toBe(1);
    expect(port.sent.filter((m) => m.to.chatId === "300")).toHaveLength(1);
    expect(port.attempts.filter((m) => m.to.chatId === "300")).toHaveLength(2);
    expect(await row("limited")).toMatchObject({ status: "sent", attempts: 2, lastError: "" });
  });

  it("5xx and network errors back off exponentially and fail after the bounded number of attempts", async () => {
    await put("flaky", "400");
    port.failFor("400", { kind: "server-error", status: 502, times: 100 });
    const d = dispatcher({ maxAttempts: 4, backoffBaseMs: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await d.drainOnce();
      const r = await row("flaky");
      if (r.status === "pending") {
        delays.push(r.nextAttemptAt.getTime() - port.attempts.at(-1)!.at);
        clock.set(r.nextAttemptAt);
      }
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(await row("flaky")).toMatchObject({ status: "failed", attempts: 4 });
    expect((await row("flaky")).lastError).toContain("502");
    expect(port.sent).toHaveLength(0);
  });

  it("a permanent failure is marked failed at once, shown by `outbox --failed`, and `outbox retry ID` sends it again", async () => {
    await put("blocked", "500");
    await put("fine", "501");
    port.failFor("500", { kind: "permanent", status: 403, message: "Forbidden: bot was blocked by the user" });
    const d = dispatcher();
    const s = await d.drainOnce();
    expect(s).toMatchObject({ sent: 1, failed: 1 });
    const failed = await row("blocked");
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });

    const lines: string[] = [];
    const deps = { db: t.db, policy: loadPolicy(), clock, log: silentLogger };
    expect(await outboxCommand(["--failed"], { deps, out: (l) => lines.push(l) })).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain("失败 1");
    expect(text).toContain(`${failed.id}`);
    expect(text).toContain("blocked");
    expect(text).toContain("bot was blocked");
    expect(text).not.toContain("fine");

    port.failFor("500", { kind: "server-error", times: 0 });
    expect(await outboxCommand(["retry", String(failed.id)], { deps, out: () => {} })).toBe(0);
    expect(await row("blocked")).toMatchObject({ status: "pending", attempts: 0 });
    expect((await d.drainOnce()).sent).toBe(1);
    expect(await row("blocked")).toMatchObject({ status: "sent" });
    // A sent message is never sent twice by a retry.
    expect(await outboxCommand(["retry", String(failed.id)], { deps, out: () => {}, err: () => {} })).toBe(1);
  });

  it("rows claimed by a crashed instance are taken over once the claim expires", async () => {
    await put("orphan", "600");
    await t.db.outbox.update({ where: { key: "orphan" }, data: { status: "sending", claimedBy: "dead", claimedUntil: new Date(clock.now().getTime() + 60_000), attempts: 1 } });
    const d = dispatcher();
    expect((await d.drainOnce()).sent).toBe(0);
    clock.advance(61_000);
    expect((await d.drainOnce()).sent).toBe(1);
    expect(await row("orphan")).toMatchObject({ status: "sent", claimedBy: "test-1", attempts: 2 });
  });

  it("while a send hangs, rows another process queues (no wake here) are still claimed and sent at the poll interval", async () => {
    // Real timers: the drain waits on the hanging send; only its poll can notice new rows.
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const sent: string[] = [];
    const slowPort = {
      platform: "telegram" as const,
      async send(to: { chatId: string }) {
        if (to.chatId === "slow") await hanging;
        sent.push(to.chatId);
      },
    };
    await put("slow-1", "slow");
    const d = new Dispatcher({ db: t.db, ports: new Map([["telegram", slowPort]]), clock, log: silentLogger, instanceId: "poller", pollMs: 50, batchSize: 5, maxQueued: 10 });
    d.start();
    try {
      await waitFor(async () => (await row("slow-1")).status === "sending");
      // Queued elsewhere: straight into the table, as another instance's job or the CLI would.
      for (const chat of ["200", "201", "202"]) await put(`later-${chat}`, chat);
      await waitFor(() => sent.length === 3);
      expect(sent.sort()).toEqual(["200", "201", "202"]);
    } finally {
      release();
      await d.stop();
    }
    expect(sent).toContain("slow");
  });

  it("stays within Telegram's limits: 25/s overall, 1/s per chat, no 429s", async () => {
    const limited = new FakeChatPort("telegram", clock, { globalPerSecond: 25, perChatPerSecond: 1 });
    port = limited;
    for (let m = 0; m < 40; m++) for (let k = 0; k < 3; k++) await put(`r${k}:m${m}`, `chat-${m}`);
    const d = dispatcher();
    const started = clock.now().getTime();
    const s = await d.drainAll();
    expect(s.sent).toBe(120);
    expect(limited.rejected).toHaveLength(0);
    expect(limited.peakRates().global).toBeLessThanOrEqual(25);
    expect(limited.peakRates().perChat).toBe(1);
    // 120 messages at 25/s take at least 120/25 s of (virtual) time.
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(((120 - 1) / 25) * 1000);
  });

  it("a platform stricter than the configured limits answers 429, and every message still arrives once", async () => {
    const strict = new FakeChatPort("telegram", clock, { globalPerSecond: 10, retryAfterMs: 1000 });
    port = strict;
    for (let m = 0; m < 30; m++) await put(`s:m${m}`, `chat-${m}`);
    const s = await dispatcher({ limits: { telegram: { globalPerSecond: 25, perChatPerSecond: 1 } } }).drainAll();
    expect(strict.rejected.length).toBeGreaterThan(0);
    expect(s.failed).toBe(0);
    expect(strict.sent).toHaveLength(30);
    expect(new Set(strict.sent.map((m) => m.to.chatId)).size).toBe(30);
  });

  it("two dispatchers racing over the same rows send each message once", async () => {
    // Same connection, interleaved claims (two processes on one file: test/jobs/instances.test.ts).
    for (let m = 0; m < 50; m++) await put(`two:m${m}`, `chat-${m}`);
    const portB = new FakeChatPort("telegram", clock);
    const a = dispatcher({ instanceId: "A", batchSize: 7, maxQueued: 7 });
    const b = new Dispatcher({ db: t.db, ports: new Map([["telegram", portB]]), clock, log: silentLogger, instanceId: "B", sleep: virtualSleep(clock), batchSize: 7, maxQueued: 7 });
    await Promise.all([a.drainAll(), b.drainAll(), a.drainAll()]);
    const all = [...port.sent, ...portB.sent].map((m) => m.to.chatId).sort();
    expect(all).toHaveLength(50);
    expect(new Set(all).size).toBe(50);
    expect(await t.db.outbox.count({ where: { status: "sent" } })).toBe(50);
  });

  it("stale rows nobody could deliver expire instead of arriving a day late", async () => {
    await put("old", "700");
    clock.advance(13 * 3600_000);
    const s = await dispatcher().drainOnce();
    expect(s).toMatchObject({ expired: 1, sent: 0 });
    expect((await row("old")).lastError).toContain("expired");
  });

  it("resolves the recipient: notifyPlatform first, else the most recent binding, else nobody", async () => {
    const staff = await t.db.staff.create({ data: { code: "M9", name: "x", role: "manager" } });
    expect(await resolveRecipient(t.db, staff)).toBeNull();
    await t.db.chatIdentity.create({ data: { platform: "lark", platformUserId: "ou_1", staffId: staff.id, createdAt: new Date("2026-01-01") } });
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "42", staffId: staff.id, createdAt: new Date("2026-02-01") } });
    expect(await resolveRecipient(t.db, staff)).toEqual({ platform: "telegram", chatId: "42" });
    expect(await resolveRecipient(t.db, { ...staff, notifyPlatform: "lark" })).toEqual({ platform: "lark", chatId: "ou_1" });
  });

  it("reads rate limits and refusals from SDK errors", () => {
    expect(toSendError({ error_code: 429, description: "Too Many Requests", parameters: { retry_after: 5 } })).toMatchObject({ status: 429, retryAfterMs: 5000, permanent: false });
    expect(toSendError({ error_code: 403, description: "Forbidden" })).toMatchObject({ status: 403, permanent: true });
    expect(toSendError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toMatchObject({ permanent: false, status: undefined });
  });
});
