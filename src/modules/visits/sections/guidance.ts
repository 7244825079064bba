import { z } from "zod";
import type { MultiChoiceStep, Option } from "../../../core/forms/form-types.ts";
import type { Translate } from "../../../i18n/i18n.ts";
import type { GuidanceDetails } from "../visits.service.ts";
import type { SectionCtx, SectionEnv, VisitSection } from "./section.ts";
import { count, optNumber, optText, picks } from "./tobacco-helpers.ts";

/**
 * Operating guidance (经营指导, standard §4): display count and out-of-stock substitutes, the 六防
 * (fire, damp, mould, theft, robbery, pests), display and price tags, storage, consumer interaction
 * (零消互动), the same-period profit comparison and 新商盟/POS guidance. What is not in order is
 * recorded as to fix (details.guidance.*.toFix) and named in the confirmation.
 */

export const SIX_PREVENTION = ["fire", "damp", "mould", "theft", "robbery", "pests"] as const;
/** Found in order (display, price tags, storage) or done with the shop (the other three). */
export const GUIDANCE_CHECKS = ["display", "price-tags", "storage", "consumer-interaction", "profit-comparison", "pos-guidance"] as const;
const ALL = "all";

function checklist(id: string, key: string, values: readonly string[]): MultiChoiceStep<SectionEnv> {
  return {
    id,
    type: "multi",
    // Nothing in order is an answer too: "完成" with nothing ticked.
    min: 0,
    prompt: (ctx) => ctx.env.t(`tobacco.guidance.${key}`),
    options: (ctx: SectionCtx): Option[] => [
      { value: ALL, label: ctx.env.t(`tobacco.guidance.${key}-all`), aliases: ["全部", "都做到了", "都到位", "all"] },
      ...values.map((v) => ({ value: v, label: ctx.env.t(`tobacco.guidance.${key}.${v}`) })),
    ],
  };
}

const schema = z.object({
  displayCount: optNumber,
  substitutes: optText,
  sixOk: picks,
  checksOk: picks,
  mixAdvice: optText,
});
export type TGuidanceRound = z.output<typeof schema>;

function split(picked: string[], values: readonly string[]): { ok: string[]; toFix: string[] } {
  const ok = picked.includes(ALL) ? [...values] : values.filter((v) => picked.includes(v));
  return { ok, toFix: values.filter((v) => !ok.includes(v)) };
}

export function guidanceOf(round: TGuidanceRound): GuidanceDetails {
  return {
    displayCount: round.displayCount,
    substitutes: round.substitutes,
    sixPrevention: split(round.sixOk, SIX_PREVENTION),
    checks: split(round.checksOk, GUIDANCE_CHECKS),
    mixAdvice: round.mixAdvice,
  };
}

/** Checks that are the shop's to put right; the others are work the manager does with the shop. */
const SHOP_CHECKS: readonly string[] = ["display", "price-tags", "storage"];

/** "防潮、价签" — what the shop needs to fix, in the checklists' order. */
export function toFixText(g: GuidanceDetails, t: Translate): string {
  const names = [...g.sixPrevention.toFix.map((v) => t(`tobacco.guidance.six.${v}`)), ...g.checks.toFix.filter((v) => SHOP_CHECKS.includes(v)).map((v) => t(`tobacco.guidance.checks.${v}`))];
  return names.join(t("list.separator"));
}

/** "零消互动" — guidance the manager has not done with the shop yet. */
export function notDoneText(g: GuidanceDetails, t: Translate): string {
  return g.checks.toFix
    .filter((v) => !SHOP_CHECKS.includes(v))
    .map((v) => t(`tobacco.guidance.checks.${v}`))
    .join(t("list.separator"));
}

export const guidanceSection: VisitSection<TGuidanceRound> = {
  id: "guidance",
  presets: ["tobacco-retail"],
  steps: [
    { id: "displayCount", type: "number", optional: true, schema: count.max(1000), prompt: (ctx) => ctx.env.t("tobacco.guidance.display-count") },
    { id: "substitutes", type: "text", optional: true, schema: z.string().trim().min(1).max(200, "forms.err.too-long"), prompt: (ctx) => ctx.env.t("tobacco.guidance.substitutes") },
    checklist("sixOk", "six", SIX_PREVENTION),
    checklist("checksOk", "checks", GUIDANCE_CHECKS),
    { id: "mixAdvice", type: "text", optional: true, schema: z.string().trim().min(1).max(300, "forms.err.too-long"), prompt: (ctx) => ctx.env.t("tobacco.guidance.mix-advice") },
  ],
  schema,
  toDetails(round, draft) {
    // One guidance per visit: a second round is the manager correcting the first.
    draft.details.guidance = guidanceOf(round);
  },
  confirm(details, t) {
    const g = details.guidance;
    if (!g) return [];
    const fix = toFixText(g, t);
    const notDone = notDoneText(g, t);
    if (!fix && !notDone) return [t("tobacco.guidance.confirm-ok")];
    return [
      ...(fix ? [t("tobacco.guidance.confirm-fix", { items: fix })] : []),
      ...(notDone ? [t("tobacco.guidance.confirm-not-done", { items: notDone })] : []),
    ];
  },
};
