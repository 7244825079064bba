import { createHash } from "node:crypto";
import type { Db } from "../../db/client.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import { inChunks } from "../../core/batch.ts";
import type { VisitPhoto } from "../../generated/prisma/client.ts";
import { sniffImage } from "./image.ts";
import { photoKey, type PhotoStore } from "./photo-store.ts";

/**
 * Visit evidence in storage: shop photos (content in the photo store by hash, a VisitPhoto row per
 * photo sent) and the reads supervisors' views and reports need. The check-in columns are written
 * with the visit row (visits.service), from the form's evidence.
 */

export interface ReceivedPhoto {
  id: number;
  hash: string;
  mime: string;
  bytes: number;
  /** An earlier photo with the same content, if any (this manager's or anyone's). */
  duplicateOf: { id: number; receivedAt: Date; visitId: number | null; customerId: number | null; staffId: number } | null;
}

export type ReceivePhotoResult = { ok: true; photo: ReceivedPhoto } | { ok: false; reason: "not-image" | "empty" | "too-large" };

/**
 * Stores a photo sent during a visit form: the bytes must be an image (told by the content), within
 * the limit. The object is written first (content-addressed, so a retry or a second sender writes
 * the same object), then the row: a failure in between leaves at most an object the cleanup job
 * removes, never a row without its content.
 */
export async function receivePhoto(opts: { db: Db; store: PhotoStore; staffId: number; platform: string; bytes: Buffer; maxBytes: number; now: Date; section?: string | null }): Promise<ReceivePhotoResult> {
  const { db, store, bytes } = opts;
  if (!bytes.length) return { ok: false, reason: "empty" };
  if (bytes.length > opts.maxBytes) return { ok: false, reason: "too-large" };
  const mime = sniffImage(bytes);
  if (!mime) return { ok: false, reason: "not-image" };
  const hash = createHash("sha256").update(bytes).digest("hex");
  await store.put(photoKey(hash, mime), bytes);
  const earlier = await db.visitPhoto.findFirst({ where: { hash }, orderBy: { id: "asc" }, select: { id: true, receivedAt: true, visitId: true, customerId: true, staffId: true } });
  const row = await db.visitPhoto.create({
    data: { hash, mime, bytes: bytes.length, staffId: opts.staffId, platform: opts.platform, receivedAt: opts.now, section: opts.section ?? null, duplicateOfId: earlier?.id ?? null },
  });
  return { ok: true, photo: { id: row.id, hash, mime, bytes: bytes.length, duplicateOf: earlier ?? null } };
}

/** Removes a photo row not linked to any visit (the same picture sent twice in one form); its content stays for the row it repeats. */
export async function discardUnlinkedPhoto(db: Db, id: number): Promise<void> {
  await db.visitPhoto.deleteMany({ where: { id, visitId: null } });
}

/** Links the form's photos to the visit it became (only this manager's photos not linked elsewhere). */
export async function linkPhotos(tx: Tx, opts: { visitId: number; customerId: number; staffId: number; photos: { id: number; section: string | null }[] }): Promise<number> {
  let linked = 0;
  for (const p of opts.photos) {
    const { count } = await tx.visitPhoto.updateMany({
      where: { id: p.id, staffId: opts.staffId, OR: [{ visitId: null }, { visitId: opts.visitId }] },
      data: { visitId: opts.visitId, customerId: opts.customerId, section: p.section },
    });
    linked += count;
  }
  return linked;
}

/** The photos of these visits, by visit id, oldest first (batched IN lists). */
export async function photosOfVisits(db: Db | Tx, visitIds: readonly number[]): Promise<Map<number, VisitPhoto[]>> {
  const out = new Map<number, VisitPhoto[]>();
  const rows = await inChunks([...visitIds], (ids) => db.visitPhoto.findMany({ where: { visitId: { in: ids } }, orderBy: { id: "asc" } }));
  for (const r of rows) {
    const list = out.get(r.visitId!) ?? [];
    list.push(r);
    out.set(r.visitId!, list);
  }
  return out;
}

/** A photo's content from the store; null when retention (or a lost file) removed it. */
export async function readPhoto(store: PhotoStore, photo: Pick<VisitPhoto, "hash" | "mime">): Promise<Buffer | null> {
  return store.get(photoKey(photo.hash, photo.mime));
}

/** How many photos a visit carries. */
export async function countVisitPhotos(db: Db | Tx, visitId: number): Promise<number> {
  return db.visitPhoto.count({ where: { visitId } });
}
