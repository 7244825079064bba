import type { Db } from "../db/client.ts";

/**
 * Once-only processing of platform events (Telegram update_id, Lark event_id). Platforms deliver
 * at least once: Lark retries until it gets a 200, Telegram re-sends unconfirmed updates after a
 * restart. A handled event's id is recorded in the transaction that queues its replies (see
 * `enqueueReplies`), so a fault while handling loses nothing: the event is handled again. This
 * records an id on its own (senders without an outbox).
 */
export async function markEventProcessed(db: Db, platform: string, eventId: string, at?: Date): Promise<boolean> {
  try {
    await db.processedEvent.create({ data: { platform, eventId, ...(at ? { createdAt: at } : {}) } });
    return true;
  } catch (err) {
    if (typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002") return false;
    throw err;
  }
}

/** True when the event was handled already (a redelivery). */
export async function isEventProcessed(db: Db, platform: string, eventId: string): Promise<boolean> {
  return (await db.processedEvent.findUnique({ where: { platform_eventId: { platform, eventId } }, select: { id: true } })) !== null;
}

/** Forgets ids older than `before`: platforms stop redelivering after a few hours. */
export async function pruneProcessedEvents(db: Db, before: Date): Promise<number> {
  const r = await db.processedEvent.deleteMany({ where: { createdAt: { lt: before } } });
  return r.count;
}
