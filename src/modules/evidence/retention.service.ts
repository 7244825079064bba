import { IN_BATCH } from "../../core/batch.ts";
import type { TPolicy } from "../../config/policy.ts";
import type { Db } from "../../db/client.ts";
import { photoKey, type PhotoStore } from "./photo-store.ts";

/**
 * Privacy retention (issue #16, must-have 6): photos and check-in positions are kept for
 * `policy.evidence.retentionDays`, photos of forms never completed for two days. Everything is
 * read and written in batches of IN_BATCH, so a first run over years of data is many short
 * statements, never one long write lock or an unbounded IN list.
 */

/** Photos of a form that never completed are kept this long (the form itself expires sooner). */
export const UNLINKED_PHOTO_DAYS = 2;

const DAY_MS = 86_400_000;

export interface RetentionStats {
  photosDeleted: number;
  unlinkedDeleted: number;
  objectsDeleted: number;
  visitsCleared: number;
}

export interface RetentionOptions {
  db: Db;
  store: PhotoStore;
  policy: TPolicy;
  now: Date;
  /** Called between batches (the job renews its lease); returning false stops the sweep there. */
  between?: () => Promise<boolean>;
  batch?: number;
}

export async function sweepEvidenceRetention(opts: RetentionOptions): Promise<RetentionStats> {
  const cutoff = new Date(opts.now.getTime() - opts.policy.evidence.retentionDays * DAY_MS);
  const unlinkedCutoff = new Date(opts.now.getTime() - UNLINKED_PHOTO_DAYS * DAY_MS);
  const stats: RetentionStats = { photosDeleted: 0, unlinkedDeleted: 0, objectsDeleted: 0, visitsCleared: 0 };
  const old = await deletePhotos(opts, { receivedAt: { lt: cutoff } });
  stats.photosDeleted = old.rows;
  stats.objectsDeleted += old.objects;
  if (old.stopped) return stats;
  const unlinked = await deletePhotos(opts, { visitId: null, receivedAt: { lt: unlinkedCutoff } });
  stats.unlinkedDeleted = unlinked.rows;
  stats.objectsDeleted += unlinked.objects;
  if (unlinked.stopped) return stats;
  stats.visitsCleared = await clearVisitPositions(opts, cutoff);
  return stats;
}

type PhotoWhere = { receivedAt: { lt: Date }; visitId?: null };

/**
 * Deletes the matching rows batch by batch. A batch's objects go first, and only those no row
 * outside the batch still points at (one stored file serves every photo of the same content):
 * a crash between the two steps leaves old rows whose content reads as gone, which the next run
 * deletes, never an object that no row names and nothing would ever remove.
 */
async function deletePhotos(opts: RetentionOptions, where: PhotoWhere): Promise<{ rows: number; objects: number; stopped: boolean }> {
  const { db, store } = opts;
  const size = opts.batch ?? IN_BATCH;
  let rows = 0;
  let objects = 0;
  for (;;) {
    const batch = await db.visitPhoto.findMany({ where, orderBy: { id: "asc" }, take: size, select: { id: true, hash: true, mime: true } });
    if (!batch.length) return { rows, objects, stopped: false };
    const ids = batch.map((p) => p.id);
    const byHash = new Map(batch.map((p) => [p.hash, p.mime]));
    const inBatch = new Map<string, number>();
    for (const p of batch) inBatch.set(p.hash, (inBatch.get(p.hash) ?? 0) + 1);
    // Rows per hash in all, against those in the batch: one IN list (hash + id lists together
    // would pass SQLite's 999 parameters), at most one row per hash back.
    const totals = await db.visitPhoto.groupBy({ by: ["hash"], where: { hash: { in: [...byHash.keys()] } }, _count: { _all: true } });
    for (const g of totals) if (g._count._all > (inBatch.get(g.hash) ?? 0)) byHash.delete(g.hash);
    for (const [hash, mime] of byHash) {
      await store.remove(photoKey(hash, mime));
      objects++;
    }
    rows += (await db.visitPhoto.deleteMany({ where: { id: { in: ids } } })).count;
    if (batch.length < size) return { rows, objects, stopped: false };
    if (opts.between && !(await opts.between())) return { rows, objects, stopped: true };
  }
}

/** Forgets where old visits were checked in and out; their status, distance and measured minutes stay for the reports. */
async function clearVisitPositions(opts: RetentionOptions, cutoff: Date): Promise<number> {
  const { db } = opts;
  const size = opts.batch ?? IN_BATCH;
  const hasPosition = [{ checkinLat: { not: null } }, { checkinLng: { not: null } }, { checkoutLat: { not: null } }, { checkoutLng: { not: null } }];
  let cleared = 0;
  for (;;) {
    const batch = await db.visit.findMany({ where: { visitedAt: { lt: cutoff }, OR: hasPosition }, orderBy: { id: "asc" }, take: size, select: { id: true } });
    if (!batch.length) return cleared;
    cleared += (await db.visit.updateMany({ where: { id: { in: batch.map((v) => v.id) } }, data: { checkinLat: null, checkinLng: null, checkoutLat: null, checkoutLng: null } })).count;
    if (batch.length < size) return cleared;
    if (opts.between && !(await opts.between())) return cleared;
  }
}
