import { z } from "zod";
import type { Option } from "../../../core/forms/form-types.ts";
import type { SectionCtx } from "./section.ts";

/** Small pieces the section modules share (answer schemas, option lists, trimming). */

export const text = (max = 200) => z.string().trim().min(1).max(max, "forms.err.too-long");
export const count = z.number().min(0, "forms.err.not-negative").max(1_000_000);

export function optionList(ctx: SectionCtx, prefix: string, values: readonly string[]): Option[] {
  return values.map((v) => ({ value: v, label: ctx.env.t(`${prefix}.${v}`) }));
}

/** A stored answer that may be missing, skipped (null) or blank: the trimmed text or null. */
export const optText = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === "string" && v.trim() ? v.trim() : null));

/** A stored number answer, or null when skipped / missing. */
export const optNumber = z.unknown().optional().transform((v) => (typeof v === "number" ? v : null));

/** A stored checklist answer: the picked values (none when missing). */
export const picks = z.unknown().optional().transform((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []));

export function union(a: string[] | undefined, b: string[]): string[] {
  return [...new Set([...(a ?? []), ...b])];
}

export function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}
