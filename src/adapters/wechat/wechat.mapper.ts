import { plainText, type Choice, type Reply } from "../../core/chat.ts";
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

/** A bare number answers the last numbered options; anything else passes through as typed. */
export function resolveNumberedInput(text: string, choices: Choice[] | undefined): { text: string; isAction: boolean } {
  const n = /^\s*(\d{1,2})\s*[.。、)]?\s*$/.exec(normaliseDigits(text));
  if (n && choices?.length) {
    const choice = choices[Number(n[1]) - 1];
    if (choice) return { text: choice.value, isAction: true };
  }
  return { text, isAction: false };
}

/** Whether a room message is only a number (answering options without @mentioning the bot). */
export function isBareNumber(text: string): boolean {
  return /^\s*\d{1,2}\s*[.。、)]?\s*$/.test(normaliseDigits(text));
}
