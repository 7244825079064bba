import { plainText, type Choice, type InboundLocation, type Reply } from "../../core/chat.ts";
import { isFormTap } from "../../core/forms/form-tap.ts";
import { splitText } from "../split.ts";

/** Long WeChat texts get folded ("全文") or cut by some clients; 2000 characters stays readable. */
export const WECHAT_TEXT_LIMIT = 2000;

/**
 * A Reply as WeChat texts: choices become numbered options ("1. 到店拜访") the person answers by
 * sending the number. WeChat shows text as typed, so nothing needs escaping.
 */
export function renderWechat(reply: Reply): string[] {
  const options = (reply.choices ?? []).map((c, i) => `${i + 1}. ${c.label}`);
  // WeChat cannot hide an address behind a label: only the primary link (the next stop) keeps its URL.
  const body = plainText(reply.text);
  const text = options.length ? `${body}\n${options.join("\n")}` : body;
  return splitText(text || " ", WECHAT_TEXT_LIMIT);
}

/** Full-width digits (typed with a Chinese IME) count as digits. */
function normaliseDigits(s: string): string {
  return s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30));
}

/**
 * A bare number answers the last numbered options; anything else passes through as typed
 * (`matched` says whether a number picked one of them). A form's options are the exception: the
 * number goes on as typed ("2"), and the form resolves it against the options it stored for the
 * question it is asking now. This memory only holds the last options sent, which may be an
 * earlier question's (or a finished form's): a form button must never answer for them.
 */
export function resolveNumberedInput(text: string, choices: Choice[] | undefined): { text: string; isAction: boolean; matched: boolean } {
  const n = /^\s*(\d{1,2})\s*[.。、)]?\s*$/.exec(normaliseDigits(text));
  if (n && choices?.length) {
    const choice = choices[Number(n[1]) - 1];
    if (choice && isFormTap(choice.value)) return { text: String(Number(n[1])), isAction: false, matched: true };
    if (choice) return { text: choice.value, isAction: true, matched: true };
  }
  return { text, isAction: false, matched: false };
}

/** Whether a room message is only a number (answering options without @mentioning the bot). */
export function isBareNumber(text: string): boolean {
  return /^\s*\d{1,2}\s*[.。、)]?\s*$/.test(normaliseDigits(text));
}

/** What wechaty's Location gives (latitude(), longitude(), name()), read out; anything may be missing. */
export interface WechatLocationPayload {
  latitude?: unknown;
  longitude?: unknown;
  name?: unknown;
}

/**
 * A shared WeChat location as the core's InboundLocation. WeChat has no forward flag for it (a
 * forwarded location looks like a fresh one), so `forwarded` stays unset; the message's time is
 * `sentAt`. Coordinates that are not finite numbers in range, or a location the puppet could not
 * read (null), come as null so the manager is told rather than the message vanishing.
 */
export function wechatLocation(payload: WechatLocationPayload | null, sentAt?: Date): InboundLocation {
  const lat = coordinate(payload?.latitude, 90);
  const lng = coordinate(payload?.longitude, 180);
  const both = lat !== null && lng !== null;
  const name = typeof payload?.name === "string" && payload.name.trim() ? payload.name.trim() : undefined;
  return {
    lat: both ? lat : null,
    lng: both ? lng : null,
    ...(name ? { label: name } : {}),
    ...(sentAt && Number.isFinite(sentAt.getTime()) && sentAt.getTime() > 0 ? { sentAt } : {}),
  };
}

function coordinate(v: unknown, limit: number): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

/** A file box's declared facts: FileBox says -1 / "application/unknown" when it does not know. */
export function declaredMedia(box: { size: number; mediaType: string; name: string } | null): { bytes?: number; mime?: string; name?: string } {
  if (!box) return {};
  const mime = box.mediaType && box.mediaType !== "application/unknown" && box.mediaType !== "application/octet-stream" ? box.mediaType : undefined;
  return { ...(box.size > 0 ? { bytes: box.size } : {}), ...(mime ? { mime } : {}), ...(box.name ? { name: box.name } : {}) };
}
