import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.ts";
import { loadPolicy, resolveClassName } from "../../src/config/policy.ts";

describe("policy presets", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const file = (name: string, text: string) => {
    dir ??= mkdtempSync(path.join(tmpdir(), "visitmate-policy-"));
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("tobacco-retail carries the standard's numbers", () => {
    const p = loadPolicy();
    expect(p.preset).toBe("tobacco-retail");
    expect(p.timeZone).toBe("Asia/Shanghai");
    expect(p.visitDays).toEqual([1, 3, 4]);
    expect(p.dailyMinimum).toBe(15);
    expect(p.dailyCap).toBeGreaterThanOrEqual(15);
    expect(p.complaint.slaMinutes).toBe(480);
    expect(p.inventoryFactor).toBe(1.5);
    const byId = Object.fromEntries(p.classes.map((c) => [c.id, c]));
    expect(byId.core).toMatchObject({ visitEvery: { count: 2, unit: "week" }, appointment: "day-before", visitMinutes: { min: 15, max: 20 }, share: { min: 0.04, max: 0.06 } });
    expect(byId.potential).toMatchObject({ visitEvery: { count: 1, unit: "month" }, appointment: "same-day" });
    expect(byId.regular).toMatchObject({ visitEvery: { count: 2, unit: "month" }, appointment: "none", visitMinutes: { min: 10, max: 15 } });
    expect(byId.assistance).toMatchObject({ visitEvery: { count: 2, unit: "week" }, visitMinutes: { max: 30 }, share: { min: 0.05, max: 0.1 } });
  });

  it("key-account has ABC classes with weekly phone contacts for A and B", () => {
    const p = loadPolicy({ preset: "key-account" });
    expect(p.classes.map((c) => c.id)).toEqual(["A", "B", "C"]);
    expect(p.classes[0]!.phoneEvery).toEqual({ count: 1, unit: "week" });
    expect(p.classes[1]!.visitEvery).toEqual({ count: 2, unit: "month" });
    expect(p.phoneContactsPerDay).toBe(5);
    expect(p.classification.kind).toBe("abc-sales");
  });

  it("a JSON or YAML file overrides any field, arrays replace, objects merge", () => {
    const json = loadPolicy({ file: file("p.json", JSON.stringify({ complaint: { slaMinutes: 240 }, visitDays: [1, 2, 3, 4] })) });
    expect(json.complaint.slaMinutes).toBe(240);
    expect(json.complaint.supervisorWarnAt).toBe(0.75);
    expect(json.visitDays).toEqual([1, 2, 3, 4]);
    const yaml = loadPolicy({ preset: "key-account", file: file("p.yaml", "dailyCap: 25\ntimeZone: Asia/Urumqi\n") });
    expect(yaml).toMatchObject({ dailyCap: 25, timeZone: "Asia/Urumqi", preset: "key-account" });
  });

  it("rejects bad values naming the field", () => {
    expect(() => loadPolicy({ file: file("bad.json", JSON.stringify({ dailyCap: 5, complaint: { slaMinutes: -1 } })) })).toThrow(
      /complaint\.slaMinutes[\s\S]*dailyCap must be ≥ dailyMinimum|dailyCap[\s\S]*complaint\.slaMinutes/,
    );
    expect(() => loadPolicy({ preset: "nope" })).toThrow(/Unknown policy preset "nope"/);
    expect(() => loadPolicy({ file: file("x.yaml", "a: [") })).toThrow(/not valid YAML/);
    expect(() => loadPolicy({ timeZone: "Mars/Base" })).toThrow(/unknown time zone "Mars\/Base"/);
  });

  it("resolves class names in English, Chinese and aliases", () => {
    const p = loadPolicy();
    expect(resolveClassName(p, "核心")).toBe("core");
    expect(resolveClassName(p, "帮扶客户")).toBe("assistance");
    expect(resolveClassName(p, "Potential")).toBe("potential");
    expect(resolveClassName(p, "A")).toBeUndefined();
    expect(resolveClassName(loadPolicy({ preset: "key-account" }), "b类")).toBe("B");
  });

  it("environment: defaults with nothing set, and a clear message for a bad value", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ DATABASE_URL: "file:./data/visitmate.db", VISITMATE_POLICY_PRESET: "tobacco-retail", VISITMATE_DEMO: true });
    expect(() => loadEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a SQLite file URL such as file:.*or a PostgreSQL URL/);
    expect(() => loadEnv({ VISITMATE_DEMO: "maybe" })).toThrow(/VISITMATE_DEMO/);
  });
});
