import { z } from "zod";
import type { Answers } from "../../../core/forms/form-types.ts";
import { optionList, text } from "./helpers.ts";
import type { VisitSection } from "./section.ts";

const CATEGORIES = ["supply", "price", "service", "delivery", "equipment", "other"] as const;

const problemSchema = z.object({
  text: z.string().trim().min(1),
  category: z.unknown().optional().transform((v) => (typeof v === "string" && v.trim() ? v.trim() : "other")),
  canResolve: z.unknown().optional().transform((v) => v !== false),
  _complaintId: z.number().optional(),
});
const schema = z.object({ problems: z.array(z.unknown()).default([]) });

/** Problems and complaints raised in the visit: each one becomes a complaint with its SLA. */
export const problemsSection: VisitSection<z.infer<typeof schema>> = {
  id: "problems",
  presets: ["tobacco-retail", "key-account"],
  steps: [
    {
      type: "group",
      id: "problems",
      repeat: { ask: (ctx) => ctx.env.t("forms.problems.more") },
      max: 10,
      steps: [
        { id: "text", type: "text", schema: text(300), prompt: (ctx) => ctx.env.t("forms.problems.text") },
        { id: "category", type: "choice", prompt: (ctx) => ctx.env.t("forms.problems.category"), options: (ctx) => optionList(ctx, "forms.problems.cat", CATEGORIES) },
        { id: "canResolve", type: "yesno", prompt: (ctx) => ctx.env.t("forms.problems.can-resolve") },
      ],
    },
  ],
  schema,
  toDetails(round, draft) {
    for (const raw of round.problems) {
      const p = problemSchema.safeParse(raw);
      if (!p.success) continue;
      draft.complaints.push({ text: p.data.text, category: p.data.category, canResolve: p.data.canResolve, ...(p.data._complaintId !== undefined ? { id: p.data._complaintId } : {}) });
    }
  },
  confirm(_d, t, more) {
    const complaints = more?.logged.complaints ?? [];
    if (!complaints.length) return [];
    const first = complaints.map((c) => c.deadlineAt).filter((x): x is Date => !!x).sort((a, b) => a.getTime() - b.getTime())[0];
    const escalate = complaints.filter((c) => !c.canResolve).length;
    return [t(escalate ? "forms.confirm.problems-escalate" : "forms.confirm.problems", { n: complaints.length, m: escalate, time: first ? more!.time(first) : "–" })];
  },
  // /edit reopens each problem tied to the complaint it became, so editing updates it instead of raising a new one.
  forEdit(items, logged) {
    let i = 0;
    for (const it of items) {
      if (!Array.isArray(it.problems)) continue;
      for (const p of it.problems as Answers[]) {
        if (typeof p.text !== "string" || !p.text.trim()) continue;
        const c = logged.complaints[i++];
        if (c) p._complaintId = c.id;
      }
    }
  },
};
