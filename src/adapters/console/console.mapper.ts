import { plainText, type Choice, type Reply } from "../../core/chat.ts";

/** Plain-text rendering: choices become numbered options the user answers by number. */
export function renderConsoleReply(reply: Reply): string {
  const text = plainText(reply.text);
  if (!reply.choices?.length) return text;
  const options = reply.choices.map((c, i) => `  ${i + 1}) ${c.label}`);
  return [text, ...options].join("\n");
}

/** A bare number answers the last numbered options; anything else passes through. */
export function resolveConsoleInput(text: string, lastChoices: Choice[] | undefined): { text: string; isAction: boolean } {
  const n = /^\s*(\d{1,2})\s*$/.exec(text);
  if (n && lastChoices?.length) {
    const choice = lastChoices[Number(n[1]) - 1];
    if (choice) return { text: choice.value, isAction: true };
  }
  return { text, isAction: false };
}
