import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.ts";
import { openDb } from "../../src/db/client.ts";
import { start } from "../../src/main.ts";
import { tempDbUrl } from "../helpers/console.ts";
import { waitUntil } from "../helpers/platform-app.ts";

describe("npm start with the scheduler", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  afterEach(() => tmp?.cleanup());

  it("catches up the morning list into the terminal without holding up the chat, and shuts down cleanly", { timeout: 180_000 }, async () => {
    tmp = tempDbUrl();
    const input = new PassThrough();
    const output = new PassThrough();
    let text = "";
    output.on("data", (c: Buffer) => (text += c.toString("utf8")));
    // Monday 23 Nov 2026, 09:00 in Shanghai: the 07:30 morning list was missed while down.
    const done = start({ env: { DATABASE_URL: tmp.url, LOG_LEVEL: "error" }, input, output, clock: new FakeClock("2026-11-23T01:00:00Z") });
    input.write("/whoami\n");
    // Until the catch-up has printed (the test timeout is the safety net).
    await waitUntil(() => text.includes("早上好"), "the caught-up morning list", 80_000);
    // The other manager's morning list went to their terminal inbox: shown once acting as them.
    await waitUntil(async () => {
      const db = await openDb(tmp.url);
      try {
        return (await db.outbox.count({ where: { kind: "morning-list", status: "sent" } })) === 2;
      } finally {
        await db.$disconnect();
      }
    }, "both morning lists sent", 80_000);
    expect(text).not.toContain("陈静，早上好");
    input.write("/as M002\n");
    await waitUntil(() => text.includes("陈静，早上好"), "M002's inbox", 80_000);
    input.end();
    await done;
    expect(text).toContain("👤 李明（M001）");
    expect(text).toContain("☀️ 李明，早上好！");
    expect(text).toContain("📨 陈静，您不在终端时收到 1 条消息：");
    expect(text).toContain("11月23日（周一） 拜访清单");
    // The chat answered before the scheduler's catch-up printed anything.
    expect(text.indexOf("👤 李明（M001）")).toBeLessThan(text.indexOf("早上好"));

    const db = await openDb(tmp.url);
    try {
      expect(await db.outbox.findMany({ select: { kind: true, status: true, platform: true, chatId: true }, orderBy: { chatId: "asc" } })).toEqual([
        { kind: "morning-list", status: "sent", platform: "console", chatId: "terminal:M001" },
        { kind: "morning-list", status: "sent", platform: "console", chatId: "terminal:M002" },
        // The supervisor's 08:30 alert of key customers gone overdue (the demo has some) is caught up too.
        { kind: "overdue-alert", status: "sent", platform: "console", chatId: "terminal:S001" },
      ]);
      expect(await db.jobRun.findFirst({ where: { jobId: "morning-list" } })).toMatchObject({ status: "done" });
    } finally {
      await db.$disconnect();
    }
  });
});
