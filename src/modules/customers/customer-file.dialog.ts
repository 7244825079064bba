import { z } from "zod";
import type { Reply } from "../../core/chat.ts";
import { localDate } from "../../core/dates.ts";
import { parseDateInput } from "../../core/date-input.ts";
import { formatDay } from "../../core/format.ts";
import { FormEngine } from "../../core/forms/form-engine.ts";
import { normalizeInput } from "../../core/forms/form-input.ts";
import { chatFormEnv, sessionKeyOf, type ChatFormEnv } from "../../core/forms/form-router.ts";
import type { Answers, FormDefinition, Option, ParseResult, StepContext } from "../../core/forms/form-types.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import type { Customer } from "../../generated/prisma/client.ts";
import { dayStops, searchCustomers } from "../visits/visits.service.ts";
import { CUSTOMER_SCALES, FILE_TEXT_FIELDS, FILE_TEXT_MAX, KEY_PERSON_LIMITS, customerFileText, formatAmount, isPhoneNumber, type CustomerFileValue } from "./customer-file.ts";
import { findOwnCustomerIn, readCustomerFile, updateCustomerFile, type TCustomerFileChanges } from "./customer-file.service.ts";
import { findPurchasePlan, listMissingPurchasePlans, nextMonthOf, planLines, PLAN_UNITS, savePurchasePlan, type TPurchasePlanLine } from "./purchase-plans.service.ts";

type Env = ChatFormEnv;
type Ctx = StepContext<Env>;

export const FILE_FORM_VERSION = 1;
export const PURCHASE_FORM_VERSION = 1;

const EDIT_WORDS = ["改", "修改", "更新", "编辑", "edit", "update"];
const FIELDS = [...FILE_TEXT_FIELDS, "scale", "creditLimit", "creditTermDays", "receivables", "receivablesDue", "keyPerson"] as const;
type FileField = (typeof FIELDS)[number];
const DONE = "done";

// ---------------------------------------------------------------------------------------------
// Finding the customer a command names

type Found = { customer: Customer } | { reply: Reply };

/** "店名或编号" → one of the manager's customers, or the reply that says why not (none / several). */
async function findCustomer(ctx: CommandContext, text: string, usageKey: string): Promise<Found> {
  const { t } = ctx;
  if (!text) return { reply: { text: t(usageKey) } };
  // A stop number of the day's list names its shop, as everywhere else ("/file 1" before walking in).
  const n = /^(\d{1,3})$/.exec(text.replace(/^第\s*(\d+)\s*[站号家]$/, "$1"));
  if (n) {
    const stop = (await dayStops({ deps: ctx.deps, staff: ctx.staff! })).stops.find((s) => s.n === Number(n[1]));
    if (stop) return { customer: stop.customer };
  }
  const { customers, more } = await searchCustomers({ deps: ctx.deps, staff: ctx.staff!, text });
  if (customers.length === 1) return { customer: customers[0]! };
  if (!customers.length) return { reply: { text: t("file.not-found", { text }) } };
  const list = customers.map((c) => `${c.code} ${c.name}`).join("\n");
  return { reply: { text: `${t("file.several", { text, n: customers.length, more: more ? "+" : "" })}\n${list}` } };
}

function splitEditWord(args: string[]): { text: string; edit: boolean } {
  const last = args[args.length - 1]?.toLowerCase();
  const edit = last !== undefined && EDIT_WORDS.includes(last);
  return { text: (edit ? args.slice(0, -1) : args).join(" ").trim(), edit };
}

// ---------------------------------------------------------------------------------------------
// /file 店名 — the whole file; /file 店名 改 — the update form

function fileText(ctx: Pick<CommandContext, "t" | "deps">, file: CustomerFileValue): string {
  const tz = ctx.deps.policy.timeZone;
  const today = localDate(ctx.deps.clock.now(), tz);
  return customerFileText(file, ctx.t, today, file.fileUpdatedAt ? localDate(file.fileUpdatedAt, tz) : null);
}

function keyAccounts(policy: { visitSections: readonly string[] }): boolean {
  return policy.visitSections.includes("key");
}

