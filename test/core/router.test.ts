import { afterEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { AppError } from "../../src/core/errors.ts";
import { createRouter } from "../../src/core/router.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { recordingLogger, type LogLine } from "../helpers/platform-app.ts";

describe("router catch boundary", () => {
  let t: TestDb;
  afterEach(async () => t?.close());

  it("answers a domain refusal with its catalogue message in the user's language; logs name the command, never the text", async () => {
    t = await createTestDb();
    const staff = await t.db.staff.create({ data: { code: "M9", name: "测试", role: "manager", locale: "en" } });
    await t.db.chatIdentity.create({ data: { platform: "console", platformUserId: "u1", staffId: staff.id } });
    const logs: LogLine[] = [];
    const router = createRouter({
      deps: { db: t.db, policy: loadPolicy(), clock: new FakeClock("2026-11-23T02:00:00Z"), log: recordingLogger(logs) },
      commands: [
        { name: "refuse", audience: "manager", helpKey: "help.today", run: () => Promise.reject(new AppError("visit.gone", { message: "visit 7 is gone", userMessage: { key: "errors.visit.gone" } })) },
        { name: "crash", audience: "manager", helpKey: "help.today", run: () => Promise.reject(new Error("boom")) },
      ],
    });
    const refused = await router.handle({ platform: "console", chatId: "u1", userId: "u1", text: "/refuse 13800138000" });
    expect(refused).toEqual([{ text: "The record you were editing is gone (perhaps undone). Send /log to record it again." }]);
    const crashed = await router.handle({ platform: "console", chatId: "u1", userId: "u1", text: "/crash secret-code-123" });
    expect(crashed[0]!.text).toContain("Sorry, something went wrong");
    expect(logs.map((l) => l.extra?.command)).toEqual(["/refuse", "/crash"]);
    expect(JSON.stringify(logs)).not.toMatch(/13800138000|secret-code-123/);
  });
});
