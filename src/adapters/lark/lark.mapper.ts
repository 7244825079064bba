import { plainText, textSegments, type Attachment, type Choice, type InboundLocation, type Reply } from "../../core/chat.ts";
import { formTapFromPayload, formTapPayload, LOST_TAP } from "../../core/forms/form-tap.ts";
import { doubleJsonBytes, splitText } from "../split.ts";
import { keyboardRows } from "../layout.ts";

/**
 * The message API takes at most 30 KB for a card or rich-text body; the text budget leaves room
 * for the card skeleton and the buttons.
 */
export const LARK_BODY_LIMIT = 30 * 1024;
const SKELETON_BYTES = 2 * 1024;

export interface LarkOutgoing {
  msg_type: "post" | "interactive";
  /** The JSON string the message API expects in `content`. */
  content: string;
}

/** A card (JSON 1.0) as sent; every text is plain_text, so names are shown exactly as written. */
export interface LarkCard {
  config: { wide_screen_mode: boolean };
  elements: Record<string, unknown>[];
}

const plain = (content: string) => ({ tag: "plain_text", content });

/**
 * A button's value comes back with the tap: what was chosen and, on a card in a group, whom the
 * question asks (`u`, an open_id), so a tap by anyone else is refused even after a restart. A form
 * button carries its tap token as its printable part (`f`, no control character in the card; the
 * form resolves it against the stored question), any other choice its value (`v`).
 */
export type LarkButtonValue = ({ f: string } | { v: string }) & { u?: string };

export function larkButtonValue(value: string, askedTo?: string): LarkButtonValue {
  const tap = formTapPayload(value);
  return { ...(tap !== null ? { f: tap } : { v: value }), ...(askedTo ? { u: askedTo } : {}) };
}

/**
 * The value a tapped card button stands for (as larkButtonValue made it, or a bare string from
 * older cards); LOST_TAP for a form payload we did not make; undefined when there is no value.
 */
export function larkTappedValue(raw: unknown): string | undefined {
  if (typeof raw === "string") return raw;
  if (typeof raw !== "object" || raw === null) return undefined;
  const { f, v } = raw as { f?: unknown; v?: unknown };
  if (typeof f === "string") return formTapFromPayload(f);
  if (f !== undefined) return LOST_TAP;
  return typeof v === "string" ? v : undefined;
}

/** Whom a tapped button's question asks (`u`), as larkButtonValue wrote it; undefined on a private card. */
export function larkTappedAskedTo(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const { u } = raw as { u?: unknown };
  return typeof u === "string" ? u : undefined;
}

function actionRows(choices: Choice[], askedTo?: string): Record<string, unknown>[] {
  return keyboardRows(choices, (c) => ({ tag: "button", text: plain(c.label), type: "default", value: larkButtonValue(c.value, askedTo) })).map((actions) => ({
    tag: "action",
    ...(actions.length === 3 ? { layout: "trisection" } : actions.length === 2 ? { layout: "bisected" } : {}),
    actions,
  }));
}

export function larkCard(text: string, choices: Choice[] = [], askedTo?: string): LarkCard {
  return {
    config: { wide_screen_mode: true },
    elements: [{ tag: "div", text: plain(text) }, ...actionRows(choices, askedTo)],
  };
}

/** The card after a tap: same text, the chosen option noted, no buttons left to tap. */
export function answeredCard(text: string, label: string): LarkCard {
  return closedCard(text, doneMark(label));
}

/** "✅ label", once: a label that already starts with the mark ("✅ 一切正常，提交") keeps its own. */
export function doneMark(label: string): string {
  return /^\s*(✅|✔️?)/u.test(label) ? label.trim() : `✅ ${label}`;
}

/** The card with its buttons taken away and a note under the text (a question that is over). */
export function closedCard(text: string, note: string): LarkCard {
  return {
    config: { wide_screen_mode: true },
    elements: [{ tag: "div", text: plain(text) }, { tag: "note", elements: [plain(note)] }],
  };
}

/**
 * Rich text ("post") for replies without choices: its `text` elements are literal, unlike a text
 * message where `<at user_id=…>` and markdown-like styles are interpreted.
 */
export function larkPost(text: string): Record<string, unknown> {
  const paragraph = (line: string) => {
    const parts = textSegments(line).map((seg) => ("text" in seg ? { tag: "text", text: seg.text } : { tag: "a", text: seg.label, href: seg.url }));
    return parts.length ? parts : [{ tag: "text", text: "" }];
  };
  return { zh_cn: { content: text.split("\n").map(paragraph) } };
}

/**
 * Bytes a piece of text adds to the request body: JSON-escaped twice (content is a JSON string
 * inside the JSON body), plus the paragraph wrapper each line gets in a post.
 */
