import { z } from "zod";
import { parseDateInput } from "../../../core/date-input.ts";
import { addDays, addMonths, isoWeekday } from "../../../core/dates.ts";
import { formatDay } from "../../../core/format.ts";
import { normalizeInput } from "../../../core/forms/form-input.ts";
import type { ParseResult } from "../../../core/forms/form-types.ts";
import { visitDaysOf } from "../../staff/staff.service.ts";
import { optText, text } from "./helpers.ts";
import { customerFileOf } from "../visit-context.ts";
import type { VisitSection } from "./section.ts";

const schema = z.object({
  supplier: optText,
  price: optText,
  equipment: optText,
  concerns: optText,
  keyPerson: optText,
  nextVisit: optText,
});

/** `date` itself when it is one of `days` (ISO weekdays), else the next such day. */
function onOrAfterVisitDay(date: string, days: number[]): string {
  let d = date;
  for (let i = 0; i < 7 && days.length && !days.includes(isoWeekday(d)); i++) d = addDays(d, 1);
  return d;
}

/** Key account (lubricants): supplier, price, equipment, concerns, the key person met, the next visit booked. */
export const keySection: VisitSection<z.infer<typeof schema>> = {
  id: "key",
  presets: ["key-account"],
  steps: [
    { id: "supplier", type: "text", optional: true, schema: text(100), prompt: (ctx) => ctx.env.t("forms.key.supplier") },
    { id: "price", type: "text", optional: true, schema: text(100), prompt: (ctx) => ctx.env.t("forms.key.price") },
    {
      id: "equipment",
      type: "text",
      optional: true,
      schema: text(200),
      // The file's equipment is proposed as it stands: "不变" keeps it, a new text updates the file.
      async prompt(ctx) {
        const onFile = (await customerFileOf(ctx))?.equipment;
        return onFile ? ctx.env.t("key-visit.equipment-on-file", { value: onFile }) : ctx.env.t("forms.key.equipment");
      },
      async options(ctx) {
        const onFile = (await customerFileOf(ctx))?.equipment;
        return onFile ? [{ value: onFile, label: ctx.env.t("key-visit.unchanged") }] : [];
      },
    },
    { id: "concerns", type: "text", optional: true, schema: text(300), prompt: (ctx) => ctx.env.t("forms.key.concerns") },
    {
      id: "keyPerson",
      type: "text",
      optional: true,
      schema: text(60),
      prompt: (ctx) => ctx.env.t("forms.key.key-person"),
      // The people on file, one tap each; a name not on file is added to it.
      async options(ctx) {
        return ((await customerFileOf(ctx))?.keyPeople ?? []).slice(0, 4).map((p) => ({ value: p.name, label: p.role ? `${p.name}（${p.role}）` : p.name }));
      },
    },
    {
      id: "nextVisit",
      type: "date",
      optional: true,
      prompt: (ctx) => ctx.env.t("forms.key.next-visit"),
      options(ctx) {
        const { t, today } = ctx.env;
        // Offered dates land on the manager's visit days (a week on, two weeks, a month), never a weekend.
        const days = visitDaysOf(ctx.env.staff, ctx.env.deps.policy);
        const on = (d: string) => onOrAfterVisitDay(d, days);
        return [
          { value: on(addDays(today, 7)), label: t("forms.key.in-week", { day: formatDay(on(addDays(today, 7)), t) }) },
          { value: on(addDays(today, 14)), label: t("forms.key.in-two-weeks", { day: formatDay(on(addDays(today, 14)), t) }) },
          { value: on(addMonths(today, 1)), label: t("forms.key.in-month", { day: formatDay(on(addMonths(today, 1)), t) }) },
        ];
      },
      parse(input, ctx): ParseResult {
        const { t, today } = ctx.env;
        const d = parseDateInput(normalizeInput(input), today);
        if (!d) return { error: t("forms.hint.date") };
        if (d <= today) return { error: t("forms.key.next-visit-future") };
        const days = visitDaysOf(ctx.env.staff, ctx.env.deps.policy);
        if (!days.includes(isoWeekday(d))) {
          // Not a visit day: the plan could never show it. Name the visit days either side to choose from.
          const after = onOrAfterVisitDay(d, days);
          let before = addDays(d, -1);
          while (before > today && !days.includes(isoWeekday(before))) before = addDays(before, -1);
          const near = [before > today ? before : null, after].filter((x): x is string => x !== null).map((x) => formatDay(x, t, today));
          return { error: t("forms.key.next-visit-not-visit-day", { day: formatDay(d, t, today), near: near.join(t("list.or")) }) };
        }
        return { value: d };
      },
      format: (value, ctx) => formatDay(String(value), ctx.env.t),
    },
  ],
  schema,
  toDetails(round, draft) {
    draft.details.keyAccount = {
      supplier: round.supplier,
      price: round.price,
      ...(round.equipment ? { equipment: round.equipment } : {}),
      concerns: round.concerns,
      keyPerson: round.keyPerson,
      nextVisit: round.nextVisit,
    };
    draft.nextVisitDate = round.nextVisit;
    draft.keyPersonMet = round.keyPerson;
    // What the visit saw updates the file (the old value kept in the visit, put back by /undo).
    if (round.equipment) draft.customerChanges.push({ field: "equipment", value: round.equipment });
    if (round.keyPerson) draft.customerChanges.push({ field: "keyPersonMet", value: round.keyPerson });
  },
  confirm: (d, t) => (d.keyAccount?.nextVisit ? [t("forms.confirm.next-visit", { day: formatDay(d.keyAccount.nextVisit, t) })] : []),
};
