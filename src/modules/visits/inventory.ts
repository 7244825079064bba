import type { TPolicy } from "../../config/policy.ts";

/**
 * The inventory check of a visit (service standard, operating guidance):
 *   actual sales         = last inventory + last order − current inventory
 *   reasonable inventory = actual sales × factor (policy `inventoryFactor`, per customer override)
 *   order this period    = max(0, reasonable inventory − current inventory), in whole units
 * Pure: no I/O.
 */

export interface InventoryLineInput {
  product: string;
  lastInventory: number;
  lastOrder: number;
  currentInventory: number;
}

export interface InventoryLine extends InventoryLineInput {
  factor: number;
  actualSales: number;
  reasonableInventory: number;
  /** Whole units (rounded up: half a carton cannot be ordered, and rounding down would under-stock). */
  suggestedOrder: number;
  /** More on the shelf than was there plus what was delivered: a miscount or an unrecorded delivery. */
  negativeSales: boolean;
}

/** Rounds away float noise (0.1 + 0.2) without hiding real fractions. */
function tidy(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export function computeInventoryLine(input: InventoryLineInput, factor: number): InventoryLine {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`inventory factor must be a positive number, got ${factor}`);
  for (const k of ["lastInventory", "lastOrder", "currentInventory"] as const) {
    if (!Number.isFinite(input[k])) throw new RangeError(`${k} must be a finite number, got ${input[k]}`);
  }
  const actualSales = tidy(input.lastInventory + input.lastOrder - input.currentInventory);
  const reasonableInventory = tidy(actualSales * factor);
  const gap = tidy(reasonableInventory - input.currentInventory);
  return {
    ...input,
    factor,
    actualSales,
    reasonableInventory,
    suggestedOrder: gap > 0 ? Math.ceil(gap) : 0,
    negativeSales: actualSales < 0,
  };
}

export function inventoryFactorFor(policy: Pick<TPolicy, "inventoryFactor">, customer: { inventoryFactor: number | null } | null): number {
  const own = customer?.inventoryFactor;
  return own !== null && own !== undefined && own > 0 ? own : policy.inventoryFactor;
}

export function totalSuggestedOrder(lines: Pick<InventoryLine, "suggestedOrder">[]): number {
  return lines.reduce((s, l) => s + l.suggestedOrder, 0);
}
