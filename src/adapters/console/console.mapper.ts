import { plainText, type Choice, type Reply } from "../../core/chat.ts";
import { isFormTap } from "../../core/forms/form-tap.ts";

/** Plain-text rendering: choices become numbered options the user answers by number. */
export function renderConsoleReply(reply: Reply): string {
  const text = plainText(reply.text);
  if (!reply.choices?.length) return text;
  const options = reply.choices.map((c, i) => `  ${i + 1}) ${c.label}`);
  return [text, ...options].join("\n");
}

/**
 * A bare number answers the last numbered options; anything else passes through. A form's options
 * are the exception: the number goes on as typed, and the form resolves it against the options it
 * stored for the question it is asking now (so it never answers for an earlier question).
 */
export function resolveConsoleInput(text: string, lastChoices: Choice[] | undefined): { text: string; isAction: boolean } {
  const n = /^\s*(\d{1,2})\s*$/.exec(text);
  if (n && lastChoices?.length) {
    const choice = lastChoices[Number(n[1]) - 1];
    if (choice && isFormTap(choice.value)) return { text: String(Number(n[1])), isAction: false };
    if (choice) return { text: choice.value, isAction: true };
  }
  return { text, isAction: false };
}
