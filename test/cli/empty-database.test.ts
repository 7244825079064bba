import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { AppError } from "../../src/core/errors.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { translator } from "../../src/i18n/i18n.ts";
import { exportPlan } from "../../src/cli/plan.cli.ts";
import { bindCodeText, bindingsText, unbindText } from "../../src/cli/staff.cli.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

/** The CLI on a database nobody has imported into yet says so, and how to start (issue #18). */

const policy = loadPolicy();
const clock = new FakeClock("2026-11-23T02:00:00Z");
let t: TestDb;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => t.close());

const deps = () => ({ db: t.db, policy, clock, log: silentLogger });
const zhEmpty = translator("zh-CN")("cli.db-empty");

describe("commands that need staff", () => {
  it("on an empty database say it is empty and how to import or seed the demo, in zh-CN (default) and en", async () => {
    expect(zhEmpty).toContain("数据库里还没有任何员工");
    expect(zhEmpty).toContain("npx visitmate import managers");
    expect(zhEmpty).toContain("npm start");
    expect(translator("en")("cli.db-empty")).toContain("npx visitmate import managers");
    for (const result of [await bindCodeText(deps(), "M001"), await bindingsText(deps(), "M001"), await unbindText(deps(), "M001", "telegram")]) {
      expect(result.ok).toBe(false);
      expect(result.text).toBe(zhEmpty + "\n");
      expect(result.text).not.toContain("M001");
    }
    const err = (await exportPlan(deps(), { manager: "M001", from: "2026-11-23", weeks: 1 }).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.userMessage).toEqual({ key: "cli.db-empty", params: {} });
  });

  it("with staff, an unknown code is still named", async () => {
    await t.db.staff.create({ data: { code: "M002", name: "陈静", role: "manager" } });
    expect((await bindCodeText(deps(), "M001")).text).toBe("没有编码为“M001”的在职员工。\n");
    expect((await bindingsText(deps(), "M001")).text).toBe("没有编码为“M001”的员工。\n");
    const err = (await exportPlan(deps(), { manager: "M001", from: "2026-11-23", weeks: 1 }).catch((e: unknown) => e)) as AppError;
    expect(err.userMessage).toEqual({ key: "cli.staff.unknown", params: { code: "M001" } });
  });
});
