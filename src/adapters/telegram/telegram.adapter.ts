import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { autoRetry, type AutoRetryOptions } from "@grammyjs/auto-retry";
import { apiThrottler, type APIThrottlerOptions } from "@grammyjs/transformer-throttler";
import { Api, Bot, GrammyError, HttpError, InputFile, webhookCallback, type Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { MediaError, SendError, type Attachment, type ChatAddress, type InboundMedia, type InboundMessage, type Reply, type SendOptions } from "../../core/chat.ts";
import { classifyTap } from "../../core/forms/form-engine.ts";
import { isFormTap } from "../../core/forms/form-tap.ts";
import { findStaffByIdentity, type AppDeps, type Router } from "../../core/router.ts";
import { isLocale, translator, type Translate } from "../../i18n/i18n.ts";
import { attachmentBuffer, attachmentBytes, attachmentsOf, PartProgress, safeFileName, sendsText } from "../attachments.ts";
import { HttpStatusError, parseJsonObject, refuse, type HttpHandler, type WebhookBody, type WebhookServer } from "../http-server.ts";
import { KeyedQueue, LruMap } from "../keyed-queue.ts";
import { answer, InboundQueue, type PlatformAdapter, type RunContext } from "../platform.ts";
import { claimCardAnswer, findSentCard, recordSentCard } from "../../modules/ops/sent-cards.service.ts";
import {
  addressedText,
  decodeCallbackData,
  isPhotoRefusal,
  labelOfTapped,
  renderAnswered,
  renderTelegram,
  TELEGRAM_DOCUMENT_LIMIT,
  TELEGRAM_DOWNLOAD_LIMIT,
  TELEGRAM_PHOTO_LIMIT,
  telegramFile,
  telegramFileName,
  telegramLocation,
  telegramUploadMethod,
  type LocationLabels,
  type TelegramFileRef,
  type TelegramOutgoing,
  type TelegramUploadLimits,
} from "./telegram.mapper.ts";
import { errorSummary } from "../../core/logger.ts";
import { DEFAULT_DOWNLOAD_TIMEOUT_MS, readLimited } from "../read-limited.ts";

export interface TelegramAdapterOptions {
  token: string;
  router: Router;
  deps: AppDeps;
  /** Bot API server (default https://api.telegram.org): a self-hosted server, or a fake in tests. */
  apiRoot?: string;
  /** Webhook mode; without it the adapter long-polls. */
  webhook?: { url: string; secret: string; server: WebhookServer };
  /** getUpdates long-poll timeout in seconds (default 30). */
  pollTimeoutSeconds?: number;
  /** Outgoing rate limits (grammY throttler); `false` disables them. */
  throttle?: APIThrottlerOptions | false;
  autoRetry?: Partial<AutoRetryOptions>;
  /** Skips getMe (tests that feed updates directly). */
  botInfo?: UserFromGetMe;
  /** Upload limits (default the Bot API's 10 MB photos, 50 MB documents; a self-hosted server allows more). */
  uploadLimits?: Partial<TelegramUploadLimits>;
  /** How long one file download (a shop photo) may take before it counts as failed, in ms (default 60 s). */
  downloadTimeoutMs?: number;
}

interface Upload {
  attachment: Attachment;
  bytes: number;
  method: "sendPhoto" | "sendDocument";
}

const ALLOWED_UPDATES = ["message", "callback_query"] as const;

/** How long the polling loop waits, with only updates in hand coming back, before asking again (doubling up to the max). */
const POLL_HOLD_MS = 250;
const POLL_HOLD_MAX_MS = 4000;

/** Updates the polling loop has taken and not yet confirmed. */
interface PollState {
  /** One past the newest update taken. */
  next: number;
  /** Taken, their queued work not yet done. */
  pending: Map<number, Promise<void>>;
  /** Given up at stop: never confirmed by this run. */
  held: Set<number>;
}

/** The offset to poll with: the oldest update not dealt with, else one past the newest taken. */
function confirmedUpTo(p: PollState): number {
  let offset = p.next;
  for (const id of p.pending.keys()) offset = Math.min(offset, id);
  for (const id of p.held) offset = Math.min(offset, id);
  return offset;
}

/** Set by the polling loop around grammY's handlers: where `track` puts what an update queued. */
const updateTasks = new AsyncLocalStorage<Promise<boolean>[]>();

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * Bounds on what the Bot API allows: about 30 messages a second overall, 20 a minute into one
 * group, and (in practice) a few a second into one private chat. Scheduled reminders are also
 * spaced by the outbox dispatcher; these bounds keep interactive replies inside the limits too.
 */
export const DEFAULT_TELEGRAM_THROTTLE: APIThrottlerOptions = {
  global: { reservoir: 30, reservoirRefreshAmount: 30, reservoirRefreshInterval: 1000 },
  group: { maxConcurrent: 1, minTime: 1000, reservoir: 20, reservoirRefreshAmount: 20, reservoirRefreshInterval: 60_000 },
  out: { maxConcurrent: 1, minTime: 200 },
};

/**
 * Waits in place only for short rate limits; a longer retry_after, a 5xx after two retries or a
 * network error is thrown as a SendError so the outbox reschedules instead of holding a slot.
 */
export const DEFAULT_TELEGRAM_AUTO_RETRY: Partial<AutoRetryOptions> = {
  maxRetryAttempts: 2,
  maxDelaySeconds: 5,
  rethrowHttpErrors: true,
  rethrowInternalServerErrors: false,
};

/** Telegram through grammY: long polling or webhook, inline keyboards for choices. */
export class TelegramAdapter implements PlatformAdapter {
  readonly platform = "telegram" as const;
  readonly bot: Bot;
  /**
   * Command button values longer than callback_data allows, by hash. Form buttons never need it
   * (their payload is a short tap token); a hash lost in a restart reads as a question that is over.
   */
  private readonly overflow = new LruMap<string, string>(5000);
  /**
   * Keyboards already tapped ("chat:message"): a quick double tap gets a toast instead of a second
   * run. Only a shortcut: whether a form button still answers anything is decided from the stored
   * form (its tap token), so this memory may be lost in a restart.
   */
  private readonly answered = new LruMap<string, true>(5000);
  /** Whom each keyboard we sent asks ("chat:message" → user id): in a group only they may tap it. */
  private readonly askedTo = new LruMap<string, string>(5000);
  /** Updates are handled per chat, in order, chats side by side (grammY alone runs them one by one). */
  private readonly inbound: InboundQueue;
  private stopped: (() => void) | null = null;
  private abort: AbortController | null = null;
  private unroute: (() => void) | null = null;
  /** The current run's line to the supervisor (polling failing and recovering). */
  private ctx: RunContext | null = null;
  /** The polling loop's updates in hand (see poll); null when not polling. */
  private polling: PollState | null = null;
  private pollDone: Promise<void> | null = null;
  /** getMe without the transformers (see run). */
  private readonly probe: Api;

  constructor(private readonly opts: TelegramAdapterOptions) {
    const client = opts.apiRoot ? { apiRoot: opts.apiRoot.replace(/\/+$/, "") } : {};
    this.bot = new Bot(opts.token, { client, botInfo: opts.botInfo });
    this.probe = new Api(opts.token, client);
    // The throttler goes first so that auto-retry (installed after it, so wrapping it) re-queues through it.
    if (opts.throttle !== false) this.bot.api.config.use(apiThrottler(opts.throttle ?? DEFAULT_TELEGRAM_THROTTLE));
    this.bot.api.config.use(autoRetry({ ...DEFAULT_TELEGRAM_AUTO_RETRY, ...opts.autoRetry }));
    // grammY keeps long polling through errors (retrying every few seconds); say when it starts and ends.
    let pollingFailing = false;
    this.bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== "getUpdates") return prev(method, payload, signal);
      try {
        const result = await prev(method, payload, signal);
        if (result.ok && pollingFailing) {
          opts.deps.log.warn("telegram polling recovered");
          this.ctx?.up();
        }
        if (!result.ok && !pollingFailing) {
          opts.deps.log.error("telegram polling failing; retrying", { error: `${result.error_code} ${result.description}` });
          this.ctx?.down(`status=${result.error_code}: ${result.description}`);
        }
        pollingFailing = !result.ok;
        return result;
      } catch (err) {
        if (!signal?.aborted && !pollingFailing) {
          opts.deps.log.error("telegram polling failing; retrying", { error: errorSummary(err) });
          this.ctx?.down(err);
        }
        pollingFailing = !signal?.aborted;
        throw err;
      }
    });
    this.inbound = new InboundQueue({ deps: opts.deps, port: this });
    // Replies are sent by the process's outbox dispatcher, through this adapter.
    opts.deps.replies?.dispatcher.addPort(this);
    // Each handler only admits and queues the update, so grammY's polling loop (and a webhook
    // request) never waits for an answer. A redelivered update_id (unconfirmed offset after a
    // restart, a webhook retry) is dropped by the router's once-only check.
    this.bot.on("message:text", (ctx) => this.onText(ctx));
    // A venue carries a location too, so this one filter takes both. Live-location updates arrive as
    // edited messages, which are not subscribed to (ALLOWED_UPDATES): only the first counts.
    this.bot.on("message:location", (ctx) => this.onEvidence(ctx));
    this.bot.on(["message:photo", "message:document"], (ctx) => this.onEvidence(ctx));
    this.bot.on("callback_query:data", (ctx) => this.onCallback(ctx));
    this.bot.catch((err) => opts.deps.log.error("telegram update failed", { error: errorSummary(err.error) }));
  }

  async run(ctx?: RunContext): Promise<void> {
    const { webhook, deps } = this.opts;
    this.ctx = ctx ?? null;
    const stopped = new Promise<void>((resolve) => (this.stopped = resolve));
    // One getMe attempt, cancellable and outside auto-retry: grammY's own init retries network
    // errors silently and forever, and auto-retry waits out 5xx in place (3 s, 6 s, …); either would
    // hide an unreachable API from the status. The supervisor's backoff retries it instead.
    this.abort = new AbortController();
    if (!this.bot.isInited()) this.bot.botInfo = await this.probe.getMe(this.abort.signal as Parameters<Api["getMe"]>[0]);
    if (webhook) {
      // The route and the port come before setWebhook: Telegram starts posting the moment it is set.
      this.unroute = webhook.server.route(new URL(webhook.url).pathname, webhookHandler(this.bot, webhook.secret));
      await webhook.server.listen();
      await this.bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
      deps.log.info("telegram webhook ready", { bot: this.bot.botInfo.username });
      ctx?.up();
      await stopped;
      return;
    }
    this.pollDone = this.poll(this.abort.signal, ctx);
    await this.pollDone;
  }

  /**
   * Long polling that confirms an update to Telegram only once it is dealt with. Telegram forgets
   * every update below the offset of a getUpdates call; grammY's own loop moves the offset on as
   * soon as its handlers return, and ours only queue the work, so a message still waiting (its
   * chat's turn, a database fault) was confirmed already and lost with the process. Here the offset
   * stays at the oldest update not yet handled: after a crash, or a stop that gave a message up,
   * Telegram hands it out again, and the router's once-only check drops what was handled.
   */
  private async poll(signal: AbortSignal, ctx?: RunContext): Promise<void> {
    const { deps } = this.opts;
    // As grammY's start: polling and a webhook exclude each other.
    await this.bot.api.deleteWebhook({}, signal as Parameters<Api["deleteWebhook"]>[1]);
    deps.log.info("telegram polling", { bot: this.bot.botInfo.username });
    ctx?.up();
    const p: PollState = { next: 0, pending: new Map(), held: new Set() };
    this.polling = p;
    const timeout = this.opts.pollTimeoutSeconds ?? 30;
    let hold = POLL_HOLD_MS;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.bot.api.getUpdates({ offset: confirmedUpTo(p), timeout, allowed_updates: [...ALLOWED_UPDATES] }, signal as Parameters<Api["getUpdates"]>[1]);
      } catch (err) {
        if (signal.aborted) break;
        // As grammY: a wrong token or another poller (409) ends the run; anything else is retried.
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 409)) throw err;
        const retryAfter = err instanceof GrammyError ? err.parameters.retry_after : undefined;
        await abortableDelay((retryAfter ?? 3) * 1000, signal);
        continue;
      }
      let fresh = 0;
      for (const update of updates) {
        // Below `next`: handled or in hand already (the offset still holds an older one back).
        if (update.update_id < p.next) continue;
        p.next = update.update_id + 1;
        fresh++;
        await this.take(update, p);
      }
      // Only updates in hand came back (Telegram answers at once while an unconfirmed one is
      // there): wait for one of them, or a moment, instead of asking again straight away. The
      // moment grows while nothing new comes (a message waiting out a database fault for minutes).
      hold = fresh ? POLL_HOLD_MS : Math.min(hold * 2, POLL_HOLD_MAX_MS);
      if (!fresh && p.pending.size) await Promise.race([...p.pending.values(), abortableDelay(hold, signal)]);
    }
  }

  /** Runs grammY's handlers on one update and keeps it pending until what they queued is done. */
  private async take(update: Update, p: PollState): Promise<void> {
    const queued: Promise<boolean>[] = [];
    try {
      await updateTasks.run(queued, () => this.bot.handleUpdate(update));
    } catch (err) {
      this.opts.deps.log.error("telegram update failed", { error: errorSummary(err) });
    }
    if (!queued.length) return;
    const id = update.update_id;
    const done = Promise.all(queued).then((results) => {
      if (results.includes(false)) p.held.add(id);
      p.pending.delete(id);
    });
    p.pending.set(id, done);
  }

  async stop(): Promise<void> {
    this.unroute?.();
    this.unroute = null;
    this.stopped?.();
    this.abort?.abort();
    // The loop first (it takes no update after the abort), then what it took, then the offset.
    await this.pollDone?.catch(() => undefined);
    this.pollDone = null;
    await this.inbound.stop();
    const p = this.polling;
    if (p) {
      this.polling = null;
      await Promise.all(p.pending.values());
      // Confirms what was handled (as grammY's stop), never a message given up.
      await this.bot.api.getUpdates({ offset: confirmedUpTo(p), limit: 1, timeout: 0 }, AbortSignal.timeout(5000) as Parameters<Api["getUpdates"]>[1]).catch(() => undefined);
    }
  }

  /** Resolves when every update received so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.inbound.idle();
  }

  /** One reply at a time per chat: the pieces of a long reply are never split by another send. */
  private readonly sending = new KeyedQueue();
  /** Telegram has no idempotency key: a retried reply resumes after the messages that arrived. */
  private readonly progress = new PartProgress();

  /** A reply's address names whom it answers: a keyboard in it is theirs to tap. */
  send(to: ChatAddress, reply: Reply, opts: SendOptions = {}): Promise<void> {
    return this.sending.run(to.chatId, () => this.sendNow(to, reply, opts, opts.address?.askedTo));
  }

  private async sendNow(to: ChatAddress, reply: Reply, opts: SendOptions, recipient?: string): Promise<void> {
    // Checked before anything goes out: a reply whose file can never be sent is refused whole,
    // rather than leaving its text ("here is the export") without the export.
    const limits = { photoBytes: this.opts.uploadLimits?.photoBytes ?? TELEGRAM_PHOTO_LIMIT, documentBytes: this.opts.uploadLimits?.documentBytes ?? TELEGRAM_DOCUMENT_LIMIT };
    const uploads: Upload[] = attachmentsOf(reply).map((attachment, i) => {
      const bytes = attachmentBytes(attachment);
      const method = telegramUploadMethod(attachment, bytes, limits);
      if (!method) throw new SendError(`telegram: attachment ${i + 1} (${attachment.kind}, ${bytes} bytes) exceeds the ${limits.documentBytes}-byte upload limit`, { status: 413, permanent: true });
      return { attachment, bytes, method };
    });
    const parts: (() => Promise<void>)[] = [];
    if (sendsText(reply)) {
      const { messages, overflow } = renderTelegram(reply, reply.askLocation ? await this.locationLabels(recipient ?? to.chatId) : undefined);
      for (const o of overflow) this.overflow.set(o.key, o.value);
      const removing = this.keyboardRemoval(to.chatId, reply, messages);
      for (const m of messages) {
        parts.push(async () => {
          try {
            const sent = await this.bot.api.sendMessage(to.chatId, m.text, {
              parse_mode: m.parse_mode,
              reply_markup: m.reply_markup ?? m.replyKeyboard,
              link_preview_options: { is_disabled: true },
            });
            if (m === removing) this.locationShared.delete(to.chatId);
            if (m.reply_markup && recipient && sent?.message_id !== undefined) {
              this.askedTo.set(`${to.chatId}:${sent.message_id}`, recipient);
              // Telegram numbers messages per chat: the stored id names the chat too.
              await this.storeKeyboard(to.chatId, `${to.chatId}:${sent.message_id}`, m.text, reply, recipient, opts.address?.chatType ?? "private");
            }
          } catch (err) {
            throw telegramSendError(err);
          }
        });
      }
    }
    for (const u of uploads) parts.push(() => this.upload(to.chatId, u));
    await this.progress.run(opts.key, reply, parts);
  }

  /** The location button's words in the recipient's language (a reply keyboard has no per-user rendering). */
  private async locationLabels(userId: string): Promise<LocationLabels> {
    const t = await this.translatorFor(userId);
    return { button: t("telegram.location-button"), hint: t("telegram.location-keyboard-hint") };
  }

  /**
   * Chats that shared a location since their last plain reply: the one-time location keyboard may
   * still be reachable there (Telegram only folds it away), so the next reply without buttons
   * removes it. A reply whose pieces all carry an inline keyboard leaves that to a later one.
   */
  private readonly locationShared = new LruMap<string, true>(5000);

  private keyboardRemoval(chatId: string, reply: Reply, messages: TelegramOutgoing[]): TelegramOutgoing | undefined {
    if (reply.askLocation || !this.locationShared.has(chatId)) return undefined;
    const bare = messages.find((m) => !m.reply_markup && !m.replyKeyboard);
    if (bare) bare.replyKeyboard = { remove_keyboard: true };
    return bare;
  }

  /**
   * Records a keyboard we sent (whom it asks, what it offers), so a tap after a restart still knows
   * who may answer it in a group and counts a double tap once. Failing here costs only that: the
   * message was sent.
   */
  private async storeKeyboard(chatId: string, messageId: string, text: string, reply: Reply, askedTo: string, chatType: "private" | "group"): Promise<void> {
    const { db, clock, log } = this.opts.deps;
    await recordSentCard({ db, card: { platform: this.platform, chatId, messageId, text, choices: reply.choices ?? [], askedTo, chatType, createdAt: clock.now() } }).catch((err) =>
      log.warn("telegram keyboard not recorded", { error: errorSummary(err) }),
    );
  }

  /** Whom a keyboard asks: from memory, else (sent before a restart) from the database. */
  private async askedToOf(chatId: string, messageId: string): Promise<string | undefined> {
    const key = `${chatId}:${messageId}`;
    const known = this.askedTo.get(key);
    if (known) return known;
    const row = await findSentCard({ db: this.opts.deps.db, platform: this.platform, messageId: `${chatId}:${messageId}` }).catch(() => null);
    if (row?.askedTo) this.askedTo.set(key, row.askedTo);
    return row?.askedTo ?? undefined;
  }

  /**
   * One attachment as a photo or a document. The content is a Buffer, not a stream: auto-retry
   * and the throttler may send the same payload again, and grammY refuses to reuse a stream.
   */
  private async upload(chatId: string, u: Upload): Promise<void> {
    const name = telegramFileName(safeFileName(u.attachment));
    const data = attachmentBuffer(u.attachment);
    if (u.method === "sendPhoto") {
      try {
        await this.bot.api.sendPhoto(chatId, new InputFile(data, name));
        return;
      } catch (err) {
        if (!(err instanceof GrammyError && err.error_code === 400 && isPhotoRefusal(err.description))) throw telegramSendError(err);
        // Dimensions or format Telegram does not take for a photo: the picture still arrives, as a file.
        this.opts.deps.log.info("telegram refused an image as a photo; sending it as a document", { bytes: u.bytes });
      }
    }
    try {
      await this.bot.api.sendDocument(chatId, new InputFile(data, name));
    } catch (err) {
      throw telegramSendError(err);
    }
  }

  private async translatorFor(userId: string): Promise<Translate> {
    const staff = await findStaffByIdentity(this.opts.deps.db, "telegram", userId).catch(() => null);
    return translator(staff && isLocale(staff.locale) ? staff.locale : this.opts.deps.policy.locale);
  }

  private onText(ctx: Context): void {
    const message = ctx.message!;
    const text = addressedText({
      text: message.text!,
      chatType: message.chat.type,
      botUsername: this.bot.botInfo.username,
      replyToBot: message.reply_to_message?.from?.id === this.bot.botInfo.id,
    });
    if (text === null || !message.from) return;
    this.submit(this.inboundMessage(ctx, text, false));
  }

  /**
   * A location, photo or document. In a group it counts only when addressed to the bot like text
   * (a reply to the bot, or a caption mentioning it), so a photo shared among colleagues gets no
   * answer. The caption is not taken as text: the form step in progress is not answered by it.
   */
  private onEvidence(ctx: Context): void {
    const message = ctx.message!;
    const addressed = addressedText({
      text: message.caption ?? "",
      chatType: message.chat.type,
      botUsername: this.bot.botInfo.username,
      replyToBot: message.reply_to_message?.from?.id === this.bot.botInfo.id,
    });
    if (addressed === null || !message.from) return;
    const msg = this.inboundMessage(ctx, "", false);
    const location = telegramLocation(message);
    if (location) msg.location = location;
    const file = location ? null : telegramFile(message);
    if (file) msg.media = [this.inboundMedia(file)];
    if (!msg.location && !msg.media) return;
    if (msg.location && msg.chatType === "private") this.locationShared.set(msg.chatId, true);
    this.submit(msg);
  }

  private submit(msg: InboundMessage): void {
    this.track(this.inbound.submitTracked(msg, () => answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: msg.userId } })).done);
  }

  /** Tells the polling loop (when this runs inside it) what the update it is taking queued. */
  private track(done: Promise<boolean>): void {
    updateTasks.getStore()?.push(done);
  }

  /** A file in a message as the core sees it: its declared facts now, the bytes only when asked for. */
  private inboundMedia(file: TelegramFileRef): InboundMedia {
    const { fileId, ...declared } = file;
    return {
      ...declared,
      download: (maxBytes) =>
        downloadTelegramFile({
          api: this.bot.api,
          apiRoot: this.opts.apiRoot ?? "https://api.telegram.org",
          token: this.opts.token,
          fileId,
          declaredBytes: file.bytes,
          maxBytes,
          timeoutMs: this.opts.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
        }),
    };
  }

  private onCallback(ctx: Context): void {
    const query = ctx.callbackQuery!;
    if (!query.message || !ctx.chat) {
      void ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    // A tap counts against the tapper's rate limit like a message; a dropped one gets no answer.
    this.track(this.inbound.submitTracked({ platform: this.platform, chatId: String(ctx.chat.id), userId: String(query.from.id) }, () => this.handleCallback(ctx)).done);
  }

  /** False when the tap's answer was given up at stop (see answer). */
  private async handleCallback(ctx: Context): Promise<boolean | void> {
    const query = ctx.callbackQuery!;
    const message = query.message!;
    const data = query.data!;
    const log = this.opts.deps.log;
    const key = `${message.chat.id}:${message.message_id}`;
    const tapper = String(query.from.id);
    const t = await this.translatorFor(tapper);
    if (message.chat.type !== "private") {
      // In a group anyone can tap any keyboard: only the person it asks may answer it. A keyboard
      // we no longer know (sent before a restart) can be answered by nobody.
      const asked = await this.askedToOf(String(message.chat.id), String(message.message_id));
      if (asked !== tapper) {
        await ctx.answerCallbackQuery({ text: t(asked ? "chat.not-your-question" : "chat.button-expired") }).catch(() => undefined);
        return;
      }
    }
    if (this.answered.has(key)) {
      await ctx.answerCallbackQuery({ text: t("chat.already-answered") }).catch(() => undefined);
      return;
    }
    // A payload that cannot be resolved (a long value from before a restart) is LOST_TAP: the
    // router answers it as a question that is over, with what is current.
    const value = decodeCallbackData(data, (k) => this.overflow.get(k));
    const msg = this.inboundMessage(ctx, value, true);
    // In order with the chat's messages (the inbound queue), so the stored form read here is the
    // one the engine will see; the engine still decides again for itself.
    const status = await classifyTap(this.opts.deps.db, msg, value, this.opts.deps.clock.now()).catch(() => "over" as const);
    const current = status !== "over" && status !== "foreign";
    if (current) {
      // A second tap on the same keyboard from another process (or after a restart) counts once too.
      // A card not stored (yet) is guarded by this process's memory only. The answer is recorded
      // once the tap is dealt with (below): an update redelivered after a crash mid-way is taken.
      const stored = await findSentCard({ db: this.opts.deps.db, platform: this.platform, messageId: key }).catch(() => null);
      if (stored?.answered != null) {
        await ctx.answerCallbackQuery({ text: t("chat.already-answered") }).catch(() => undefined);
        return;
      }
      this.answered.set(key, true);
    }
    const over = !current;
    await ctx.answerCallbackQuery(over ? { text: t("forms.tap.over") } : undefined).catch((err) => log.warn("answerCallbackQuery failed", { error: errorSummary(err) }));
    // Mark the choice on the message and drop the keyboard, so the history reads like a conversation.
    // A tap whose question is over is not marked as chosen (nothing was): its keyboard just goes. A
    // tap on someone else's current question leaves their keyboard alone.
    if (status !== "foreign") {
      const keyboard = "reply_markup" in message ? message.reply_markup?.inline_keyboard : undefined;
      const label = labelOfTapped(keyboard as { text: string; callback_data?: string }[][] | undefined, data) ?? (isFormTap(value) ? undefined : value);
      const text = !over && label !== undefined && "text" in message && message.text ? renderAnswered(message.text, label) : null;
      const edit = text
        ? this.bot.api.editMessageText(message.chat.id, message.message_id, text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } })
        : this.bot.api.editMessageReplyMarkup(message.chat.id, message.message_id, { reply_markup: { inline_keyboard: [] } });
      await edit.catch((err) => log.warn("marking the answered keyboard failed", { error: errorSummary(err) }));
    }
    const dealt = await answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: tapper } });
    if (!dealt) {
      // Given up at stop: not confirmed to Telegram, so the update comes again and is taken then.
      this.answered.delete(key);
      return false;
    }
    if (current) await claimCardAnswer({ db: this.opts.deps.db, platform: this.platform, messageId: key, answered: value }).catch(() => "unknown" as const);
    return true;
  }

  private inboundMessage(ctx: Context, text: string, isAction: boolean): InboundMessage {
    const from = ctx.from!;
    return {
      platform: "telegram",
      chatId: String(ctx.chat!.id),
      userId: String(from.id),
      userName: [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username,
      text,
      isAction,
      eventId: String(ctx.update.update_id),
      // "group", "supergroup" and "channel" are all read by more than the sender.
      chatType: ctx.chat!.type === "private" ? "private" : "group",
    };
  }
}