async function fileCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { text, edit } = splitEditWord(ctx.args);
  const found = await findCustomer(ctx, text, "file.usage");
  if ("reply" in found) return found.reply;
  if (edit) return startFileForm(ctx, found.customer);
  const file = await readCustomerFile({ db: ctx.deps.db, customerId: found.customer.id });
  return {
    text: fileText(ctx, file!),
    choices: [{ label: ctx.t("file.edit-button"), value: `/file ${found.customer.code} 改` }],
  };
}

async function currentFile(ctx: Ctx): Promise<CustomerFileValue | null> {
  return readCustomerFile({ db: ctx.env.deps.db, customerId: Number(ctx.meta.customerId) });
}

function fieldLabel(ctx: Ctx, f: string): string {
  return ctx.env.t(`file.field.${f}`);
}

function currentValue(ctx: Ctx, file: CustomerFileValue | null, f: FileField): string {
  const { t } = ctx.env;
  if (!file) return t("file.none");
  switch (f) {
    case "scale":
      return file.scale ? t(`file.scale.${file.scale}`) : t("file.none");
    case "creditLimit":
    case "receivables":
      return file[f] === null ? t("file.none") : formatAmount(file[f]!, t);
    case "creditTermDays":
      return file.creditTermDays === null ? t("file.none") : t("file.credit-term", { days: file.creditTermDays });
    case "receivablesDue":
      return file.receivablesDue ? formatDay(file.receivablesDue, t) : t("file.none");
    case "keyPerson":
      return file.keyPeople.map((p) => p.name).join(t("list.separator")) || t("file.none");
    default:
      return file[f] || t("file.none");
  }
}

function picked(ctx: Ctx, ...fields: FileField[]): boolean {
  return (fields as string[]).includes(String(ctx.item.field));
}

/** "5万", "50000", "5万元", "¥8,000" → yuan. */
export function parseAmountInput(input: string): number | null {
  const s = normalizeInput(input).replace(/^[¥￥]\s*/, "").replace(/\s*元$/, "").replace(/,/g, "");
  const m = /^(\d+(?:\.\d+)?)\s*(万)?$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] ? 10_000 : 1);
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}

const fileText500 = z.string().trim().min(1).max(FILE_TEXT_MAX, "forms.err.too-long");

