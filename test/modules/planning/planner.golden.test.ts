/**
 * Golden test of the whole planning pipeline: a few fixed seeded territories, the full result
 * (days, route order, metres, stats, shortfall) compared with a stored fixture. It pins the
 * planner's output so that refactors that must not change behaviour provably do not; a change
 * that is meant to alter plans regenerates the fixture deliberately:
 *   UPDATE_GOLDEN=1 npx vitest run test/modules/planning/planner.golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { addDays } from "../../../src/core/dates.ts";
import { planVisits, type PlanInput } from "../../../src/modules/planning/planner.ts";
import { generateTerritory, KEY_ACCOUNT_CLASSES } from "../../bench/planner.ts";

const FIXTURE = new URL("../../fixtures/planner/golden.json", import.meta.url);
const from = "2025-09-01";
const to = addDays(from, 8 * 7 - 1);

const CASES: { name: string; input: PlanInput }[] = [
  { name: "tobacco 120 × 8 weeks", input: generateTerritory({ n: 120, seed: 7, from, to }) },
  {
    name: "tobacco 250 × Sep–Oct, Oct 1–3 off",
    input: generateTerritory({ n: 250, seed: 257, from: "2025-09-01", to: "2025-10-31", daysOff: ["2025-10-01", "2025-10-02", "2025-10-03"] }),
  },
  {
    name: "key-account 120 × 8 weeks",
    input: generateTerritory({
      n: 120,
      seed: 219,
      from,
      to,
      classes: KEY_ACCOUNT_CLASSES,
      mix: [
        { classId: "A", share: 0.1 },
        { classId: "B", share: 0.2 },
        { classId: "C", share: 1 },
      ],
      lastVisitDays: 90,
      neverVisitedShare: 0.1,
    }),
  },
];

describe("planner golden output", () => {
  const actual: Record<string, unknown> = {};
  for (const c of CASES) actual[c.name] = planVisits(c.input);
  // JSON round trip: the fixture holds plain data, compared exactly (metres as stored doubles).
  const json = JSON.parse(JSON.stringify(actual)) as Record<string, unknown>;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(FIXTURE, `${JSON.stringify(json, null, 1)}\n`);

  it("has a stored fixture", () => {
    expect(existsSync(FIXTURE)).toBe(true);
  });

  const expected = existsSync(FIXTURE) ? (JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>) : {};
  for (const c of CASES) {
    it(`matches the fixture: ${c.name}`, () => {
      expect(json[c.name]).toEqual(expected[c.name]);
    });
  }
});
