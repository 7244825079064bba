import { chunks, inChunks } from "../../core/batch.ts";
import { AppError } from "../../core/errors.ts";
import { normalizeInput } from "../../core/forms/form-input.ts";
import type { Db } from "../../db/client.ts";
import type { Prisma, Product } from "../../generated/prisma/client.ts";

/**
 * The product list (卷烟品规). Brand cultivation, the info-point collection and the brand KPIs
 * name products by id; the list itself is data a company imports (`visitmate import products`).
 */

/** What a search may be: a name fragment or a code, never a pasted page (a LIKE pattern that long is refused by SQLite). */
export const MAX_PRODUCT_SEARCH_CHARS = 50;

/**
 * The form a product is searched by: full-width folded, lower case, no spaces, brackets or middle
 * dots, so "利群（新版）", "利群 新版" and "ｌｑ01" find what the list spells "利群(新版)" / "LQ01".
 */
export function productSearchKey(text: string): string {
  return normalizeInput(text)
    .toLowerCase()
    .replace(/[\s·•・()（）[\]【】]+/g, "");
}

export function productSearchText(p: { code: string; name: string; brand: string }): string {
  return [p.code, p.name, p.brand].map(productSearchKey).join("|");
}

export async function searchProducts(opts: { db: Db | Prisma.TransactionClient; text: string; limit?: number }): Promise<{ products: Product[]; more: boolean }> {
  const limit = opts.limit ?? 8;
  const key = productSearchKey(opts.text);
  if (!key) return { products: [], more: false };
  if (key.length > MAX_PRODUCT_SEARCH_CHARS) {
    throw new AppError("input.too-long", { message: `product search of ${key.length} characters (max ${MAX_PRODUCT_SEARCH_CHARS})`, userMessage: { key: "search.too-long", params: { max: MAX_PRODUCT_SEARCH_CHARS, length: key.length } } });
  }
  const base = { active: true };
  const exact = await opts.db.product.findMany({ where: { ...base, OR: [{ code: { equals: opts.text.trim().toUpperCase() } }, { name: opts.text.trim() }] }, take: 2 });
  if (exact.length === 1) return { products: exact, more: false };
  const found = await opts.db.product.findMany({ where: { ...base, searchText: { contains: key } }, orderBy: [{ brand: "asc" }, { name: "asc" }, { id: "asc" }], take: limit + 1 });
  return { products: found.slice(0, limit), more: found.length > limit };
}

export async function productsByIds(opts: { db: Db | Prisma.TransactionClient; ids: number[] }): Promise<Map<number, Product>> {
  const ids = [...new Set(opts.ids)];
  const rows = await inChunks(ids, (part) => opts.db.product.findMany({ where: { id: { in: part } } }));
  return new Map(rows.map((p) => [p.id, p]));
}

export async function productById(opts: { db: Db | Prisma.TransactionClient; id: number }): Promise<Product | null> {
  return opts.db.product.findUnique({ where: { id: opts.id } });
}

export interface ProductFields {
  code: string;
  name: string;
  brand: string;
  spec: string;
  packPrice: number | null;
  cartonPrice: number | null;
  active: boolean;
}

/**
 * Writes products by code: new codes are created, known ones updated where a field differs.
 * Fields the file does not have (`keep`) are left as stored. Returns the counts.
 */
export async function upsertProducts(opts: {
  db: Db;
  rows: ProductFields[];
  /** Fields absent from the file: stored values stay. */
  keep?: ReadonlySet<keyof ProductFields>;
  now: Date;
}): Promise<{ created: number; updated: number; unchanged: number }> {
  const keep = opts.keep ?? new Set();
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  await opts.db.$transaction(async (tx) => {
    for (const batch of chunks(opts.rows)) {
      const stored = await tx.product.findMany({ where: { code: { in: batch.map((r) => r.code) } } });
      const byCode = new Map(stored.map((p) => [p.code, p]));
      const inserts: Prisma.ProductCreateManyInput[] = [];
      for (const r of batch) {
        const cur = byCode.get(r.code);
        const fields: Partial<ProductFields> = { ...r };
        for (const k of keep) delete fields[k];
        if (!cur) {
          const full = { ...r, ...fields };
          inserts.push({ ...full, searchText: productSearchText(full), createdAt: opts.now, updatedAt: opts.now });
          continue;
        }
        const diff = Object.fromEntries(Object.entries(fields).filter(([k, v]) => cur[k as keyof Product] !== v)) as Partial<ProductFields>;
        if (!Object.keys(diff).length) {
          unchanged++;
          continue;
        }
        const next = { code: cur.code, name: diff.name ?? cur.name, brand: diff.brand ?? cur.brand };
        await tx.product.update({ where: { id: cur.id }, data: { ...diff, searchText: productSearchText(next), updatedAt: opts.now } });
        updated++;
      }
      if (inserts.length) await tx.product.createMany({ data: inserts });
      created += inserts.length;
    }
  });
  return { created, updated, unchanged };
}

/** Products recorded for this customer in its last few brand-cultivation visits, newest first (offered as buttons). */
export async function recentCultivatedProducts(opts: { db: Db; customerId: number; limit?: number }): Promise<{ productId: number; name: string; brand: string }[]> {
  const visits = await opts.db.visit.findMany({ where: { customerId: opts.customerId, details: { contains: '"products"' } }, orderBy: [{ visitedAt: "desc" }, { id: "desc" }], take: 5, select: { details: true } });
  const out: { productId: number; name: string; brand: string }[] = [];
  for (const v of visits) {
    let list: unknown;
    try {
      list = (JSON.parse(v.details) as { products?: unknown }).products;
    } catch {
      continue;
    }
    if (!Array.isArray(list)) continue;
    for (const e of list as { productId?: unknown; name?: unknown; brand?: unknown }[]) {
      if (typeof e?.productId !== "number" || out.some((o) => o.productId === e.productId)) continue;
      out.push({ productId: e.productId, name: String(e.name ?? ""), brand: String(e.brand ?? "") });
    }
  }
  return out.slice(0, opts.limit ?? 6);
}
