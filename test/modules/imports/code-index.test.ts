import { describe, expect, it } from "vitest";
import { CodeIndex } from "../../../src/modules/imports/code-index.ts";

describe("CodeIndex", () => {
  it("answers like a Map of first rows through every growth step, for any code text", () => {
    const index = new CodeIndex();
    const reference = new Map<string, number>();
    // Enough codes to grow the table and the arena several times; prefixes, Chinese and long codes collide in interesting ways.
    const codes = Array.from({ length: 50_000 }, (_, i) => (i % 5 === 0 ? `许可证${i}` : i % 7 === 0 ? `C${i}`.padEnd(70, "x") : `C${i % 40_000}`));
    codes.forEach((code, i) => {
      const expected = reference.get(code);
      if (expected === undefined) reference.set(code, i + 2);
      expect(index.addFirst(code, i + 2)).toBe(expected);
    });
    expect(index.size).toBe(reference.size);
    for (const [code, row] of reference) expect(index.get(code)).toBe(row);
    for (const absent of ["", "C", "C40000", "许可证1", "C7".padEnd(69, "x")]) expect(index.get(absent)).toBeUndefined();
  });
});
