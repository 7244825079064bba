import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { dbCondition } from "../../src/core/fault-log.ts";
import { createLogger, type Logger } from "../../src/core/logger.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import { Scheduler, type Job } from "../../src/core/scheduler.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";

const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

describe("one log line per database condition", () => {
  let t: TestDb;
  let clock: FakeClock;
  let lines: string[];
  let log: Logger;
  beforeEach(async () => {
    t = await createTestDb();
    clock = new FakeClock(local("2026-11-23", "10:00"));
    lines = [];
    log = createLogger("info", (l) => (lines.push(l), process.env.DBG && process.stderr.write(l + "\n")));
  });
  afterEach(async () => t.close());

  const pragma = async (sql: string) => t.db.$queryRawUnsafe(`PRAGMA ${sql}`);
  const pageCount = async () => Number((await t.db.$queryRawUnsafe<{ page_count: bigint }[]>("PRAGMA page_count"))[0]!.page_count);

  it("a job failing every minute on a full disk (real SQLITE_FULL) logs one error naming it and one 'recovered'", async () => {
    let n = 0;
    // Writes like the complaint job does (a notice per run), big enough to need new pages each time.
    const job: Job = {
      id: "complaint-sla",
      cron: () => "* * * * *",
      run: async (ctx) => {
        await enqueue({ db: ctx.deps.db, key: `notice:${n++}`, kind: "test", platform: "telegram", chatId: "1", reply: { text: "x".repeat(20_000) }, clock });
      },
    };
    const scheduler = new Scheduler({ deps: { db: t.db, policy: loadPolicy(), clock, log }, jobs: [job], instanceId: "one" });
    expect((await scheduler.sweep()).map((r) => r.outcome)).toEqual(["ran"]);

    await pragma(`max_page_count = ${await pageCount()}`);
    const outcomes: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      clock.advance(60_000);
      outcomes.push(...(await scheduler.sweep()).map((r) => r.outcome));
    }
    expect(outcomes).toEqual(["failed", "failed", "failed", "failed", "failed"]);
    const errors = lines.filter((l) => l.includes(" ERROR "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("disk full (SQLITE_FULL");
    expect(errors[0]).toContain("complaint-sla");

    // Space returns.
    await pragma("max_page_count = 1073741823");
    clock.advance(60_000);
    expect((await scheduler.sweep()).map((r) => r.outcome)).toEqual(["ran"]);
    clock.advance(60_000);
    expect((await scheduler.sweep()).map((r) => r.outcome)).toEqual(["ran"]);
    const recovered = lines.filter((l) => l.includes("recovered"));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toContain('"failuresNotLogged":4');
    expect(lines.filter((l) => l.includes(" ERROR "))).toHaveLength(1);
  });

  it("the dispatcher loop on a read-only database logs 'outbox dispatcher failed' once, then 'recovered' once", async () => {
    await enqueue({ db: t.db, key: "k", kind: "test", platform: "telegram", chatId: "1", reply: { text: "hi" }, clock });
    const port = new FakeChatPort("telegram", clock);
    const pollMs = 2_000;
    // Virtual time, plus a turn of the event loop per sleep: a failing query may reject without
    // one, and the loop would then spin in microtasks, starving this test.
    const sleep = async (ms: number) => (await virtualSleep(clock)(ms), await new Promise<void>((r) => setImmediate(r)));
    const dispatcher = new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log, instanceId: "d", sleep, pollMs });
    await pragma("query_only = 1");
    const startedAt = clock.now().getTime();
    dispatcher.start();
    // Each failed round idles one poll of virtual time: wait for five of them.
    while (clock.now().getTime() - startedAt < 5 * pollMs) await new Promise((r) => setImmediate(r));
    await pragma("query_only = 0");
    while (!port.sent.length) await new Promise((r) => setImmediate(r));
    await dispatcher.stop();
    const errors = lines.filter((l) => l.includes(" ERROR "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("outbox dispatcher failed: database unwritable: read-only");
    expect(lines.filter((l) => l.includes("recovered: outbox dispatcher"))).toHaveLength(1);
  });

  it("names the condition from the driver's code or message, and nothing else", () => {
    expect(dbCondition({ code: "SQLITE_FULL" })).toBe("disk-full");
    expect(dbCondition(new Error("attempt to write a readonly database"))).toBe("read-only");
    expect(dbCondition(new Error("Operation has timed out"))).toBe("locked");
    expect(dbCondition(Object.assign(new Error("wrapped"), { cause: { code: "SQLITE_BUSY" } }))).toBe("locked");
    expect(dbCondition(new Error("Bad Gateway"))).toBeNull();
  });
});