export const customerFileForm: FormDefinition<Env> = {
  id: "customer-file",
  version: FILE_FORM_VERSION,
  command: "/file",
  steps: [
    {
      type: "group",
      id: "edits",
      repeat: { until: (ctx) => ctx.item.field === DONE },
      max: 20,
      itemNote: (ctx) => (ctx.item.field === DONE ? null : ctx.env.t("file.form.noted", { field: fieldLabel(ctx, String(ctx.item.field)) })),
      steps: [
        {
          id: "field",
          type: "choice",
          prompt: (ctx) => ctx.env.t("file.form.which"),
          options: (ctx): Option[] => [
            ...FIELDS.map((f) => ({ value: f, label: fieldLabel(ctx, f) })),
            { value: DONE, label: ctx.env.t("file.form.save"), aliases: ["完成", "保存", "好了", "save", "done"] },
          ],
        },
        {
          id: "text",
          type: "text",
          when: (ctx) => picked(ctx, ...FILE_TEXT_FIELDS),
          schema: fileText500,
          async prompt(ctx) {
            const f = ctx.item.field as FileField;
            return ctx.env.t("file.form.enter", { field: fieldLabel(ctx, f), current: currentValue(ctx, await currentFile(ctx), f) });
          },
        },
        {
          id: "scale",
          type: "choice",
          when: (ctx) => picked(ctx, "scale"),
          async prompt(ctx) {
            return ctx.env.t("file.form.scale", { current: currentValue(ctx, await currentFile(ctx), "scale") });
          },
          options: (ctx) => CUSTOMER_SCALES.map((s) => ({ value: s, label: ctx.env.t(`file.scale.${s}`) })),
        },
        {
          id: "amount",
          type: "text",
          when: (ctx) => picked(ctx, "creditLimit", "receivables"),
          async prompt(ctx) {
            const f = ctx.item.field as FileField;
            return ctx.env.t("file.form.amount", { field: fieldLabel(ctx, f), current: currentValue(ctx, await currentFile(ctx), f) });
          },
          options: (ctx) => (picked(ctx, "receivables") ? [{ value: "0", label: ctx.env.t("file.form.collected") }] : []),
          parse(input, ctx): ParseResult {
            const n = parseAmountInput(input);
            return n === null || n > 1e10 ? { error: ctx.env.t("file.form.amount-hint") } : { value: n };
          },
          format: (v, ctx) => formatAmount(Number(v), ctx.env.t),
        },
        {
          id: "days",
          type: "number",
          when: (ctx) => picked(ctx, "creditTermDays"),
          schema: z.number().int("forms.err.not-int").min(0, "file.form.days-range").max(3650, "file.form.days-range"),
          async prompt(ctx) {
            return ctx.env.t("file.form.days", { current: currentValue(ctx, await currentFile(ctx), "creditTermDays") });
          },
          options: () => ["15", "30", "60", "90"].map((d) => ({ value: d, label: d })),
        },
        {
          id: "due",
          type: "text",
          when: (ctx) => picked(ctx, "receivablesDue"),
          async prompt(ctx) {
            return ctx.env.t("file.form.due", { current: currentValue(ctx, await currentFile(ctx), "receivablesDue") });
          },
          parse(input, ctx): ParseResult {
            const d = parseDateInput(normalizeInput(input), ctx.env.today);
            return d ? { value: d } : { error: ctx.env.t("forms.hint.date") };
          },
          format: (v, ctx) => formatDay(String(v), ctx.env.t),
        },
        {
          id: "kpName",
          type: "text",
          when: (ctx) => picked(ctx, "keyPerson"),
          schema: z.string().trim().min(1).max(KEY_PERSON_LIMITS.name, "forms.err.too-long"),
          async prompt(ctx) {
            return ctx.env.t("file.form.kp-name", { current: currentValue(ctx, await currentFile(ctx), "keyPerson") });
          },
        },
        {
          id: "kpRole",
          type: "text",
          optional: true,
          when: (ctx) => picked(ctx, "keyPerson"),
          schema: z.string().trim().min(1).max(KEY_PERSON_LIMITS.role, "forms.err.too-long"),
          prompt: (ctx) => ctx.env.t("file.form.kp-role", { name: String(ctx.item.kpName) }),
          options: (ctx) => ["purchasing", "purchasing-head", "technician", "equipment", "boss"].map((r) => ({ value: ctx.env.t(`file.role.${r}`), label: ctx.env.t(`file.role.${r}`) })),
        },
        {
          id: "kpPhone",
          type: "text",
          optional: true,
          when: (ctx) => picked(ctx, "keyPerson"),
          prompt: (ctx) => ctx.env.t("file.form.kp-phone", { name: String(ctx.item.kpName) }),
          parse: (input, ctx): ParseResult => (isPhoneNumber(input) && input.trim().length <= KEY_PERSON_LIMITS.phone ? { value: input.trim() } : { error: ctx.env.t("file.err.phone") }),
        },
        {
          id: "kpPrimary",
          type: "yesno",
          when: (ctx) => picked(ctx, "keyPerson"),
          prompt: (ctx) => ctx.env.t("file.form.kp-primary", { name: String(ctx.item.kpName) }),
        },
      ],
    },
  ],
  async describe(ctx) {
    const file = await currentFile(ctx);
    return ctx.env.t("file.form.title", { name: file?.name ?? "…" });
  },
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const { t } = env;
    const customerId = Number(meta.customerId);
    const changes = changesFromAnswers(answers);
    const customer = await findOwnCustomerIn({ tx, customerId, managerId: env.staff.id });
    if (!customer) return { text: t("errors.visit.customer") };
    if (!Object.keys(changes).length) return { text: t("file.form.nothing", { name: customer.name }) };
    const result = await updateCustomerFile({ tx, customerId, changes, at: env.now });
    if (!result.changed) return { text: t("file.form.unchanged", { name: customer.name }) };
    const fields = [...new Set([...Object.keys(result.old)].map((f) => t(`file.field.${f === "keyPeople" ? "keyPerson" : f}`)))];
    return { text: t("file.form.saved", { name: customer.name, fields: fields.join(t("list.separator")) }) };
  },
};

