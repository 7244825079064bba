/**
 * The platform-neutral chat contract. Adapters translate platform events into InboundMessage and
 * render Reply natively (inline keyboard, interactive card, numbered options, plain text).
 */

export type Platform = "console" | "telegram" | "lark" | "wechat";

export interface InboundMessage {
  platform: Platform;
  /** Where to answer (private chat id, group/room id). */
  chatId: string;
  /** Who wrote (platform user id). */
  userId: string;
  userName?: string;
  /** Typed text, or the value of a tapped button. */
  text: string;
  /** True when the text came from a button/card action rather than typing. */
  isAction?: boolean;
  /** Platform's id for the event, for once-only processing. */
  eventId?: string;
  /**
   * A private (one-to-one) chat or a group (Telegram group/supergroup, Lark group, WeChat room).
   * Every adapter sets it; absent counts as private (the terminal, direct calls in tests). In a
   * group only commands marked `privateOnly: false` run: anything else would show customer or
   * staff data to everyone there.
   */
  chatType?: "private" | "group";
  /**
   * A shared location (Telegram location, Lark location message, WeChat shared location, the
   * terminal's `/loc LAT,LNG`). Used only while a visit form is open (check-in / check-out); never
   * stored otherwise. The text is then empty.
   */
  location?: InboundLocation;
  /** Pictures or files sent with the message (a shop photo during a visit). The text is then empty (or a caption). */
  media?: InboundMedia[];
}

export interface InboundLocation {
  /** Null when the platform delivered a location without usable coordinates. */
  lat: number | null;
  lng: number | null;
  /** Radius of uncertainty in metres, when the platform says (Telegram horizontal_accuracy). */
  accuracyM?: number;
  /** When the platform says the location was sent (the message's date); checked against the policy's maxAgeMinutes. */
  sentAt?: Date;
  /** Forwarded from another chat or an earlier message: not where the manager is now. */
  forwarded?: boolean;
  /** A place picked on a map rather than the device's position (Lark/WeChat POI with a name), when the platform tells. */
  label?: string;
}

/**
 * A picture or file someone sent. Nothing is downloaded until `download` is called; the adapter
 * maps the platform's failures to MediaError (too large, not found, network), so a bad file gets a
 * clear message and nothing is stored.
 */
export interface InboundMedia {
  /** "image" when the platform sent it as a picture; "file" for a document (maybe an image sent as a file). */
  kind: "image" | "file";
  /** MIME type the platform declared, if any (checked again against the bytes). */
  mime?: string;
  name?: string;
  /** Size the platform declared before download, if any: checked against the limit first. */
  bytes?: number;
  /** The content; rejects with MediaError("too-large") when it exceeds `maxBytes` (checked while reading). */
  download(maxBytes: number): Promise<Buffer>;
}

/** Why a sent picture could not be taken: each reason has its own message to the manager. */
export type MediaFailure = "too-large" | "download-failed" | "not-image" | "empty";

export class MediaError extends Error {
  readonly reason: MediaFailure;
  constructor(reason: MediaFailure, message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "MediaError";
    this.reason = reason;
  }
}

export interface Choice {
  label: string;
  /** Sent back as the message text when tapped (adapters without buttons accept the number). */
  value: string;
}

/**
 * A picture or a file that goes with a reply. Each adapter sends it natively (Telegram photo or
 * document, Lark image or file message, WeChat file box, a saved file in the terminal), after the
 * reply's text.
 */
export interface Attachment {
  /** "image" is shown inline (a chart); "file" is a download (an xlsx export). */
  kind: "image" | "file";
  /** File name the user sees, e.g. "团队周报-2026-12-07.png" or "team-2026-12.xlsx". */
  name: string;
  /** MIME type, e.g. "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet". */
  mime: string;
  /** The content, base64, so a Reply stays plain JSON in the outbox. */
  base64: string;
}

/**
 * What the bot says. Delivered as the text (split as the platform needs, choices on its last
 * piece), then each attachment in order as a message of its own; an empty text sends only the
 * attachments.
 */
