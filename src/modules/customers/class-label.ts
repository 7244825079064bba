import { classById, type TPolicy } from "../../config/policy.ts";
import type { Locale } from "../../i18n/i18n.ts";

/** The class's name in the reader's language ("核心客户" / "core"). */
export function classLabel(ctx: { deps: { policy: TPolicy }; locale: Locale }, classId: string): string {
  return classById(ctx.deps.policy, classId)?.label[ctx.locale] ?? classId;
}

/** When a visit to this class must be booked with the customer. */
export function appointmentOf(policy: TPolicy, classId: string): "day-before" | "same-day" | "none" {
  return classById(policy, classId)?.appointment ?? "none";
}
