import { z } from "zod";
import { optionList, picks, union } from "./helpers.ts";
import type { VisitSection } from "./section.ts";

const INFO_ITEMS = ["marketing", "brand", "service", "policy", "credit"] as const;

const schema = z.object({ info: picks });

/** Information delivered (a checklist of what the standard says to pass on). */
export const infoSection: VisitSection<z.infer<typeof schema>> = {
  id: "info",
  presets: ["tobacco-retail", "key-account"],
  steps: [{ id: "info", type: "multi", prompt: (ctx) => ctx.env.t("forms.info.prompt"), options: (ctx) => optionList(ctx, "forms.info.item", INFO_ITEMS) }],
  schema,
  toDetails(round, draft) {
    draft.details.info = union(draft.details.info, round.info);
  },
  confirm: (d, t) => (d.info?.length ? [t("forms.confirm.info", { n: d.info.length })] : []),
};
