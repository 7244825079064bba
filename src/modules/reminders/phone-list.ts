import type { Reply } from "../../core/chat.ts";
import { formatDay } from "../../core/format.ts";
import type { CommandContext } from "../../core/router.ts";
import { classLabel } from "../customers/class-label.ts";
import type { TPolicy } from "../../config/policy.ts";
import { PHONE_LIST_PAGE, phoneListPage, type WeeklyPhoneEntry } from "./reminders.service.ts";

/**
 * One page of this week's phone list as the manager reads it: `P3. name · class · ☎ phone · last
 * contact`, entries already contacted marked, the next page named (`/calls 2`), and the
 * command that logs a call by its P-number.
 */
export function renderPhoneListPage(view: Pick<CommandContext, "t" | "deps" | "locale">, list: WeeklyPhoneEntry[], page: number): Reply {
  const { t } = view;
  if (!list.length) return { text: t("calls.none") };
  const p = phoneListPage(list, page);
  if (page < 1 || page > p.pages) return { text: t("calls.no-such-page", { pages: p.pages }) };
  const classes = phoneClasses(view.deps.policy).map((id) => classLabel(view, id));
  const lines = [
    t("calls.header", { classes: classes.join(t("list.separator")), count: list.length, page: p.pages > 1 ? t("calls.page", { page, pages: p.pages }) : "" }),
    ...p.entries.map((e) => entryLine(view, e)),
  ];
  const rest = list.length - (page - 1) * PHONE_LIST_PAGE - p.entries.length;
  if (page < p.pages) lines.push(t("calls.more", { count: rest, next: page + 1 }));
  const example = (p.entries.find((e) => !e.done) ?? p.entries[0]!).ref.slice(1);
  lines.push(t("calls.footer", { example }));
  // The rest is a typed command, not a button: on WeChat a button is a numbered option, and a bare
  // number must stay a stop number of the day's list.
  return { text: lines.join("\n") };
}

function entryLine(view: Pick<CommandContext, "t" | "deps" | "locale">, e: WeeklyPhoneEntry): string {
  const { t } = view;
  const parts = [`${e.ref}. ${e.customer.name}`, classLabel(view, e.cls.id), e.customer.phone ? `☎ ${e.customer.phone}` : t("reminders.no-phone")];
  parts.push(e.last ? t("reminders.last-contact", { day: formatDay(e.last, t) }) : t("reminders.never-contacted"));
  const line = parts.join(" · ");
  return e.done ? t("calls.line-done", { line }) : line;
}

function phoneClasses(policy: TPolicy): string[] {
  return policy.classes.filter((c) => c.phoneEvery).map((c) => c.id);
}
