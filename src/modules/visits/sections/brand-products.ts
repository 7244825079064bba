import { z } from "zod";
import { normalizeInput, parseNumber } from "../../../core/forms/form-input.ts";
import type { Option, ParseResult, Step } from "../../../core/forms/form-types.ts";
import type { ProductCultivation } from "../visits.service.ts";
import type { SectionCtx, SectionEnv, VisitSection } from "./section.ts";
import { optionList } from "./helpers.ts";
import { count, optBool, optNumber, optText, productStep, ZProductAnswerSchema } from "./tobacco-helpers.ts";

/**
 * Brand cultivation per product (standard §3, the five-step method): for each product the manager
 * works on in the shop, is it listed (上柜) or refused and why; if listed, how much sold since the
 * last visit, whether the shop re-ordered, days out of stock and whether promotion/POP was done.
 * The latest entry per shop and product feeds 上柜率 / 再购率 (products/brand-kpi.service.ts).
 * Replaces the yes/no "brand" section for the tobacco preset.
 */

export const REFUSALS = ["money", "demand", "space", "consumers", "other"] as const;
export const REPURCHASE = ["yes", "no", "early"] as const;

/** Sold since the last visit, in cartons: "3", "3条", "20包" / "20盒" (10 packs a carton). */
export function parseSold(text: string, ctx: SectionCtx): ParseResult {
  const s = normalizeInput(text).replace(/\s+/g, "");
  const m = /^(.+?)(条|包|盒)?$/.exec(s);
  const n = m ? parseNumber(m[1]!) : null;
  if (n === null) return { error: ctx.env.t("tobacco.brand.sold-hint") };
  return { value: m![2] === "包" || m![2] === "盒" ? Math.round((n / 10) * 10) / 10 : n };
}

const listed = (ctx: SectionCtx) => ctx.item.listed === true;

const productsGroup: Step<SectionEnv> = {
  type: "group",
  id: "products",
  repeat: { ask: (ctx) => ctx.env.t("tobacco.brand.more") },
  max: 15,
  steps: [
    productStep("cultivatedProduct", "tobacco.brand.product"),
    { id: "listed", type: "yesno", prompt: (ctx) => ctx.env.t("tobacco.brand.listed", { name: productName(ctx) }) },
    {
      id: "productRefusal",
      type: "choice",
      optional: true,
      when: (ctx) => ctx.item.listed === false,
      prompt: (ctx) => ctx.env.t("tobacco.brand.refusal", { name: productName(ctx) }),
      options: (ctx) => optionList(ctx, "forms.brand.refusal", REFUSALS),
    },
    {
      id: "sold",
      type: "number",
      optional: true,
      schema: z.number().min(0, "forms.err.not-negative").max(100_000),
      when: listed,
      parse: parseSold,
      prompt: (ctx) => ctx.env.t("tobacco.brand.sold", { name: productName(ctx) }),
    },
    {
      id: "productRepurchase",
      type: "choice",
      optional: true,
      when: listed,
      prompt: (ctx) => ctx.env.t("tobacco.brand.repurchase"),
      options: (ctx) => optionList(ctx, "forms.brand.repurchase", REPURCHASE),
    },
    {
      id: "daysOutOfStock",
      type: "number",
      optional: true,
      schema: count.max(366),
      when: listed,
      prompt: (ctx) => ctx.env.t("tobacco.brand.days-out"),
      options: (ctx) => [{ value: "0", label: ctx.env.t("tobacco.brand.never-out") }],
    },
    { id: "promotion", type: "yesno", optional: true, when: listed, prompt: (ctx) => ctx.env.t("tobacco.brand.promotion") },
  ],
  itemNote(ctx) {
    const e = entryOf(ctx.item);
    return e ? ctx.env.t(e.listed ? "tobacco.brand.noted-listed" : "tobacco.brand.noted-refused", { name: e.name }) : null;
  },
};

function productName(ctx: SectionCtx): string {
  const p = ZProductAnswerSchema.safeParse(ctx.item.cultivatedProduct);
  return p.success ? p.data.name : "";
}

// Step ids are unique across all sections (the registry checks): answers of a round live in one item.
const ZEntrySchema = z.object({
  cultivatedProduct: ZProductAnswerSchema,
  listed: z.boolean(),
  productRefusal: optText,
  sold: optNumber,
  productRepurchase: z.enum(REPURCHASE).nullish().catch(null),
  daysOutOfStock: optNumber,
  promotion: optBool,
});

function entryOf(item: unknown): ProductCultivation | null {
  const r = ZEntrySchema.safeParse(item);
  return r.success ? toEntry(r.data) : null;
}

function toEntry(e: z.output<typeof ZEntrySchema>): ProductCultivation {
  const refusal = e.productRefusal && (REFUSALS as readonly string[]).includes(e.productRefusal) ? e.productRefusal : e.productRefusal ? "other" : null;
  return {
    ...e.cultivatedProduct,
    listed: e.listed,
    // Answers of the other branch (listed, then changed to refused after going back) are not the record.
    refusal: e.listed ? null : refusal,
    sold: e.listed ? e.sold : null,
    repurchase: e.listed ? (e.productRepurchase ?? null) : null,
    daysOutOfStock: e.listed ? e.daysOutOfStock : null,
    promotion: e.listed ? e.promotion : null,
  };
}

/** One round: the products worked on; an item that does not parse (an unfinished one) is left out. */
const schema = z.object({
  products: z
    .array(z.unknown())
    .optional()
    .transform((items) => (items ?? []).map((i) => ZEntrySchema.safeParse(i)).flatMap((r) => (r.success ? [r.data] : []))),
});
export type TBrandProductsRound = z.output<typeof schema>;

export const brandProductsSection: VisitSection<TBrandProductsRound> = {
  id: "brand",
  presets: ["tobacco-retail"],
  steps: [productsGroup],
  schema,
  toDetails(round, draft) {
    const list = (draft.details.products ??= []);
    for (const e of round.products.map(toEntry)) {
      // The same product twice in one visit: the later answer is the record.
      const at = list.findIndex((x) => x.productId === e.productId);
      if (at >= 0) list[at] = e;
      else list.push(e);
    }
  },
  confirm(details, t) {
    const list = details.products ?? [];
    if (!list.length) return [];
    return [t("tobacco.brand.confirm", { n: list.length, listed: list.filter((e) => e.listed).length })];
  },
};