export interface TelegramDownload {
  api: Pick<Api, "getFile">;
  apiRoot: string;
  token: string;
  fileId: string;
  /** The size the message declared, if any: checked before any call. */
  declaredBytes?: number;
  maxBytes: number;
  timeoutMs: number;
}

/**
 * A file's bytes through getFile and the file route. The file URL holds the bot token, so neither
 * it nor an error that could quote it goes into a MediaError (which may be logged): the errors say
 * only what failed. Sizes are checked three times: the message's declared size, getFile's, and the
 * bytes as they arrive (a server may not say, or say wrong), aborting the transfer past the limit.
 */
export async function downloadTelegramFile(d: TelegramDownload): Promise<Buffer> {
  const limit = Math.min(d.maxBytes, TELEGRAM_DOWNLOAD_LIMIT);
  const tooLarge = (bytes: number) => new MediaError("too-large", `telegram file of ${bytes} bytes exceeds ${limit}`);
  if (d.declaredBytes !== undefined && d.declaredBytes > limit) throw tooLarge(d.declaredBytes);
  let filePath: string | undefined;
  try {
    const file = await d.api.getFile(d.fileId);
    if (file.file_size !== undefined && file.file_size > limit) throw tooLarge(file.file_size);
    filePath = file.file_path;
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw new MediaError("download-failed", `telegram getFile failed: ${err instanceof GrammyError ? `${err.error_code} ${err.description}` : err instanceof Error ? err.name : "error"}`);
  }
  if (!filePath) throw new MediaError("download-failed", "telegram getFile returned no file_path");
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), d.timeoutMs);
  try {
    const res = await fetch(`${d.apiRoot.replace(/\/+$/, "")}/file/bot${d.token}/${filePath}`, { signal: abort.signal });
    if (!res.ok || !res.body) throw new MediaError("download-failed", `telegram file download answered ${res.status}`);
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
    return await readLimited(Readable.fromWeb(res.body as WebReadableStream), limit, "telegram file", abort.signal);
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw new MediaError("download-failed", `telegram file download failed: ${abort.signal.aborted ? "timed out" : err instanceof Error ? err.name : "error"}`);
  } finally {
    clearTimeout(timer);
    // Stops the transfer when it was cut short (too large, a failed read); a no-op once it is read.
    abort.abort();
  }
}

