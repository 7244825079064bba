import { z } from "zod";
import { normalizeInput, parseNumber } from "../../../core/forms/form-input.ts";
import type { ChoiceStep, Option, ParseResult } from "../../../core/forms/form-types.ts";
import type { Product } from "../../../generated/prisma/client.ts";
import { recentCultivatedProducts, searchProducts } from "../../products/products.service.ts";
import { customerOf } from "../visit-context.ts";
import { fmt } from "./helpers.ts";
import type { SectionCtx, SectionEnv } from "./section.ts";

// The answer schemas every section shares.
export { optNumber, optText, picks } from "./helpers.ts";

/**
 * What the tobacco sections (brand-products, guidance, info-point) share: the product question
 * (searched in the product list by name), money answers and whole counts.
 */

/**
 * A product answer carries what the record needs ("pr:<id>:<brand>:<name>"), so a round becomes
 * details without reading the product list again and a renamed product keeps the name it had.
 */
export function productValue(p: Pick<Product, "id" | "brand" | "name">): string {
  return `pr:${p.id}:${p.brand.replaceAll(":", "：")}:${p.name}`;
}

export const ZProductAnswerSchema = z
  .string()
  .regex(/^pr:\d+:[^:]*:.+$/s)
  .transform((v) => {
    const [, id, brand, ...name] = v.split(":");
    return { productId: Number(id), brand: brand!, name: name.join(":") };
  });
export type TProductAnswer = z.output<typeof ZProductAnswerSchema>;

export function productLabel(p: Pick<Product, "name" | "packPrice" | "cartonPrice">, t: SectionEnv["t"]): string {
  return p.cartonPrice !== null ? t("tobacco.product.label-price", { name: p.name, carton: fmt(p.cartonPrice) }) : p.name;
}


/** The product question: the shop's recent products as buttons, any other by typing part of its name. */
export function productStep(id: string, promptKey: string): ChoiceStep<SectionEnv> {
  return {
    id,
    type: "choice",
    async prompt(ctx) {
      const recent = await recentOf(ctx);
      return ctx.env.t(recent.length ? `${promptKey}-known` : promptKey);
    },
    async options(ctx) {
      return (await recentOf(ctx)).map((p) => ({ value: productValue({ id: p.productId, brand: p.brand, name: p.name }), label: p.name }));
    },
    async search(input, ctx) {
      const { t } = ctx.env;
      if (ZProductAnswerSchema.safeParse(input).success) return { value: input };
      // A bare "1" or "12" is someone picking a number, not a product's name (every product code
      // is longer): searching it would list every product whose barcode contains that digit.
      if (/^\d{1,2}$/.test(normalizeInput(input))) return { error: t("tobacco.product.number-not-name", { text: normalizeInput(input) }) };
      const found = await searchProducts({ db: ctx.env.deps.db, text: input });
      if (found.products.length === 1) return { value: productValue(found.products[0]!) };
      if (!found.products.length) return { error: t("tobacco.product.not-found", { text: normalizeInput(input) }) };
      const options: Option[] = found.products.map((p) => ({ value: productValue(p), label: productLabel(p, t) }));
      return { text: t(found.more ? "tobacco.product.found-many" : "tobacco.product.found", { count: found.products.length, text: normalizeInput(input) }), options };
    },
    searchAgain: (ctx) => ctx.env.t("tobacco.product.search-again"),
    hint: (ctx) => ctx.env.t("tobacco.product.hint"),
    format: (value) => {
      const p = ZProductAnswerSchema.safeParse(value);
      return p.success ? p.data.name : String(value);
    },
  };
}

async function recentOf(ctx: SectionCtx) {
  const customer = await customerOf(ctx);
  return customer ? recentCultivatedProducts({ db: ctx.env.deps.db, customerId: customer.id }) : [];
}

/** Money in yuan as typed: "230", "230元", "¥23.5". */
export function parseMoney(text: string, ctx: SectionCtx): ParseResult {
  const n = parseNumber(normalizeInput(text).replace(/^[¥￥]/, "").replace(/元?(\/?[条盒包])?$/, ""));
  return n === null ? { error: ctx.env.t("tobacco.hint.money") } : { value: n };
}

export const money = z.number().min(0, "forms.err.not-negative").max(100_000);
export const count = z.number().int("tobacco.err.whole-number").min(0, "forms.err.not-negative").max(1_000_000);

/** A stored yes/no answer, or null when skipped / missing. */
export const optBool = z.unknown().optional().transform((v) => (typeof v === "boolean" ? v : null));