/** The form's items → one change set; a later edit of the same field wins. Exported for tests. */
export function changesFromAnswers(answers: Answers): TCustomerFileChanges {
  const items = Array.isArray(answers.edits) ? (answers.edits as Answers[]) : [];
  const changes: TCustomerFileChanges = {};
  const people: NonNullable<TCustomerFileChanges["keyPeople"]> = [];
  for (const item of items) {
    const f = String(item.field);
    if ((FILE_TEXT_FIELDS as readonly string[]).includes(f) && typeof item.text === "string") (changes as Record<string, unknown>)[f] = item.text;
    else if (f === "scale" && typeof item.scale === "string") changes.scale = item.scale as TCustomerFileChanges["scale"];
    else if ((f === "creditLimit" || f === "receivables") && item.amount !== undefined && item.amount !== null) changes[f] = Number(item.amount);
    else if (f === "creditTermDays" && typeof item.days === "number") changes.creditTermDays = item.days;
    else if (f === "receivablesDue" && typeof item.due === "string") changes.receivablesDue = item.due;
    else if (f === "keyPerson" && typeof item.kpName === "string") {
      people.push({ name: item.kpName, role: typeof item.kpRole === "string" ? item.kpRole : "", phone: typeof item.kpPhone === "string" ? item.kpPhone : "", primary: item.kpPrimary === true });
    }
  }
  if (people.length) changes.keyPeople = people;
  return changes;
}

/** The app's engine (every form); a bare router falls back to one knowing these forms only. */
function engine(ctx: CommandContext): FormEngine<Env> {
  return ctx.deps.forms ?? new FormEngine<Env>({ db: ctx.deps.db, forms: customerFileForms });
}

async function startFileForm(ctx: CommandContext, customer: Customer): Promise<Reply[]> {
  const staff = ctx.staff!;
  return engine(ctx).start(sessionKeyOf(ctx.msg), customerFileForm, chatFormEnv({ ...ctx, staff }), {
    staffId: staff.id,
    meta: { customerId: customer.id },
    intro: ctx.t("file.form.intro", { name: customer.name }),
  });
}

// ---------------------------------------------------------------------------------------------
// /purchase 店名 — next month's purchase plan (每月28日前)

function lineText(l: TPurchasePlanLine, t: CommandContext["t"]): string {
  return t("purchase.line", { product: l.product, quantity: String(l.quantity), unit: t(`purchase.unit.${l.unit}`) });
}

function monthLabel(month: string, t: CommandContext["t"]): string {
  return t("purchase.month", { year: Number(month.slice(0, 4)), month: Number(month.slice(5, 7)) });
}

