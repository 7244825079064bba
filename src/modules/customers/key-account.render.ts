import type { CommandContext } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { formatDay } from "../../core/format.ts";
import { CREDIT_CONTACTS_PER_MONTH, FILES_PER_WEEK, type KeyAccountDetails, type KeyAccountFigures } from "./customer-file.service.ts";
import { planDeadlineOf } from "./purchase-plans.service.ts";

type View = Pick<CommandContext, "t">;

/** How many customers a /me check names before "…" . */
export const DETAIL_NAMES = 5;

function monthText(v: View, month: string): string {
  return v.t("purchase.month", { year: Number(month.slice(0, 4)), month: Number(month.slice(5, 7)) });
}

function mark(ok: boolean): string {
  return ok ? "✅" : "⚠️";
}

/** Next month's plans: ✅ all in; before the reminder days 🕓 (still in time), then ⚠️. */
function planMark(complete: boolean, date: string): string {
  return complete ? "✅" : planDeadlineOf(date).pressing ? "⚠️" : "🕓";
}

/**
 * The supervisor's compact block under /team (key-account preset): per manager the week's files
 * (≥ 2), mid/large customers without a key person, credit customers followed up twice this month,
 * and next month's purchase plans in (due by the 28th: 🕓 while in time, ⚠️ from the reminder days).
 */
export function renderKeyAccountTeam(v: View, rows: { manager: Staff; f: KeyAccountFigures }[], date: string): string {
  const { t } = v;
  if (!rows.length) return "";
  const month = rows[0]!.f.plans.month;
  const lines = [t("ka.team.title", { month: monthText(v, month) })];
  for (const { manager, f } of rows) {
    const parts = [
      `${mark(f.filesThisWeek >= FILES_PER_WEEK)}${t("ka.team.files", { n: f.filesThisWeek, min: FILES_PER_WEEK })}`,
      `${mark(f.missingKeyPerson === 0)}${t("ka.team.key-person", { n: f.missingKeyPerson })}`,
      f.credit.customers ? `${mark(f.credit.met === f.credit.customers)}${t("ka.team.credit", { met: f.credit.met, n: f.credit.customers })}` : "",
      f.plans.customers ? `${planMark(f.plans.collected >= f.plans.customers, date)}${t("ka.team.plans", { done: f.plans.collected, n: f.plans.customers })}` : "",
    ].filter(Boolean);
    lines.push(`${manager.name}（${manager.code}）${parts.join(" · ")}`);
  }
  return lines.join("\n");
}

function names(v: View, list: { name: string }[], total: number): string {
  const shown = list.map((c) => c.name).join(v.t("list.separator"));
  return total > list.length ? v.t("ka.me.names-more", { names: shown, n: total - list.length }) : shown;
}

/** Friday's weekly-summary reminder (key-account preset): the week's files and key people still missing, named. */
export function renderKeyAccountWeek(v: View, d: Pick<KeyAccountDetails, "files" | "missingKeyPerson">): string[] {
  const { t } = v;
  const f = d.files;
  const k = d.missingKeyPerson;
  return [
    f.count >= FILES_PER_WEEK
      ? `✅ ${t("ka.me.files-ok", { n: f.count, min: FILES_PER_WEEK })}`
      : `⚠️ ${t("ka.me.files-short", { n: f.count, min: FILES_PER_WEEK, left: FILES_PER_WEEK - f.count })}`,
    ...(k.count ? [`⚠️ ${t("ka.me.key-person-missing", { n: k.count, names: names(v, k.customers, k.count) })}`] : []),
  ];
}

/** A manager's own key-account checks under /me, naming what is missing. */
export function renderKeyAccountMine(v: View, d: KeyAccountDetails): string {
  const { t } = v;
  const lines = [t("ka.me.title")];
  const f = d.files;
  lines.push(
    f.count >= FILES_PER_WEEK
      ? `✅ ${t("ka.me.files-ok", { n: f.count, min: FILES_PER_WEEK })}`
      : `⚠️ ${t("ka.me.files-short", { n: f.count, min: FILES_PER_WEEK, left: FILES_PER_WEEK - f.count })}`,
  );
  const k = d.missingKeyPerson;
  lines.push(k.count ? `⚠️ ${t("ka.me.key-person-missing", { n: k.count, names: names(v, k.customers, k.count) })}` : `✅ ${t("ka.me.key-person-ok")}`);
  if (d.credit.length) {
    const short = d.credit.filter((c) => c.contacts < CREDIT_CONTACTS_PER_MONTH);
    lines.push(
      short.length
        ? `⚠️ ${t("ka.me.credit-short", { short: short.length, n: d.credit.length, min: CREDIT_CONTACTS_PER_MONTH, names: short.slice(0, DETAIL_NAMES).map((c) => t("ka.me.credit-one", { name: c.customer.name, done: c.contacts })).join(t("list.separator")) + (short.length > DETAIL_NAMES ? "…" : "") })}`
        : `✅ ${t("ka.me.credit-ok", { n: d.credit.length, min: CREDIT_CONTACTS_PER_MONTH })}`,
    );
  }
  const p = d.plans;
  if (p.total) {
    lines.push(
      p.missing
        ? `${planMark(false, d.date)} ${t("ka.me.plans-missing", { month: monthText(v, p.month), done: p.total - p.missing, n: p.total, day: formatDay(planDeadlineOf(d.date).deadline, t), names: names(v, p.customers, p.missing) })}`
        : `✅ ${t("ka.me.plans-ok", { month: monthText(v, p.month), n: p.total })}`,
    );
  }
  return lines.join("\n");
}
