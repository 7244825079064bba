import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attachmentBytes, attachmentsOf, PartProgress, safeFileName, sendsText } from "../../src/adapters/attachments.ts";
import { larkFileType, larkUploadKind, LARK_FILE_LIMIT, LARK_IMAGE_LIMIT } from "../../src/adapters/lark/lark.mapper.ts";
import { isPhotoRefusal, telegramFileName, telegramUploadMethod, TELEGRAM_DOCUMENT_LIMIT, TELEGRAM_PHOTO_LIMIT } from "../../src/adapters/telegram/telegram.mapper.ts";
import { deliver, DEFAULT_DELIVERY } from "../../src/adapters/platform.ts";
import { SendError, type Reply } from "../../src/core/chat.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Dispatcher, enqueue } from "../../src/core/outbox.ts";
import { CHART, EXPORT, reportReply } from "../helpers/attachments.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { FakeChatPort, virtualSleep } from "../helpers/fake-chat.ts";

describe("attachments (shared adapter helpers)", () => {
  it("sizes the decoded content from the base64 alone", () => {
    for (const n of [1, 2, 3, 4, 5, 100, 4001]) expect(attachmentBytes({ ...CHART, base64: Buffer.alloc(n, 7).toString("base64") })).toBe(n);
  });

  it("refuses a malformed or empty attachment for good, before anything is sent", () => {
    expect(attachmentsOf({ text: "x" })).toEqual([]);
    expect(attachmentsOf(reportReply())).toEqual([CHART, EXPORT]);
    const bad: Reply[] = [
      { text: "x", attachments: [{ ...CHART, kind: "video" as never }] },
      { text: "x", attachments: [{ ...CHART, base64: "not base64!" }] },
      { text: "x", attachments: [{ ...CHART, base64: "" }] },
      { text: "x", attachments: [{ ...CHART, name: undefined as never }] },
      { text: "x", attachments: "chart.png" as never },
    ];
    for (const r of bad) {
      const err = (() => {
        try {
          attachmentsOf(r);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ permanent: true });
    }
  });

  it("sends the text unless it is empty and only carries attachments (choices keep it)", () => {
    expect(sendsText({ text: "hi" })).toBe(true);
    expect(sendsText({ text: "" })).toBe(true);
    expect(sendsText({ text: "", attachments: [CHART] })).toBe(false);
    expect(sendsText({ text: "  \n", attachments: [CHART] })).toBe(false);
    expect(sendsText({ text: "", choices: [{ label: "a", value: "a" }], attachments: [CHART] })).toBe(true);
  });

  it("makes file names safe: no folders, no control or reserved characters, an extension, bounded length", () => {
    const name = (n: string, mime = "image/png", kind: "image" | "file" = "image") => safeFileName({ name: n, mime, kind });
    expect(name("团队周报-2026-12-07.png")).toBe("团队周报-2026-12-07.png");
    expect(name("../../etc/passwd", "text/plain", "file")).toBe("etc_passwd.txt");
    expect(name("C:\\Users\\x\\..\\report.xlsx", "application/octet-stream", "file")).toBe("C__Users_x_report.xlsx");
    expect(name("..")).toBe("image.png");
    expect(name("")).toBe("image.png");
    expect(name(".hidden.png")).toBe("hidden.png");
    expect(name("a\u0000b\r\nc?.png")).toBe("abc_.png");
    expect(name("周报 v1.2 final", "image/png")).toBe("周报 v1.2 final.png");
    expect(name("team", EXPORT.mime, "file")).toBe("team.xlsx");
    const long = name(`${"报".repeat(300)}.png`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith("报.png")).toBe(true);
    // grammY writes the name unquoted into the part header.
    expect(telegramFileName("a;b.png")).toBe("a_b.png");
  });

  it("a keyed retry resumes after the parts already delivered; other content under the key starts over", async () => {
    const progress = new PartProgress();
    const done: string[] = [];
    let failAt: string | null = "b";
    const part = (id: string) => async () => {
      if (failAt === id) {
        failAt = null;
        throw new SendError("network");
      }
      done.push(id);
    };
    const reply = reportReply();
    await expect(progress.run("k1", reply, [part("a"), part("b"), part("c")])).rejects.toThrow("network");
    await progress.run("k1", reply, [part("a"), part("b"), part("c")]);
    expect(done).toEqual(["a", "b", "c"]);
    // Sent whole: a repeat (a database error after the send) shows nothing again.
    await progress.run("k1", reply, [part("a"), part("b"), part("c")]);
    expect(done).toEqual(["a", "b", "c"]);
    await progress.run("k1", { ...reply, text: "another report" }, [part("a")]);
    // Without a key there is nothing to resume.
    await progress.run(undefined, reply, [part("x")]);
    await progress.run(undefined, reply, [part("x")]);
    expect(done).toEqual(["a", "b", "c", "a", "x", "x"]);
  });

  it("Telegram: photos when Telegram takes them, else documents; too large for a document is refused", () => {
    expect(telegramUploadMethod(CHART, 1000)).toBe("sendPhoto");
    expect(telegramUploadMethod(CHART, TELEGRAM_PHOTO_LIMIT)).toBe("sendPhoto");
    expect(telegramUploadMethod(CHART, TELEGRAM_PHOTO_LIMIT + 1)).toBe("sendDocument");
    expect(telegramUploadMethod({ kind: "image", mime: "image/svg+xml" }, 1000)).toBe("sendDocument");
    expect(telegramUploadMethod(EXPORT, TELEGRAM_DOCUMENT_LIMIT)).toBe("sendDocument");
    expect(telegramUploadMethod(EXPORT, TELEGRAM_DOCUMENT_LIMIT + 1)).toBeNull();
    expect(telegramUploadMethod(CHART, TELEGRAM_DOCUMENT_LIMIT + 1)).toBeNull();
    expect(isPhotoRefusal("Bad Request: PHOTO_INVALID_DIMENSIONS")).toBe(true);
    expect(isPhotoRefusal("Bad Request: chat not found")).toBe(false);
  });

  it("Lark: image messages up to 10 MB, files up to 30 MB, file_type by the Office family", () => {
    expect(larkUploadKind(CHART, LARK_IMAGE_LIMIT)).toBe("image");
    expect(larkUploadKind(CHART, LARK_IMAGE_LIMIT + 1)).toBe("file");
    expect(larkUploadKind({ kind: "image", mime: "image/svg+xml" }, 100)).toBe("file");
    expect(larkUploadKind(EXPORT, LARK_FILE_LIMIT)).toBe("file");
    expect(larkUploadKind(EXPORT, LARK_FILE_LIMIT + 1)).toBeNull();
    expect(larkFileType("team-2026-12.xlsx", EXPORT.mime)).toBe("xls");
    expect(larkFileType("export.csv", "text/csv")).toBe("stream");
    expect(larkFileType("合同.PDF", "application/octet-stream")).toBe("pdf");
    expect(larkFileType("notes.docx", "application/octet-stream")).toBe("doc");
    expect(larkFileType("deck.pptx", "application/octet-stream")).toBe("ppt");
    // mp4 and opus need a duration the bot does not know: a plain download instead.
    expect(larkFileType("clip.mp4", "video/mp4")).toBe("stream");
  });
});

describe("attachments through the generic send paths", () => {
  let t: TestDb;
  let clock: FakeClock;
  let port: FakeChatPort;
  beforeEach(async () => {
    t = await createTestDb();
    clock = new FakeClock("2026-12-07T01:00:00Z");
    port = new FakeChatPort("telegram", clock);
  });
  afterEach(async () => t.close());

  it("the outbox stores a reply with attachments as JSON and hands it to the port unchanged", async () => {
    const reply = reportReply();
    await enqueue({ db: t.db, key: "report:S001:2026-12-07", kind: "report", platform: "telegram", chatId: "42", reply, clock });
    const row = await t.db.outbox.findUniqueOrThrow({ where: { key: "report:S001:2026-12-07" } });
    expect(JSON.parse(row.payload)).toEqual(reply);
    const d = new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log: silentLogger, sleep: virtualSleep(clock) });
    expect((await d.drainOnce()).sent).toBe(1);
    expect(port.sent[0]!.reply).toEqual(reply);
    expect(Buffer.from(port.sent[0]!.reply.attachments![0]!.base64, "base64").equals(Buffer.from(CHART.base64, "base64"))).toBe(true);
  });

  it("deliver() passes attachments through unchanged, with one key for every attempt", async () => {
    const seen: { reply: Reply; key?: string }[] = [];
    let fail = true;
    const flaky = {
      platform: "telegram" as const,
      async send(_to: unknown, reply: Reply, opts?: { key?: string }) {
        seen.push({ reply, key: opts?.key });
        if (fail) {
          fail = false;
          throw new SendError("network: ECONNRESET");
        }
      },
    };
    const reply = reportReply();
    await deliver(flaky, { platform: "telegram", chatId: "1" }, reply, { key: "reply:telegram:9:0", policy: { ...DEFAULT_DELIVERY, sleep: async () => undefined } });
    expect(seen).toHaveLength(2);
    expect(seen.every((s) => s.reply === reply && s.key === "reply:telegram:9:0")).toBe(true);
  });
});
