import { z } from "zod";
import { optText, optionList, text } from "./helpers.ts";
import type { VisitSection } from "./section.ts";

const schema = z.object({ forecast: optText, forecastSource: optText });

/** Demand forecast: what the shop expects to order, said by the owner or worked out together. */
export const forecastSection: VisitSection<z.infer<typeof schema>> = {
  id: "forecast",
  presets: ["tobacco-retail", "key-account"],
  steps: [
    { id: "forecast", type: "text", schema: text(300), prompt: (ctx) => ctx.env.t("forms.forecast.prompt") },
    {
      id: "forecastSource",
      type: "choice",
      optional: true,
      prompt: (ctx) => ctx.env.t("forms.forecast.source"),
      options: (ctx) => optionList(ctx, "forms.forecast.source", ["self", "guided"]),
    },
  ],
  schema,
  toDetails(round, draft) {
    if (round.forecast) (draft.details.forecast ??= []).push({ text: round.forecast, source: round.forecastSource });
  },
  confirm: (d, t) => (d.forecast?.length ? [t("forms.confirm.forecast")] : []),
};
