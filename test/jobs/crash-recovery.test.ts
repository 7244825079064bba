import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { InstanceRegistry } from "../../src/core/instances.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { virtualSleep } from "../helpers/fake-chat.ts";
import { FakeSendServer, HttpChatPort } from "../helpers/fake-send-server.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const script = path.join(repoRoot, "test/helpers/crash-instance-main.ts");
const MESSAGES = 300;
const CHILD_IN_FLIGHT = 4;

/** Resolves when `check` holds, polling the event loop (no fixed wall-clock wait). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

describe("kill -9 mid-dispatch", () => {
  let t: TestDb | undefined;
  let server: FakeSendServer | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await server?.stop();
    await t?.close();
  });

  it("a restarted instance frees the dead one's claims at once and delivers the rest within 30 s; duplicates ≤ sends in flight", async () => {
    t = await createTestDb();
    server = new FakeSendServer(20);
    const port = await server.start();
    for (let i = 0; i < MESSAGES; i++) {
      await enqueue({ db: t.db, key: `crash:${i}`, kind: "crash", platform: "telegram", chatId: `chat-${i}`, reply: { text: `message ${i}` } });
    }

    child = spawn(process.execPath, ["--import", "tsx", script, t.url, String(port), String(CHILD_IN_FLIGHT)], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((resolve) => child!.on("exit", () => resolve()));
    await until(() => out.includes("\n") || child!.exitCode !== null);
    if (child.exitCode !== null) throw new Error(`instance exited early: ${err}`);
    const dead = JSON.parse(out.split("\n")[0]!) as { instanceId: string; pid: number };

    // Kill it a third of the way through: it holds queued claims and has sends in flight.
    await until(() => server!.received.length >= MESSAGES / 3);
    child.kill("SIGKILL");
    await exited;
    const deliveredBeforeKill = new Set(server.received.map((r) => r.key)).size;
    const claimedByDead = await t.db.outbox.count({ where: { status: "sending", claimedBy: dead.instanceId } });
    expect(claimedByDead).toBeGreaterThan(0);
    expect(deliveredBeforeKill).toBeLessThan(MESSAGES);
    // Answers to requests the dead process made must not count as anything.
    await until(() => server!.open === 0);

    // The restart: virtual time from here, its claims would protect the rows for 5 more minutes.
    const clock = new FakeClock(new Date());
    const startedAt = clock.now().getTime();
    const instances = new InstanceRegistry({ db: t.db, clock, log: silentLogger, instanceId: "restarted" });
    const reports = await instances.register();
    expect(reports).toEqual([{ reason: "process-gone", instances: 1, outbox: claimedByDead, jobRuns: 0 }]);
    expect(await t.db.instance.findUnique({ where: { id: dead.instanceId } })).toBeNull();

    const dispatcher = new Dispatcher({ db: t.db, ports: new Map([["telegram", new HttpChatPort("telegram", port)]]), clock, log: silentLogger, instanceId: "restarted", sleep: virtualSleep(clock) });
    await dispatcher.drainAll();
    const elapsedMs = clock.now().getTime() - startedAt;
    await instances.stop();

    const keys = server.received.map((r) => r.key);
    const unique = new Set(keys);
    expect(unique.size).toBe(MESSAGES);
    expect(await t.db.outbox.count({ where: { status: "sent" } })).toBe(MESSAGES);
    // Only the sends in flight at the kill can go out twice (at-least-once), each at most once more.
    const duplicates = keys.length - unique.size;
    expect(duplicates).toBeLessThanOrEqual(CHILD_IN_FLIGHT);
    // 25/s to distinct chats: the rest (≤ 200) go in ≤ 8 s of platform time, far inside 30 s.
    expect(elapsedMs).toBeLessThanOrEqual(30_000);
    expect(await t.db.instance.count()).toBe(0);
    if (process.env.VISITMATE_TEST_FIGURES) {
      process.stderr.write(`crash figures: delivered before kill ${deliveredBeforeKill}, claimed by dead ${claimedByDead}, duplicates ${duplicates}, restart drained in ${elapsedMs} ms virtual\n`);
    }
  });
});
