import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { copiedTables, copyDatabase } from "../../src/db/copy.ts";
import { runCli } from "../helpers/cli.ts";
import { runConsoleScript, withDb } from "../helpers/console.ts";
import { createPgTestDatabase } from "../helpers/db.ts";
import { freePort } from "../helpers/pg-cluster.ts";

// Wednesday 25 Nov 2026, 09:30 in Shanghai: a visit day of the demo manager 李明.
const WEDNESDAY_0930 = "2026-11-25T01:30:00Z";
const T = (iso: string) => new Date(iso);

type Delegate = { findMany(args: object): Promise<Record<string, unknown>[]>; count(): Promise<number> };
const delegate = (db: Db, table: string) => (db as unknown as Record<string, Delegate>)[table[0]!.toLowerCase() + table.slice(1)]!;
const keyOf = (table: string) => (table === "AppMeta" ? "key" : "id");

async function allRows(db: Db, table: string): Promise<Record<string, unknown>[]> {
  return delegate(db, table).findMany({ orderBy: { [keyOf(table)]: "asc" } });
}

/** A row in every table the demo and one visit leave empty, with odd values (nulls, milliseconds, CJK, a later supervisor). */
async function fillEveryTable(db: Db): Promise<void> {
  const m = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
  const c = await db.customer.findFirstOrThrow({ where: { managerId: m.id }, orderBy: { id: "asc" } });
  // A manager created before his supervisor: the self-reference points at a later id.
  const early = await db.staff.create({ data: { code: "M900", name: "早到的经理", role: "manager", startLat: null, createdAt: T("2026-11-01T00:00:00.123Z") } });
  const late = await db.staff.create({ data: { code: "S900", name: "后到的主管", role: "supervisor" } });
  await db.staff.update({ where: { id: early.id }, data: { supervisorId: late.id } });
  await db.keyPerson.create({ data: { customerId: c.id, name: "老板娘" } });
  await db.purchasePlan.create({ data: { customerId: c.id, managerId: m.id, month: "2026-11", lines: "[]" } });
  const complaint = await db.complaint.create({ data: { customerId: c.id, managerId: m.id, openedAt: T("2026-11-24T03:04:05.678Z"), text: "断货" } });
  await db.complaintEvent.create({ data: { complaintId: complaint.id, kind: "opened" } });
  await db.dayOff.create({ data: { staffId: m.id, date: "2026-12-01" } });
  await db.formSession.create({ data: { platform: "console", chatId: "c1", userId: "u1", formId: "visit", formVersion: 1, stepId: "mode", expiresAt: T("2026-11-25T02:00:00Z") } });
  await db.jobRun.create({ data: { jobId: "morning", slot: "2026-11-25", claimedBy: "host-1", leaseUntil: T("2026-11-25T01:00:00Z") } });
  await db.bindCode.create({ data: { codeHash: "h".repeat(64), staffId: m.id, expiresAt: T("2026-11-26T00:00:00Z") } });
  await db.bindAttempt.create({ data: { platform: "telegram", platformUserId: "42", at: T("2026-11-25T00:00:00Z"), ok: false } });
  await db.bindSwitch.create({ data: { platform: "telegram", platformUserId: "42", fromStaffId: m.id, toStaffId: late.id, expiresAt: T("2026-11-26T00:00:00Z") } });
  await db.processedEvent.create({ data: { platform: "lark", eventId: "ev-1" } });
  await db.strangerNotice.create({ data: { platform: "lark", platformUserId: "ou_1", date: "2026-11-25" } });
  await db.workSummary.create({ data: { managerId: m.id, period: "week", periodStart: "2026-11-23" } });
  await db.platformState.create({ data: { instance: "host-1", platform: "telegram", state: "up", since: T("2026-11-25T00:00:00Z"), updatedAt: T("2026-11-25T00:00:01Z") } });
  await db.sentCard.create({ data: { platform: "lark", chatId: "oc_1", messageId: "om_1", text: "今天的拜访", choices: "[]", createdAt: T("2026-11-25T00:00:00Z") } });
  await db.instance.create({ data: { id: "host-1:123", host: "host-1", pid: 123, startedAt: T("2026-11-25T00:00:00Z"), heartbeatAt: T("2026-11-25T00:00:30Z") } });
  await db.classProposal.create({ data: { customerId: c.id, managerId: m.id, classId: "A", reason: "销量", createdAt: T("2026-11-25T00:00:00Z") } });
  const product = await db.product.create({ data: { code: "P1", name: "中华（硬）" } });
  await db.priceCollection.create({ data: { customerId: c.id, managerId: m.id, productId: product.id, week: "2026-W48", collectedAt: T("2026-11-25T00:00:00Z") } });
  await db.visitPhoto.create({ data: { hash: "f".repeat(64), mime: "image/jpeg", bytes: 1234, staffId: m.id, platform: "console", receivedAt: T("2026-11-25T01:00:00Z") } });
  await db.coordinateProposal.create({ data: { customerId: c.id, lat: 30.123456789, lng: 120.987654321, kind: "photo", basis: 3 } });
}

