import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseMultipart } from "./multipart.ts";

export interface LarkSent {
  receive_id_type: string;
  receive_id: string;
  msg_type: string;
  content: Record<string, any>;
  message_id: string;
}

/** An image or file the bot uploaded (image API, file API), as the multipart body carried it. */
export interface LarkUpload {
  kind: "image" | "file";
  /** The image_key / file_key the fake answered with. */
  key: string;
  /** The form's plain fields (image_type; file_type, file_name). */
  fields: Record<string, string>;
  /** The file part's own filename, if the client wrote one. */
  filename?: string;
  bytes: Buffer;
}

type Failure = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
/** Bytes answered as they are (a message resource download), optionally without a content-length (chunked). */
type RawAnswer = { status: number; raw: Buffer; headers: Record<string, string>; chunked?: boolean; stall?: "headers" | "body" };
/** A resource of a received message the bot may download: what Lark stored for (message_id, file_key). */
interface LarkResource {
  type: "image" | "file";
  bytes: Buffer;
  mime: string;
  /** Sent chunked, with no content-length, so only reading tells the size. */
  chunked?: boolean;
  /** Never answered ("headers"), or half the body sent and then nothing ("body"): a stalled transfer. */
  stall?: "headers" | "body";
}
type Reset = { reset: true; delivered: boolean } | { pass: true };
/** Which API a scripted failure is for ("token": the tenant access token endpoint). */
export type LarkEndpoint = "message" | "image" | "file" | "token" | "resource";
const FILE_TYPES = new Set(["opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"]);

/**
 * The part of Lark's open API the adapter uses, on 127.0.0.1: tenant token, bot info and the
 * message API. Sent messages are recorded with their content parsed.
 */
export class FakeLarkApi {
  readonly sent: LarkSent[] = [];
  /** Images and files uploaded (each accepted upload, also one whose answer was then lost). */
  readonly uploads: LarkUpload[] = [];
  readonly tokenRequests: Record<string, unknown>[] = [];
  /** Cards updated in place (PATCH im/v1/messages/:id), in order. */
  readonly patches: { message_id: string; content: Record<string, any> }[] = [];
  /** Every path requested, in order. */
  readonly paths: string[] = [];
  readonly botOpenId = "ou_bot0000000000000000000000000001";
  private server: Server | null = null;
  private nextId = 1;
  private readonly failures: Record<LarkEndpoint, (Failure | Reset)[]> = { message: [], image: [], file: [], token: [], resource: [] };
  private readonly resources = new Map<string, LarkResource>();
  /** Resource downloads asked for (message id, file key, type), in order. */
  readonly resourceRequests: { messageId: string; fileKey: string; type: string }[] = [];
  /** Message ids by request uuid: Lark keeps one message per uuid for an hour. */
  private readonly byUuid = new Map<string, string>();
  url = "";

  constructor(private readonly creds: { appId: string; appSecret: string }) {}

  /** `host`: another address than loopback, for instances in other network namespaces (multi-host test). */
  async start(host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) =>
      void this.handle(req).then((answer) => {
        // A reset: the connection drops without an answer, as when a keep-alive socket is closed.
        if (answer === "reset") return void req.socket.destroy();
        if ("raw" in answer) {
          if (answer.stall === "headers") return;
          if (answer.stall === "body") {
            res.writeHead(answer.status, { ...answer.headers, "content-length": String(answer.raw.length) });
            return void res.write(answer.raw.subarray(0, Math.floor(answer.raw.length / 2)));
          }
          if (answer.chunked) {
            res.writeHead(answer.status, answer.headers);
            // Two writes, so the body goes chunked (no content-length to check in advance).
            const half = Math.floor(answer.raw.length / 2);
            res.write(answer.raw.subarray(0, half));
            return void res.end(answer.raw.subarray(half));
          }
          return void res.writeHead(answer.status, { ...answer.headers, "content-length": String(answer.raw.length) }).end(answer.raw);
        }
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
      }),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next request to the message API (or to the image or file upload API) gets this answer. */
  failNext(failure: Failure, on: LarkEndpoint = "message"): void {
    this.failures[on].push(failure);
  }

  /**
   * The next message request (or upload, with `on`) loses its connection: before Lark handled it,
   * or (delivered) after Lark accepted the message or file but before the answer arrived.
   */
  resetNext(opts: { delivered?: boolean; after?: number; on?: LarkEndpoint } = {}): void {
    const queue = this.failures[opts.on ?? "message"];
    for (let i = 0; i < (opts.after ?? 0); i++) queue.push({ pass: true });
    queue.push({ reset: true, delivered: opts.delivered ?? false });
  }

