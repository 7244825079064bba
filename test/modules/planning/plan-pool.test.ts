import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors.ts";
import { defaultPlanWorkers, PlanPool } from "../../../src/modules/planning/plan-pool.ts";
import { planVisits, type PlanInput } from "../../../src/modules/planning/planner.ts";
import { generateTerritory } from "../../bench/planner.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const territory = (n: number, seed: number): PlanInput => generateTerritory({ n, seed, from: "2026-12-01", to: "2027-01-31" });

describe("plan worker pool", () => {
  let pool: PlanPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("returns exactly what planVisits returns inline, while the main thread keeps running", async () => {
    pool = new PlanPool({ size: 1 });
    const input = territory(120, 7);
    // The event loop must stay free while the worker plans: count turns of it until the plan arrives.
    let turns = 0;
    let timerFired = false;
    let planned = false;
    const spin = () => {
      turns++;
      if (!planned) setImmediate(spin);
    };
    setImmediate(spin);
    setTimeout(() => (timerFired = true), 0);
    const result = await pool.plan(input);
    planned = true;
    expect(result).toEqual(planVisits(input));
    expect(timerFired).toBe(true);
    // Planning 120 customers takes the worker far longer than a hundred turns of an idle loop;
    // on the main thread the loop would not have turned once.
    expect(turns).toBeGreaterThan(100);
  });

  it("runs at most `size` plans at once and queues the rest, each answered with its own plan", async () => {
    pool = new PlanPool({ size: 2 });
    const inputs = [territory(40, 1), territory(40, 2), territory(40, 3)];
    const all = Promise.all(inputs.map((i) => pool!.plan(i)));
    expect(pool.load).toBe(3);
    expect(pool.workerCount).toBe(2);
    const results = await all;
    results.forEach((r, i) => expect(r).toEqual(planVisits(inputs[i]!)));
    expect(pool.load).toBe(0);
    expect(pool.workerCount).toBe(2);
  });

  it("a crashed worker fails its caller with a user message, never a hang, and the next plan gets a fresh worker", async () => {
    pool = new PlanPool({ size: 1 });
    const input = territory(30, 4);
    const err = await pool.plan(input, { crashForTest: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "plan.worker", userMessage: { key: "plan.worker-failed" } });
    expect((err as Error).message).toMatch(/exit code 70/);
    expect(await pool.plan(input)).toEqual(planVisits(input));
  });

  it("a planner that throws answers with an AppError and the worker lives on", async () => {
    pool = new PlanPool({ size: 1 });
    const bad = { ...territory(10, 5), customers: null } as unknown as PlanInput;
    const err = await pool.plan(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "plan.worker", userMessage: { key: "plan.worker-failed" } });
    const input = territory(30, 6);
    expect(await pool.plan(input)).toEqual(planVisits(input));
    expect(pool.workerCount).toBe(1);
  });

  it("sizes itself from the cores, one left for the event loop, at least one", () => {
    expect(defaultPlanWorkers(8)).toBe(7);
    expect(defaultPlanWorkers(2)).toBe(1);
    expect(defaultPlanWorkers(1)).toBe(1);
    expect(new PlanPool({ size: 0 }).size).toBe(1);
  });

  it("an idle worker never keeps a script alive", () => {
    // The script plans once and ends without closing the pool: it must exit on its own.
    const script = [
      `import { planInPool } from "./src/modules/planning/plan-pool.ts";`,
      `import { generateTerritory } from "./test/bench/planner.ts";`,
      `const r = await planInPool(generateTerritory({ n: 20, seed: 1, from: "2026-12-01", to: "2026-12-31" }));`,
      `console.log("planned", r.stats.plannedVisits > 0);`,
    ].join("\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(run.error).toBeUndefined();
    expect(run.stdout).toContain("planned true");
    expect(run.status).toBe(0);
  });
});
