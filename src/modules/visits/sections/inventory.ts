import { z } from "zod";
import type { Answers } from "../../../core/forms/form-types.ts";
import { normalizeInput } from "../../../core/forms/form-input.ts";
import { computeInventoryLine, inventoryFactorFor, totalSuggestedOrder, type InventoryLine } from "../inventory.ts";
import { cached, customerOf } from "../visit-context.ts";
import { parseDetails, recentInventoryVisits } from "../visits.service.ts";
import { count, fmt, text } from "./helpers.ts";
import type { SectionCtx, VisitSection } from "./section.ts";

/** One counted product line as the form stores it; an unfinished line does not parse. */
const lineSchema = z.object({ product: z.string(), last: z.number(), order: z.number(), current: z.number() });
const schema = z.object({ inventory: z.array(z.unknown()).default([]) });

export function inventoryLineOf(item: unknown, factor: number): InventoryLine | null {
  const l = lineSchema.safeParse(item);
  if (!l.success) return null;
  return computeInventoryLine({ product: l.data.product, lastInventory: l.data.last, lastOrder: l.data.order, currentInventory: l.data.current }, factor);
}

function sameProduct(a: string, b: string): boolean {
  return normalizeInput(a).toLowerCase().replace(/\s+/g, "") === normalizeInput(b).toLowerCase().replace(/\s+/g, "");
}

async function previousInventory(ctx: SectionCtx): Promise<InventoryLine[]> {
  const customer = await customerOf(ctx);
  if (!customer) return [];
  return cached(ctx.env, `inv:${customer.id}`, async () => {
    const editId = ctx.meta.editVisitId ? Number(ctx.meta.editVisitId) : null;
    const visits = await recentInventoryVisits({ db: ctx.env.deps.db, customerId: customer.id, exceptVisitId: editId });
    const lines: InventoryLine[] = [];
    for (const v of visits) {
      for (const l of parseDetails(v).inventory ?? []) if (!lines.some((x) => sameProduct(x.product, l.product))) lines.push(l);
    }
    return lines;
  });
}

async function factorOf(ctx: SectionCtx): Promise<number> {
  return inventoryFactorFor(ctx.env.deps.policy, await customerOf(ctx));
}

function inventoryLineNote(ctx: SectionCtx, line: InventoryLine): string {
  const { t } = ctx.env;
  const lines = [
    t("forms.inventory.line", {
      product: line.product,
      last: fmt(line.lastInventory),
      order: fmt(line.lastOrder),
      current: fmt(line.currentInventory),
      sales: fmt(line.actualSales),
      factor: fmt(line.factor),
      reasonable: fmt(line.reasonableInventory),
      suggested: line.suggestedOrder,
    }),
  ];
  if (line.negativeSales) lines.push(t("forms.inventory.negative", { product: line.product }));
  return lines.join("\n");
}

/** Inventory check by the standard's formula, one product line at a time. */
export const inventorySection: VisitSection<z.infer<typeof schema>> = {
  id: "inventory",
  presets: ["tobacco-retail", "key-account"],
  steps: [
    {
      type: "group",
      id: "inventory",
      repeat: { ask: (ctx) => ctx.env.t("forms.inventory.more") },
      max: 20,
      steps: [
        {
          id: "product",
          type: "text",
          // A bare number here is nearly always a count typed one question early.
          schema: text(40).refine((s) => !/^\d+(\.\d+)?$/.test(s), "forms.inventory.product-not-number"),
          async prompt(ctx) {
            const prev = await previousInventory(ctx);
            return ctx.env.t(prev.length ? "forms.inventory.product-known" : "forms.inventory.product");
          },
          async options(ctx) {
            return (await previousInventory(ctx)).slice(0, 6).map((l) => ({ value: l.product, label: l.product }));
          },
        },
        {
          id: "last",
          type: "number",
          schema: count,
          prompt: (ctx) => ctx.env.t("forms.inventory.last", { product: String(ctx.item.product) }),
          async options(ctx) {
            const prev = (await previousInventory(ctx)).find((l) => sameProduct(l.product, String(ctx.item.product)));
            return prev ? [{ value: fmt(prev.currentInventory), label: ctx.env.t("forms.inventory.last-known", { n: fmt(prev.currentInventory) }) }] : [];
          },
        },
        { id: "order", type: "number", schema: count, prompt: (ctx) => ctx.env.t("forms.inventory.order", { product: String(ctx.item.product) }) },
        { id: "current", type: "number", schema: count, prompt: (ctx) => ctx.env.t("forms.inventory.current", { product: String(ctx.item.product) }) },
      ],
      async itemNote(ctx) {
        const line = inventoryLineOf(ctx.item, await factorOf(ctx));
        return line ? inventoryLineNote(ctx, line) : null;
      },
      async doneNote(ctx) {
        const factor = await factorOf(ctx);
        const items = Array.isArray(ctx.item.inventory) ? (ctx.item.inventory as Answers[]) : [];
        const lines = items.map((i) => inventoryLineOf(i, factor)).filter((l): l is InventoryLine => !!l);
        if (!lines.length) return null;
        const { t } = ctx.env;
        const parts = lines.map((l) => t("forms.inventory.summary-line", { product: l.product, suggested: l.suggestedOrder }));
        return t("forms.inventory.summary", { factor: fmt(factor), lines: parts.join(t("list.separator")), total: totalSuggestedOrder(lines) });
      },
    },
  ],
  schema,
  toDetails(round, draft, ctx) {
    for (const l of round.inventory) {
      const line = inventoryLineOf(l, ctx.factor);
      if (line) (draft.details.inventory ??= []).push(line);
    }
  },
  confirm: (d, t) => (d.inventory?.length ? [t("forms.confirm.inventory", { lines: d.inventory.length, n: totalSuggestedOrder(d.inventory) })] : []),
  notices(d, t) {
    const warnings = (d.inventory ?? []).filter((l) => l.negativeSales);
    return warnings.length ? [t("forms.confirm.negative", { products: warnings.map((l) => l.product).join(t("list.separator")) })] : [];
  },
};
