import { z } from "zod";
import type { VisitSection } from "./section.ts";

const schema = z.object({ manualSigned: z.boolean() });

/** The service manual signed by the shop. */
export const manualSection: VisitSection<z.infer<typeof schema>> = {
  id: "manual",
  presets: ["tobacco-retail"],
  steps: [{ id: "manualSigned", type: "yesno", prompt: (ctx) => ctx.env.t("forms.manual.prompt") }],
  schema,
  toDetails(round, draft) {
    draft.details.manualSigned = round.manualSigned;
  },
  confirm: (d, t) => (d.manualSigned === undefined ? [] : [t(d.manualSigned ? "forms.confirm.manual" : "forms.confirm.no-manual")]),
};