  /** What Lark holds for a message the user sent: the bytes its resource API gives the bot. */
  addResource(messageId: string, fileKey: string, resource: LarkResource): void {
    this.resources.set(`${messageId}\u0000${fileKey}`, resource);
  }

  to(receiveId: string): LarkSent[] {
    return this.sent.filter((s) => s.receive_id === receiveId);
  }

  /** The upload an image or file message shows (by its image_key / file_key). */
  uploadOf(s: LarkSent): LarkUpload | undefined {
    const key = s.content.image_key ?? s.content.file_key;
    return this.uploads.find((u) => u.key === key);
  }

  /** The plain text of a sent message (post lines or the card's text; none for an image or file). */
  static textOf(s: LarkSent): string {
    if (s.msg_type === "image" || s.msg_type === "file") return "";
    if (s.msg_type === "post") return (s.content.zh_cn.content as { text: string }[][]).map((p) => p.map((e) => e.text).join("")).join("\n");
    return String(s.content.elements[0].text.content);
  }

  static buttons(s: LarkSent): { label: string; value: unknown }[] {
    if (s.msg_type !== "interactive") return [];
    return (s.content.elements as { tag: string; actions?: { text: { content: string }; value: unknown }[] }[])
      .filter((e) => e.tag === "action")
      .flatMap((e) => e.actions!.map((a) => ({ label: a.text.content, value: a.value })));
  }

