import { z } from "zod";
import { optText, text } from "./helpers.ts";
import type { VisitSection } from "./section.ts";

const schema = z.object({ note: optText });

/** A free note: becomes the visit's notes. */
export const noteSection: VisitSection<z.infer<typeof schema>> = {
  id: "note",
  presets: ["tobacco-retail", "key-account"],
  steps: [{ id: "note", type: "text", schema: text(500), prompt: (ctx) => ctx.env.t("forms.note.prompt") }],
  schema,
  toDetails(round, draft) {
    if (round.note) draft.notes.push(round.note);
  },
  confirm: (_d, t, more) => (more?.notes ? [t("forms.confirm.note")] : []),
};
