import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as lark from "@larksuiteoapi/node-sdk";
import type { Readable } from "node:stream";
import { MediaError, SendError, type Attachment, type ChatAddress, type Choice, type InboundMedia, type InboundMessage, type Reply, type SendOptions } from "../../core/chat.ts";
import { errorSummary, type Logger } from "../../core/logger.ts";
import { classifyTap } from "../../core/forms/form-engine.ts";
import { formTapValue } from "../../core/forms/form-tap.ts";
import { claimCardAnswer, closeSentCards, findSentCard, recordSentCard, staleFormCards } from "../../modules/ops/sent-cards.service.ts";
import { findStaffByIdentity, type AppDeps, type Router } from "../../core/router.ts";
import { isLocale, translator } from "../../i18n/i18n.ts";
import { attachmentBuffer, attachmentBytes, attachmentsOf, PartProgress, safeFileName, sendsText } from "../attachments.ts";
import { parseJsonObject, refuse, type WebhookBody, type WebhookServer } from "../http-server.ts";
import { KeyedQueue, LruMap } from "../keyed-queue.ts";
import { answer, InboundQueue, type PlatformAdapter, type RunContext } from "../platform.ts";
import { beforeDeadline, DEFAULT_DOWNLOAD_TIMEOUT_MS, readLimited } from "../read-limited.ts";
import { answeredCard, closedCard, doneMark, inboundEvidence, inboundText, postImages, larkAttachmentMessage, larkFileType, larkTappedAskedTo, larkTappedValue, larkUploadKind, LARK_FILE_LIMIT, receiveIdType, renderLark, type LarkMediaRef, type LarkMessage } from "./lark.mapper.ts";

export interface LarkAdapterOptions {
  appId: string;
  appSecret: string;
  /** "feishu" (open.feishu.cn), "lark" (open.larksuite.com) or a base URL (self-hosted, tests). */
  domain: string;
  /** Webhook: Lark posts signed, encrypted events to us. ws: we hold a long connection (WSClient). */
  connection: "webhook" | "ws";
  encryptKey?: string;
  verificationToken?: string;
  webhook?: { server: WebhookServer; path: string };
  router: Router;
  deps: AppDeps;
  /** How long the long connection may take to open before the run counts as failed (default 60 s). */
  connectTimeoutMs?: number;
  /** How long fetching one received picture or file may take before it counts as failed (default 60 s). */
  downloadTimeoutMs?: number;
  /**
   * How long the answer to a received message waits for it to be dealt with (default 2 s; Lark
   * wants an answer within 3 s). Not dealt with by then (waiting out a database fault, given up at
   * stop): the answer is an error, so Lark keeps the event and delivers it again.
   */
  ackWaitMs?: number;
}

/** A received message not yet dealt with when Lark's answer is due: Lark delivers it again. */
export class NotDealtWith extends Error {
  constructor() {
    super("lark event not dealt with yet");
  }
}

interface CardState {
  text: string;
  choices: Choice[];
  answered?: string;
  /** Whom the card asks (the open_id it answered); in a group only they may tap it. */
  askedTo?: string;
  chatType: "private" | "group";
}

/** Lark's answer to a card tap: a toast and, when we still know the card, its updated version. */
interface CardActionResponse {
  toast?: { type: "success" | "info" | "warning" | "error"; content: string };
  card?: { type: "raw"; data: unknown };
}

/** Rate-limit codes of the message API (app-wide and per chat), answered like HTTP 429. */
const RATE_LIMIT_CODES = new Set([99991400, 230020]);
/** Token problems the SDK recovers from by fetching a new tenant token. */
const TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991668]);

export function larkDomain(domain: string): lark.Domain | string {
  if (domain === "feishu") return lark.Domain.Feishu;
  if (domain === "lark") return lark.Domain.Lark;
  return domain.replace(/\/+$/, "");
}

/**
 * What the SDK logs, made safe. A failed token request is logged as the axios error itself, whose
 * `config.data` holds the app secret and whose `request` / `response` are sockets (circular: a
 * plain JSON.stringify throws); other failures as the SDK's `formatErrors` list, whose
 * `config.data` is the message content or the uploaded file. Errors and error-shaped objects become
 * their status / code / message (`errorSummary`), a download's error body (a stream) its status;
 * everything else goes through the logger's redaction like any log line.
 */
