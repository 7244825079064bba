import type { Db } from "../db/client.ts";

/**
 * Once-only processing of platform events (Telegram update_id, Lark event_id). Platforms deliver
 * at least once: Lark retries until it gets a 200, Telegram re-sends unconfirmed updates after a
 * restart. The first delivery records the id; later ones are dropped. Recording before handling
 * means a crash mid-handling loses that one event rather than running it twice.
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

/** Forgets ids older than `before`: platforms stop redelivering after a few hours. */
export async function pruneProcessedEvents(db: Db, before: Date): Promise<number> {
  const r = await db.processedEvent.deleteMany({ where: { createdAt: { lt: before } } });
  return r.count;
}
