import { chunks, IN_BATCH } from "../core/batch.ts";
import { Prisma } from "../generated/prisma/client.ts";

/**
 * Multi-row writes for the import and for storing plans, as raw SQL with bound parameters.
 *
 * Why not `createMany`: through Prisma's query engine it cost 80% of a 300k-row import (issue #12)
 * and built every row as a large object first. Its query compiler runs on the main thread: storing
 * one manager's 600-visit plan that way held the event loop 70-250 ms at a time while the plan
 * workers ran. One `INSERT … VALUES (…),(…)` per few hundred rows
 * keeps the binding work in the driver. `Prisma.sql` renders the placeholders the connected
 * database wants (`?` for SQLite, `$n` for PostgreSQL), and the quoted identifiers are Prisma's
 * own table and column names, so the same statements run on both (issue #17).
 */

export type SqlValue = string | number | boolean | Date | null;

/**
 * Parameters per statement: SQLite binds up to 32,766 and PostgreSQL 65,535; far below both, a
 * statement still carries ~200 customers, and a statement's size stays small in memory.
 */
export const MAX_PARAMS = 1000;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface RawExecutor {
  $executeRaw(query: Prisma.Sql): Prisma.PrismaPromise<number>;
}

/** Rows per INSERT for a given column count. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(MAX_PARAMS / columns));
}

/**
 * The literal parts of an INSERT of `rows` × `columns` placeholders, cached per shape: building one
 * `Prisma.Sql` from flat parts and values avoids a fragment object per row and per value, which
 * was most of the import's garbage.
 */
const insertShapes = new Map<string, string[]>();
function insertStrings(table: string, columns: readonly string[], rows: number): string[] {
  const key = `${table}\u0000${columns.join("\u0000")}\u0000${rows}`;
  let strings = insertShapes.get(key);
  if (!strings) {
    strings = [`INSERT INTO ${ident(table)} (${columns.map(ident).join(", ")}) VALUES (`];
    for (let r = 0; r < rows; r++) {
      for (let c = 1; c < columns.length; c++) strings.push(", ");
      strings.push(r === rows - 1 ? ")" : "), (");
    }
    if (insertShapes.size > 32) insertShapes.clear();
    insertShapes.set(key, strings);
  }
  return strings;
}

/** Inserts `rows` (values in `columns` order), several statements when they exceed MAX_PARAMS. */
export async function insertRows(tx: RawExecutor, table: string, columns: readonly string[], rows: readonly SqlValue[][]): Promise<void> {
  const per = rowsPerInsert(columns.length);
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per);
    const values: SqlValue[] = [];
    for (const r of part) {
      if (r.length !== columns.length) throw new Error(`insertRows: ${r.length} values for ${columns.length} columns`);
      for (const v of r) values.push(v);
    }
    await tx.$executeRaw(new Prisma.Sql(insertStrings(table, columns, part.length), values));
  }
}

/** Sets the same `values` on every row whose id is in `ids`, IN_BATCH ids per statement. */
export async function updateByIds(tx: RawExecutor, table: string, values: Record<string, SqlValue>, ids: readonly number[]): Promise<void> {
  const entries = Object.entries(values);
  if (entries.length === 0 || ids.length === 0) return;
  const set = Prisma.join(entries.map(([column, value]) => Prisma.sql`${Prisma.raw(ident(column))} = ${value}`));
  for (const part of chunks([...ids], IN_BATCH)) {
    const where = part.length === 1 ? Prisma.sql`"id" = ${part[0]}` : Prisma.sql`"id" IN (${Prisma.join(part)})`;
    await tx.$executeRaw(Prisma.sql`UPDATE ${Prisma.raw(ident(table))} SET ${set} WHERE ${where}`);
  }
}
