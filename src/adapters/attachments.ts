import { createHash } from "node:crypto";
import { SendError, type Attachment, type Reply } from "../core/chat.ts";
import { LruMap } from "./keyed-queue.ts";

/** Standard base64 as Buffer#toString("base64") writes it. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The reply's attachments, checked. A malformed one (a stored outbox payload written by an older
 * version, a bug) can never be sent, so it is refused for good before anything goes out, rather
 * than retried or half delivered. Every platform refuses empty files, so they are refused here.
 */
export function attachmentsOf(reply: Reply): Attachment[] {
  const list: unknown = reply.attachments ?? [];
  if (!Array.isArray(list)) throw new SendError("attachments: not a list", { status: 400, permanent: true });
  list.forEach((a: Partial<Attachment> | null, i) => {
    const valid = typeof a === "object" && a !== null && (a.kind === "image" || a.kind === "file") && typeof a.name === "string" && typeof a.mime === "string" && typeof a.base64 === "string" && BASE64.test(a.base64);
    if (!valid) throw new SendError(`attachment ${i + 1}: not a valid attachment`, { status: 400, permanent: true });
    if (!attachmentBytes(a as Attachment)) throw new SendError(`attachment ${i + 1}: empty`, { status: 400, permanent: true });
  });
  return list as Attachment[];
}

/** Size of the content once decoded, without decoding it (limits are checked before any send). */
export function attachmentBytes(a: Attachment): number {
  const padding = a.base64.endsWith("==") ? 2 : a.base64.endsWith("=") ? 1 : 0;
  return Math.floor((a.base64.length * 3) / 4) - padding;
}

export function attachmentBuffer(a: Attachment): Buffer {
  return Buffer.from(a.base64, "base64");
}

/** Whether the reply's text goes out: always, except an empty text that only carries attachments. */
export function sendsText(reply: Reply): boolean {
  return (reply.text ?? "").trim() !== "" || Boolean(reply.choices?.length) || !reply.attachments?.length;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "application/pdf": ".pdf",
  "text/csv": ".csv",
  "text/plain": ".txt",
  "application/zip": ".zip",
  "application/vnd.ms-excel": ".xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
};

/** Longest file name in UTF-8 bytes: Linux allows 255; the console may add "-12" before the extension. */
const MAX_NAME_BYTES = 200;

/**
 * A file name safe to show, to send and to save: no folders (the parts between path separators
 * joined by "_", "." and ".." dropped, no leading dot), no control characters, none of the
 * characters Windows refuses, bounded length with the extension kept. Without an extension one is
 * added from the MIME type: WeChat clients and Telegram pick the file's icon and viewer by it.
 */
export function safeFileName(a: Pick<Attachment, "name" | "mime" | "kind">): string {
  let name = String(a.name ?? "")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .split(/[\\/]+/)
    .map((segment) => segment.trim())
    .filter((segment) => segment && segment !== "." && segment !== "..")
    .join("_")
    .replace(/[:*?"<>|]/g, "_")
    .replace(/^[\s.]+/, "")
    .replace(/[\s.]+$/, "");
  if (!name) name = a.kind === "image" ? "image" : "file";
  const dot = name.lastIndexOf(".");
  let ext = dot > 0 && /^\.[\p{L}\p{N}]{1,10}$/u.test(name.slice(dot)) ? name.slice(dot) : "";
  const base = ext ? name.slice(0, dot) : name;
  if (!ext) ext = EXTENSIONS[String(a.mime ?? "").toLowerCase()] ?? "";
  const room = MAX_NAME_BYTES - Buffer.byteLength(ext);
  let kept = "";
  let used = 0;
  for (const ch of base) {
    used += Buffer.byteLength(ch);
    if (used > room) break;
    kept += ch;
  }
  return (kept || (a.kind === "image" ? "image" : "file")) + ext;
}

/** What identifies a reply's parts cheaply (its attachments by name and size, not by content). */
export function replyFingerprint(reply: Reply): string {
  const attachments = (reply.attachments ?? []).map((a) => [a.kind, a.name, a.mime, a.base64?.length]);
  return createHash("sha256").update(JSON.stringify([reply.text, reply.choices ?? [], attachments])).digest("base64url");
}

/**
 * How far each keyed reply got. A reply goes out as several messages (text pieces, then each
 * attachment); when one fails, the caller retries the whole reply with the same key (deliver(),
 * the outbox). Resuming after the parts already delivered keeps a retry from showing them twice
 * on platforms that cannot deduplicate (Telegram, WeChat) and saves re-uploading files on Lark.
 * Kept in memory: after a restart a retry starts over (at-least-once; Lark's uuid still
 * deduplicates there). A reply without a key is sent whole each time.
 */
export class PartProgress {
  private readonly done = new LruMap<string, { fingerprint: string; count: number }>(5000);

  async run(key: string | undefined, reply: Reply, parts: ReadonlyArray<() => Promise<void>>): Promise<void> {
    const fingerprint = key ? replyFingerprint(reply) : "";
    const seen = key ? this.done.get(key) : undefined;
    // The same key with other content is another reply (a key reused after a purge): start over.
    const start = seen && seen.fingerprint === fingerprint ? seen.count : 0;
    for (let i = start; i < parts.length; i++) {
      await parts[i]!();
      if (key) this.done.set(key, { fingerprint, count: i + 1 });
    }
  }
}