  async waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; sent: ${this.sent.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The next message to `receiveId` after index `from` that `match` accepts. */
  async next(receiveId: string, from: number, match: (text: string, s: LarkSent) => boolean = () => true): Promise<{ msg: LarkSent; cursor: number }> {
    let found: { msg: LarkSent; cursor: number } | null = null;
    await this.waitFor(() => {
      const list = this.to(receiveId);
      for (let i = from; i < list.length; i++) {
        if (match(FakeLarkApi.textOf(list[i]!), list[i]!)) {
          found = { msg: list[i]!, cursor: i + 1 };
          return true;
        }
      }
      return false;
    }, `a matching message to ${receiveId} after #${from}`);
    return found!;
  }

  private async handle(req: IncomingMessage): Promise<Failure | RawAnswer | "reset"> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const contentType = String(req.headers["content-type"] ?? "");
    const multipart = contentType.startsWith("multipart/form-data");
    const body = !multipart && rawBody.length ? (JSON.parse(rawBody.toString("utf8")) as Record<string, any>) : {};
    const url = new URL(req.url ?? "/", "http://x");
    this.paths.push(url.pathname);
    if (url.pathname === "/open-apis/auth/v3/tenant_access_token/internal") {
      this.tokenRequests.push(body);
      const failure = this.failures.token.shift();
      if (failure && "status" in failure) return failure;
      if (failure && "reset" in failure) return "reset";
      if (body.app_id !== this.creds.appId || body.app_secret !== this.creds.appSecret) return { status: 200, body: { code: 10014, msg: "app secret invalid" } };
      return { status: 200, body: { code: 0, msg: "ok", tenant_access_token: "t-fake-token", expire: 7200 } };
    }
    if (req.headers.authorization !== "Bearer t-fake-token") return { status: 400, body: { code: 99991663, msg: "Invalid access token" } };
    if (url.pathname === "/open-apis/bot/v3/info") return { status: 200, body: { code: 0, msg: "ok", bot: { app_name: "VisitMate", open_id: this.botOpenId, activate_status: 2 } } };
    const upload = url.pathname === "/open-apis/im/v1/images" ? "image" : url.pathname === "/open-apis/im/v1/files" ? "file" : null;
    if (upload && req.method === "POST") {
      const failure = this.failures[upload].shift();
      if (failure && "status" in failure) return failure;
      const reset = failure && "reset" in failure ? failure : null;
      if (reset && !reset.delivered) return "reset";
      if (!multipart) return { status: 400, body: { code: 234001, msg: "Invalid request param." } };
      const parts = parseMultipart(rawBody, contentType);
      const fields = Object.fromEntries(parts.filter((p) => p.name !== upload).map((p) => [p.name, p.data.toString("utf8")]));
      const file = parts.find((p) => p.name === upload);
      const valid = upload === "image" ? fields.image_type === "message" || fields.image_type === "avatar" : FILE_TYPES.has(fields.file_type ?? "") && Boolean(fields.file_name);
      if (!file || !valid) return { status: 400, body: { code: 234001, msg: "Invalid request param." } };
      if (!file.data.length) return { status: 400, body: { code: 234010, msg: "File size can't be 0." } };
      const key = `${upload === "image" ? "img_v3" : "file_v3"}_${String(this.nextId++).padStart(6, "0")}`;
      this.uploads.push({ kind: upload, key, fields, filename: file.filename, bytes: file.data });
      if (reset) return "reset";
      return { status: 200, body: { code: 0, msg: "success", data: upload === "image" ? { image_key: key } : { file_key: key } } };
    }
    if (url.pathname === "/open-apis/im/v1/messages" && req.method === "POST") {
      const failure = this.failures.message.shift();
      if (failure && "status" in failure) return failure;
      const reset = failure && "reset" in failure ? failure : null;
      if (reset && !reset.delivered) return "reset";
      if (body.msg_type === "image" || body.msg_type === "file") {
        // Lark only shows what was uploaded: the key must be one it handed out, for that kind.
        const content = JSON.parse(body.content) as { image_key?: string; file_key?: string };
        const key = body.msg_type === "image" ? content.image_key : content.file_key;
        if (!this.uploads.some((u) => u.key === key && u.kind === body.msg_type)) return { status: 400, body: { code: 230001, msg: `invalid ${body.msg_type} key` } };
      }
      const uuid = typeof body.uuid === "string" && body.uuid ? body.uuid : null;
      let message_id = uuid ? this.byUuid.get(uuid) : undefined;
      if (!message_id) {
        message_id = `om_${String(this.nextId++).padStart(6, "0")}`;
        if (uuid) this.byUuid.set(uuid, message_id);
        this.sent.push({ receive_id_type: url.searchParams.get("receive_id_type") ?? "", receive_id: body.receive_id, msg_type: body.msg_type, content: JSON.parse(body.content), message_id });
      }
      if (reset) return "reset";
      return { status: 200, body: { code: 0, msg: "success", data: { message_id, chat_id: body.receive_id } } };
    }
    const resource = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/.exec(url.pathname);
    if (resource && req.method === "GET") {
      const messageId = decodeURIComponent(resource[1]!);
      const fileKey = decodeURIComponent(resource[2]!);
      const type = url.searchParams.get("type") ?? "";
      this.resourceRequests.push({ messageId, fileKey, type });
      const failure = this.failures.resource.shift();
      if (failure && "status" in failure) return failure;
      if (failure && "reset" in failure) return "reset";
      const found = this.resources.get(`${messageId}\u0000${fileKey}`);
      // Lark's answers: a key not in that message, or the wrong type for it.
      if (!found) return { status: 400, body: { code: 234003, msg: "File not in msg." } };
      if (type !== found.type) return { status: 400, body: { code: 234001, msg: "Invalid request param." } };
      return { status: 200, raw: found.bytes, headers: { "content-type": found.mime }, chunked: found.chunked, stall: found.stall };
    }
    const patch = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(url.pathname);
    if (patch && req.method === "PATCH") {
      // Updating a card we sent: Lark keeps the new content under the same message id.
      const message_id = decodeURIComponent(patch[1]!);
      const original = this.sent.find((m) => m.message_id === message_id);
      if (!original || original.msg_type !== "interactive") return { status: 400, body: { code: 230001, msg: "message is not a card we sent" } };
      this.patches.push({ message_id, content: JSON.parse(body.content) });
      return { status: 200, body: { code: 0, msg: "success", data: {} } };
    }
    return { status: 404, body: { code: 404, msg: "not found" } };
  }
}

/** Lark's event encryption: AES-256-CBC, key sha256(encryptKey), body {encrypt: base64(iv + cipher)}. */
export function encryptEvent(payload: unknown, encryptKey: string): string {
  const key = createHash("sha256").update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return JSON.stringify({ encrypt: Buffer.concat([iv, encrypted]).toString("base64") });
}

export interface PostLarkEventOptions {
  encryptKey: string;
  /** The time the request is signed at: the receiving app's clock (Lark refuses nothing, we refuse stale requests). */
  now: Date;
  badSignature?: boolean;
  /** Sent without the signature headers, as Lark sends the console's URL check. */
  unsigned?: boolean;
}