export function larkTextBytes(s: string): number {
  let newlines = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) newlines++;
  return doubleJsonBytes(s) + newlines * PARAGRAPH_BYTES;
}
const PARAGRAPH_BYTES = doubleJsonBytes(JSON.stringify([{ tag: "text", text: "" }]) + ",");

/**
 * A Reply as Lark messages: posts for plain text, an interactive card (last piece) for choices.
 * `askedTo`: the open_id a group card's buttons belong to.
 */
export function renderLark(reply: Reply, opts: { askedTo?: string } = {}): LarkOutgoing[] {
  const choices = reply.choices ?? [];
  const buttonsBytes = choices.length ? doubleJsonBytes(JSON.stringify(actionRows(choices, opts.askedTo))) : 0;
  const budget = Math.max(LARK_BODY_LIMIT - SKELETON_BYTES - buttonsBytes, 4096);
  const pieces = splitText(reply.text || " ", budget, larkTextBytes);
  return pieces.map((piece, i) =>
    choices.length && i === pieces.length - 1
      ? { msg_type: "interactive", content: JSON.stringify(larkCard(plainText(piece), choices, opts.askedTo)) }
      : { msg_type: "post", content: JSON.stringify(larkPost(piece)) },
  );
}

/** Upload limits of the open API: images up to 10 MB (larger ones go as files), files up to 30 MB. */
export const LARK_IMAGE_LIMIT = 10 * 1024 * 1024;
export const LARK_FILE_LIMIT = 30 * 1024 * 1024;

/** Image formats the image API takes (it converts TIFF and HEIC to JPG). */
const LARK_IMAGE_MIMES = new Set(["image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif", "image/bmp", "image/x-icon", "image/vnd.microsoft.icon", "image/tiff", "image/heic"]);

/**
 * How an attachment goes: an image message (shown inline) when the image API takes it, else a
 * file message. Null: too large for either.
 */
export function larkUploadKind(a: Pick<Attachment, "kind" | "mime">, bytes: number): "image" | "file" | null {
  if (a.kind === "image" && LARK_IMAGE_MIMES.has(a.mime.toLowerCase()) && bytes <= LARK_IMAGE_LIMIT) return "image";
  return bytes <= LARK_FILE_LIMIT ? "file" : null;
}

export type LarkFileType = "opus" | "mp4" | "pdf" | "doc" | "xls" | "ppt" | "stream";

/**
 * The file API's `file_type`: pdf, doc, xls, ppt by the Office family (xlsx is "xls"), anything
 * else "stream" (a generic download). opus and mp4 are left out on purpose: they need a duration.
 */
export function larkFileType(name: string, mime: string): LarkFileType {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? "";
  const m = mime.toLowerCase();
  if (ext === "pdf" || m === "application/pdf") return "pdf";
  if (["xls", "xlsx", "xlsm"].includes(ext) || m === "application/vnd.ms-excel" || m.includes("spreadsheetml")) return "xls";
  if (["doc", "docx"].includes(ext) || m === "application/msword" || m.includes("wordprocessingml")) return "doc";
  if (["ppt", "pptx"].includes(ext) || m === "application/vnd.ms-powerpoint" || m.includes("presentationml")) return "ppt";
  return "stream";
}

/** The message carrying an uploaded image or file. */
export function larkAttachmentMessage(kind: "image" | "file", key: string): { msg_type: "image" | "file"; content: string } {
  return { msg_type: kind, content: JSON.stringify(kind === "image" ? { image_key: key } : { file_key: key }) };
}

/** Which id type a chat id is: reminders go to a person's open_id, replies to the chat_id. */
export function receiveIdType(chatId: string): "open_id" | "union_id" | "user_id" | "chat_id" {
  if (chatId.startsWith("ou_")) return "open_id";
  if (chatId.startsWith("on_")) return "union_id";
  if (chatId.startsWith("oc_")) return "chat_id";
  return "user_id";
}

export interface LarkMention {
  key: string;
  name?: string;
  id?: { open_id?: string; user_id?: string; union_id?: string };
}

export interface LarkMessage {
  message_id: string;
  chat_id: string;
  chat_type: string;
  message_type: string;
  content: string;
  mentions?: LarkMention[];
  /** Milliseconds since the epoch, as a string. */
  create_time?: string;
}

/**
 * The text of an incoming message addressed to the bot, or null. Private chats: any text or
 * rich text. Groups: only when the bot is @mentioned (any mention when the bot's id is unknown).
 * Mention placeholders (`@_user_1`) are removed for the bot and replaced by the name otherwise.
 */
