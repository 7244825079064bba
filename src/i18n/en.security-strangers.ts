import type { Catalogue } from "./i18n.ts";

/** Strangers, group chats and inbound limits (English). */
export const enSecurityStrangers: Catalogue = {
  "group.private-only": "Please message me privately: in a group I show no customer or staff details and do no account binding.",
  "help.group-note": "(In a group I only answer /help; please send other commands in a private chat.)",
  "chat.not-your-question": "This question was asked to someone else; only they can answer it.",
  "inbound.too-long": "That message is too long ({length} characters, at most {max}); nothing was done. Please send it in shorter messages.",
  "inbound.slow-down": "You are sending messages too fast; please wait a minute. Messages sent until then are not handled.",
  "search.too-long": "That customer name or code is too long to search for (at most {max} characters); nothing was searched. Send a few characters of the name, or the customer code.",
  "skip.reason-too-long": "That reason is too long ({length} characters, at most {max}); the stop was not moved. Please shorten it and send again: /skip STOP REASON",
};
