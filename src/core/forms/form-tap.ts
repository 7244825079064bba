/**
 * Form buttons are bound to the question they were shown for.
 *
 * A tapped button comes back as the message text. If a form option came back as its bare value, an
 * old button would act on whatever is asked now, or on nothing: a duration "15" from a finished
 * form, tapped later, read as "stop 15". So the engine never shows a form option's value on a
 * button: it shows a tap token naming the stored session (FormSession.id, never reused: the
 * column is AUTOINCREMENT and every start() creates a new row), the number of the question
 * (FormState.rev, bumped each time a question is stored) and the option's place in the stored
 * choices (FormState.shown). The engine takes the value from the stored row, so a tap means what
 * the person saw, survives a restart, and a token of any other question is refused as over.
 *
 * The token is short (well under Telegram's 64-byte callback_data) and starts with a control
 * character nobody types, so typed text can never be mistaken for a tap.
 */

const PREFIX = "\u0001f:";
const PAYLOAD = /^(\d{1,15})\.(\d{1,9})\.(\d{1,3})$/;

export interface FormTap {
  /** FormSession.id the question was asked in. */
  sessionId: number;
  /** FormState.rev of the question. */
  rev: number;
  /** Index of the option in FormState.shown. */
  index: number;
}

/**
 * What an adapter passes on for a tapped button whose payload it cannot resolve (a long value it
 * kept in memory before a restart, data it does not understand): answered as a question that is
 * over, never acted on.
 */
export const LOST_TAP = `${PREFIX}lost`;

/** The button value of option `index` of question `rev` in session `sessionId`. */
export function formTapValue(tap: FormTap): string {
  return `${PREFIX}${tap.sessionId}.${tap.rev}.${tap.index}`;
}

/**
 * The tap a message text stands for: a FormTap, "lost" (a token that does not parse, LOST_TAP), or
 * null when the text is no form tap at all (typed text, a command button).
 */
export function parseFormTap(text: string): FormTap | "lost" | null {
  if (!text.startsWith(PREFIX)) return null;
  const m = PAYLOAD.exec(text.slice(PREFIX.length));
  if (!m) return "lost";
  return { sessionId: Number(m[1]), rev: Number(m[2]), index: Number(m[3]) };
}

export function isFormTap(text: string): boolean {
  return text.startsWith(PREFIX);
}

/**
 * The printable part of a token ("12.3.0"), for platforms that carry button data themselves
 * (Telegram callback_data, Lark card values) and should not be sent a control character; null
 * for any other value.
 */
export function formTapPayload(value: string): string | null {
  return isFormTap(value) ? value.slice(PREFIX.length) : null;
}

/** The token back from its printable part; LOST_TAP when the part is not one we made. */
export function formTapFromPayload(payload: string): string {
  return PAYLOAD.test(payload) ? PREFIX + payload : LOST_TAP;
}
