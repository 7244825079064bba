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

/**
 * Keyset paging: `fetch(after)` reads the page after key `after` (undefined: the first), at most
 * `size` rows; stops after a short page. Every walk over all staff or customers goes this way, so
 * no query holds all of them.
 */
export async function* keysetPages<T, K>(fetch: (after: K | undefined) => Promise<T[]>, keyOf: (row: T) => K, size: number): AsyncGenerator<T[]> {
  for (let after: K | undefined; ; ) {
    const page = await fetch(after);
    if (page.length) yield page;
    if (page.length < size) return;
    after = keyOf(page[page.length - 1]!);
  }
}

/** Runs `query` once per batch of `items` and concatenates the rows. */
export async function inChunks<T, R>(items: T[], query: (part: T[]) => Promise<R[]>, size = IN_BATCH): Promise<R[]> {
  const out: R[] = [];
  for (const part of chunks(items, size)) out.push(...(await query(part)));
  return out;
}
