import { formatDay } from "../../core/format.ts";
import type { CommandContext } from "../../core/router.ts";
import type { Customer } from "../../generated/prisma/client.ts";
import { classLabel } from "../customers/class-label.ts";

/** At most this many customers listed in one reminder; the rest are counted ("… and 12 more"). */
export const MAX_LINES = 15;

/** `3. name · class · phone` (or · address): one customer per line, numbered like /today. */
export function stopLine(view: CommandContext, n: number, customer: Pick<Customer, "name" | "phone" | "address">, classId: string | null, extra: "phone" | "address"): string {
  const { t } = view;
  const parts = [`${n}. ${customer.name}`];
  if (classId) parts.push(classLabel(view, classId));
  if (extra === "phone") parts.push(customer.phone ? `☎ ${customer.phone}` : t("reminders.no-phone"));
  else parts.push(customer.address || t("today.no-address"));
  return parts.join(" · ");
}

/** "last contact 11月10日（周二）" or "never contacted". */
export function lastContactText(view: CommandContext, date: string | null): string {
  return date ? view.t("reminders.last-contact", { day: formatDay(date, view.t) }) : view.t("reminders.never-contacted");
}

export function moreLine(view: CommandContext, total: number): string[] {
  return total > MAX_LINES ? [view.t("reminders.more", { count: total - MAX_LINES })] : [];
}
