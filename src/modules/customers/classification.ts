import type { TPolicy } from "../../config/policy.ts";
import { addMonths } from "../../core/dates.ts";

/** The customer facts the classification rules read. Pure data, no Prisma types. */
export interface ClassifiableCustomer {
  id: number;
  managerId: number;
  marketType: string;
  retailFormat: string;
  tier: number | null;
  modernTerminal: string;
  /** YYYY-MM-DD local date of the last violation found, or null */
  violationDate: string | null;
  lowIncome: boolean;
  disabled: boolean;
  salesVolume: number | null;
  classOverride: string | null;
}

export interface Classification {
  /** What the preset's rules say. */
  computed: string;
  /** What applies: the manual override when set, else computed. */
  effective: string;
  /** Why (rule keys, for `classify` output and the customer card). */
  reasons: string[];
}

/** Mandatory assistance cases of the tobacco preset; empty when none applies. */
export function assistanceReasons(c: ClassifiableCustomer, policy: TPolicy, today: string): string[] {
  const rules = policy.classification;
  if (rules.kind !== "tobacco-rules") return [];
  const reasons: string[] = [];
  const a = rules.assistance;
  if (c.violationDate && c.violationDate > addMonths(today, -a.violationWithinMonths) && c.violationDate <= today) {
    reasons.push("violation");
  }
  if (a.lowIncome && c.lowIncome) reasons.push("low-income");
  if (a.disabled && c.disabled) reasons.push("disabled");
  return reasons;
}

function classifyTobacco(c: ClassifiableCustomer, policy: TPolicy, today: string): { id: string; reasons: string[] } {
  const rules = policy.classification;
  if (rules.kind !== "tobacco-rules") throw new Error("not a tobacco policy");
  const assist = assistanceReasons(c, policy, today);
  if (assist.length) return { id: rules.assistance.classId, reasons: assist };
  for (const t of rules.tiers) {
    const ok =
      t.marketTypes.includes(c.marketType) &&
      t.retailFormats.includes(c.retailFormat) &&
      c.tier !== null &&
      c.tier >= t.tierMin &&
      c.tier <= t.tierMax &&
      t.modernTerminal.includes(c.modernTerminal);
    if (ok) return { id: t.classId, reasons: ["criteria"] };
  }
  return { id: rules.fallbackClass, reasons: ["fallback"] };
}

/**
 * ABC by cumulative share of sales within each manager's territory: a customer takes the first band
 * whose cumulative share the sales *before* it have not yet reached, so the customer that crosses
 * 70% is still an A.
 */
function classifyAbc(customers: ClassifiableCustomer[], policy: TPolicy): Map<number, { id: string; reasons: string[] }> {
  const rules = policy.classification;
  if (rules.kind !== "abc-sales") throw new Error("not an ABC policy");
  const out = new Map<number, { id: string; reasons: string[] }>();
  const last = rules.bands[rules.bands.length - 1]!.classId;
  const byManager = new Map<number, ClassifiableCustomer[]>();
  for (const c of customers) {
    const list = byManager.get(c.managerId) ?? [];
    list.push(c);
    byManager.set(c.managerId, list);
  }
  for (const list of byManager.values()) {
    const sorted = [...list].sort((a, b) => (b.salesVolume ?? 0) - (a.salesVolume ?? 0) || a.id - b.id);
    const total = sorted.reduce((s, c) => s + Math.max(0, c.salesVolume ?? 0), 0);
    let before = 0;
    for (const c of sorted) {
      const sales = Math.max(0, c.salesVolume ?? 0);
      if (total <= 0 || sales <= 0) {
        out.set(c.id, { id: last, reasons: ["no-sales"] });
        continue;
      }
      const share = before / total;
      const band = rules.bands.find((b) => share < b.cumulativeShare) ?? rules.bands[rules.bands.length - 1]!;
      out.set(c.id, { id: band.classId, reasons: [`sales-share-before:${share.toFixed(3)}`] });
      before += sales;
    }
  }
  return out;
}

/** Classifies a whole population (ABC needs everyone of a manager at once). */
export function classifyCustomers(customers: ClassifiableCustomer[], policy: TPolicy, today: string): Map<number, Classification> {
  const computed =
    policy.classification.kind === "abc-sales"
      ? classifyAbc(customers, policy)
      : new Map(customers.map((c) => [c.id, classifyTobacco(c, policy, today)] as const));
  const valid = new Set(policy.classes.map((c) => c.id));
  const out = new Map<number, Classification>();
  for (const c of customers) {
    const comp = computed.get(c.id)!;
    const override = c.classOverride && valid.has(c.classOverride) ? c.classOverride : null;
    out.set(c.id, {
      computed: comp.id,
      effective: override ?? comp.id,
      reasons: override ? ["override", ...comp.reasons] : comp.reasons,
    });
  }
  return out;
}

export interface ClassMixRow {
  classId: string;
  count: number;
  share: number;
  expected: { min: number; max: number } | null;
  outOfRange: boolean;
}

/** Share of each class in a territory, flagged against the policy's expected ranges. */
export function classMix(classes: string[], policy: TPolicy): ClassMixRow[] {
  const total = classes.length;
  return policy.classes.map((pc) => {
    const count = classes.filter((c) => c === pc.id).length;
    const share = total ? count / total : 0;
    const expected = pc.share;
    return {
      classId: pc.id,
      count,
      share,
      expected,
      outOfRange: expected !== null && total > 0 && (share < expected.min - 1e-9 || share > expected.max + 1e-9),
    };
  });
}
