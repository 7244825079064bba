import { createHash } from "node:crypto";
import type { Message } from "grammy/types";
import { plainText, textSegments, type Attachment, type InboundLocation, type Reply } from "../../core/chat.ts";
import { formTapFromPayload, formTapPayload, LOST_TAP } from "../../core/forms/form-tap.ts";
import { keyboardRows } from "../layout.ts";
import { splitText } from "../split.ts";

/** Bot API: 1–4096 characters of text per message, 1–64 bytes of callback_data per button. */
export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CALLBACK_DATA_LIMIT = 64;

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** The one-time keyboard under the input field that shares the device's position when tapped. */
export interface LocationKeyboard {
  keyboard: { text: string; request_location: true }[][];
  one_time_keyboard: true;
  resize_keyboard: true;
}

export interface TelegramOutgoing {
  /** HTML, already escaped. */
  text: string;
  parse_mode: "HTML";
  reply_markup?: { inline_keyboard: InlineButton[][] };
  /**
   * The keyboard under the input field instead (the location button, or its removal). Telegram
   * takes one reply_markup per message, so a message has this or an inline keyboard, never both.
   */
  replyKeyboard?: LocationKeyboard | { remove_keyboard: true };
}

/** What the location keyboard says, in the recipient's language (from the catalogue). */
export interface LocationLabels {
  /** The button itself ("📍 发送当前位置"). */
  button: string;
  /** The short extra message that carries the button when the question already has inline buttons. */
  hint: string;
}

/** A button value too long for callback_data: the adapter keeps it under `key`. */
export interface OverflowValue {
  key: string;
  value: string;
}

/** Reply text as Telegram HTML: escaped runs, links as `<a href>` with their short label. */
export function telegramHtml(text: string): string {
  return textSegments(text)
    .map((s) => ("text" in s ? escapeHtml(s.text) : `<a href="${escapeHtml(s.url).replace(/"/g, "&quot;")}">${escapeHtml(s.label)}</a>`))
    .join("");
}

/** Escapes text for parse_mode HTML: only `&`, `<` and `>` are special there. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Button payloads: a form button's tap token as its printable part ("f:", a few bytes, resolved
 * from the stored form, so it survives a restart), the choice value itself when it fits in 64
 * bytes ("v:" prefix), else a short hash ("h:") the adapter resolves from memory.
 */
export function encodeCallbackData(value: string): { data: string; overflow?: OverflowValue } {
  const tap = formTapPayload(value);
  if (tap !== null) return { data: `f:${tap}` };
  const direct = `v:${value}`;
  if (Buffer.byteLength(direct) <= TELEGRAM_CALLBACK_DATA_LIMIT) return { data: direct };
  const key = createHash("sha256").update(value).digest("base64url").slice(0, 24);
  return { data: `h:${key}`, overflow: { key, value } };
}

/**
 * The value a tapped button stands for. A payload that cannot be resolved (a hashed value from
 * before a restart, data we never made) is LOST_TAP: answered as a question that is over, never
 * acted on.
 */
export function decodeCallbackData(data: string, lookup: (key: string) => string | undefined): string {
  if (data.startsWith("f:")) return formTapFromPayload(data.slice(2));
  if (data.startsWith("v:")) return data.slice(2);
  if (data.startsWith("h:")) return lookup(data.slice(2)) ?? LOST_TAP;
  return LOST_TAP;
}

export function locationKeyboard(label: string): LocationKeyboard {
  return { keyboard: [[{ text: label, request_location: true }]], one_time_keyboard: true, resize_keyboard: true };
}

/**
 * A Reply as Telegram messages: text split at 4096 characters (between lines where possible),
 * escaped for HTML, choices as an inline keyboard on the last piece. A reply that asks for the
 * location gets the location keyboard: a message carries one reply_markup only, so with choices it
 * goes on one short extra message after the text, otherwise on the last piece.
 */
export function renderTelegram(reply: Reply, location?: LocationLabels): { messages: TelegramOutgoing[]; overflow: OverflowValue[] } {
  // Split on the text as Telegram counts it (links count by their label), between lines: a stop
  // of a day's list is one line, so it is never cut in two.
  const pieces = splitText(reply.text || " ", TELEGRAM_TEXT_LIMIT, (s) => plainText(s, { urls: "none" }).length);
  const overflow: OverflowValue[] = [];
  const messages: TelegramOutgoing[] = pieces.map((p) => ({ text: telegramHtml(p), parse_mode: "HTML" }));
  if (reply.choices?.length) {
    const inline_keyboard = keyboardRows(reply.choices, (c) => {
      const { data, overflow: o } = encodeCallbackData(c.value);
      if (o) overflow.push(o);
      return { text: c.label, callback_data: data };
    });
    messages[messages.length - 1]!.reply_markup = { inline_keyboard };
  }
  if (reply.askLocation && location) {
    const keyboard = locationKeyboard(location.button);
    if (reply.choices?.length) messages.push({ text: escapeHtml(location.hint), parse_mode: "HTML", replyKeyboard: keyboard });
    else messages[messages.length - 1]!.replyKeyboard = keyboard;
  }
  return { messages, overflow };
}

/**
 * The location in a message (a venue is a location with a place name). The message's date is when
 * it was sent; a forwarded one (forward_origin) is somebody's earlier position, not the manager's
 * now. A live location's first message is a location like any other (its updates arrive as
 * edited messages, which the adapter does not subscribe to).
 */
