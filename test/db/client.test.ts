import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db.ts";

const row = (key: string) => ({ key, kind: "test", platform: "telegram", chatId: "c", payload: "{}", nextAttemptAt: new Date("2026-11-23T00:00:00Z") });

describe("database client: transactions take the write lock when they begin", () => {
  let t: TestDb;
  let other: Database.Database | null = null;
  afterEach(async () => {
    other?.close();
    other = null;
    await t?.close();
  });

  // Another process's connection, not willing to wait: it tells whether the write lock is free.
  const otherWrites = (key: string) => other!.prepare("INSERT INTO Outbox (key, kind, platform, chatId, payload, nextAttemptAt, updatedAt) VALUES (?, 'test', 'telegram', 'c', '{}', 0, 0)").run(key);

  it("a transaction that reads first still holds the lock, so its later write cannot fail to upgrade", async () => {
    t = await createTestDb();
    other = new Database(path.join(t.dir, "test.db"), { timeout: 0 });
    await t.db.$transaction(async (tx) => {
      // The read a concurrent task slips into an open transaction on the shared connection.
      await t.db.outbox.count();
      await tx.outbox.count();
      // A DEFERRED transaction would let this write in, and then fail its own with SQLITE_BUSY_SNAPSHOT.
      expect(() => otherWrites("from-other-process")).toThrow(/locked|busy/i);
      await tx.outbox.create({ data: row("in-transaction") });
    });
    // Outside a transaction the other process writes freely.
    otherWrites("after-commit");
    expect((await t.db.outbox.findMany({ orderBy: { id: "asc" } })).map((r) => r.key)).toEqual(["in-transaction", "after-commit"]);
  });

  it("transactions run one at a time on the connection and a failed one releases its turn", async () => {
    t = await createTestDb();
    const order: string[] = [];
    const first = t.db.$transaction(async (tx) => {
      order.push("first:begin");
      await tx.outbox.create({ data: row("first") });
      await new Promise((r) => setImmediate(r));
      order.push("first:end");
    });
    const failing = t.db
      .$transaction(async (tx) => {
        order.push("failing:begin");
        await tx.outbox.create({ data: row("failing") });
        throw new Error("rolled back");
      })
      .catch((e: Error) => e.message);
    const third = t.db.$transaction(async (tx) => {
      order.push("third:begin");
      await tx.outbox.create({ data: row("third") });
    });
    expect(await Promise.all([first, failing, third])).toEqual([undefined, "rolled back", undefined]);
    expect(order).toEqual(["first:begin", "first:end", "failing:begin", "third:begin"]);
    expect((await t.db.outbox.findMany({ orderBy: { id: "asc" } })).map((r) => r.key)).toEqual(["first", "third"]);
  });
});

describe("database client: a chain of statements lets the event loop turn", () => {
  let t: TestDb;
  afterEach(async () => t?.close());

  it("every statement outside a transaction gives waiting callbacks a turn (the synchronous driver would starve them)", async () => {
    t = await createTestDb();
    let turns = 0;
    let stop = false;
    const spin = () => {
      if (stop) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    // 40 statements in a row with no await of anything but the database.
    for (let i = 0; i < 40; i++) await t.db.staff.count();
    stop = true;
    // One turn per statement at least; before, the whole chain ran in one go of microtasks (0-1 turns).
    expect(turns).toBeGreaterThanOrEqual(40);
  });
});