const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/**
 * The webhook route. grammY's own "http" adapter reads the whole body, however large, once the
 * secret matches; here the secret is compared (in constant time) before a byte of the body is
 * read, the body is read within the server's limit, and only a JSON object with an update_id
 * reaches grammY. grammY still answers within Telegram's patience: after 9 s the request is
 * acknowledged and the update finishes in the background.
 */
export function webhookHandler(bot: Bot, secret: string): HttpHandler {
  const callback = webhookCallback(
    bot,
    (req: IncomingMessage, res: ServerResponse, body: WebhookBody) => ({
      get update() {
        return body.read().then((raw) => {
          const update = parseJsonObject(raw);
          if (!Number.isSafeInteger(update.update_id)) throw new HttpStatusError(400, "not a Telegram update");
          return update as unknown as Update;
        });
      },
      // Compared again by grammY (its check stays as a second line).
      header: secretHeader(req),
      end: () => res.end(),
      respond: (json: string) => res.writeHead(200, { "content-type": "application/json" }).end(json),
      unauthorized: () => refuse(req, res, 401),
    }),
    { secretToken: secret, onTimeout: "return", timeoutMilliseconds: 9000 },
  );
  return async (req, res, body) => {
    if (!sameSecret(secretHeader(req), secret)) return refuse(req, res, 401);
    await callback(req, res, body);
  };
}

function secretHeader(req: IncomingMessage): string | undefined {
  const given = req.headers[SECRET_HEADER];
  return Array.isArray(given) ? given[0] : given;
}

/** Constant-time comparison (of digests, so a wrong length takes the same path as a wrong value). */
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

/** What the outbox needs to know about a failed Bot API call. */
export function telegramSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  if (err instanceof GrammyError) {
    const status = err.error_code;
    const retryAfter = err.parameters?.retry_after;
    if (status === 429) return new SendError(err.description, { status, retryAfterMs: (retryAfter ?? 1) * 1000, cause: err });
    // 400 chat not found / bad request, 403 blocked by the user, 413 file too large: sending again cannot help.
    const permanent = status === 400 || status === 403 || status === 404 || status === 413;
    return new SendError(err.description, { status, permanent, cause: err });
  }
  if (err instanceof HttpError) return new SendError(`network: ${err.message}`, { cause: err });
  return new SendError(err instanceof Error ? err.message : String(err), { cause: err });
}
