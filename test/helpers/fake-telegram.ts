import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseMultipart } from "./multipart.ts";

/** What the bot asked the Bot API to do (sendMessage, editMessageText, …). */
export interface ApiCall {
  method: string;
  payload: Record<string, any>;
}

/** A file the bot uploaded (sendPhoto, sendDocument), as the multipart body carried it. */
export interface UploadedFile {
  /** The API parameter it was given for ("photo", "document"). */
  field: string;
  filename: string;
  size: number;
  bytes: Buffer;
}

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
}

type Failure = { error_code: number; description: string; parameters?: { retry_after?: number } };

/** A file users can send (a photo size or a document), as getFile and the file route know it. */
export interface FakeFile {
  file_id: string;
  file_unique_id: string;
  /** What messages and getFile declare (may differ from the bytes: a lying or silent server). */
  file_size?: number;
  file_path: string;
  /** Null: getFile knows the file but the download answers 404 (expired, gone). */
  bytes: Buffer | null;
}

/** How a user's message is sent: where (default their private chat), when, forwarded, replying to the bot. */
export interface SendAs {
  chat?: Record<string, any>;
  /** Unix seconds (default now). */
  date?: number;
  /** Forwarded from another chat (forward_origin), e.g. an old location. */
  forwarded?: boolean;
  /** A reply to one of the bot's messages (how a group message reaches a bot in privacy mode). */
  replyToBot?: boolean;
  caption?: string;
}

/**
 * A Bot API server on 127.0.0.1 good enough for grammY: getMe, long polling (getUpdates holds
 * briefly until an update arrives), webhooks, sendMessage and friends. Every call is recorded.
 */
