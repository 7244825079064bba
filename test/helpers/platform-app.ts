import { onTestFailed } from "vitest";
import { createAppRouter } from "../../src/app.ts";
import { loadPolicy, type TPolicy } from "../../src/config/policy.ts";
import type { ChatPort } from "../../src/core/chat.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { createLogger, type Logger } from "../../src/core/logger.ts";
import { Dispatcher, enqueue, resolveRecipient } from "../../src/core/outbox.ts";
import type { AppDeps, Router } from "../../src/core/router.ts";
import type { Db } from "../../src/db/client.ts";
import { seedDemoIfEmpty } from "../../src/modules/demo/demo.service.ts";
import { createBindCode } from "../../src/modules/staff/binding.service.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDb } from "../../src/db/client.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { FsPhotoStore } from "../../src/modules/evidence/photo-store.ts";

/** Monday 23 Nov 2026, 10:00 in Shanghai: a visit day of the demo manager 李明 (M001). */
export const MONDAY_10AM = "2026-11-23T02:00:00Z";

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  extra?: Record<string, unknown>;
}

export interface PlatformApp {
  testDb: TestDb;
  db: Db;
  clock: FakeClock;
  policy: TPolicy;
  deps: AppDeps;
  router: Router;
  /** The app's one outbox dispatcher (running): adapters built with `deps` send their replies through it. */
  dispatcher: Dispatcher;
  logs: LogLine[];
  /** A one-time code for a staff member (default M001). */
  bindCode(staffCode?: string): Promise<string>;
  /** A scheduled reminder to the staff member, through the outbox to wherever they chose. */
  remind(ports: Map<string, ChatPort>, text: string, staffCode?: string): Promise<{ platform: string; chatId: string }>;
  close(): Promise<void>;
}

/** A recording logger: tests look at what was logged instead of printing it. */
export function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine["level"]) => (msg: string, extra?: Record<string, unknown>) => void lines.push({ level, msg, extra });
  return { info: at("info"), warn: at("warn"), error: at("error") };
}

let template: Promise<string> | null = null;

/**
 * The demo company seeded once per test process into a template file (seeding takes seconds);
 * each test then gets its own copy, so tests stay independent.
 */
function seededTemplate(policy: TPolicy): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "visitmate-template-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "template.db");
    const db = await openDb(`file:${file}`);
    await seedDemoIfEmpty({ db, policy, clock: new FakeClock(MONDAY_10AM) });
    await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    await db.$disconnect();
    return file;
  })();
  return template;
}

/** A real SQLite file with the demo company, the real router, a fake clock. */
export async function createPlatformApp(opts: { busyTimeoutMs?: number; retryDelaysMs?: number[] } = {}): Promise<PlatformApp> {
  const policy = loadPolicy({ preset: "tobacco-retail" });
  const testDb = await createTestDb({ from: await seededTemplate(policy), busyTimeoutMs: opts.busyTimeoutMs });
  const clock = new FakeClock(MONDAY_10AM);
  const logs: LogLine[] = [];
  const log = process.env.VISITMATE_TEST_LOG ? createLogger("info") : recordingLogger(logs);
  // A failing test shows what the app logged (otherwise recorded silently).
  onTestFailed(() => {
    if (logs.length) console.error(`app log:\n${logs.map((l) => `  ${l.level} ${l.msg} ${l.extra ? JSON.stringify(l.extra) : ""}`).join("\n")}`);
  });
  // The clock is fake and stands still: no send spacing here (the adapters' own throttles still apply).
  const dispatcher = new Dispatcher({ db: testDb.db, ports: new Map(), clock, log, pollMs: 100, limits: { telegram: {}, lark: {}, wechat: {}, console: {} } });
  const photos = new FsPhotoStore(path.join(testDb.dir, "photos"));
  const deps: AppDeps = { db: testDb.db, policy, clock, log, replies: { dispatcher, retryDelaysMs: opts.retryDelaysMs }, photos };
  const router = createAppRouter(deps);
  dispatcher.start();
  return {
    testDb,
    db: testDb.db,
    clock,
    policy,
    deps,
    router,
    dispatcher,
    logs,
    async bindCode(staffCode = "M001") {
      const created = await createBindCode({ db: testDb.db, clock, staffCode });
      return created!.code;
    },
    async remind(ports, text, staffCode = "M001") {
      const staff = (await testDb.db.staff.findUnique({ where: { code: staffCode } }))!;
      const to = await resolveRecipient(testDb.db, staff);
      if (!to) throw new Error("no recipient");
      const key = `test-reminder:${staff.code}:${text}`;
      await enqueue({ db: testDb.db, key, kind: "test-reminder", staffId: staff.id, platform: to.platform, chatId: to.chatId, reply: { text }, clock });
      for (const port of ports.values()) dispatcher.addPort(port);
      dispatcher.wake();
      await waitUntil(async () => (await testDb.db.outbox.findUnique({ where: { key } }))?.status !== "pending", "the reminder to be sent");
      await waitUntil(async () => (await testDb.db.outbox.findUnique({ where: { key } }))?.status !== "sending", "the reminder to be sent");
      const row = await testDb.db.outbox.findUnique({ where: { key } });
      if (row?.status !== "sent") throw new Error(`reminder not sent: ${JSON.stringify(row)}`);
      return to;
    },
    async close() {
      await dispatcher.stop();
      await testDb.close();
    },
  };
}

/** Waits (bounded) until `check` holds. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
