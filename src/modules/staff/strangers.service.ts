import type { Db } from "../../db/client.ts";

/**
 * Claims today's one answer for a chat account bound to no staff member, in a private chat or in
 * a group. True the first time today (the caller answers once), false after that (the caller
 * stays silent). A read first, so
 * a flood costs reads, not failed inserts contending for SQLite's write lock; two racing
 * messages still write one row (the unique key decides).
 */
export async function claimStrangerNotice(opts: { db: Db; platform: string; platformUserId: string; date: string; chatType: "private" | "group" }): Promise<boolean> {
  const { db, platform, platformUserId, date, chatType } = opts;
  const seen = await db.strangerNotice.findUnique({ where: { platform_platformUserId_date_chatType: { platform, platformUserId, date, chatType } }, select: { id: true } });
  if (seen) return false;
  try {
    await db.strangerNotice.create({ data: { platform, platformUserId, date, chatType } });
    return true;
  } catch (err) {
    if (typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002") return false;
    throw err;
  }
}

/** Forgets notices of days before `beforeDate` (YYYY-MM-DD): only today's decide anything. */
export async function pruneStrangerNotices(db: Db, beforeDate: string): Promise<number> {
  const r = await db.strangerNotice.deleteMany({ where: { date: { lt: beforeDate } } });
  return r.count;
}