export function telegramLocation(message: Pick<Message, "location" | "venue" | "date" | "forward_origin">): InboundLocation | null {
  const loc = message.venue?.location ?? message.location;
  if (!loc) return null;
  const lat = Number.isFinite(loc.latitude) ? loc.latitude : null;
  const lng = Number.isFinite(loc.longitude) ? loc.longitude : null;
  return {
    lat: lat !== null && lng !== null ? lat : null,
    lng: lat !== null && lng !== null ? lng : null,
    ...(typeof loc.horizontal_accuracy === "number" ? { accuracyM: loc.horizontal_accuracy } : {}),
    sentAt: new Date(message.date * 1000),
    forwarded: Boolean(message.forward_origin),
    ...(message.venue?.title ? { label: message.venue.title } : {}),
  };
}

/** A file in a message, before anything is downloaded: what the Bot API's getFile needs and what the core checks first. */
export interface TelegramFileRef {
  fileId: string;
  kind: "image" | "file";
  mime?: string;
  name?: string;
  bytes?: number;
}

/**
 * The picture or file in a message. A photo arrives in several sizes: the largest one (by pixels,
 * then bytes) is the one worth keeping. Telegram re-encodes photos as JPEG. A document keeps its
 * own name and declared type (an image sent "as a file" is recognised by the core from its bytes).
 */
export function telegramFile(message: Pick<Message, "photo" | "document">): TelegramFileRef | null {
  if (message.photo?.length) {
    const largest = message.photo.reduce((best, p) => {
      const area = p.width * p.height;
      const bestArea = best.width * best.height;
      return area > bestArea || (area === bestArea && (p.file_size ?? 0) > (best.file_size ?? 0)) ? p : best;
    });
    return { fileId: largest.file_id, kind: "image", mime: "image/jpeg", ...(largest.file_size !== undefined ? { bytes: largest.file_size } : {}) };
  }
  const doc = message.document;
  if (doc) {
    return {
      fileId: doc.file_id,
      kind: "file",
      ...(doc.mime_type ? { mime: doc.mime_type } : {}),
      ...(doc.file_name ? { name: doc.file_name } : {}),
      ...(doc.file_size !== undefined ? { bytes: doc.file_size } : {}),
    };
  }
  return null;
}

/** The Bot API serves files up to 20 MB through getFile; a larger one cannot be downloaded at all. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/**
 * Bot API upload limits for multipart uploads: photos up to 10 MB, other files up to 50 MB (a
 * self-hosted Bot API server allows more; the adapter takes other limits as an option).
 */
export const TELEGRAM_PHOTO_LIMIT = 10 * 1024 * 1024;
export const TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024;

/** Image types Telegram shows as a photo; others (SVG, GIF, TIFF) arrive intact only as a document. */
const PHOTO_MIMES = new Set(["image/png", "image/jpeg", "image/jpg", "image/webp"]);

export interface TelegramUploadLimits {
  photoBytes: number;
  documentBytes: number;
}

/**
 * How an attachment goes: an image as a photo (shown inline) when Telegram takes it as one, an
 * image too large for a photo as a document, any other file as a document. Null: too large to send.
 */
export function telegramUploadMethod(a: Pick<Attachment, "kind" | "mime">, bytes: number, limits: TelegramUploadLimits = { photoBytes: TELEGRAM_PHOTO_LIMIT, documentBytes: TELEGRAM_DOCUMENT_LIMIT }): "sendPhoto" | "sendDocument" | null {
  if (a.kind === "image" && PHOTO_MIMES.has(a.mime.toLowerCase()) && bytes <= limits.photoBytes) return "sendPhoto";
  return bytes <= limits.documentBytes ? "sendDocument" : null;
}

/**
 * The upload's file name. grammY writes it unquoted into the part header
 * (`content-disposition:form-data;name="…";filename=<name>`), so a ";" would end it early.
 */
export function telegramFileName(safeName: string): string {
  return safeName.replace(/;/g, "_");
}

/** Telegram could not take an image as a photo (dimensions, format): it still goes as a document. */
export function isPhotoRefusal(description: string): boolean {
  return /PHOTO_INVALID_DIMENSIONS|PHOTO_EXT_INVALID|PHOTO_INVALID|IMAGE_PROCESS_FAILED|PHOTO_SAVE_FILE_INVALID/i.test(description);
}

/**
 * The message after a tap: its text (as Telegram returns it, plain) with the chosen option
 * appended, and no keyboard. Null when the result would be too long: then only the keyboard goes.
 */
export function renderAnswered(originalText: string, label: string): string | null {
  const plain = `${originalText}\n\n✅ ${label}`;
  if (plain.length > TELEGRAM_TEXT_LIMIT) return null;
  return `${escapeHtml(originalText)}\n\n✅ <b>${escapeHtml(label)}</b>`;
}

/** The label of the button whose callback_data was tapped, from the message's own keyboard. */
export function labelOfTapped(keyboard: { text: string; callback_data?: string }[][] | undefined, data: string): string | undefined {
  for (const row of keyboard ?? []) for (const b of row) if (b.callback_data === data) return b.text;
  return undefined;
}

/**
 * Text addressed to the bot. Private chats: everything. Groups: commands (not those addressed to
 * another bot), messages mentioning the bot (mention removed) and replies to the bot.
 */
export function addressedText(opts: { text: string; chatType: string; botUsername: string; replyToBot: boolean }): string | null {
  const { text, chatType, botUsername } = opts;
  if (chatType === "private") return text;
  const command = /^\/[\p{L}\p{N}_]+(?:@(\S+))?/u.exec(text);
  if (command) return command[1] && command[1].toLowerCase() !== botUsername.toLowerCase() ? null : text;
  const mention = new RegExp(`@${botUsername.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i");
  if (mention.test(text)) return text.replace(mention, "").replace(/\s+/g, " ").trim();
  return opts.replyToBot ? text : null;
}
