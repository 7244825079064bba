import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { classMix, classifyCustomers, type ClassifiableCustomer } from "../../../src/modules/customers/classification.ts";

const tobacco = loadPolicy();
const keyAccount = loadPolicy({ preset: "key-account" });
const TODAY = "2026-11-22";

let nextId = 1;
function shop(over: Partial<ClassifiableCustomer> = {}): ClassifiableCustomer {
  return {
    id: nextId++,
    managerId: 1,
    marketType: "city",
    retailFormat: "grocery",
    tier: 10,
    modernTerminal: "none",
    violationDate: null,
    lowIncome: false,
    disabled: false,
    salesVolume: null,
    classOverride: null,
    ...over,
  };
}
const classOf = (c: ClassifiableCustomer, policy = tobacco) => classifyCustomers([c], policy, TODAY).get(c.id)!;
const coreShop = { marketType: "city", retailFormat: "tobacco-liquor", tier: 27, modernTerminal: "built" };
const potentialShop = { marketType: "town", retailFormat: "grocery", tier: 20, modernTerminal: "potential" };

describe("tobacco-retail classification", () => {
  it("puts a shop with a violation in the last 3 months in assistance, and not one older than that", () => {
    expect(classOf(shop({ ...coreShop, violationDate: "2026-09-01" })).effective).toBe("assistance");
    expect(classOf(shop({ violationDate: "2026-08-23" })).computed).toBe("assistance");
    expect(classOf(shop({ violationDate: "2026-08-22" })).computed).toBe("regular");
    expect(classOf(shop({ violationDate: "2025-01-10" })).computed).toBe("regular");
  });

  it("puts minimum-living-subsidy and disabled owners in assistance", () => {
    expect(classOf(shop({ lowIncome: true })).computed).toBe("assistance");
    expect(classOf(shop({ ...potentialShop, disabled: true })).computed).toBe("assistance");
    expect(classOf(shop({ lowIncome: true })).reasons).toEqual(["low-income"]);
  });

  it("core needs city market, a core format, tier 25–30 and a modern terminal built or being built", () => {
    expect(classOf(shop(coreShop)).computed).toBe("core");
    expect(classOf(shop({ ...coreShop, modernTerminal: "building" })).computed).toBe("core");
    expect(classOf(shop({ ...coreShop, tier: 25 })).computed).toBe("core");
    expect(classOf(shop({ ...coreShop, tier: 30 })).computed).toBe("core");
    expect(classOf(shop({ ...coreShop, tier: 24 })).computed).toBe("regular");
    expect(classOf(shop({ ...coreShop, marketType: "town" })).computed).not.toBe("core");
    expect(classOf(shop({ ...coreShop, retailFormat: "grocery" })).computed).toBe("regular");
    expect(classOf(shop({ ...coreShop, modernTerminal: "potential" })).computed).toBe("regular");
    expect(classOf(shop({ ...coreShop, tier: null })).computed).toBe("regular");
  });

  it("potential needs town/rural market, a potential format (grocery included), tier 15–30, terminal built or with potential", () => {
    expect(classOf(shop(potentialShop)).computed).toBe("potential");
    expect(classOf(shop({ ...potentialShop, marketType: "rural" })).computed).toBe("potential");
    expect(classOf(shop({ ...potentialShop, tier: 15 })).computed).toBe("potential");
    expect(classOf(shop({ ...potentialShop, tier: 30 })).computed).toBe("potential");
    expect(classOf(shop({ ...potentialShop, tier: 14 })).computed).toBe("regular");
    expect(classOf(shop({ ...potentialShop, modernTerminal: "none" })).computed).toBe("regular");
    expect(classOf(shop({ ...potentialShop, retailFormat: "other" })).computed).toBe("regular");
    expect(classOf(shop({ ...potentialShop, marketType: "city" })).computed).toBe("regular");
  });

  it("a manual override always wins, even over a mandatory assistance case", () => {
    const c = classOf(shop({ ...coreShop, lowIncome: true, classOverride: "core" }));
    expect(c).toMatchObject({ computed: "assistance", effective: "core" });
    expect(classOf(shop({ classOverride: "potential" })).effective).toBe("potential");
  });

  it("ignores an override naming a class the policy does not have", () => {
    expect(classOf(shop({ ...coreShop, classOverride: "A" })).effective).toBe("core");
  });
});

describe("key-account ABC classification", () => {
  it("splits by cumulative share of sales 70/20/10 within each manager", () => {
    // Sales of 10 customers: total 1000. Cumulative before: 0, 400, 700 → A, A, B ...
    const sales = [400, 300, 100, 80, 40, 30, 20, 15, 10, 5];
    const customers = sales.map((s) => shop({ salesVolume: s }));
    const result = classifyCustomers(customers, keyAccount, TODAY);
    expect(customers.map((c) => result.get(c.id)!.computed)).toEqual(["A", "A", "B", "B", "B", "C", "C", "C", "C", "C"]);
  });

  it("treats missing or zero sales as C, and classifies managers independently", () => {
    const a = [shop({ managerId: 1, salesVolume: 100 }), shop({ managerId: 1, salesVolume: 0 }), shop({ managerId: 1, salesVolume: null })];
    const b = [shop({ managerId: 2, salesVolume: 5 })];
    const r = classifyCustomers([...a, ...b], keyAccount, TODAY);
    expect([...a, ...b].map((c) => r.get(c.id)!.computed)).toEqual(["A", "C", "C", "A"]);
  });

  it("lets an override win", () => {
    const c = shop({ salesVolume: 1, classOverride: "A" });
    const r = classifyCustomers([shop({ salesVolume: 1000 }), c], keyAccount, TODAY);
    expect(r.get(c.id)!.effective).toBe("A");
  });
});

describe("class mix", () => {
  it("flags shares outside the standard's ranges", () => {
    const classes = [...Array(3).fill("assistance"), ...Array(5).fill("core"), ...Array(20).fill("potential"), ...Array(72).fill("regular")];
    const mix = classMix(classes, tobacco);
    const byId = Object.fromEntries(mix.map((r) => [r.classId, r]));
    expect(byId.assistance).toMatchObject({ count: 3, outOfRange: true });
    expect(byId.core).toMatchObject({ count: 5, outOfRange: false });
    expect(byId.potential).toMatchObject({ count: 20, outOfRange: false });
    expect(byId.regular!.outOfRange).toBe(false);
  });
});