function sdkDetail(x: unknown): unknown {
  if (typeof x === "string") return x;
  if (x instanceof Error) return errorSummary(x);
  if (typeof x === "object" && x !== null && ("config" in x || "response" in x || "request" in x)) return errorSummary(x);
  // A failed download's error body is the response stream, which formatErrors spreads into a plain
  // object still holding the socket (circular): only its status is worth logging.
  if (typeof x === "object" && x !== null && ("_readableState" in x || "socket" in x)) {
    const status = (x as { statusCode?: unknown }).statusCode;
    return `response stream${typeof status === "number" ? ` status=${status}` : ""}`;
  }
  return x;
}

function sdkLogger(log: Logger): lark.Logger {
  // The SDK passes its error list wrapped in arrays.
  const detail = (m: unknown[]) => m.flat(2).map(sdkDetail);
  return {
    error: (...m: unknown[]) => log.warn("lark sdk", { detail: detail(m) }),
    warn: (...m: unknown[]) => log.warn("lark sdk", { detail: detail(m) }),
    info: (...m: unknown[]) => log.info("lark sdk", { detail: detail(m) }),
    debug: () => undefined,
    trace: () => undefined,
  };
}

/**
 * Lark / Feishu through the official SDK. Events are acknowledged at once and handled in a
 * per-chat queue; replies with choices become interactive cards whose taps come back as
 * `card.action.trigger` callbacks.
 */