export interface Reply {
  text: string;
  choices?: Choice[];
  attachments?: Attachment[];
  /**
   * The question asks for the manager's location (visit check-in): Telegram adds a one-time
   * keyboard button with `request_location`; platforms without such a button rely on the text,
   * which says how to share a location there.
   */
  askLocation?: boolean;
}

export interface ChatAddress {
  platform: Platform;
  chatId: string;
}

export interface SendOptions {
  /**
   * Stable for every attempt to deliver this one reply (outbox row key, inbound event + index).
   * Platforms that deduplicate sends (Lark's `uuid`) use it, so a retried send after a lost
   * answer is not shown twice.
   */
  key?: string;
  /** Whom a chat reply answers (set for replies, absent for pushed messages); stored with the outbox row. */
  address?: ReplyAddress;
}

/**
 * What an inline answer knew beyond the chat, so a reply sent later from the outbox renders the
 * same: whose buttons/options they are, the chat type, whom to @mention in a room.
 */
export interface ReplyAddress {
  /** The person the reply answers: only they may tap its buttons or answer its options. */
  askedTo?: string;
  chatType?: "private" | "group";
  /** WeChat rooms: @mention this person on the first piece. */
  mention?: string;
}

/** What every adapter implements. The core never imports a chat SDK. */
export interface ChatPort {
  readonly platform: Platform;
  send(to: ChatAddress, reply: Reply, opts?: SendOptions): Promise<void>;
}

export function reply(text: string, choices?: Choice[]): Reply {
  return choices && choices.length ? { text, choices } : { text };
}

/**
 * What an adapter throws when a send fails, so the outbox dispatcher can tell a rate limit (retry
 * after the platform's delay) from a transient fault (retry with backoff) and a permanent refusal
 * (blocked by the user, chat gone: never retry).
 */
export class SendError extends Error {
  /** Platform status (HTTP status or the API's error code), e.g. 429, 403, 502. */
  readonly status?: number;
  /** The platform's retry-after, in milliseconds (Telegram `parameters.retry_after` × 1000). */
  readonly retryAfterMs?: number;
  /** True when retrying cannot help (bot blocked, chat not found, bad request). */
  readonly permanent?: boolean;
  /** Which limit a 429 is about: the whole bot/app ("global") or this one chat (default). */
  readonly scope?: "chat" | "global";
  constructor(message: string, opts: { status?: number; retryAfterMs?: number; permanent?: boolean; scope?: "chat" | "global"; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "SendError";
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.permanent = opts.permanent;
    this.scope = opts.scope;
  }
}

/**
 * A link inside reply text, rendered by each platform in its own way: Telegram an HTML link, Lark a
 * rich-text link, WeChat and the terminal the label (and the address only for a `primary` link,
 * such as the next stop's navigation). The markers are private-use characters nobody types.
 */
const LINK_OPEN = "\uE000";
const LINK_SEP = "\uE001";
const LINK_CLOSE = "\uE002";
const LINK_PRIMARY = "\uE003";

export function link(label: string, url: string, opts: { primary?: boolean } = {}): string {
  return `${LINK_OPEN}${opts.primary ? LINK_PRIMARY : ""}${label}${LINK_SEP}${url}${LINK_CLOSE}`;
}

export type TextSegment = { text: string } | { label: string; url: string; primary: boolean };

/** Reply text as plain runs and links. */
export function textSegments(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  const re = /\uE000(\uE003?)([^\uE001\uE002]*)\uE001([^\uE002]*)\uE002/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ label: m[2]!, url: m[3]!, primary: m[1] === LINK_PRIMARY });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/**
 * Text for platforms without links. "primary" (WeChat, the terminal): the primary link as
 * "label url", other links left out with the " · " before them, so no label points nowhere.
 * "all": every link as "label url". "none": labels only (how Telegram counts a message's length).
 */
export function plainText(text: string, opts: { urls?: "primary" | "all" | "none" } = {}): string {
  const urls = opts.urls ?? "primary";
  let out = "";
  for (const s of textSegments(text)) {
    if ("text" in s) out += s.text;
    else if (urls === "all" || (urls === "primary" && s.primary)) out += `${s.label} ${s.url}`;
    else if (urls === "none") out += s.label;
    else out = out.replace(/ · $/, "");
  }
  return out;
}