export const purchasePlanForm: FormDefinition<Env> = {
  id: "purchase-plan",
  version: PURCHASE_FORM_VERSION,
  command: "/purchase",
  steps: [
    {
      id: "replace",
      type: "yesno",
      when: (ctx) => typeof ctx.meta.existing === "string",
      prompt: (ctx) => ctx.env.t("purchase.form.replace", { month: monthLabel(String(ctx.meta.month), ctx.env.t), lines: String(ctx.meta.existing) }),
    },
    {
      type: "group",
      id: "lines",
      when: (ctx) => ctx.answers.replace !== false,
      repeat: { ask: (ctx) => ctx.env.t("purchase.form.another") },
      max: 20,
      steps: [
        {
          id: "product",
          type: "text",
          schema: z.string().trim().min(1).max(100, "forms.err.too-long"),
          prompt: (ctx) => ctx.env.t("purchase.form.product", { name: String(ctx.meta.customerName), month: monthLabel(String(ctx.meta.month), ctx.env.t), example: ctx.env.deps.policy.trade[ctx.env.locale]?.productExample ?? "" }),
        },
        {
          id: "quantity",
          type: "number",
          schema: z.number().positive("purchase.form.quantity-positive").max(1e7, "purchase.form.quantity-positive"),
          prompt: (ctx) => ctx.env.t("purchase.form.quantity", { product: String(ctx.item.product) }),
        },
        {
          id: "unit",
          type: "choice",
          prompt: (ctx) => ctx.env.t("purchase.form.unit"),
          options: (ctx) => PLAN_UNITS.map((u) => ({ value: u, label: ctx.env.t(`purchase.unit.${u}`), aliases: ctx.env.t(`purchase.unit-aliases.${u}`).split(",") })),
        },
      ],
    },
  ],
  describe: (ctx) => ctx.env.t("purchase.form.title", { name: String(ctx.meta.customerName), month: monthLabel(String(ctx.meta.month), ctx.env.t) }),
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const { t } = env;
    if (answers.replace === false) return { text: t("purchase.form.kept", { name: String(meta.customerName) }) };
    const lines = (Array.isArray(answers.lines) ? (answers.lines as Answers[]) : []).map((l) => ({ product: String(l.product), quantity: Number(l.quantity), unit: l.unit as TPurchasePlanLine["unit"] }));
    const customerId = Number(meta.customerId);
    const mine = await findOwnCustomerIn({ tx, customerId, managerId: env.staff.id });
    if (!mine) return { text: t("errors.visit.customer") };
    const month = String(meta.month);
    const saved = await savePurchasePlan({ tx, managerId: env.staff.id, customerId, month, lines, at: env.now });
    return {
      text: [t(saved.replaced ? "purchase.form.replaced" : "purchase.form.saved", { name: String(meta.customerName), month: monthLabel(month, t), n: lines.length }), ...lines.map((l) => `· ${lineText(l, t)}`)].join("\n"),
    };
  },
};

/** How many missing customers /purchase (no name) lists by name. */
const MISSING_LINES = 15;

async function purchaseCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const month = nextMonthOf(localDate(deps.clock.now(), deps.policy.timeZone));
  if (!ctx.args.length) {
    const m = await listMissingPurchasePlans({ db: deps.db, managerId: staff.id, month, take: MISSING_LINES });
    if (!m.total) return { text: t("purchase.no-customers") };
    if (!m.missing) return { text: t("purchase.all-in", { month: monthLabel(month, t), total: m.total }) };
    const lines = m.customers.map((c) => `· ${c.code} ${c.name}`);
    if (m.missing > m.customers.length) lines.push(t("purchase.more", { n: m.missing - m.customers.length }));
    return { text: [t("purchase.missing", { month: monthLabel(month, t), missing: m.missing, total: m.total }), ...lines, t("purchase.usage-short")].join("\n") };
  }
  const found = await findCustomer(ctx, ctx.args.join(" "), "purchase.usage");
  if ("reply" in found) return found.reply;
  const existing = await findPurchasePlan({ db: deps.db, customerId: found.customer.id, month });
  const meta: Answers = { customerId: found.customer.id, customerName: found.customer.name, month };
  if (existing) meta.existing = planLines(existing).map((l) => lineText(l, t)).join(t("list.separator"));
  return engine(ctx).start(sessionKeyOf(ctx.msg), purchasePlanForm, chatFormEnv({ ...ctx, staff }), { staffId: staff.id, meta });
}

export const customerFileForms: FormDefinition<Env>[] = [customerFileForm, purchasePlanForm];

export const customerFileCommands: Command[] = [
  // The customer file and purchase plans are the key-account standard's (润滑油规范): /help lists them there.
  { name: "file", audience: "manager", aliases: ["档案", "客户档案"], helpKey: "help.file", listedWhen: keyAccounts, run: fileCommand },
  { name: "purchase", audience: "manager", aliases: ["采购计划"], helpKey: "help.purchase", listedWhen: keyAccounts, run: purchaseCommand },
];
