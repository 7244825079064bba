import { afterEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { classifyAll } from "../../../src/cli/classify.cli.ts";
import { DEMO_TOWNSHIPS, demoTownshipAt, seedDemoIfEmpty } from "../../../src/modules/demo/demo.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

describe("demo company", () => {
  let t: TestDb;
  afterEach(async () => t.close());

  for (const preset of ["tobacco-retail", "key-account"]) {
    it(`${preset}: every manager's class mix is within the standard's ranges, with visit history`, async () => {
      t = await createTestDb();
      const deps = { db: t.db, policy: loadPolicy({ preset }), clock: new FakeClock("2026-11-23T00:00:00Z"), log: silentLogger };
      expect(await seedDemoIfEmpty(deps)).toBe(true);
      expect(await seedDemoIfEmpty(deps)).toBe(false);
      const report = await classifyAll(deps);
      expect(report.managers).toHaveLength(2);
      for (const m of report.managers) {
        expect(m.total).toBeGreaterThan(preset === "key-account" ? 70 : 290);
        expect(m.mix.filter((r) => r.outOfRange)).toEqual([]);
      }
      const neverVisited = await t.db.customer.count({ where: { lastVisitAt: null } });
      expect(neverVisited / (await t.db.customer.count())).toBeLessThan(0.05);
    });
  }
});

describe("demo shops", () => {
  let t: TestDb;
  afterEach(async () => t.close());

  for (const preset of ["tobacco-retail", "key-account"]) {
    it(`${preset}: each address names the township its coordinates fall in; no manager has two shops of one name`, async () => {
      t = await createTestDb();
      const deps = { db: t.db, policy: loadPolicy({ preset }), clock: new FakeClock("2026-11-23T00:00:00Z"), log: silentLogger };
      await seedDemoIfEmpty(deps);
      const shops = await t.db.customer.findMany({ select: { managerId: true, name: true, address: true, lat: true, lng: true } });
      // The demo's size is what the start-up notice and the screenshots show.
      expect(shops).toHaveLength(preset === "key-account" ? 158 : 596);
      const wrong = shops.filter((s) => !s.address.startsWith(demoTownshipAt(s)));
      expect(wrong).toEqual([]);
      const townships = new Set(shops.map((s) => demoTownshipAt(s)));
      expect(townships.size).toBeGreaterThanOrEqual(6);
      for (const s of shops) expect(DEMO_TOWNSHIPS.some((tw) => s.address.startsWith(tw.name))).toBe(true);
      const names = new Set(shops.map((s) => `${s.managerId} ${s.name}`));
      expect(names.size).toBe(shops.length);
    });
  }
});