export class LarkAdapter implements PlatformAdapter {
  readonly platform = "lark" as const;
  readonly client: lark.Client;
  readonly dispatcher: lark.EventDispatcher;
  /** Events per chat in order, chats side by side, each sender under the inbound rate limit. */
  private readonly inbound: InboundQueue;
  /**
   * Cards we sent, by message id: to redraw them after a tap and to count a quick double tap once.
   * Only a shortcut: whether a form button still answers anything is decided from the stored form
   * (its tap token), and whom a group card asks is also in its buttons (`u`), so this memory may be
   * lost in a restart.
   */
  private readonly cards = new LruMap<string, CardState>(5000);
  private botOpenId: string | undefined;
  private ws: lark.WSClient | null = null;
  private stopped: (() => void) | null = null;
  private failed: ((err: Error) => void) | null = null;
  private unroute: (() => void) | null = null;
  private markReady: () => void = () => undefined;
  /** Connected now: events are handled (else a webhook event gets a 503 and comes again). */
  private live = false;
  /** Received messages being handled, by event id: a redelivery meanwhile waits for the same outcome. */
  private readonly inflight = new Map<string, Promise<boolean>>();
  /** Resolves once events are being received (webhook route up, or long connection started). */
  ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));

  constructor(private readonly opts: LarkAdapterOptions) {
    this.inbound = new InboundQueue({ deps: opts.deps, port: this });
    // Replies are sent by the process's outbox dispatcher, through this adapter.
    opts.deps.replies?.dispatcher.addPort(this);
    const logger = sdkLogger(opts.deps.log);
    // Own token cache: the SDK's default one is process-wide, shared by every client of the same app id.
    this.client = new lark.Client({ appId: opts.appId, appSecret: opts.appSecret, domain: larkDomain(opts.domain), logger, loggerLevel: lark.LoggerLevel.warn, cache: new lark.DefaultCache() });
    this.dispatcher = new lark.EventDispatcher({ encryptKey: opts.encryptKey, verificationToken: opts.verificationToken, logger, loggerLevel: lark.LoggerLevel.warn }).register({
      // Acknowledged once dealt with (its replies queued and the event marked), else Lark delivers it again.
      "im.message.receive_v1": (data) => this.onMessage(data as unknown as LarkMessageEvent),
    });
    this.dispatcher.register({ "card.action.trigger": (data: unknown) => this.onCardAction(data as CardActionEvent) } as Record<string, (data: unknown) => unknown>);
  }

  async run(ctx?: RunContext): Promise<void> {
    const { deps } = this.opts;
    const stopped = new Promise<void>((resolve, reject) => {
      this.stopped = resolve;
      this.failed = reject;
    });
    // Failing later (the long connection given up) while we wait below must not be an unhandled rejection.
    stopped.catch(() => undefined);
    if (this.opts.connection === "webhook") {
      // The route goes up first and stays across failed runs: Lark's URL check is answered from the
      // verification token and encrypt key alone, while the open API is unreachable or the app
      // secret is refused (events meanwhile get a 503, and Lark delivers them again later).
      const hook = this.opts.webhook;
      if (!hook) throw new Error("Lark webhook mode needs a webhook server");
      this.unroute ??= hook.server.route(hook.path, (req, res, body) => this.handleHttp(req, res, body));
      await hook.server.listen();
    }
    // Checks the credentials (tenant token) and learns the bot's open_id for group @mentions.
    const info = await this.client.request<{ code?: number; msg?: string; bot?: { open_id?: string; app_name?: string } }>({ url: "/open-apis/bot/v3/info", method: "GET" });
    if (info.code) throw new Error(`Lark bot info failed: ${info.code} ${info.msg ?? ""}`);
    this.botOpenId = info.bot?.open_id;
    try {
      if (this.opts.connection === "ws") {
        let opened!: () => void;
        const open = new Promise<void>((resolve) => (opened = resolve));
        this.ws = new lark.WSClient({
          appId: this.opts.appId,
          appSecret: this.opts.appSecret,
          domain: larkDomain(this.opts.domain),
          logger: sdkLogger(deps.log),
          loggerLevel: lark.LoggerLevel.warn,
          // The SDK's own events are the truth about the connection; ws.start() resolving is not.
          onReady: () => opened(),
          onReconnecting: () => ctx?.down("lark long connection lost"),
          onReconnected: () => ctx?.up(),
          // The SDK reconnects by itself; onError means it gave up, and the supervisor takes over.
          onError: (err: Error) => this.failed?.(err),
        } as ConstructorParameters<typeof lark.WSClient>[0]);
        void Promise.resolve(this.ws.start({ eventDispatcher: this.dispatcher })).catch((err: unknown) => this.failed?.(err instanceof Error ? err : new Error(String(err))));
        const waitMs = this.opts.connectTimeoutMs ?? 60_000;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`lark long connection not open after ${waitMs} ms`)), waitMs);
        });
        try {
          // stopped resolves on stop(): then we just end.
          await Promise.race([open, late, stopped]);
        } finally {
          clearTimeout(timer);
        }
      }
      this.live = true;
      deps.log.info("lark ready", { connection: this.opts.connection, bot: info.bot?.app_name });
      ctx?.up();
      this.markReady();
      await stopped;
    } finally {
      this.live = false;
      this.ws?.close({ force: true });
      this.ws = null;
    }
  }

  async stop(): Promise<void> {
    this.live = false;
    this.stopped?.();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    await this.inbound.stop();
  }

  /** Takes the webhook route away (it outlives failed runs, see run). */
  async close(): Promise<void> {
    this.unroute?.();
    this.unroute = null;
  }

  /** Resolves when every event received so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.inbound.idle();
  }

  /** One reply at a time per chat: the pieces of a long reply are never split by another send. */
  private readonly sending = new KeyedQueue();
  /** A retried reply resumes after the parts that arrived (no second upload of a file already shown). */
  private readonly progress = new PartProgress();
  /** Keys of files uploaded for a keyed attachment (by its uuid): a retry after a lost answer sends the message without uploading again. */
  private readonly uploaded = new LruMap<string, string>(5000);

  /** A reply's address names whom it answers: a card in it is theirs to tap. */
  send(to: ChatAddress, reply: Reply, opts: SendOptions = {}): Promise<void> {
    const a = opts.address;
    return this.sending.run(to.chatId, () => this.sendNow(to, reply, opts, a?.askedTo ? { askedTo: a.askedTo, chatType: a.chatType ?? "private" } : undefined));
  }

  private async sendNow(to: ChatAddress, reply: Reply, opts: SendOptions, asked?: { askedTo: string; chatType: "private" | "group" }): Promise<void> {
    const receive_id_type = receiveIdType(to.chatId);
    // Checked before anything goes out: a reply whose file can never be sent is refused whole.
    const uploads = attachmentsOf(reply).map((attachment, i) => {
      const bytes = attachmentBytes(attachment);
      const kind = larkUploadKind(attachment, bytes);
      if (!kind) throw new SendError(`lark: attachment ${i + 1} (${attachment.kind}, ${bytes} bytes) exceeds the ${LARK_FILE_LIMIT}-byte upload limit`, { status: 413, permanent: true });
      return { attachment, kind, index: i };
    });
    const parts: (() => Promise<void>)[] = [];
    // A group card carries whom it asks in its buttons, so that survives a restart too.
    const pieces = sendsText(reply) ? renderLark(reply, { askedTo: asked?.chatType === "group" ? asked.askedTo : undefined }) : [];
    for (const [i, piece] of pieces.entries()) {
      parts.push(async () => {
        // Lark drops a second message with the same uuid within an hour: a retried reply whose first
        // pieces did arrive (or whose answer was lost) is shown once.
        const id = await this.createMessage(to.chatId, receive_id_type, piece, opts.key ? uuidOf(`${opts.key}#${i}`) : undefined);
        if (id && piece.msg_type === "interactive" && i === pieces.length - 1) {
          const card = JSON.parse(piece.content) as { elements: { text?: { content?: string } }[] };
          const state: CardState = { text: card.elements[0]?.text?.content ?? "", choices: reply.choices ?? [], askedTo: asked?.askedTo, chatType: asked?.chatType ?? "private" };
          this.cards.set(id, state);
          await this.storeCard(to.chatId, id, state);
        }
      });
    }
    for (const u of uploads) {
      parts.push(async () => {
        // Its own uuid per attachment, so the image message is deduplicated like a text piece.
        const uuid = opts.key ? uuidOf(`${opts.key}:a${u.index}`) : undefined;
        let fileKey = uuid ? this.uploaded.get(uuid) : undefined;
        if (!fileKey) {
          fileKey = await this.upload(u.kind, u.attachment);
          if (uuid) this.uploaded.set(uuid, fileKey);
        }
        await this.createMessage(to.chatId, receive_id_type, larkAttachmentMessage(u.kind, fileKey), uuid);
      });
    }
    await this.progress.run(opts.key, reply, parts);
  }

  /**
   * Records a card we sent, so a tap after a restart finds what it asked (the memory above is
   * lost then); then closes the person's older form cards in the chat whose question is over, so
   * only the current question has live buttons. Failing here costs only that: the card was sent.
   */
  private async storeCard(chatId: string, messageId: string, card: CardState): Promise<void> {
    const { db, log } = this.opts.deps;
    try {
      await recordSentCard({ db, card: { platform: this.platform, chatId, messageId, text: card.text, choices: card.choices, askedTo: card.askedTo ?? null, chatType: card.chatType, createdAt: this.opts.deps.clock.now() } });
      await this.closeStaleCards(chatId, card.askedTo ?? null, messageId);
    } catch (err) {
      log.warn("lark card not recorded", { error: errorSummary(err) });
    }
  }

  /** Updates a person's live form cards in `chatId` (other than `except`) whose question is no longer current. */
  private async closeStaleCards(chatId: string, askedTo: string | null, except: string): Promise<void> {
    const { db, clock } = this.opts.deps;
    const cards = await staleFormCards({ db, platform: this.platform, chatId, askedTo, except });
    if (!cards.length) return;
    const staff = askedTo ? await findStaffByIdentity(db, "lark", askedTo).catch(() => null) : null;
    const t = translator(staff && isLocale(staff.locale) ? staff.locale : this.opts.deps.policy.locale);
    const over: string[] = [];
    for (const c of cards) {
      const probe = formTapValue({ sessionId: c.sessionId!, rev: c.rev!, index: 0 });
      const status = await classifyTap(db, { platform: this.platform, chatId, userId: askedTo ?? "" }, probe, clock.now());
      if (status === "current") continue;
      over.push(c.messageId);
      // Forgotten here: a tap on it reads the stored card and the stored form (a question that is over).
      this.cards.delete(c.messageId);
      await this.client.im.message
        .patch({ path: { message_id: c.messageId }, data: { content: JSON.stringify(closedCard(c.text, t("forms.tap.over"))) } })
        .catch((err: unknown) => this.opts.deps.log.warn("closing an old lark card failed", { error: errorSummary(err) }));
    }
    if (over.length) await closeSentCards({ db, platform: this.platform, messageIds: over, note: t("forms.tap.over") });
  }

  /** A card we sent: from memory, else (sent before a restart) from the database. */
  private async cardOf(messageId: string | undefined): Promise<CardState | undefined> {
    if (!messageId) return undefined;
    const known = this.cards.get(messageId);
    if (known) return known;
    const row = await findSentCard({ db: this.opts.deps.db, platform: this.platform, messageId }).catch(() => null);
    if (!row) return undefined;
    // Whether it was answered is left to the stored form (a tap on it now reads as over) and to
    // claimCardAnswer, which counts a second tap on a current question once.
    const card: CardState = { text: row.text, choices: row.choices, askedTo: row.askedTo ?? undefined, chatType: row.chatType };
    this.cards.set(messageId, card);
    return card;
  }

  private async createMessage(receiveId: string, receive_id_type: ReturnType<typeof receiveIdType>, message: { msg_type: string; content: string }, uuid: string | undefined): Promise<string | undefined> {
    let res: { code?: number; msg?: string; data?: { message_id?: string } };
    try {
      res = await this.client.im.message.create({ params: { receive_id_type }, data: { receive_id: receiveId, msg_type: message.msg_type, content: message.content, uuid } });
    } catch (err) {
      throw larkSendError(err);
    }
    if (res.code) throw larkSendError(res);
    return res.data?.message_id;
  }

  /**
   * Uploads an image (image API, "message" type) or a file (file API) and returns its key. The SDK
   * turns `data` into multipart form data (axios + form-data). The content goes as a Buffer, as the
   * SDK's own media uploader does: form-data then knows the length (a stream would go chunked and
   * could not be sent twice). Its part carries no filename (form-data cannot name a Buffer); the
   * file API takes the name from `file_name`, and image messages show none.
   */
  private async upload(kind: "image" | "file", a: Attachment): Promise<string> {
    const content = attachmentBuffer(a);
    let key: string | undefined;
    try {
      if (kind === "image") {
        key = (await this.client.im.image.create({ data: { image_type: "message", image: content } }))?.image_key;
      } else {
        const name = safeFileName(a);
        key = (await this.client.im.file.create({ data: { file_type: larkFileType(name, a.mime), file_name: name, file: content } }))?.file_key;
      }
    } catch (err) {
      throw larkSendError(err);
    }
    // The SDK returns only the answer's `data` for uploads, so an error code in a 200 answer shows
    // as a missing key; retrying is bounded by the caller.
    if (!key) throw new SendError(`lark ${kind} upload: no key in the answer`);
    return key;
  }

  /**
   * The webhook endpoint. Our own checks come first, because Lark signs the bytes it sent:
   * signature = sha256(timestamp + nonce + encryptKey + body). With an encrypt key, a signed
   * request's timestamp is checked before its body is read (a captured event replayed later is
   * refused even after its event id has left the dedupe table), and its signature before anything
   * is decrypted or parsed. The one request Lark sends unsigned is the console's URL check: an
   * unsigned request is read only up to a few KB and answered only if it is that check.
   */
  async handleHttp(req: IncomingMessage, res: ServerResponse, body: WebhookBody): Promise<void> {
    const { encryptKey, verificationToken } = this.opts;
    const log = this.opts.deps.log;
    const signed = encryptKey ? signatureHeaders(req.headers) : null;
    // Without an encrypt key nothing is signed, so the timestamp only stops a replay sent as captured.
    const timestamp = signed?.timestamp ?? headerValue(req.headers["x-lark-request-timestamp"]);
    if ((signed || timestamp) && !freshTimestamp(timestamp, this.opts.deps.clock.now())) {
      log.warn("lark event with a stale or missing timestamp rejected");
      return refuse(req, res, 401);
    }
    const raw = await body.read(encryptKey && !signed ? UNSIGNED_BODY_LIMIT : undefined);
    if (signed && !validSignature(signed, raw, encryptKey!)) {
      log.warn("lark event with a bad signature rejected");
      return refuse(req, res, 401);
    }
    const outer = parseJsonObject(raw);
    let plain = outer;
    if (typeof outer.encrypt === "string") {
      if (!encryptKey) return refuse(req, res, 400);
      let decrypted: string;
      try {
        decrypted = new lark.AESCipher(encryptKey).decrypt(outer.encrypt);
      } catch {
        return refuse(req, res, 400);
      }
      plain = parseJsonObject(decrypted);
    }
    const header = (typeof plain.header === "object" && plain.header !== null ? plain.header : {}) as Record<string, unknown>;
    const token = header.token ?? plain.token;
    if (plain.type === "url_verification") {
      // The one-time URL check from the developer console; it carries the token but no signature.
      if (verificationToken && !sameSecret(token, verificationToken)) return refuse(req, res, 401);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ challenge: plain.challenge }));
      return;
    }
    if (encryptKey && !signed) {
      log.warn("lark event without a signature rejected");
      return refuse(req, res, 401);
    }
    if (verificationToken && !sameSecret(token, verificationToken)) {
      log.warn("lark event with a wrong verification token rejected");
      return refuse(req, res, 401);
    }
    // Not connected (bad secret, open API down): Lark keeps the event and delivers it again.
    if (!this.live) return refuse(req, res, 503);
    const data = Object.assign(Object.create({ headers: req.headers }) as object, outer);
    let result: unknown;
    try {
      result = await this.dispatcher.invoke(data, { needCheck: false });
    } catch (err) {
      if (!(err instanceof NotDealtWith)) throw err;
      // Still in hand (or given up at stop): Lark keeps the event and delivers it again.
      return refuse(req, res, 503);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(typeof result === "object" && result !== null ? result : {}));
  }

  /**
   * A received message, answered to Lark once it is dealt with: its replies queued and its event
   * marked (or dropped on purpose: over the rate limit, a redelivery already handled). Until then,
   * at most ackWaitMs, then NotDealtWith, an error answer (webhook 503: Lark delivers the event again
   * after 15 s, 5 min, 1 h and 6 h; long connection: the SDK answers code 500), so a message in hand
   * when the process dies or stops is not lost. A redelivery of one still in hand waits for the same
   * handling instead of being dropped as a duplicate and acknowledged.
   */
  private async onMessage(event: LarkMessageEvent): Promise<object> {
    const message = event.message;
    const userId = event.sender?.sender_id?.open_id;
    if (!message || !userId || event.sender?.sender_type === "app") return {};
    const text = inboundText(message, this.botOpenId);
    const evidence = text === null ? inboundEvidence(message, this.botOpenId) : null;
    if (text === null && !evidence) return {};
    // A redelivered event_id is dropped by the router's once-only check.
    const chatType = message.chat_type === "p2p" ? "private" : "group";
    const msg: InboundMessage = { platform: "lark", chatId: message.chat_id, userId, text: text ?? "", eventId: event.event_id ?? message.message_id, chatType };
    if (evidence && "location" in evidence) msg.location = evidence.location;
    else if (evidence) msg.media = [this.inboundMedia(message.message_id, evidence.media)];
    else {
      // A photo with a caption comes as rich text: its pictures are the evidence, the caption its text.
      const pictures = postImages(message);
      if (pictures.length) msg.media = pictures.map((p) => this.inboundMedia(message.message_id, p));
    }
    const id = msg.eventId!;
    let done = this.inflight.get(id);
    if (!done) {
      done = this.inbound.submitTracked(msg, () => answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: userId, chatType } })).done;
      this.inflight.set(id, done);
      void done.then(() => this.inflight.delete(id));
    }
    if (!(await settledWithin(done, this.opts.ackWaitMs ?? 2_000))) throw new NotDealtWith();
    return {};
  }

  /**
   * A received picture or file, fetched only when the form takes it: through the message resource
   * API (the bot may read resources of messages in its chats), read up to the limit. Every failure
   * of Lark's (not found, no permission, a 5xx, a cut connection) is one "download failed" for the
   * manager; the details go to the log without the message's content.
   */
  private inboundMedia(messageId: string, ref: LarkMediaRef): InboundMedia {
    const what = `lark ${ref.kind}`;
    return {
      kind: ref.kind,
      ...(ref.name ? { name: ref.name } : {}),
      download: async (maxBytes: number) => {
        if (!ref.key) throw new MediaError("download-failed", `${what}: the message names no resource`);
        type Resource = { getReadableStream(): Readable; headers?: Record<string, unknown> };
        const signal = AbortSignal.timeout(this.opts.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
        let res: Resource;
        try {
          const started = this.client.im.messageResource.get({ path: { message_id: messageId, file_key: ref.key }, params: { type: ref.resourceType } });
          res = await beforeDeadline<Resource>(started, signal, what, (late) => late.getReadableStream().destroy());
        } catch (err) {
          if (err instanceof MediaError) throw err;
          const e = larkSendError(err);
          this.opts.deps.log.warn("lark resource download failed", { status: e.status });
          throw new MediaError("download-failed", `${what}: ${e.message}`, { cause: err });
        }
        let stream: Readable;
        try {
          stream = res.getReadableStream();
        } catch (err) {
          throw new MediaError("download-failed", `${what}: no content`, { cause: err });
        }
        // The declared length refuses a large file before any of it is read.
        const declared = Number(res.headers?.["content-length"]);
        if (Number.isFinite(declared) && declared > maxBytes) {
          stream.destroy();
          throw new MediaError("too-large", `${what}: ${declared} bytes declared, limit ${maxBytes}`);
        }
        return readLimited(stream, maxBytes, what, signal);
      },
    };
  }

  private async onCardAction(event: CardActionEvent): Promise<CardActionResponse> {
    const log = this.opts.deps.log;
    const userId = event.operator?.open_id ?? event.open_id;
    const messageId = event.context?.open_message_id ?? event.open_message_id;
    const chatId = event.context?.open_chat_id ?? userId;
    const raw = event.action?.value;
    const value = larkTappedValue(raw);
    if (!userId || !chatId || value === undefined) return {};
    // A tap counts against the tapper's rate limit like a message; over it, the card stays as it is.
    if (this.inbound.admit({ platform: this.platform, chatId, userId }) !== "ok") return {};
    const staff = await findStaffByIdentity(this.opts.deps.db, "lark", userId).catch(() => null);
    const t = translator(staff && isLocale(staff.locale) ? staff.locale : this.opts.deps.policy.locale);
    const eventId = event.event_id ?? `${messageId}:${value}`;
    const card = await this.cardOf(messageId);
    // Only the person a card asks may answer it: in a group anyone can tap. A card we know (memory
    // or database) says whom; one we do not still names them in its buttons (`u`); a card without
    // is a private one.
    const chatType = card?.chatType ?? (larkTappedAskedTo(raw) ? "group" : "private");
    const askedTo = card ? card.askedTo : larkTappedAskedTo(raw);
    if (chatType === "group" && askedTo !== userId) return { toast: { type: "info", content: t("chat.not-your-question") } };
    if (card?.answered !== undefined) return { toast: { type: "info", content: t("chat.already-answered") } };
    // A redelivered callback (same event_id) is dropped by the router's once-only check.
    const msg: InboundMessage = { platform: "lark", chatId, userId, text: value, isAction: true, eventId, chatType };
    // Read from the stored form now, because Lark wants its answer (toast, redrawn card) at once;
    // the engine decides again when the tap's turn in the chat's queue comes.
    const status = await classifyTap(this.opts.deps.db, msg, value, this.opts.deps.clock.now()).catch(() => "over" as const);
    // A value we cannot name (a card older than the stored ones) is not shown raw ("✅ p:4").
    const label = card?.choices.find((c) => c.value === value)?.label ?? t("forms.tap.received");
    const db = this.opts.deps.db;
    const handle = () => answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: userId, chatType } });
    if (status === "over" || status === "foreign") {
      // Someone else's current question: the card stays as it is for the one asked.
      if (card && messageId && status === "over") {
        card.answered = t("forms.tap.over");
        await closeSentCards({ db, platform: this.platform, messageIds: [messageId], note: card.answered }).catch(() => 0);
      }
      // The router answers a tap whose question is over with what is current (and does nothing else).
      this.inbound.enqueue(chatId, handle);
      const toast = { type: "info" as const, content: t("forms.tap.over") };
      return card && status === "over" ? { toast, card: { type: "raw", data: closedCard(card.text, t("forms.tap.over")) } } : { toast };
    }
    // A second tap in this process while the first is in hand is "already answered".
    if (card) card.answered = label;
    // The card shows "✅ answered" only once the answer is dealt with (its replies queued, its event
    // marked): Lark does not deliver a tap again, so a tap shown as answered and then lost at a stop
    // or crash would be a choice the manager thinks was made.
    const done = this.inbound.enqueueTracked(chatId, handle);
    const outcome = await outcomeWithin(done, this.opts.ackWaitMs ?? 2_000);
    if (outcome === "done") {
      // Counted once also across processes: a tap another process answered first is "already answered".
      if (card && messageId && (await this.claim(messageId, label)) === "taken") return { toast: { type: "info", content: t("chat.already-answered") } };
      const toast = { type: "success" as const, content: doneMark(label) };
      return card ? { toast, card: { type: "raw", data: answeredCard(card.text, label) } } : { toast };
    }
    if (outcome === "given-up") {
      // Nothing was taken: the card keeps its buttons for a tap once the process is back.
      if (card) card.answered = undefined;
      return { toast: { type: "info", content: t("forms.tap.not-taken") } };
    }
    // Still in hand: the truth now, and the card marked once it is dealt with.
    void done.then(async (ok) => {
      if (!ok) {
        if (card) card.answered = undefined;
        return;
      }
      if (!card || !messageId || (await this.claim(messageId, label)) === "taken") return;
      await this.client.im.message
        .patch({ path: { message_id: messageId }, data: { content: JSON.stringify(answeredCard(card.text, label)) } })
        .catch((err: unknown) => log.warn("marking an answered lark card failed", { error: errorSummary(err) }));
    });
    return { toast: { type: "info", content: t("forms.tap.pending") } };
  }

  /** Records the card's answer in the database, once across processes ("unknown": a card never stored). */
  private claim(messageId: string, answered: string): Promise<"claimed" | "taken" | "unknown"> {
    return claimCardAnswer({ db: this.opts.deps.db, platform: this.platform, messageId, answered }).catch(() => "unknown" as const);
  }
}