export function inboundText(message: LarkMessage, botOpenId: string | undefined): string | null {
  let text: string;
  try {
    const content = JSON.parse(message.content) as Record<string, unknown>;
    if (message.message_type === "text") text = String(content.text ?? "");
    else if (message.message_type === "post") text = postText(content);
    else return null;
  } catch {
    return null;
  }
  const mentions = message.mentions ?? [];
  const isBot = (m: LarkMention) => (botOpenId ? m.id?.open_id === botOpenId : true);
  if (message.chat_type !== "p2p" && !mentions.some(isBot)) return null;
  for (const m of mentions) text = text.split(m.key).join(isBot(m) ? "" : `@${m.name ?? ""}`);
  return text.replace(/[ \t]+/g, " ").trim();
}

/**
 * The pictures inside a rich-text message (Lark sends a photo with a caption as a post whose
 * paragraphs hold `{ tag: "img", image_key }`), as resources to download; [] for anything else.
 */
export function postImages(message: LarkMessage): LarkMediaRef[] {
  if (message.message_type !== "post") return [];
  let content: Record<string, unknown>;
  try {
    content = JSON.parse(message.content) as Record<string, unknown>;
  } catch {
    return [];
  }
  const body = (Array.isArray(content.content) ? content : (Object.values(content).find((v) => typeof v === "object" && v !== null) ?? {})) as { content?: unknown };
  const paragraphs = Array.isArray(body.content) ? body.content : [];
  const out: LarkMediaRef[] = [];
  for (const para of paragraphs) {
    if (!Array.isArray(para)) continue;
    for (const el of para as { tag?: unknown; image_key?: unknown }[]) {
      if (el?.tag === "img" && typeof el.image_key === "string" && el.image_key) out.push({ kind: "image", key: el.image_key, resourceType: "image" });
    }
  }
  return out;
}

function postText(content: Record<string, unknown>): string {
  // Received posts are { title, content: [[{tag, text}]] } (sometimes wrapped in a locale key).
  const body = (Array.isArray(content.content) ? content : (Object.values(content).find((v) => typeof v === "object" && v !== null) ?? {})) as { title?: string; content?: { tag?: string; text?: string; user_id?: string }[][] };
  const lines = (body.content ?? []).map((para) => para.map((el) => (el.tag === "at" ? (el.user_id ?? "") : (el.text ?? ""))).join(""));
  return [body.title, ...lines].filter((l) => l !== undefined && l !== "").join("\n");
}

/** A picture or file in a received message: downloaded later, by the message id and this key. */
export interface LarkMediaRef {
  kind: "image" | "file";
  /** image_key / file_key; empty when the content named none (the download then fails cleanly). */
  key: string;
  name?: string;
  /** The resource API's `type` parameter: "image" for pictures, "file" for everything else. */
  resourceType: "image" | "file";
}

export type LarkEvidence = { location: InboundLocation } | { media: LarkMediaRef };

/**
 * A location, image or file message addressed to the bot, or null (other message types, bad
 * content JSON). In a group such a message cannot @mention anyone, so it is not for us unless it
 * does (the same rule as text): with the "all group messages" scope every photo posted there would
 * otherwise be answered. Coordinates Lark sent that are not numbers come as null, so the core can
 * say so rather than the message vanishing.
 */
export function inboundEvidence(message: LarkMessage, botOpenId: string | undefined): LarkEvidence | null {
  const type = message.message_type;
  if (type !== "location" && type !== "image" && type !== "file") return null;
  const isBot = (m: LarkMention) => (botOpenId ? m.id?.open_id === botOpenId : true);
  if (message.chat_type !== "p2p" && !(message.mentions ?? []).some(isBot)) return null;
  let content: Record<string, unknown>;
  try {
    const parsed = JSON.parse(message.content) as unknown;
    content = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    content = {};
  }
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  if (type === "image") return { media: { kind: "image", key: str(content.image_key) ?? "", resourceType: "image" } };
  if (type === "file") return { media: { kind: "file", key: str(content.file_key) ?? "", name: str(content.file_name), resourceType: "file" } };
  const lat = coordinate(content.latitude, 90);
  const lng = coordinate(content.longitude, 180);
  const both = lat !== null && lng !== null;
  const sent = Number(message.create_time);
  const label = str(content.name);
  return {
    location: {
      lat: both ? lat : null,
      lng: both ? lng : null,
      ...(label ? { label } : {}),
      ...(message.create_time && Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent) } : {}),
    },
  };
}

/** Lark sends coordinates as decimal strings ("31.2304"); a number is taken too. Null: missing, not a number or out of range. */
function coordinate(v: unknown, limit: number): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}
