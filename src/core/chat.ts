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
}

export interface Choice {
  label: string;
  /** Sent back as the message text when tapped (adapters without buttons accept the number). */
  value: string;
}

export interface Reply {
  text: string;
  choices?: Choice[];
}

export interface ChatAddress {
  platform: Platform;
  chatId: string;
}

/** What every adapter implements. The core never imports a chat SDK. */
export interface ChatPort {
  readonly platform: Platform;
  send(to: ChatAddress, reply: Reply): Promise<void>;
}

export function reply(text: string, choices?: Choice[]): Reply {
  return choices && choices.length ? { text, choices } : { text };
}