interface LarkMessageEvent {
  event_id?: string;
  sender?: { sender_id?: { open_id?: string }; sender_type?: string };
  message?: LarkMessage;
}

interface CardActionEvent {
  event_id?: string;
  operator?: { open_id?: string };
  /** Old-style callbacks put these at the top level. */
  open_id?: string;
  open_message_id?: string;
  action?: { value?: unknown; tag?: string };
  context?: { open_message_id?: string; open_chat_id?: string };
}

/** How far a signed request's timestamp may be from our clock (Lark's own SDKs allow no replay window at all). */
export const LARK_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
/** Body limit for an unsigned request: only the URL check comes unsigned, and it is a few hundred bytes. */
const UNSIGNED_BODY_LIMIT = 4 * 1024;

interface SignatureHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
}

/** The signature headers, or null when the request carries no signature at all (the URL check). */
function signatureHeaders(headers: IncomingMessage["headers"]): SignatureHeaders | null {
  const signature = headerValue(headers["x-lark-signature"]);
  if (!signature) return null;
  return { timestamp: headerValue(headers["x-lark-request-timestamp"]), nonce: headerValue(headers["x-lark-request-nonce"]), signature };
}

function headerValue(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** Lark's timestamp is in seconds; one outside the tolerance (or none) is a replay or a forgery. */
function freshTimestamp(timestamp: string, now: Date): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) * 1000 - now.getTime()) <= LARK_TIMESTAMP_TOLERANCE_MS;
}

