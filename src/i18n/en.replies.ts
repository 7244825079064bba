import type { Catalogue } from "./i18n.ts";

/** Durable chat replies: the busy notice of a database fault, retrying failed messages (en). */
export const enReplies: Catalogue = {
  "inbound.busy": "The system is busy; please send that again in a moment.",
  "cli.outbox.retried-all": "{count} failed messages are queued again; the running bot sends them shortly.",
  "cli.outbox.retried-none": "No failed messages to send again.",
};
