import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import { formatDay } from "../../core/format.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { isLocale, translator, type Locale, type Translate } from "../../i18n/i18n.ts";
import { classLabel } from "../customers/class-label.ts";
import { quietHoursEnd } from "../reminders/reminders.service.ts";
import type { Shortfall } from "./planner.ts";

/** "常规客户 12 / 潜力客户 3" and the first customers to go overdue, in the reader's language. */
export async function describeShortfall(deps: AppDeps, locale: Locale, t: Translate, s: Shortfall): Promise<{ classes: string; names: string }> {
  const classes = Object.entries(s.byClass)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${classLabel({ deps, locale }, c)} ${n}`)
    .join(" / ");
  const first = s.customers.slice(0, 5);
  const rows = await deps.db.customer.findMany({ where: { id: { in: first.map((c) => c.customerId) } }, select: { id: true, name: true } });
  const names = first
    .map((c) => rows.find((r) => r.id === c.customerId)?.name)
    .filter(Boolean)
    .join(t("list.separator"));
  return { classes, names };
}

/**
 * When a plan cannot fit every visit, the manager and their supervisor are told — once a day each,
 * through the outbox (quiet hours respected), so a re-plan after every /skip does not repeat it.
 */
export async function notifyShortfall(opts: { deps: AppDeps; manager: Staff; shortfall: Shortfall; from: string; to: string; today: string }): Promise<number> {
  const { deps, manager, shortfall } = opts;
  if (!shortfall.visits) return 0;
  const supervisor = manager.supervisorId ? await deps.db.staff.findUnique({ where: { id: manager.supervisorId } }) : null;
  let queued = 0;
  for (const [recipient, key] of [[manager, "plan.shortfall-notice"], [supervisor, "plan.shortfall-notice-supervisor"]] as const) {
    if (!recipient) continue;
    const to = await resolveRecipient(deps.db, recipient);
    if (!to) continue;
    const locale: Locale = isLocale(recipient.locale) ? recipient.locale : deps.policy.locale;
    const t = translator(locale);
    const { classes, names } = await describeShortfall(deps, locale, t, shortfall);
    const text = t(key, { manager: manager.name, visits: shortfall.visits, classes, names, from: formatDay(opts.from, t), to: formatDay(opts.to, t) });
    const now = deps.clock.now();
    const ok = await enqueue({
      db: deps.db,
      key: `plan-shortfall:staff:${recipient.id}:manager:${manager.id}:${opts.today}`,
      kind: "plan-shortfall",
      staffId: recipient.id,
      platform: to.platform,
      chatId: to.chatId,
      reply: { text },
      notBefore: quietHoursEnd(recipient, now, deps.policy.timeZone) ?? now,
    });
    if (ok) queued++;
  }
  return queued;
}