describe("db copy: SQLite → PostgreSQL, ids kept, counts verified", () => {
  let dir: string;
  let source: string;
  let todayOnSqlite: string;
  const clock = () => new FakeClock(WEDNESDAY_0930);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "visitmate-copy-"));
    source = `file:${path.join(dir, "pilot.db")}`;
    // The real start-up seeds the demo company; /today stores a plan, a logged stop stores a visit.
    await runConsoleScript({ url: source, clock: clock(), lines: ["/today", "2", "1", "3", "1"] });
    await withDb(source, fillEveryTable);
    todayOnSqlite = await runConsoleScript({ url: source, clock: clock(), lines: ["/today"] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the seeded source has rows in every table of the schema (a new model without a row here fails)", async () => {
    await withDb(source, async (db) => {
      for (const table of copiedTables()) expect(await delegate(db, table).count(), table).toBeGreaterThan(0);
    });
  });

  it("copies every table with all columns equal, prints the counts, new rows get max(id)+1, /today answers as on SQLite, and back to SQLite", async () => {
    const target = await createPgTestDatabase({ migrated: true });
    try {
      const run = await runCli(source, ["db", "copy", "--from", source, "--to", target.url], "en");
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      expect(run.out).toMatch(/^table\s+source\s+target\s+max id\s+check$/m);
      expect(run.out).toMatch(/^Customer\s+596\s+596\s+\d+\s+✓$/m);
      expect(run.out).toMatch(new RegExp(`Copied ${source.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} to .+: ${copiedTables().length} tables, \\d+ rows, ids kept`));

      const src = await openDb(source);
      const pg = await openDb(target.url);
      try {
        for (const table of copiedTables()) {
          // toEqual compares Dates as instants, floats exactly, nulls as nulls.
          expect(await allRows(pg, table), table).toEqual(await allRows(src, table));
        }
        const maxStaff = (await src.staff.aggregate({ _max: { id: true } }))._max.id!;
        const added = await pg.staff.create({ data: { code: "M999", name: "新经理", role: "manager" } });
        expect(added.id).toBe(maxStaff + 1);
        const maxVisit = (await src.visit.aggregate({ _max: { id: true } }))._max.id!;
        const anyVisit = await pg.visit.findFirstOrThrow();
        const { id: _id, ...visitData } = anyVisit;
        expect((await pg.visit.create({ data: { ...visitData, details: "{}" } })).id).toBe(maxVisit + 1);
        await pg.staff.delete({ where: { id: added.id } });
        await pg.visit.delete({ where: { id: maxVisit + 1 } });
      } finally {
        await src.$disconnect();
        await pg.$disconnect();
      }

      const todayOnPg = await runConsoleScript({ url: target.url, clock: clock(), lines: ["/today"] });
      expect(todayOnPg).toContain("📋");
      expect(todayOnPg).toBe(todayOnSqlite);

      // The pilot's way back: PostgreSQL → a new SQLite file, the same rows again.
      const back = `file:${path.join(dir, "back.db")}`;
      const result = await copyDatabase({ from: target.url, to: back, pageRows: 97 });
      expect("refused" in result ? result : "ok").toBe("ok");
      const a = await openDb(source);
      const b = await openDb(back);
      try {
        for (const table of copiedTables()) expect(await allRows(b, table), table).toEqual(await allRows(a, table));
        expect((await b.staff.create({ data: { code: "M998", name: "x", role: "manager" } })).id).toBe((await a.staff.aggregate({ _max: { id: true } }))._max.id! + 1);
      } finally {
        await a.$disconnect();
        await b.$disconnect();
      }
    } finally {
      await target.drop();
    }
  });

  it("refuses a non-empty target, the same database, a missing source, an unreachable server and another application's database: exit 1, nothing written, no password shown", async () => {
    const target = await createPgTestDatabase({ migrated: true });
    try {
      await withDb(target.url, (db) => db.appMeta.create({ data: { key: "someone", value: "was here" } }));
      const full = await runCli(source, ["db", "copy", "--from", source, "--to", target.url]);
      expect(full.code).toBe(1);
      expect(full.err).toContain("不是空的（AppMeta 1）");
      await withDb(target.url, async (db) => expect(await db.staff.count()).toBe(0));

      const same = await runCli(source, ["db", "copy", "--from", source, "--to", `file:${path.join(dir, ".", "pilot.db")}`, ], "en");
      expect([same.code, same.err]).toEqual([1, expect.stringContaining("--from and --to are the same database")]);
      const samePg = await copyDatabase({ from: target.url, to: target.url.replace("127.0.0.1", "localhost") });
      expect("refused" in samePg && samePg.refused).toBe("same-database");

      const missing = path.join(dir, "typo.db");
      const none = await runCli(source, ["db", "copy", "--from", `file:${missing}`, "--to", target.url], "en");
      expect([none.code, none.err]).toEqual([1, expect.stringContaining(`There is no source database at file:${missing}`)]);
      expect(existsSync(missing)).toBe(false);

      const port = await freePort();
      const down = await runCli(source, ["db", "copy", "--from", source, "--to", `postgresql://visitmate:s3cret@127.0.0.1:${port}/visitmate`], "en");
      expect(down.code).toBe(1);
      expect(down.err).toContain("Cannot open the target database (--to): Cannot reach the PostgreSQL server");
      expect(down.err).toContain(`postgresql://visitmate:***@127.0.0.1:${port}/visitmate`);
      expect(down.out + down.err).not.toContain("s3cret");

      // Another application's database: refused before migrating, so not one VisitMate table is created in it.
      const other = await createPgTestDatabase({ migrated: false });
      try {
        const c = new pg.Client({ connectionString: other.url });
        await c.connect();
        await c.query(`CREATE TABLE invoices (id int PRIMARY KEY); INSERT INTO invoices VALUES (1)`);
        const foreign = await runCli(source, ["db", "copy", "--from", source, "--to", other.url], "en");
        expect([foreign.code, foreign.err]).toEqual([1, expect.stringContaining("holds tables that are not VisitMate's (invoices)")]);
        const tables = await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
        await c.end();
        expect(tables.rows.map((r) => r.table_name)).toEqual(["invoices"]);
      } finally {
        await other.drop();
      }

      const usage = await runCli(source, ["db", "copy", "--from", source], "en");
      expect(usage.code).toBe(2);
      expect(usage.err).toContain("npx visitmate db copy --from SOURCE_URL --to TARGET_URL");
    } finally {
      await target.drop();
    }
  });

  it("a row PostgreSQL rejects halfway (an orphan SQLite never checked) rolls the whole copy back: the target stays empty", async () => {
    const broken = path.join(dir, "broken.db");
    copyFileSync(path.join(dir, "pilot.db"), broken);
    const raw = new Database(broken);
    raw.pragma("foreign_keys = OFF");
    // A visit of a customer deleted long ago, written while foreign keys were off (old SQLite tools do that).
    const visit = raw.prepare(`SELECT * FROM "Visit" ORDER BY id DESC LIMIT 1`).get() as Record<string, unknown>;
    const cols = Object.keys(visit).filter((k) => k !== "id");
    raw.prepare(`INSERT INTO "Visit" (${cols.map((k) => `"${k}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...cols.map((k) => (k === "customerId" ? 999_999 : visit[k])));
    raw.close();
    const target = await createPgTestDatabase({ migrated: true });
    try {
      const run = await runCli(source, ["db", "copy", "--from", `file:${broken}`, "--to", target.url], "en");
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/Copying table Visit failed; everything was rolled back and the target .+ is still empty: .*(23503|foreign key)/);
      await withDb(target.url, async (db) => {
        for (const table of copiedTables()) expect(await delegate(db, table).count(), table).toBe(0);
      });
    } finally {
      await target.drop();
    }
  });
});
