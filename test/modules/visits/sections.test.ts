import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadPolicy } from "../../../src/config/policy.ts";
import { visitInputFromAnswers } from "../../../src/modules/visits/visit.dialog.ts";
import { checkPolicySections, registerVisitSection, visitSections } from "../../../src/modules/visits/sections/index.ts";
import { parsePhone } from "../../../src/modules/visits/sections/market.ts";
import type { VisitSection } from "../../../src/modules/visits/sections/section.ts";

describe("visit section modules: round answers → the visit record", () => {
  const answers = {
    mode: "field",
    duration: 25,
    sections: [
      { pick: ["info", "brand"], info: ["marketing"], products: [{ cultivatedProduct: "pr:3:利群:利群(新版)", listed: true, sold: 4, productRepurchase: "yes", daysOutOfStock: 0, promotion: true }] },
      { pick: ["inventory"], inventory: [{ product: "利群", last: 10, order: 20, current: 12 }, { product: "unfinished", last: 3 }] },
      {
        pick: ["market", "forecast"],
        topics: ["demand", "customerChange", "violation"],
        demandBrand: "黄鹤楼",
        demandQty: null,
        changeFields: ["phone", "keyPerson"],
        newPhone: "13912345678",
        newKeyPerson: "王五",
        newKeyPersonRole: null,
        newKeyPersonPhone: "0571-64612345",
        violation: "卖私烟",
        forecast: "利群 20 条",
      },
      { pick: ["problems", "manual", "note"], problems: [{ text: " 缺货 ", category: "supply", canResolve: false, _complaintId: 7 }, { text: "  " }], manualSigned: false, note: "  装修  " },
      { pick: ["info", "key"], info: ["marketing", "credit"], supplier: "壳牌", keyPerson: "李工", nextVisit: "2026-12-07" },
      { pick: ["submit"] },
    ],
  };

  it("maps every section's rounds; a section not in the policy is left out of the record", () => {
    const tobacco = loadPolicy({ preset: "tobacco-retail" });
    const input = visitInputFromAnswers(answers, { factor: 1.5, preset: tobacco.preset, sections: tobacco.visitSections });
    expect(input).toMatchObject({ mode: "field", durationMin: 25, notes: "装修", nextVisitDate: null, keyPersonMet: null });
    const d = input.details;
    expect(d.info).toEqual(["marketing", "credit"]);
    expect(d.products).toEqual([{ productId: 3, brand: "利群", name: "利群(新版)", listed: true, refusal: null, sold: 4, repurchase: "yes", daysOutOfStock: 0, promotion: true }]);
    expect(d.inventory!.map((l) => [l.product, l.actualSales, l.suggestedOrder])).toEqual([["利群", 18, 15]]);
    expect(d.market).toEqual({ topics: ["demand", "customerChange", "violation"], demand: [{ brand: "黄鹤楼", quantity: null }], violation: ["卖私烟"] });
    expect(d.forecast).toEqual([{ text: "利群 20 条", source: null }]);
    expect(d.manualSigned).toBe(false);
    expect(d.keyAccount).toBeUndefined();
    expect(input.complaints).toEqual([{ text: "缺货", category: "supply", canResolve: false, id: 7 }]);
    expect(input.customerChanges).toEqual([
      { field: "phone", value: "13912345678" },
      { field: "keyPerson", value: "王五", detail: { phone: "0571-64612345" } },
    ]);
  });

  it("the key-account policy records the key section because it lists it (not because of the preset's name)", () => {
    const input = visitInputFromAnswers(answers, { factor: 1, sections: ["info", "key"] });
    expect(input.details.keyAccount).toEqual({ supplier: "壳牌", price: null, concerns: null, keyPerson: "李工", nextVisit: "2026-12-07" });
    expect(input).toMatchObject({ nextVisitDate: "2026-12-07", keyPersonMet: "李工" });
    expect(input.details.products).toBeUndefined();
  });

  it("a round whose answers do not parse for a section is left out of that section only", () => {
    const input = visitInputFromAnswers({ sections: [{ pick: ["brand", "note"], products: "maybe", note: "好" }] }, { factor: 1 });
    expect(input.details.products).toBeUndefined();
    expect(input.notes).toBe("好");
  });

  it("phone numbers: mainland mobiles and landlines with area code; anything else is refused", () => {
    expect(parsePhone("139 1234 5678")).toBe("13912345678");
    expect(parsePhone("+86 139-1234-5678")).toBe("13912345678");
    expect(parsePhone("１３９１２３４５６７８")).toBe("13912345678");
    expect(parsePhone("0571-64612345")).toBe("0571-64612345");
    expect(parsePhone("010 12345678")).toBe("010-12345678");
    for (const bad of ["12345", "12912345678", "1391234567", "64612345", "电话", "0571-123"]) expect(parsePhone(bad)).toBeNull();
  });

  it("the policy may list only registered sections: start-up names the unknown id", () => {
    expect(() => checkPolicySections(loadPolicy({ preset: "key-account" }))).not.toThrow();
    expect(() => checkPolicySections({ preset: "x", visitSections: ["info", "brnad"] })).toThrow(/unknown section "brnad"/);
  });

  it("a section reusing another section's step id or id is refused at registration", () => {
    const base = { presets: [], schema: z.object({}), toDetails: () => {} };
    expect(() => registerVisitSection({ ...base, id: "dup", steps: [{ id: "note", type: "text", prompt: () => "" }] } as VisitSection)).toThrow(/reuses step ids of other sections: note/);
    expect(() => registerVisitSection({ ...base, id: "info", steps: [] } as VisitSection)).toThrow(/registered twice/);
    expect(visitSections().some((s) => s.id === "dup")).toBe(false);
  });
});
