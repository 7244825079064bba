import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import { formatDay } from "../../core/format.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { isLocale, translator, type Locale, type Translate } from "../../i18n/i18n.ts";
import { classLabel } from "../customers/class-label.ts";
import { quietHoursEnd } from "../reminders/reminders.service.ts";
import { customerNames } from "../customers/customers.service.ts";
import { findStaffById } from "../staff/staff.service.ts";
import type { Shortfall } from "./planner.ts";

/**
 * "常规客户 12 / 潜力客户 3", the classes the plan kept whole ahead of them (from the preset's
 * priorities, so key-account names its own classes), and the first customers to go overdue, each
 * with its last on-time day and where its visit went, in the reader's language.
 */
export async function describeShortfall(deps: AppDeps, locale: Locale, t: Translate, s: Shortfall): Promise<{ classes: string; names: string; kept: string }> {
  const ctx = { deps, locale };
  const classes = Object.entries(s.byClass)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${classLabel(ctx, c)} ${n}`)
    .join(" / ");
  // Only visits that really come late: planned after the last on-time day, or not planned at all.
  const names = await describeOverdue(deps, t, s.customers.filter((c) => c.plannedDate === null || c.plannedDate > c.dueDate).slice(0, 5));
  return { classes, names, kept: keptClasses(ctx, t, s) };
}

/** "钟氏小卖部：最迟 12月13日（周日），计划在 12月17日（周四）；…" for these customers (a handful). */
export async function describeOverdue(deps: AppDeps, t: Translate, customers: Shortfall["customers"]): Promise<string> {
  const names = customers.length ? await customerNames({ db: deps.db, ids: customers.map((c) => c.customerId) }) : new Map<number, string>();
  return customers
    .flatMap((c) => {
      const name = names.get(c.customerId);
      if (!name) return [];
      const due = formatDay(c.dueDate, t);
      return [c.plannedDate ? t("plan.overdue-customer", { name, due, planned: formatDay(c.plannedDate, t) }) : t("plan.overdue-customer-unplanned", { name, due })];
    })
    .join(t("plan.overdue-separator"));
}

/** "已优先保证帮扶客户和核心客户。": the scheduled classes ranked before every class that came short. */
export function keptClasses(ctx: { deps: Pick<AppDeps, "policy">; locale: Locale }, t: Translate, s: Shortfall): string {
  const classes = ctx.deps.policy.classes;
  const short = classes.filter((c) => (s.byClass[c.id] ?? 0) > 0);
  if (!short.length) return "";
  const cut = Math.min(...short.map((c) => c.priority));
  const kept = classes
    .filter((c) => c.visitEvery && c.priority < cut)
    .sort((a, b) => a.priority - b.priority)
    .map((c) => classLabel(ctx, c.id));
  if (!kept.length) return "";
  const list = kept.length > 1 ? kept.slice(0, -1).join(t("list.separator")) + t("plan.shortfall-kept-and") + kept[kept.length - 1] : kept[0];
  return t("plan.shortfall-kept", { classes: list });
}

/** The customers a shortfall says go overdue, as a set to compare one plan with the one before. */
export function overdueIds(s: Shortfall | null | undefined): Set<number> {
  return new Set((s?.customers ?? []).filter((c) => c.plannedDate === null || c.plannedDate > c.dueDate).map((c) => c.customerId));
}

/**
 * When a plan cannot fit every visit, the manager and their supervisor are told through the outbox
 * (quiet hours respected) — at most once a day each, and only when a customer goes overdue that the
 * plan before did not already report: a re-plan after /off or /skip that changes nothing for the
 * overdue says nothing again (the /off and /skip replies name customers they newly make overdue).
 */
export async function notifyShortfall(opts: { deps: AppDeps; manager: Staff; shortfall: Shortfall; previous?: Shortfall | null; from: string; to: string; today: string }): Promise<number> {
  const { deps, manager, shortfall } = opts;
  if (!shortfall.visits) return 0;
  const before = overdueIds(opts.previous);
  const fresh = [...overdueIds(shortfall)].filter((id) => !before.has(id)).sort((a, b) => a - b);
  if (!fresh.length) return 0;
  const supervisor = manager.supervisorId ? await findStaffById(deps.db, manager.supervisorId) : null;
  let queued = 0;
  for (const [recipient, key] of [[manager, "plan.shortfall-notice"], [supervisor, "plan.shortfall-notice-supervisor"]] as const) {
    if (!recipient) continue;
    const to = await resolveRecipient(deps.db, recipient);
    if (!to) continue;
    const locale: Locale = isLocale(recipient.locale) ? recipient.locale : deps.policy.locale;
    const t = translator(locale);
    const { classes, names, kept } = await describeShortfall(deps, locale, t, shortfall);
    const text = t(key, { manager: manager.name, visits: shortfall.visits, classes, names, kept, from: formatDay(opts.from, t), to: formatDay(opts.to, t) });
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
