import type { Readable, Writable } from "node:stream";
import { FileBox } from "file-box";
import { qrcodeValueToImageUrl, ScanStatus, WechatyBuilder, type Message, type Wechaty } from "wechaty";
import type { PuppetInterface } from "wechaty-puppet/impls";
import { MediaError, SendError, type ChatAddress, type Choice, type InboundLocation, type InboundMedia, type InboundMessage, type Reply, type SendOptions } from "../../core/chat.ts";
import type { AppDeps, Router } from "../../core/router.ts";
import { attachmentsOf, PartProgress, safeFileName, sendsText } from "../attachments.ts";
import { KeyedQueue, LruMap } from "../keyed-queue.ts";
import { answer, InboundQueue, type PlatformAdapter, type RunContext } from "../platform.ts";
import { beforeDeadline, DEFAULT_DOWNLOAD_TIMEOUT_MS, readLimited } from "../read-limited.ts";
import { declaredMedia, isBareNumber, renderWechat, resolveNumberedInput, wechatLocation } from "./wechat.mapper.ts";
import { errorSummary } from "../../core/logger.ts";

export interface WechatAdapterOptions {
  /**
   * A puppet package name (wechaty-puppet-service, wechaty-puppet-wechat4u, …), an instance, or a
   * factory called for each run (a restarted run then gets a fresh puppet; tests).
   */
  puppet: string | PuppetInterface | (() => PuppetInterface);
  /**
   * How long a run may go without logging in and without a QR code to scan before it counts as
   * failed and is restarted (default 60 s): a puppet service that is down lets start() resolve and
   * then says nothing.
   */
  loginTimeoutMs?: number;
  puppetToken?: string;
  /** Session name: wechaty keeps the login in `<name>.memory-card.json`. */
  name?: string;
  router: Router;
  deps: AppDeps;
  /** Where the login QR code is printed (the terminal). */
  output?: Writable;
  /** Minimum time between two sends; personal accounts get flagged for bursts. Default 1000 ms. */
  minSendIntervalMs?: number;
  /** How long reading one received picture or file may take before it counts as failed (default 60 s). */
  downloadTimeoutMs?: number;
  /** Injected so tests run the spacing in virtual time. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** WeChat through wechaty: private chats and room @mentions, choices as numbered options. */
export class WechatAdapter implements PlatformAdapter {
  readonly platform = "wechat" as const;
  bot: Wechaty | null = null;
  /** Messages per chat in order, chats side by side, each sender under the inbound rate limit. */
  private readonly inbound: InboundQueue;
  /**
   * The last numbered options per (chat, person asked): a bare number answers only the options
   * put to whoever sends it, so in a room nobody answers someone else's question.
   */
  private readonly pending = new LruMap<string, Choice[]>(5000);
  private sendChain: Promise<unknown> = Promise.resolve();
  private lastSendAt = -Infinity;
  private stopped: (() => void) | null = null;
  private markReady: () => void = () => undefined;
  /** Resolves once wechaty has started (logging in may still be pending). */
  ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));

  constructor(private readonly opts: WechatAdapterOptions) {
    this.inbound = new InboundQueue({ deps: opts.deps, port: this });
    // Replies are sent by the process's outbox dispatcher, through this adapter.
    opts.deps.replies?.dispatcher.addPort(this);
  }

  async run(ctx?: RunContext): Promise<void> {
    const { deps } = this.opts;
    let fail!: (err: Error) => void;
    const stopped = new Promise<void>((resolve, reject) => {
      this.stopped = resolve;
      fail = reject;
    });
    stopped.catch(() => undefined);
    const puppet = typeof this.opts.puppet === "function" ? this.opts.puppet() : this.opts.puppet;
    const bot = WechatyBuilder.build({
      name: this.opts.name ?? "visitmate",
      puppet: puppet as never,
      ...(this.opts.puppetToken ? { puppetOptions: { token: this.opts.puppetToken } } : {}),
    });
    this.bot = bot;
    // Connected means logged in: start() resolving says only that the puppet was created.
    const waitMs = this.opts.loginTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined = setTimeout(() => fail(new Error(`wechat: not logged in after ${waitMs} ms (puppet service unreachable?)`)), waitMs);
    const settle = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    bot.on("scan", (qrcode, status) => {
      // A QR code to scan: the puppet is connected and waits for a person, however long that takes.
      settle();
      void this.printQr(qrcode, status);
    });
    bot.on("login", () => {
      settle();
      deps.log.info("wechat logged in");
      ctx?.up();
    });
    bot.on("logout", () => {
      deps.log.warn("wechat logged out");
      // Login lost: this run is over, the supervisor starts a new one (a new QR code or session).
      fail(new Error("wechat: logged out"));
    });
    bot.on("error", (err: unknown) => deps.log.error("wechat error", { error: errorSummary(err) }));
    bot.on("message", (message) => this.onMessage(message));
    try {
      await bot.start();
      deps.log.info("wechat started", { puppet: typeof this.opts.puppet === "string" ? this.opts.puppet : "instance" });
      this.markReady();
      await stopped;
    } catch (err) {
      if (this.bot === bot) this.bot = null;
      await bot.stop().catch(() => undefined);
      throw err;
    } finally {
      settle();
    }
  }

  async stop(): Promise<void> {
    this.stopped?.();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    await this.inbound.stop();
    const bot = this.bot;
    this.bot = null;
    if (bot) await bot.stop().catch((err) => this.opts.deps.log.warn("wechat stop failed", { error: errorSummary(err) }));
  }

  idle(): Promise<void> {
    return this.inbound.idle();
  }

  async send(to: ChatAddress, reply: Reply, opts: SendOptions = {}): Promise<void> {
    // A reply: its options are the asker's; in a room it @mentions them.
    if (opts.address) return this.deliver(to.chatId, reply, { askedTo: opts.address.askedTo, mention: opts.address.mention, key: opts.key });
    // A pushed message (a reminder) goes to a person's own chat: its options are theirs. Pushed
    // into a room, they would be nobody's (no one may answer them by number).
    await this.deliver(to.chatId, reply, { askedTo: to.chatId.endsWith("@chatroom") ? undefined : to.chatId, key: opts.key });
  }

  /** One message at a time per chat: the pieces of a long reply are never split by another send. */
  private readonly sending = new KeyedQueue();
  /** WeChat cannot deduplicate sends: a retried reply resumes after the messages that arrived. */
  private readonly progress = new PartProgress();

  private deliver(chatId: string, reply: Reply, opts: { askedTo?: string; mention?: string; key?: string }): Promise<void> {
    return this.sending.run(chatId, () => this.deliverNow(chatId, reply, opts));
  }

  private async deliverNow(chatId: string, reply: Reply, opts: { askedTo?: string; mention?: string; key?: string }): Promise<void> {
    const { mention, key } = opts;
    const bot = this.bot;
    if (!bot || !bot.isLoggedIn) throw new SendError("wechat: not logged in");
    const attachments = attachmentsOf(reply);
    const isRoom = chatId.endsWith("@chatroom");
    const target = isRoom ? await bot.Room.find({ id: chatId }) : await bot.Contact.find({ id: chatId });
    if (!target) throw new SendError(`wechat: no ${isRoom ? "room" : "contact"} ${chatId}`, { status: 404, permanent: true });
    if (reply.choices?.length && opts.askedTo) this.pending.set(pendingKey(chatId, opts.askedTo), reply.choices);
    const mentionContact = isRoom && mention ? await bot.Contact.find({ id: mention }) : undefined;
    const say = (what: string | FileBox, first: boolean) =>
      this.spaced(async () => {
        try {
          if (typeof what === "string" && isRoom && mentionContact && first) await (target as NonNullable<Awaited<ReturnType<typeof bot.Room.find>>>).say(what, mentionContact);
          else await target.say(what);
        } catch (err) {
          throw new SendError(`wechat: ${(err as Error).message}`, { cause: err });
        }
      });
    const parts: (() => Promise<void>)[] = [];
    if (sendsText(reply)) for (const [i, text] of renderWechat(reply).entries()) parts.push(() => say(text, i === 0));
    for (const a of attachments) {
      // A base64 box, not a buffer one: the content is base64 already, and unlike a buffer box it
      // survives FileBox#toJSON (the mock puppet stores sent files that way; puppet-service sends
      // small ones as JSON and uploads larger ones; wechat4u streams it). The name's extension
      // tells WeChat whether it is a picture or a file.
      parts.push(() => say(FileBox.fromBase64(a.base64, safeFileName(a)), false));
    }
    await this.progress.run(key, reply, parts);
  }

  /** Every send of the process goes through here, at least `minSendIntervalMs` apart. */
  private spaced<T>(task: () => Promise<T>): Promise<T> {
    const interval = this.opts.minSendIntervalMs ?? 1000;
    const sleep = this.opts.sleep ?? realSleep;
    const now = this.opts.now ?? Date.now;
    const run = this.sendChain.catch(() => undefined).then(async () => {
      const wait = this.lastSendAt + interval - now();
      if (wait > 0) await sleep(wait);
      try {
        return await task();
      } finally {
        this.lastSendAt = now();
      }
    });
    this.sendChain = run;
    return run;
  }

  private onMessage(message: Message): void {
    if (message.self() || !this.bot) return;
    const types = this.bot.Message.Type;
    const type = message.type();
    if (type === types.Location) return this.onEvidence(message, "location");
    if (type === types.Image) return this.onEvidence(message, "image");
    if (type === types.Attachment) return this.onEvidence(message, "file");
    if (type !== types.Text) return;
    const room = message.room();
    const talker = message.talker();
    const chatId = room ? room.id : talker.id;
    const sender = { platform: this.platform, chatId, userId: talker.id };
    const handle = async () => {
      let text = message.text();
      const mine = pendingKey(chatId, talker.id);
      if (room) {
        // In a room: messages that @mention us, or a bare number answering options put to this talker.
        const answersUs = Boolean(this.pending.get(mine)) && isBareNumber(text);
        if (!(await message.mentionSelf()) && !answersUs) return;
        // Counted only now: room chatter not addressed to us is no message to us.
        if (this.inbound.admit(sender) !== "ok") return;
        if (!answersUs) text = await message.mentionText();
      }
      // A message id seen again (a puppet reconnecting) is dropped by the router's once-only check.
      const resolved = resolveNumberedInput(text, this.pending.get(mine));
      // A picked form option goes on as its number (the form resolves it), yet the options are used up all the same.
      if (resolved.matched) this.pending.delete(mine);
      const msg: InboundMessage = { platform: "wechat", chatId, userId: talker.id, userName: talker.name(), text: resolved.text, isAction: resolved.isAction, eventId: message.id, chatType: room ? "group" : "private" };
      // Options in the answer are this talker's; in a room the answer @mentions them.
      await answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: talker.id, chatType: msg.chatType, ...(room ? { mention: talker.id } : {}) } });
    };
    // A room message is counted after the (ordered) check that it is addressed to us.
    if (room) this.inbound.enqueue(chatId, handle);
    else this.inbound.submit(sender, handle);
  }

  /**
   * A shared location, picture or file in a private chat. In a room they are ignored: WeChat lets
   * nobody @mention anyone with them, so nothing tells one meant for us from the room's chatter.
   */
  private onEvidence(message: Message, kind: "location" | "image" | "file"): void {
    if (message.room()) return;
    const talker = message.talker();
    const sender = { platform: this.platform, chatId: talker.id, userId: talker.id };
    this.inbound.submit(sender, async () => {
      const msg: InboundMessage = { platform: "wechat", chatId: talker.id, userId: talker.id, userName: talker.name(), text: "", eventId: message.id, chatType: "private" };
      if (kind === "location") msg.location = await this.locationOf(message);
      else msg.media = [await this.mediaOf(message, kind)];
      await answer({ router: this.opts.router, port: this, msg, deps: this.opts.deps, address: { askedTo: talker.id, chatType: "private" } });
    });
  }

  private async locationOf(message: Message): Promise<InboundLocation> {
    try {
      // Straight from the puppet: wechaty 1.20's message.toLocation() builds its Location with the
      // un-wechatified class and always throws ("WUC can not be instantiated directly").
      const bot = this.bot;
      if (!bot) throw new Error("wechat: not running");
      const loc = await bot.puppet.messageLocation(message.id);
      return wechatLocation({ latitude: loc.latitude, longitude: loc.longitude, name: loc.name }, message.date());
    } catch (err) {
      // The puppet could not read it: still a location, without coordinates, so the manager hears why.
      this.opts.deps.log.warn("wechat location unreadable", { error: errorSummary(err) });
      return wechatLocation(null, message.date());
    }
  }

  /**
   * A picture or file: its file box is asked for now (puppets answer with a description, e.g.
   * puppet-service a UUID box, and fetch the content when it is read); the content is read only
   * when the form takes it, up to the limit. The whole file, not `toImage().hd()`: puppets differ
   * in which image sizes they have, and every one implements the message's file.
   */
  private async mediaOf(message: Message, kind: "image" | "file"): Promise<InboundMedia> {
    const what = `wechat ${kind}`;
    let box: Awaited<ReturnType<Message["toFileBox"]>> | null = null;
    let failure: unknown;
    try {
      box = await message.toFileBox();
    } catch (err) {
      failure = err;
      this.opts.deps.log.warn("wechat file unreadable", { error: errorSummary(err) });
    }
    const declared = declaredMedia(box);
    const name = declared.name ?? message.payload?.filename;
    return {
      kind,
      ...(name ? { name } : {}),
      ...(declared.mime ? { mime: declared.mime } : {}),
      ...(declared.bytes ? { bytes: declared.bytes } : {}),
      download: async (maxBytes: number) => {
        if (!box) throw new MediaError("download-failed", `${what}: the puppet gave no file`, { cause: failure });
        if (box.size > maxBytes) throw new MediaError("too-large", `${what}: ${box.size} bytes declared, limit ${maxBytes}`);
        const signal = AbortSignal.timeout(this.opts.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
        let stream: Readable;
        try {
          stream = await beforeDeadline(box.toStream(), signal, what, (late) => late.destroy());
        } catch (err) {
          if (err instanceof MediaError) throw err;
          throw new MediaError("download-failed", `${what}: ${(err as Error).message}`, { cause: err });
        }
        // A URL box streams the HTTP response whatever its status: a 404 page is no picture.
        const status = (stream as { statusCode?: unknown }).statusCode;
        if (typeof status === "number" && status >= 400) {
          stream.destroy();
          throw new MediaError("download-failed", `${what}: HTTP ${status}`);
        }
        return readLimited(stream, maxBytes, what, signal);
      },
    };
  }

  /** Puppets that log in by QR (wechat4u, …) emit `scan`: print it where the operator looks. */
  private async printQr(qrcode: string, status: ScanStatus): Promise<void> {
    if (status !== ScanStatus.Waiting && status !== ScanStatus.Timeout) return;
    const out = this.opts.output ?? process.stdout;
    const url = qrcodeValueToImageUrl(qrcode);
    let art = "";
    try {
      // qrcode comes with wechaty (through file-box); the URL below works without it.
      const name = "qrcode";
      const qr = (await import(name)) as { toString(text: string, o: { type: "terminal"; small: boolean }): Promise<string> };
      art = await qr.toString(qrcode, { type: "terminal", small: true });
    } catch {
      art = "";
    }
    out.write(`\nScan to log in to WeChat / 请用微信扫码登录：\n${art}\n${url}\n\n`);
  }
}

/** Numbered options are remembered per chat and per person asked. */
function pendingKey(chatId: string, userId: string): string {
  return `${chatId}\u0000${userId}`;
}
