import { z } from "zod";
import type { StepContext } from "../../../core/forms/form-types.ts";
import { count, optNumber, optText, optionList, picks, text, union } from "./helpers.ts";
import type { SectionEnv, VisitSection } from "./section.ts";

const MARKET_TOPICS = ["demand", "slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const;
const FREE_TEXT_TOPICS = ["slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const;

const schema = z.object({
  topics: picks,
  demandBrand: optText,
  demandQty: optNumber,
  slowPrice: optText,
  customerChange: optText,
  neighbourhood: optText,
  services: optText,
  violation: optText,
});

function hasTopic(ctx: StepContext<SectionEnv>, topic: string): boolean {
  return Array.isArray(ctx.item.topics) && (ctx.item.topics as string[]).includes(topic);
}

/** Market information: the topics the manager picked, each with its own question. */
export const marketSection: VisitSection<z.infer<typeof schema>> = {
  id: "market",
  presets: ["tobacco-retail", "key-account"],
  steps: [
    { id: "topics", type: "multi", prompt: (ctx) => ctx.env.t("forms.market.prompt"), options: (ctx) => optionList(ctx, "forms.market.topic", MARKET_TOPICS) },
    { id: "demandBrand", type: "text", schema: text(60), when: (ctx) => hasTopic(ctx, "demand"), prompt: (ctx) => ctx.env.t("forms.market.demand-brand") },
    {
      id: "demandQty",
      type: "number",
      optional: true,
      schema: count,
      when: (ctx) => hasTopic(ctx, "demand"),
      prompt: (ctx) => ctx.env.t("forms.market.demand-qty", { brand: String(ctx.item.demandBrand) }),
    },
    { id: "slowPrice", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "slowPrice"), prompt: (ctx) => ctx.env.t("forms.market.slow-price") },
    { id: "customerChange", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "customerChange"), prompt: (ctx) => ctx.env.t("forms.market.customer-change") },
    { id: "neighbourhood", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "neighbourhood"), prompt: (ctx) => ctx.env.t("forms.market.neighbourhood") },
    { id: "services", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "services"), prompt: (ctx) => ctx.env.t("forms.market.services") },
    { id: "violation", type: "text", schema: text(300), when: (ctx) => hasTopic(ctx, "violation"), prompt: (ctx) => ctx.env.t("forms.market.violation") },
  ],
  schema,
  toDetails(round, draft) {
    const m = (draft.details.market ??= { topics: [] });
    m.topics = union(m.topics, round.topics);
    if (round.demandBrand) (m.demand ??= []).push({ brand: round.demandBrand, quantity: round.demandQty });
    for (const k of FREE_TEXT_TOPICS) {
      const v = round[k];
      if (v) (m[k] ??= []).push(v);
    }
  },
  confirm: (d, t) => (d.market ? [t("forms.confirm.market", { n: d.market.topics.length })] : []),
};