function validSignature(h: SignatureHeaders, raw: Buffer, encryptKey: string): boolean {
  const expected = createHash("sha256").update(h.timestamp + h.nonce + encryptKey).update(raw).digest("hex");
  return sameSecret(h.signature, expected);
}

/** Constant-time comparison (of digests, so unequal lengths take the same path too). */
function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function uuidOf(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 32);
}

/** What the outbox needs to know about a failed message API call (HTTP error or error code). */
export function larkSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as { message?: string; code?: unknown; msg?: string; response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, unknown> } };
  const status = e.response?.status;
  const code = typeof e.response?.data?.code === "number" ? e.response.data.code : typeof e.code === "number" ? e.code : undefined;
  const message = e.response?.data?.msg ?? e.msg ?? e.message ?? String(err);
  const describe = `lark ${status ?? ""}${code !== undefined ? ` code ${code}` : ""}: ${message}`.trim();
  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    const reset = Number(e.response?.headers?.["x-ogw-ratelimit-reset"]);
    return new SendError(describe, { status: 429, retryAfterMs: Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1000, cause: err });
  }
  if (code !== undefined && TOKEN_CODES.has(code)) return new SendError(describe, { status, cause: err });
  if (status !== undefined && status >= 500) return new SendError(describe, { status, cause: err });
  // Any other answer from Lark (bot not in the chat, user out of the app's scope, bad content) is final.
  if (status !== undefined || code !== undefined) return new SendError(describe, { status: status ?? 400, permanent: true, cause: err });
  return new SendError(`network: ${describe}`, { cause: err });
}

/** True when `done` resolved true within `ms`; false when it resolved false or took longer. */
async function settledWithin(done: Promise<boolean>, ms: number): Promise<boolean> {
  return (await outcomeWithin(done, ms)) === "done";
}

/** What became of a tracked task within `ms`: dealt with, given up (at stop), or still in hand. */
async function outcomeWithin(done: Promise<boolean>, ms: number): Promise<"done" | "given-up" | "in-hand"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"in-hand">((resolve) => (timer = setTimeout(() => resolve("in-hand"), ms)));
  try {
    return await Promise.race([done.then((ok) => (ok ? ("done" as const) : ("given-up" as const))), late]);
  } finally {
    clearTimeout(timer);
  }
}