/** The headers Lark signs a body with: signature = sha256(timestamp + nonce + encryptKey + body). */
export function larkSignatureHeaders(body: string | Buffer, opts: { encryptKey: string; now: Date }): Record<string, string> {
  const timestamp = String(Math.floor(opts.now.getTime() / 1000));
  const nonce = randomBytes(8).toString("hex");
  const signature = createHash("sha256").update(timestamp + nonce + opts.encryptKey).update(body).digest("hex");
  return { "x-lark-request-timestamp": timestamp, "x-lark-request-nonce": nonce, "x-lark-signature": signature };
}

/** Posts an event the way Lark does: encrypted body, signature over timestamp + nonce + key + body. */
export async function postLarkEvent(url: string, payload: unknown, opts: PostLarkEventOptions): Promise<{ status: number; body: any }> {
  const body = encryptEvent(payload, opts.encryptKey);
  const signed = larkSignatureHeaders(body, opts);
  if (opts.badSignature) signed["x-lark-signature"] = createHash("sha256").update("forged" + body).digest("hex");
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(opts.unsigned ? {} : signed) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let seq = 0;
export function messageEvent(opts: { token: string; openId: string; chatId: string; text: string; chatType?: "p2p" | "group"; mentions?: { key: string; open_id: string; name: string }[]; eventId?: string }): Record<string, unknown> {
  seq++;
  return {
    schema: "2.0",
    header: { event_id: opts.eventId ?? `ev_msg_${Date.now()}_${seq}`, event_type: "im.message.receive_v1", create_time: String(Date.now()), token: opts.token, app_id: "cli_a1b2c3d4e5f60718", tenant_key: "tenant" },
    event: {
      sender: { sender_id: { open_id: opts.openId, union_id: `on_${opts.openId}`, user_id: "u1" }, sender_type: "user", tenant_key: "tenant" },
      message: {
        message_id: `om_in_${seq}`,
        create_time: String(Date.now()),
        chat_id: opts.chatId,
        chat_type: opts.chatType ?? "p2p",
        message_type: "text",
        content: JSON.stringify({ text: opts.text }),
        mentions: (opts.mentions ?? []).map((m) => ({ key: m.key, id: { open_id: m.open_id }, name: m.name, tenant_key: "tenant" })),
      },
    },
  };
}

/**
 * A location, image or file message, as Lark delivers it. Content as Lark writes it: location
 * `{ name, latitude, longitude }` (strings), image `{ image_key }`, file `{ file_key, file_name }`,
 * post (a photo with a caption) `{ title, content: [[{ tag: "img", image_key }, …]] }`.
 * `createTime` is the message's time (the test's clock, so the location is fresh).
 */
export function richMessageEvent(opts: { token: string; openId: string; chatId: string; messageType: "location" | "image" | "file" | "post"; content: Record<string, unknown>; createTime: Date; chatType?: "p2p" | "group"; eventId?: string; messageId?: string }): Record<string, unknown> {
  seq++;
  return {
    schema: "2.0",
    header: { event_id: opts.eventId ?? `ev_msg_${Date.now()}_${seq}`, event_type: "im.message.receive_v1", create_time: String(opts.createTime.getTime()), token: opts.token, app_id: "cli_a1b2c3d4e5f60718", tenant_key: "tenant" },
    event: {
      sender: { sender_id: { open_id: opts.openId, union_id: `on_${opts.openId}`, user_id: "u1" }, sender_type: "user", tenant_key: "tenant" },
      message: {
        message_id: opts.messageId ?? `om_in_${seq}`,
        create_time: String(opts.createTime.getTime()),
        chat_id: opts.chatId,
        chat_type: opts.chatType ?? "p2p",
        message_type: opts.messageType,
        content: JSON.stringify(opts.content),
      },
    },
  };
}

export function cardActionEvent(opts: { token: string; openId: string; chatId: string; messageId: string; value: unknown; eventId?: string }): Record<string, unknown> {
  seq++;
  return {
    schema: "2.0",
    header: { event_id: opts.eventId ?? `ev_card_${Date.now()}_${seq}`, event_type: "card.action.trigger", create_time: String(Date.now()), token: opts.token, app_id: "cli_a1b2c3d4e5f60718", tenant_key: "tenant" },
    event: {
      operator: { tenant_key: "tenant", open_id: opts.openId, union_id: `on_${opts.openId}` },
      token: "c-card-update-token",
      action: { value: opts.value, tag: "button" },
      host: "im_message",
      context: { open_message_id: opts.messageId, open_chat_id: opts.chatId },
    },
  };
}
