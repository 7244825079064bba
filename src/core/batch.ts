/**
 * Batches for `IN` lists and bulk writes: SQLite binds at most a few thousand parameters per
 * statement, and no query should take an unbounded list.
 */
export const IN_BATCH = 500;

export function chunks<T>(items: T[], size = IN_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `query` once per batch of `items` and concatenates the rows. */
export async function inChunks<T, R>(items: T[], query: (part: T[]) => Promise<R[]>, size = IN_BATCH): Promise<R[]> {
  const out: R[] = [];
  for (const part of chunks(items, size)) out.push(...(await query(part)));
  return out;
}
