import { z } from "zod";
import { optText, optionList } from "./helpers.ts";
import type { VisitSection } from "./section.ts";

const REFUSALS = ["money", "demand", "space", "consumers", "other"] as const;
const REPURCHASE = ["yes", "no", "early"] as const;

const schema = z.object({ onShelf: z.boolean(), refusal: optText, repurchase: optText });

/** Brand cultivation: is the new product on the shelf, why not, or does it sell again. */
export const brandSection: VisitSection<z.infer<typeof schema>> = {
  id: "brand",
  presets: ["tobacco-retail"],
  steps: [
    { id: "onShelf", type: "yesno", prompt: (ctx) => ctx.env.t("forms.brand.on-shelf") },
    {
      id: "refusal",
      type: "choice",
      optional: true,
      when: (ctx) => ctx.item.onShelf === false,
      prompt: (ctx) => ctx.env.t("forms.brand.refusal"),
      options: (ctx) => optionList(ctx, "forms.brand.refusal", REFUSALS),
    },
    {
      id: "repurchase",
      type: "choice",
      optional: true,
      when: (ctx) => ctx.item.onShelf === true,
      prompt: (ctx) => ctx.env.t("forms.brand.repurchase"),
      options: (ctx) => optionList(ctx, "forms.brand.repurchase", REPURCHASE),
    },
  ],
  schema,
  toDetails(round, draft) {
    (draft.details.brand ??= []).push({ onShelf: round.onShelf, refusal: round.refusal, repurchase: round.repurchase });
  },
  confirm: (d, t) => (d.brand ?? []).map((b) => t(b.onShelf ? "forms.confirm.on-shelf" : "forms.confirm.not-on-shelf")),
};
