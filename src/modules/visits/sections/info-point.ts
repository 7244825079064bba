import { z } from "zod";
import type { Option, Step } from "../../../core/forms/form-types.ts";
import { isoWeekOf, isPriceCollectionDone, recordPriceCollection } from "../../products/info-point.service.ts";
import { productById } from "../../products/products.service.ts";
import type { SectionCtx, SectionEnv, VisitSection } from "./section.ts";
import { customerOf } from "../visit-context.ts";
import { fmt } from "./helpers.ts";
import { count, money, optNumber, parseMoney, productStep, ZProductAnswerSchema } from "./tobacco-helpers.ts";

/**
 * 信息采集 at an info point (standard §5): once a week, per product, the shop's stock (packs) and
 * its carton, pack and market (transaction) prices. Offered only at a shop flagged 信息采集点 whose
 * collection for this ISO week is not done; written to PriceCollection when the visit is logged.
 */

const productOf = (ctx: SectionCtx) => ZProductAnswerSchema.safeParse(ctx.item.priceProduct);

async function guideOption(ctx: SectionCtx, which: "cartonPrice" | "packPrice"): Promise<Option[]> {
  const p = productOf(ctx);
  if (!p.success) return [];
  const product = await productById({ db: ctx.env.deps.db, id: p.data.productId });
  const price = product?.[which];
  return price === null || price === undefined ? [] : [{ value: fmt(price), label: ctx.env.t("tobacco.prices.guide", { price: fmt(price) }) }];
}

const name = (ctx: SectionCtx) => {
  const p = productOf(ctx);
  return p.success ? p.data.name : "";
};

const pricesGroup: Step<SectionEnv> = {
  type: "group",
  id: "prices",
  repeat: { ask: (ctx) => ctx.env.t("tobacco.prices.more") },
  max: 40,
  steps: [
    productStep("priceProduct", "tobacco.prices.product"),
    { id: "stock", type: "number", optional: true, schema: count, prompt: (ctx) => ctx.env.t("tobacco.prices.stock", { name: name(ctx) }) },
    { id: "cartonPrice", type: "number", optional: true, schema: money, parse: parseMoney, prompt: (ctx) => ctx.env.t("tobacco.prices.carton", { name: name(ctx) }), options: (ctx) => guideOption(ctx, "cartonPrice") },
    { id: "packPrice", type: "number", optional: true, schema: money, parse: parseMoney, prompt: (ctx) => ctx.env.t("tobacco.prices.pack", { name: name(ctx) }), options: (ctx) => guideOption(ctx, "packPrice") },
    { id: "marketPrice", type: "number", optional: true, schema: money, parse: parseMoney, prompt: (ctx) => ctx.env.t("tobacco.prices.market", { name: name(ctx) }) },
  ],
};

const ZPriceItemSchema = z.object({ priceProduct: ZProductAnswerSchema, stock: optNumber, cartonPrice: optNumber, packPrice: optNumber, marketPrice: optNumber });

const schema = z.object({
  prices: z
    .array(z.unknown())
    .optional()
    .transform((items) => (items ?? []).map((i) => ZPriceItemSchema.safeParse(i)).flatMap((r) => (r.success ? [r.data] : []))),
});
export type TPricesRound = z.output<typeof schema>;

export const infoPointSection: VisitSection<TPricesRound> = {
  id: "prices",
  presets: ["tobacco-retail"],
  async available(ctx) {
    const customer = await customerOf(ctx);
    if (!customer?.infoPoint) return false;
    const editing = ctx.meta.editVisitId ? Number(ctx.meta.editVisitId) : null;
    return !(await isPriceCollectionDone({ db: ctx.env.deps.db, customerId: customer.id, week: isoWeekOf(ctx.env.today), exceptVisitId: editing }));
  },
  steps: [pricesGroup],
  schema,
  toDetails(round, draft) {
    const list = (draft.details.prices ??= []);
    for (const r of round.prices) {
      const row = { ...r.priceProduct, stock: r.stock, cartonPrice: r.cartonPrice, packPrice: r.packPrice, marketPrice: r.marketPrice };
      const at = list.findIndex((x) => x.productId === row.productId);
      if (at >= 0) list[at] = row;
      else list.push(row);
    }
  },
  confirm(details, t) {
    const n = details.prices?.length ?? 0;
    return n ? [t("tobacco.prices.confirm", { n })] : [];
  },
  async afterLog({ tx, env, visitId, customer, rounds }) {
    const rows = rounds.flatMap((r) => r.prices).map((r) => ({ productId: r.priceProduct.productId, stock: r.stock, cartonPrice: r.cartonPrice, packPrice: r.packPrice, marketPrice: r.marketPrice }));
    // Also with no rows: an edited visit whose collection was removed drops the rows it wrote.
    await recordPriceCollection({ tx, customerId: customer.id, managerId: env.staff.id, visitId, week: isoWeekOf(env.today), collectedAt: env.now, rows });
  },
};
