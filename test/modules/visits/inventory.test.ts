import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { computeInventoryLine, inventoryFactorFor, totalSuggestedOrder } from "../../../src/modules/visits/inventory.ts";

describe("inventory check", () => {
  // last inventory, last order, current, factor → actual sales, reasonable inventory, order, negative?
  const cases: [string, number, number, number, number, number, number, number, boolean][] = [
    ["the standard's example", 10, 20, 12, 1.5, 18, 27, 15, false],
    ["fractional reasonable stock rounds the order up", 10, 11, 10, 1.5, 11, 16.5, 7, false],
    ["nothing sold: no order", 10, 0, 10, 1.5, 0, 0, 0, false],
    ["all zero", 0, 0, 0, 1.5, 0, 0, 0, false],
    ["sold out: order the reasonable stock", 5, 15, 0, 1.5, 20, 30, 30, false],
    ["enough on the shelf: never below zero", 30, 0, 25, 1.5, 5, 7.5, 0, false],
    ["more on the shelf than possible: negative sales, warned, no order", 5, 5, 14, 1.5, -4, -6, 0, true],
    ["negative sales with an empty last inventory", 0, 0, 3, 1.5, -3, -4.5, 0, true],
    ["per-customer factor 2", 10, 20, 12, 2, 18, 36, 24, false],
    ["factor 1: replace what was sold", 8, 12, 5, 1, 15, 15, 10, false],
    ["decimal quantities without float noise", 0.1, 0.2, 0, 1.5, 0.3, 0.45, 1, false],
    ["reasonable exactly met", 6, 6, 6, 1, 6, 6, 0, false],
  ];

  it.each(cases)("%s", (_name, last, order, current, factor, sales, reasonable, suggested, negative) => {
    const line = computeInventoryLine({ product: "利群", lastInventory: last, lastOrder: order, currentInventory: current }, factor);
    expect(line.actualSales).toBe(sales);
    expect(line.reasonableInventory).toBe(reasonable);
    expect(line.suggestedOrder).toBe(suggested);
    expect(line.negativeSales).toBe(negative);
    expect(line.factor).toBe(factor);
    expect(line.product).toBe("利群");
  });

  it("rejects a non-positive factor and non-numbers instead of computing nonsense", () => {
    const input = { product: "x", lastInventory: 1, lastOrder: 1, currentInventory: 1 };
    expect(() => computeInventoryLine(input, 0)).toThrow(RangeError);
    expect(() => computeInventoryLine(input, -1.5)).toThrow(RangeError);
    expect(() => computeInventoryLine({ ...input, lastOrder: Number.NaN }, 1.5)).toThrow(RangeError);
  });

  it("uses the customer's factor when set, else the policy's (default 1.5)", () => {
    const policy = loadPolicy();
    expect(policy.inventoryFactor).toBe(1.5);
    expect(inventoryFactorFor(policy, { inventoryFactor: null })).toBe(1.5);
    expect(inventoryFactorFor(policy, { inventoryFactor: 2 })).toBe(2);
    expect(inventoryFactorFor(policy, null)).toBe(1.5);
    expect(inventoryFactorFor(loadPolicy({ overrides: { inventoryFactor: 1.2 } }), { inventoryFactor: null })).toBe(1.2);
  });

  it("sums the suggested orders", () => {
    expect(totalSuggestedOrder([{ suggestedOrder: 15 }, { suggestedOrder: 0 }, { suggestedOrder: 7 }])).toBe(22);
    expect(totalSuggestedOrder([])).toBe(0);
  });
});
