import { afterEach, describe, expect, it } from "vitest";
import { applyMigrations } from "../../src/db/migrate.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

describe("database", () => {
  let t: TestDb | undefined;
  afterEach(async () => t?.close());

  it("applies migrations once and the client reads and writes", async () => {
    t = await createTestDb();
    expect(applyMigrations(t.url)).toEqual([]);
    const s = await t.db.staff.create({ data: { code: "S1", name: "王经理", role: "supervisor" } });
    const m = await t.db.staff.create({ data: { code: "M1", name: "李明", role: "manager", supervisorId: s.id } });
    const team = await t.db.staff.findUnique({ where: { id: s.id }, include: { team: true } });
    expect(team?.team.map((x) => x.id)).toEqual([m.id]);
  });
});