export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  readonly bot = { id: 777000, is_bot: true, first_name: "VisitMate", username: "visitmate_bot", can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
  private server: Server | null = null;
  private updates: Record<string, any>[] = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private waiters: (() => void)[] = [];
  private failures = new Map<string, Failure[]>();
  /** Chats whose sendMessage answers are held back until released (see holdSends). */
  private held = new Map<string, { arrived: number; release: Promise<void> }>();
  private files = new Map<string, FakeFile>();
  private nextFileId = 1;
  /** File downloads (path under /file/bot<token>/), in order, with the status answered. */
  readonly downloads: { path: string; status: number }[] = [];
  url = "";

  constructor(readonly token: string) {}

  /** `host`: another address than loopback, for instances in other network namespaces (multi-host test). */
  async start(host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith("/file/")) return this.serveFile(req.url, res);
      void this.handle(req).then((body) => res.writeHead(body.ok ? 200 : body.error_code, { "content-type": "application/json" }).end(JSON.stringify(body)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const w of this.waiters.splice(0)) w();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls of `method` fail with this answer. */
  failNext(method: string, failure: Failure, times = 1): void {
    this.failures.set(method, Array.from({ length: times }, () => failure));
  }

  /**
   * Holds every sendMessage to `chatId` (the request arrives and waits) until the returned function
   * is called: a reply stuck in flight, to see what else happens meanwhile. `arrived()` counts the
   * held requests.
   */
  holdSends(chatId: number | string): { release: () => void; arrived: () => number } {
    let release!: () => void;
    const entry = { arrived: 0, release: new Promise<void>((r) => (release = r)) };
    this.held.set(String(chatId), entry);
    return {
      release: () => {
        this.held.delete(String(chatId));
        release();
      },
      arrived: () => entry.arrived,
    };
  }

  private nextFailure(method: string): Failure | undefined {
    const list = this.failures.get(method);
    return list?.shift();
  }

  // ---- updates the "users" produce ----

  pushUpdate(update: Record<string, any>): Record<string, any> {
    const full = { update_id: this.nextUpdateId++, ...update };
    this.updates.push(full);
    for (const w of this.waiters.splice(0)) w();
    return full;
  }

  /** Delivers an update again (a server that never saw it confirmed). */
  redeliver(update: Record<string, any>): void {
    this.updates.push(update);
    for (const w of this.waiters.splice(0)) w();
  }

  message(from: FakeUser, text: string, chat: Record<string, any> = { id: from.id, type: "private", first_name: from.first_name }): Record<string, any> {
    return this.pushUpdate({ message: { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from: { ...from, is_bot: false }, text, ...(text.startsWith("/") ? { entities: [{ type: "bot_command", offset: 0, length: text.split(/\s/)[0]!.length }] } : {}) } });
  }

  /**
   * A file a user can send: getFile finds it and the file route serves `bytes` (null: 404).
   * `declaredSize` is what messages and getFile claim (default the real size).
   */
  addFile(bytes: Buffer | null, opts: { declaredSize?: number; ext?: string } = {}): FakeFile {
    const n = this.nextFileId++;
    const size = opts.declaredSize ?? bytes?.length;
    const file: FakeFile = { file_id: `file${n}`, file_unique_id: `uniq${n}`, file_path: `photos/file_${n}.${opts.ext ?? "jpg"}`, bytes, ...(size !== undefined ? { file_size: size } : {}) };
    this.files.set(file.file_id, file);
    return file;
  }

  /** A user's message of any kind (location, photo, document, …): `fields` are its content. */
  userMessage(from: FakeUser, fields: Record<string, any>, as: SendAs = {}): Record<string, any> {
    const message_id = this.nextMessageId++;
    const chat = as.chat ?? { id: from.id, type: "private", first_name: from.first_name };
    const date = as.date ?? Math.floor(Date.now() / 1000);
    return this.pushUpdate({
      message: {
        message_id,
        date,
        chat,
        from: { ...from, is_bot: false },
        ...(as.forwarded ? { forward_origin: { type: "user", date: date - 3600, sender_user: { id: 9090, is_bot: false, first_name: "Other" } } } : {}),
        ...(as.replyToBot ? { reply_to_message: { message_id: Math.max(1, message_id - 1), date, chat, from: { ...this.bot }, text: "?" } } : {}),
        ...(as.caption !== undefined ? { caption: as.caption } : {}),
        ...fields,
      },
    });
  }

  /** A shared location (the request_location button, or the attachment menu). */
  location(from: FakeUser, at: { latitude: number; longitude: number; horizontal_accuracy?: number; live_period?: number }, as: SendAs = {}): Record<string, any> {
    return this.userMessage(from, { location: at }, as);
  }

  /** A place picked from the map: a venue, which carries its location too. */
  venue(from: FakeUser, at: { latitude: number; longitude: number }, title: string, as: SendAs = {}): Record<string, any> {
    return this.userMessage(from, { location: at, venue: { location: at, title, address: "addr" } }, as);
  }

  /** A photo in the sizes Telegram makes of it (each a file from addFile). */
  photo(from: FakeUser, sizes: { file: FakeFile; width: number; height: number }[], as: SendAs = {}): Record<string, any> {
    const photo = sizes.map(({ file, width, height }) => ({ file_id: file.file_id, file_unique_id: file.file_unique_id, width, height, ...(file.file_size !== undefined ? { file_size: file.file_size } : {}) }));
    return this.userMessage(from, { photo }, as);
  }

  /** A file sent "as a file" (no compression): a document. */
  document(from: FakeUser, file: FakeFile, meta: { file_name?: string; mime_type?: string }, as: SendAs = {}): Record<string, any> {
    return this.userMessage(from, { document: { file_id: file.file_id, file_unique_id: file.file_unique_id, ...meta, ...(file.file_size !== undefined ? { file_size: file.file_size } : {}) } }, as);
  }

  /** Taps the button whose label is `label` on a message the bot sent. */
  tap(from: FakeUser, sent: ApiCall, label: string): Record<string, any> {
    const button = (sent.payload.reply_markup?.inline_keyboard as { text: string; callback_data: string }[][]).flat().find((b) => b.text === label);
    if (!button) throw new Error(`no button "${label}"`);
    return this.tapData(from, sent, button.callback_data);
  }

  tapData(from: FakeUser, sent: ApiCall, data: string): Record<string, any> {
    // Group and supergroup ids are negative in the Bot API; a private chat's id is the user's.
    const chatId = Number(sent.payload.chat_id);
    const chat = chatId < 0 ? { id: chatId, type: "supergroup", title: "group" } : { id: chatId, type: "private", first_name: from.first_name };
    const message = { message_id: sent.payload.__message_id, date: 0, chat, from: { ...this.bot }, text: sent.payload.__plain ?? sent.payload.text, reply_markup: sent.payload.reply_markup };
    return this.pushUpdate({ callback_query: { id: `cb${this.nextUpdateId}`, from: { ...from, is_bot: false }, chat_instance: "ci", message, data } });
  }

  // ---- what the bot did ----

  sent(chatId?: number | string): ApiCall[] {
    return this.calls.filter((c) => c.method === "sendMessage" && (chatId === undefined || String(c.payload.chat_id) === String(chatId)));
  }

  /** Photos and documents the bot sent; the file is in `payload.photo` / `payload.document`. */
  uploads(chatId?: number | string): ApiCall[] {
    return this.calls.filter((c) => (c.method === "sendPhoto" || c.method === "sendDocument") && (chatId === undefined || String(c.payload.chat_id) === String(chatId)));
  }

  /** Everything shown in the chat, in order: texts, photos and documents. */
  delivered(chatId: number | string): ApiCall[] {
    return this.calls.filter((c) => ["sendMessage", "sendPhoto", "sendDocument"].includes(c.method) && String(c.payload.chat_id) === String(chatId));
  }

  /** Waits (bounded) until `check` is true. */
  async waitFor(check: () => boolean, what = "condition", timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(", ")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until at least `n` messages went to the chat; returns the new ones after `from`. */
  async waitForSent(chatId: number | string, n: number, from = 0): Promise<ApiCall[]> {
    await this.waitFor(() => this.sent(chatId).length >= from + n, `${from + n} messages to ${chatId}`);
    return this.sent(chatId).slice(from);
  }

  /**
   * Waits for the next message to the chat (after index `from`) that `match` accepts; returns it
   * and the index to continue from.
   */
  async next(chatId: number | string, from: number, match: (text: string, call: ApiCall) => boolean = () => true): Promise<{ call: ApiCall; cursor: number }> {
    let found: { call: ApiCall; cursor: number } | null = null;
    await this.waitFor(() => {
      const sent = this.sent(chatId);
      for (let i = from; i < sent.length; i++) {
        if (match(String(sent[i]!.payload.__plain ?? sent[i]!.payload.text), sent[i]!)) {
          found = { call: sent[i]!, cursor: i + 1 };
          return true;
        }
      }
      return false;
    }, `a matching message to ${chatId} after #${from}`);
    return found!;
  }

  private serveFile(url: string, res: ServerResponse): void {
    const m = /^\/file\/bot([^/]+)\/(.+)$/.exec(url);
    const path = m?.[2] ?? "";
    const file = m && m[1] === this.token ? [...this.files.values()].find((f) => f.file_path === path) : undefined;
    const status = file?.bytes ? 200 : m && m[1] !== this.token ? 401 : 404;
    this.downloads.push({ path, status });
    if (status !== 200) {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error_code: status, description: status === 401 ? "Unauthorized" : "Not Found" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file!.bytes!.length) }).end(file!.bytes);
  }

  private async handle(req: IncomingMessage): Promise<Record<string, any>> {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (!m) return { ok: false, error_code: 404, description: "Not Found" };
    if (m[1] !== this.token) return { ok: false, error_code: 401, description: "Unauthorized" };
    const method = m[2]!;
    const contentType = String(req.headers["content-type"] ?? "");
    const payload = contentType.startsWith("multipart/form-data") ? multipartPayload(body, contentType) : body.length ? (JSON.parse(body.toString("utf8")) as Record<string, any>) : {};
    const failure = this.nextFailure(method);
    if (failure) {
      this.calls.push({ method: `${method}:failed`, payload });
      return { ok: false, ...failure };
    }
    switch (method) {
      case "getMe":
        return { ok: true, result: this.bot };
      case "deleteWebhook":
      case "setWebhook":
      case "answerCallbackQuery":
        this.calls.push({ method, payload });
        return { ok: true, result: true };
      case "getUpdates":
        return { ok: true, result: await this.getUpdates(payload) };
      case "getFile": {
        this.calls.push({ method, payload });
        const file = this.files.get(String(payload.file_id));
        if (!file) return { ok: false, error_code: 400, description: "Bad Request: invalid file_id" };
        const { bytes: _bytes, ...result } = file;
        return { ok: true, result };
      }
      case "sendMessage": {
        const hold = this.held.get(String(payload.chat_id));
        if (hold) {
          hold.arrived++;
          await hold.release;
        }
        const message_id = this.nextMessageId++;
        // Keep what Telegram would show (entities parsed away) for the tap helper.
        const plain = String(payload.text).replace(/<\/?b>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
        this.calls.push({ method, payload: { ...payload, __message_id: message_id, __plain: plain } });
        return { ok: true, result: { message_id, date: 0, chat: { id: Number(payload.chat_id), type: "private" }, from: this.bot, text: plain } };
      }
      case "sendPhoto":
      case "sendDocument": {
        const message_id = this.nextMessageId++;
        const field = method === "sendPhoto" ? "photo" : "document";
        const file = payload[field] as UploadedFile | undefined;
        if (!file || typeof file !== "object") return { ok: false, error_code: 400, description: `Bad Request: there is no ${field} in the request` };
        this.calls.push({ method, payload: { ...payload, __message_id: message_id } });
        const media = method === "sendPhoto" ? { photo: [{ file_id: `ph${message_id}`, file_unique_id: `u${message_id}`, width: 800, height: 600, file_size: file.size }] } : { document: { file_id: `doc${message_id}`, file_unique_id: `u${message_id}`, file_name: file.filename, file_size: file.size } };
        return { ok: true, result: { message_id, date: 0, chat: { id: Number(payload.chat_id), type: "private" }, from: this.bot, ...media } };
      }
      case "editMessageText":
      case "editMessageReplyMarkup":
        this.calls.push({ method, payload });
        return { ok: true, result: true };
      default:
        this.calls.push({ method, payload });
        return { ok: true, result: true };
    }
  }

  private async getUpdates(payload: Record<string, any>): Promise<Record<string, any>[]> {
    const offset = Number(payload.offset ?? 0);
    // Updates below the offset are confirmed: Telegram forgets them.
    const pending = () => (this.updates = this.updates.filter((u) => u.update_id >= offset));
    if (!pending().length && Number(payload.timeout ?? 0) > 0 && this.server) {
      // Hold the long poll a little (not the full timeout), so stop() is quick.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return [...pending()].sort((a, b) => a.update_id - b.update_id).slice(0, Number(payload.limit ?? 100));
  }
}

/**
 * A multipart Bot API call as parameters: plain fields as sent (objects JSON-decoded), and each
 * `attach://<id>` parameter replaced by the file uploaded under that id.
 */
function multipartPayload(body: Buffer, contentType: string): Record<string, any> {
  const parts = parseMultipart(body, contentType);
  const files = new Map(parts.filter((p) => p.filename !== undefined).map((p) => [p.name, p]));
  const payload: Record<string, any> = {};
  for (const p of parts) {
    if (p.filename !== undefined) continue;
    const value = p.data.toString("utf8");
    const attached = /^attach:\/\/(.+)$/.exec(value);
    const file = attached ? files.get(attached[1]!) : undefined;
    if (file) payload[p.name] = { field: p.name, filename: file.filename!, size: file.data.length, bytes: file.data } satisfies UploadedFile;
    else payload[p.name] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return payload;
}
