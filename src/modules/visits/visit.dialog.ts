import { z } from "zod";
import { classById } from "../../config/policy.ts";
import type { Reply } from "../../core/chat.ts";
import { addDays, addMonths, isoWeekday, localParts } from "../../core/dates.ts";
import { visitDaysOf } from "../staff/staff.service.ts";
import { formatDay } from "../../core/format.ts";
import { FormEngine } from "../../core/forms/form-engine.ts";
import { normalizeInput, parseChineseNumber, parseNumber } from "../../core/forms/form-input.ts";
import { listWeeklyPhoneList } from "../reminders/reminders.service.ts";
import { chatFormEnv, sessionKeyOf, type ChatFormEnv, type HookContext } from "../../core/forms/form-router.ts";
import type { Answers, ChoiceStep, FormDefinition, Option, ParseResult, Step, StepContext, Tx } from "../../core/forms/form-types.ts";
import { parseDateInput } from "../../core/date-input.ts";
import type { Customer, Staff, Visit } from "../../generated/prisma/client.ts";
import { computeInventoryLine, inventoryFactorFor, totalSuggestedOrder, type InventoryLine } from "./inventory.ts";
import {
  callsToday,
  dayStops,
  logCall,
  logVisit,
  parseDetails,
  planProgress,
  saveFormAnswers,
  searchCustomers,
  updateVisit,
  type ComplaintInput,
  type DayStopRef,
  type LoggedVisit,
  type LogVisitInput,
  type VisitDetails,
  type VisitMode,
} from "./visits.service.ts";

/**
 * The visit form (/log, a stop number, a reply to the evening reminder) and the phone-contact form
 * (/call). A routine visit is: customer (skipped when started from a stop), mode, duration, "all
 * normal — submit": at most 4 answers. Everything else is a section the manager opens from a menu
 * that comes back after each section, following the service standard's visit contents.
 */

type Env = ChatFormEnv;
type Ctx = StepContext<Env>;

export const VISIT_FORM_VERSION = 1;
export const CALL_FORM_VERSION = 1;

export const SECTIONS = ["info", "brand", "inventory", "market", "forecast", "problems", "manual", "note"] as const;
export type Section = (typeof SECTIONS)[number] | "key";
const MARKET_TOPICS = ["demand", "slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const;
const INFO_ITEMS = ["marketing", "brand", "service", "policy", "credit"] as const;
const REFUSALS = ["money", "demand", "space", "consumers", "other"] as const;
const REPURCHASE = ["yes", "no", "early"] as const;
const CATEGORIES = ["supply", "price", "service", "delivery", "equipment", "other"] as const;
const CALL_TOPICS = ["routine", "order", "appointment", "followup", "payment"] as const;

/** The key-account preset (lubricants) adds supplier, concerns, key person and next visit date. */
export function isKeyAccountPolicy(env: Pick<Env, "deps">): boolean {
  return env.deps.policy.preset === "key-account";
}

// ---------------------------------------------------------------------------------------------
// Per-message caches: prompts and options of one render ask for the same customer / stops.

const cache = new WeakMap<object, Map<string, unknown>>();
async function cached<T>(env: Env, key: string, load: () => Promise<T>): Promise<T> {
  let m = cache.get(env);
  if (!m) cache.set(env, (m = new Map()));
  if (!m.has(key)) m.set(key, await load());
  return m.get(key) as T;
}

function stopsOf(env: Env) {
  return cached(env, "stops", () => dayStops({ deps: env.deps, staff: env.staff }));
}

export interface CustomerRef {
  customer: Customer;
  plannedVisitId: number | null;
  stop: DayStopRef | null;
}

/** "p:<plan entry id>" (a stop of the list) or "c:<customer id>" (found by search). */
export async function resolveCustomerRef(env: Env, ref: unknown): Promise<CustomerRef | null> {
  if (typeof ref !== "string") return null;
  return cached(env, `ref:${ref}`, async () => {
    const m = /^([pc]):(\d+)$/.exec(ref);
    if (!m) return null;
    const id = Number(m[2]);
    const { db } = env.deps;
    if (m[1] === "p") {
      const p = await db.plannedVisit.findFirst({ where: { id, managerId: env.staff.id }, include: { customer: true } });
      if (!p) return null;
      const stop = (await stopsOf(env)).stops.find((s) => s.plannedVisitId === p.id) ?? null;
      return { customer: p.customer, plannedVisitId: p.id, stop };
    }
    const customer = await db.customer.findFirst({ where: { id, managerId: env.staff.id } });
    return customer ? { customer, plannedVisitId: null, stop: null } : null;
  });
}

/** The customer answer, or the one fixed by the record being edited (not asked again). */
function customerAnswer(ctx: Pick<Ctx, "answers" | "meta">): unknown {
  return ctx.answers.customer ?? ctx.meta.customer;
}

async function customerOf(ctx: Ctx): Promise<Customer | null> {
  return (await resolveCustomerRef(ctx.env, customerAnswer(ctx)))?.customer ?? null;
}

async function customerName(ctx: Ctx): Promise<string> {
  return (await customerOf(ctx))?.name ?? "";
}

function picked(item: Answers, section: Section): boolean {
  return Array.isArray(item.pick) && (item.pick as string[]).includes(section);
}

function hasTopic(item: Answers, topic: string): boolean {
  return picked(item, "market") && Array.isArray(item.topics) && (item.topics as string[]).includes(topic);
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function hhmm(env: Env, d: Date): string {
  const p = localParts(d, env.deps.policy.timeZone);
  return `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

function optionList(ctx: Ctx, prefix: string, values: readonly string[]): Option[] {
  return values.map((v) => ({ value: v, label: ctx.env.t(`${prefix}.${v}`) }));
}

const text = (max = 200) => z.string().trim().min(1).max(max, "forms.err.too-long");
const count = z.number().min(0, "forms.err.not-negative").max(1_000_000);

// ---------------------------------------------------------------------------------------------
// Steps shared by both forms

export function customerStep(kind: "visit" | "call" | "complaint"): ChoiceStep<Env> {
  return {
    id: "customer",
    type: "choice",
    when: (ctx) => !ctx.meta.editVisitId,
    async prompt(ctx) {
      const { t } = ctx.env;
      const day = await stopsOf(ctx.env);
      if (!day.stops.length) return t(`forms.${kind}.customer-search`);
      return t(`forms.${kind}.customer`, { day: formatDay(day.date, t) });
    },
    async options(ctx) {
      const day = await stopsOf(ctx.env);
      return day.stops.map((s) => ({ value: `p:${s.plannedVisitId}`, label: `${s.customer.name}${s.done ? " ✅" : s.moved ? " ↪️" : ""}` }));
    },
    async search(input, ctx) {
      const { t } = ctx.env;
      if (/^[pc]:\d+$/.test(input) && (await resolveCustomerRef(ctx.env, input))) return { value: input };
      const phone = kind === "call" ? /^[pP]\s*(\d{1,4})$/.exec(normalizeInput(input)) : null;
      if (phone) {
        // "P3" in the call form: an entry of this week's phone list (/calls), as `/call P3` reads it.
        const list = await listWeeklyPhoneList({ db: ctx.env.deps.db, policy: ctx.env.deps.policy, managerId: ctx.env.staff.id, date: ctx.env.today });
        const entry = list[Number(phone[1]) - 1];
        if (entry) return { value: `c:${entry.customer.id}` };
        return { error: list.length ? t("calls.no-such-entry", { ref: `P${phone[1]}`, count: list.length }) : t("calls.none") };
      }
      const q = input.replace(/^第\s*(\d+)\s*[站号家]$/, "$1");
      if (/^\d{1,3}$/.test(q)) {
        const day = await stopsOf(ctx.env);
        const stop = day.stops.find((s) => s.n === Number(q));
        if (stop) return { value: `p:${stop.plannedVisitId}` };
        if (day.stops.length) return { error: t("forms.visit.no-such-stop", { n: q, count: day.stops.length }) };
      }
      const found = await searchCustomers({ deps: ctx.env.deps, staff: ctx.env.staff, text: input });
      if (found.customers.length === 1) return { value: `c:${found.customers[0]!.id}` };
      if (!found.customers.length) return { error: t("forms.visit.not-found", { text: input }) };
      return {
        text: t(found.more ? "forms.visit.found-many" : "forms.visit.found", { count: found.customers.length, text: input }),
        options: found.customers.map((c) => ({ value: `c:${c.id}`, label: [c.name, c.code, c.address].filter(Boolean).join(" · ") })),
      };
    },
    async note(value, ctx) {
      const ref = await resolveCustomerRef(ctx.env, value);
      if (kind === "visit" && ref?.stop?.done) return ctx.env.t("forms.visit.already-logged", { n: ref.stop.n });
      return null;
    },
    async format(value, ctx) {
      return (await resolveCustomerRef(ctx.env, value))?.customer.name ?? String(value);
    },
  };
}

/** "1小时", "一个半小时", "1h30", "半小时", "90分钟", "45" → minutes. */
export function parseDuration(input: string): number | null {
  const s = normalizeInput(input).toLowerCase().replace(/\s+/g, "");
  if (s === "半小时" || s === "半个小时" || s === "半个钟头") return 30;
  let m = /^(\d+(?:\.\d+)?)(?:h|hr|hrs|hour|hours|小时|个小时|钟头|个钟头)(半)?(?:(\d+)(?:m|min|mins|分钟?|)?)?$/.exec(s);
  if (m) return Math.round(Number(m[1]) * 60 + (m[2] ? 30 : 0) + (m[3] ? Number(m[3]) : 0));
  m = /^([零一二两三四五六七八九十]+)个?(半)?(?:小时|钟头)(半)?$/.exec(s);
  if (m) {
    const h = parseChineseNumber(m[1]!);
    if (h !== null) return h * 60 + (m[2] || m[3] ? 30 : 0);
  }
  return parseNumber(s);
}

// ---------------------------------------------------------------------------------------------
// Visit form

/** The sections the company's standard has, in its order (policy `visitSections`). */
function sectionsFor(env: Env): Section[] {
  return env.deps.policy.visitSections;
}

/** Sections recorded in earlier rounds of the menu. */
function doneSections(ctx: Ctx): Set<string> {
  const items = Array.isArray(ctx.answers.sections) ? (ctx.answers.sections as Answers[]) : [];
  const done = new Set<string>();
  for (const it of items) {
    if (it === ctx.item) continue;
    for (const s of Array.isArray(it.pick) ? (it.pick as string[]) : []) if (s !== "submit") done.add(s);
  }
  return done;
}

async function previousInventory(ctx: Ctx): Promise<InventoryLine[]> {
  const customer = await customerOf(ctx);
  if (!customer) return [];
  return cached(ctx.env, `inv:${customer.id}`, async () => {
    const visits = await ctx.env.deps.db.visit.findMany({
      where: { customerId: customer.id, details: { contains: '"inventory"' }, ...(ctx.meta.editVisitId ? { id: { not: Number(ctx.meta.editVisitId) } } : {}) },
      orderBy: [{ visitedAt: "desc" }, { id: "desc" }],
      take: 5,
    });
    const lines: InventoryLine[] = [];
    for (const v of visits) {
      for (const l of parseDetails(v).inventory ?? []) if (!lines.some((x) => sameProduct(x.product, l.product))) lines.push(l);
    }
    return lines;
  });
}

function sameProduct(a: string, b: string): boolean {
  return normalizeInput(a).toLowerCase().replace(/\s+/g, "") === normalizeInput(b).toLowerCase().replace(/\s+/g, "");
}

async function factorOf(ctx: Ctx): Promise<number> {
  return inventoryFactorFor(ctx.env.deps.policy, await customerOf(ctx));
}

function lineOf(item: Answers, factor: number): InventoryLine | null {
  if (typeof item.product !== "string" || typeof item.last !== "number" || typeof item.order !== "number" || typeof item.current !== "number") return null;
  return computeInventoryLine({ product: item.product, lastInventory: item.last, lastOrder: item.order, currentInventory: item.current }, factor);
}

function inventoryLineNote(ctx: Ctx, line: InventoryLine): string {
  const { t } = ctx.env;
  const lines = [
    t("forms.inventory.line", {
      product: line.product,
      last: fmt(line.lastInventory),
      order: fmt(line.lastOrder),
      current: fmt(line.currentInventory),
      sales: fmt(line.actualSales),
      factor: fmt(line.factor),
      reasonable: fmt(line.reasonableInventory),
      suggested: line.suggestedOrder,
    }),
  ];
  if (line.negativeSales) lines.push(t("forms.inventory.negative", { product: line.product }));
  return lines.join("\n");
}

const inventoryGroup: Step<Env> = {
  type: "group",
  id: "inventory",
  when: (ctx) => picked(ctx.item, "inventory"),
  repeat: { ask: (ctx) => ctx.env.t("forms.inventory.more") },
  max: 20,
  steps: [
    {
      id: "product",
      type: "text",
      // A bare number here is nearly always a count typed one question early.
      schema: text(40).refine((s) => !/^\d+(\.\d+)?$/.test(s), "forms.inventory.product-not-number"),
      async prompt(ctx) {
        const prev = await previousInventory(ctx);
        return ctx.env.t(prev.length ? "forms.inventory.product-known" : "forms.inventory.product");
      },
      async options(ctx) {
        return (await previousInventory(ctx)).slice(0, 6).map((l) => ({ value: l.product, label: l.product }));
      },
    },
    {
      id: "last",
      type: "number",
      schema: count,
      prompt: (ctx) => ctx.env.t("forms.inventory.last", { product: String(ctx.item.product) }),
      async options(ctx) {
        const prev = (await previousInventory(ctx)).find((l) => sameProduct(l.product, String(ctx.item.product)));
        return prev ? [{ value: fmt(prev.currentInventory), label: ctx.env.t("forms.inventory.last-known", { n: fmt(prev.currentInventory) }) }] : [];
      },
    },
    { id: "order", type: "number", schema: count, prompt: (ctx) => ctx.env.t("forms.inventory.order", { product: String(ctx.item.product) }) },
    { id: "current", type: "number", schema: count, prompt: (ctx) => ctx.env.t("forms.inventory.current", { product: String(ctx.item.product) }) },
  ],
  async itemNote(ctx) {
    const line = lineOf(ctx.item, await factorOf(ctx));
    return line ? inventoryLineNote(ctx, line) : null;
  },
  async doneNote(ctx) {
    const factor = await factorOf(ctx);
    const lines = (Array.isArray(ctx.item.inventory) ? (ctx.item.inventory as Answers[]) : []).map((i) => lineOf(i, factor)).filter((l): l is InventoryLine => !!l);
    if (!lines.length) return null;
    const { t } = ctx.env;
    const parts = lines.map((l) => t("forms.inventory.summary-line", { product: l.product, suggested: l.suggestedOrder }));
    return t("forms.inventory.summary", { factor: fmt(factor), lines: parts.join(t("list.separator")), total: totalSuggestedOrder(lines) });
  },
};

const problemsGroup: Step<Env> = {
  type: "group",
  id: "problems",
  when: (ctx) => picked(ctx.item, "problems"),
  repeat: { ask: (ctx) => ctx.env.t("forms.problems.more") },
  max: 10,
  steps: [
    { id: "text", type: "text", schema: text(300), prompt: (ctx) => ctx.env.t("forms.problems.text") },
    { id: "category", type: "choice", prompt: (ctx) => ctx.env.t("forms.problems.category"), options: (ctx) => optionList(ctx, "forms.problems.cat", CATEGORIES) },
    { id: "canResolve", type: "yesno", prompt: (ctx) => ctx.env.t("forms.problems.can-resolve") },
  ],
};

const sectionsGroup: Step<Env> = {
  type: "group",
  id: "sections",
  repeat: { until: (ctx) => picked(ctx.item, "submit" as Section) },
  max: 25,
  steps: [
    {
      id: "pick",
      type: "multi",
      finishOnSingle: true,
      async prompt(ctx) {
        const { t } = ctx.env;
        if (doneSections(ctx).size) return t("forms.visit.sections-more");
        const name = await customerName(ctx);
        const key = ctx.meta.editVisitId ? "forms.visit.sections-edit" : "forms.visit.sections-first";
        return t(key, { name, mode: t(`forms.visit.mode.${String(ctx.answers.mode)}`), duration: String(ctx.answers.duration ?? "–") });
      },
      options(ctx) {
        const { t } = ctx.env;
        const done = doneSections(ctx);
        const submit = done.size || ctx.meta.editVisitId ? t("forms.visit.submit") : t("forms.visit.submit-normal");
        return [
          { value: "submit", label: submit, aliases: [t("forms.visit.submit-word"), "提交", "submit", "正常", "一切正常"] },
          ...sectionsFor(ctx.env).map((s) => ({ value: s, label: (done.has(s) ? "✓ " : "") + t(`forms.visit.section.${s}`) })),
        ];
      },
      hint: (ctx) => ctx.env.t("forms.visit.sections-hint"),
    },
    // Information delivered (checklist)
    {
      id: "info",
      type: "multi",
      when: (ctx) => picked(ctx.item, "info"),
      prompt: (ctx) => ctx.env.t("forms.info.prompt"),
      options: (ctx) => optionList(ctx, "forms.info.item", INFO_ITEMS),
    },
    // Brand cultivation
    { id: "onShelf", type: "yesno", when: (ctx) => picked(ctx.item, "brand"), prompt: (ctx) => ctx.env.t("forms.brand.on-shelf") },
    {
      id: "refusal",
      type: "choice",
      optional: true,
      when: (ctx) => picked(ctx.item, "brand") && ctx.item.onShelf === false,
      prompt: (ctx) => ctx.env.t("forms.brand.refusal"),
      options: (ctx) => optionList(ctx, "forms.brand.refusal", REFUSALS),
    },
    {
      id: "repurchase",
      type: "choice",
      optional: true,
      when: (ctx) => picked(ctx.item, "brand") && ctx.item.onShelf === true,
      prompt: (ctx) => ctx.env.t("forms.brand.repurchase"),
      options: (ctx) => optionList(ctx, "forms.brand.repurchase", REPURCHASE),
    },
    inventoryGroup,
    // Market information
    {
      id: "topics",
      type: "multi",
      when: (ctx) => picked(ctx.item, "market"),
      prompt: (ctx) => ctx.env.t("forms.market.prompt"),
      options: (ctx) => optionList(ctx, "forms.market.topic", MARKET_TOPICS),
    },
    { id: "demandBrand", type: "text", schema: text(60), when: (ctx) => hasTopic(ctx.item, "demand"), prompt: (ctx) => ctx.env.t("forms.market.demand-brand") },
    {
      id: "demandQty",
      type: "number",
      optional: true,
      schema: count,
      when: (ctx) => hasTopic(ctx.item, "demand"),
      prompt: (ctx) => ctx.env.t("forms.market.demand-qty", { brand: String(ctx.item.demandBrand) }),
    },
    { id: "slowPrice", type: "text", schema: text(), when: (ctx) => hasTopic(ctx.item, "slowPrice"), prompt: (ctx) => ctx.env.t("forms.market.slow-price") },
    { id: "customerChange", type: "text", schema: text(), when: (ctx) => hasTopic(ctx.item, "customerChange"), prompt: (ctx) => ctx.env.t("forms.market.customer-change") },
    { id: "neighbourhood", type: "text", schema: text(), when: (ctx) => hasTopic(ctx.item, "neighbourhood"), prompt: (ctx) => ctx.env.t("forms.market.neighbourhood") },
    { id: "services", type: "text", schema: text(), when: (ctx) => hasTopic(ctx.item, "services"), prompt: (ctx) => ctx.env.t("forms.market.services") },
    { id: "violation", type: "text", schema: text(300), when: (ctx) => hasTopic(ctx.item, "violation"), prompt: (ctx) => ctx.env.t("forms.market.violation") },
    // Demand forecast
    { id: "forecast", type: "text", schema: text(300), when: (ctx) => picked(ctx.item, "forecast"), prompt: (ctx) => ctx.env.t("forms.forecast.prompt") },
    {
      id: "forecastSource",
      type: "choice",
      optional: true,
      when: (ctx) => picked(ctx.item, "forecast"),
      prompt: (ctx) => ctx.env.t("forms.forecast.source"),
      options: (ctx) => optionList(ctx, "forms.forecast.source", ["self", "guided"]),
    },
    problemsGroup,
    { id: "manualSigned", type: "yesno", when: (ctx) => picked(ctx.item, "manual"), prompt: (ctx) => ctx.env.t("forms.manual.prompt") },
    { id: "note", type: "text", schema: text(500), when: (ctx) => picked(ctx.item, "note"), prompt: (ctx) => ctx.env.t("forms.note.prompt") },
    // Key account (lubricants preset)
    { id: "supplier", type: "text", optional: true, schema: text(100), when: (ctx) => picked(ctx.item, "key"), prompt: (ctx) => ctx.env.t("forms.key.supplier") },
    { id: "price", type: "text", optional: true, schema: text(100), when: (ctx) => picked(ctx.item, "key"), prompt: (ctx) => ctx.env.t("forms.key.price") },
    { id: "equipment", type: "text", optional: true, schema: text(200), when: (ctx) => picked(ctx.item, "key"), prompt: (ctx) => ctx.env.t("forms.key.equipment") },
    { id: "concerns", type: "text", optional: true, schema: text(300), when: (ctx) => picked(ctx.item, "key"), prompt: (ctx) => ctx.env.t("forms.key.concerns") },
    { id: "keyPerson", type: "text", optional: true, schema: text(60), when: (ctx) => picked(ctx.item, "key"), prompt: (ctx) => ctx.env.t("forms.key.key-person") },
    {
      id: "nextVisit",
      type: "date",
      optional: true,
      when: (ctx) => picked(ctx.item, "key"),
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
  async itemNote(ctx) {
    const { t } = ctx.env;
    const names = (Array.isArray(ctx.item.pick) ? (ctx.item.pick as string[]) : []).filter((s) => s !== "submit").map((s) => t(`forms.visit.section.${s}`));
    return names.length ? t("forms.visit.section-done", { sections: names.join(t("list.separator")) }) : null;
  },
};

export const visitForm: FormDefinition<Env> = {
  id: "visit",
  version: VISIT_FORM_VERSION,
  command: "/log",
  steps: [
    customerStep("visit"),
    {
      id: "mode",
      type: "choice",
      async prompt(ctx) {
        return ctx.env.t("forms.visit.mode", { name: await customerName(ctx) });
      },
      options: (ctx) => [
        { value: "field", label: ctx.env.t("forms.visit.mode.field"), aliases: ["field", "实地拜访", "现场", "上门"] },
        { value: "online", label: ctx.env.t("forms.visit.mode.online"), aliases: ["online", "线上", "微信", "视频"] },
        { value: "phone", label: ctx.env.t("forms.visit.mode.phone"), aliases: ["phone", "打电话", "电话拜访"] },
      ],
    },
    {
      id: "duration",
      type: "number",
      schema: z.number().int("forms.err.not-int").min(1, "forms.visit.duration-range").max(480, "forms.visit.duration-range"),
      async prompt(ctx) {
        const { t } = ctx.env;
        const customer = await customerOf(ctx);
        const cls = customer ? classById(ctx.env.deps.policy, customer.serviceClass) : undefined;
        return cls
          ? t("forms.visit.duration-class", { label: cls.label[ctx.env.locale], min: cls.visitMinutes.min, max: cls.visitMinutes.max })
          : t("forms.visit.duration");
      },
      async options(ctx) {
        // Choices around the class's standard from the policy: a bit under, its minimum and maximum, a bit over.
        const customer = await customerOf(ctx);
        const cls = customer ? classById(ctx.env.deps.policy, customer.serviceClass) : undefined;
        const { min, max } = cls?.visitMinutes ?? { min: 15, max: 20 };
        const minutes = [...new Set([min - 5, min, max, max + 10])].filter((m) => m > 0);
        return minutes.map((m) => ({ value: String(m), label: ctx.env.t("forms.visit.minutes", { m }) }));
      },
      parse(input, ctx): ParseResult {
        const n = parseDuration(input);
        return n === null ? { error: ctx.env.t("forms.visit.duration-hint") } : { value: n };
      },
      hint: (ctx) => ctx.env.t("forms.visit.duration-hint"),
    },
    sectionsGroup,
  ],
  async describe(ctx) {
    const name = await customerName(ctx);
    return name ? ctx.env.t("forms.visit.title", { name }) : ctx.env.t("forms.visit.title-new");
  },
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const ref = await resolveCustomerRef(env, customerAnswer(ctx));
    if (!ref) throw new Error("visit form completed without a customer");
    const factor = inventoryFactorFor(env.deps.policy, ref.customer);
    const input = visitInputFromAnswers(answers, factor, isKeyAccountPolicy(env));
    input.customerId = ref.customer.id;
    input.plannedVisitId = ref.plannedVisitId;
    const editId = typeof meta.editVisitId === "number" ? meta.editVisitId : null;
    const logged = editId
      ? await updateVisit({ tx, deps: env.deps, staff: env.staff, visitId: editId, input, at: env.now })
      : await logVisit({ tx, deps: env.deps, staff: env.staff, input, at: env.now });
    await saveFormAnswers({ tx, visitId: logged.visit.id, answers: answersForEdit(answers, logged) });
    return confirmVisit(env, tx, logged, input, !!editId);
  },
};

/** The form's answers → what the service records. Exported for tests. */
export function visitInputFromAnswers(answers: Answers, factor: number, keyAccount = false): LogVisitInput {
  const items = Array.isArray(answers.sections) ? (answers.sections as Answers[]) : [];
  const details: VisitDetails = { kind: "visit", formVersion: VISIT_FORM_VERSION };
  const complaints: ComplaintInput[] = [];
  const notes: string[] = [];
  let nextVisitDate: string | null = null;
  let keyPersonMet: string | null = null;
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);
  const union = (a: string[] | undefined, b: unknown) => [...new Set([...(a ?? []), ...(Array.isArray(b) ? (b as string[]) : [])])];
  for (const it of items) {
    if (picked(it, "info")) details.info = union(details.info, it.info);
    if (picked(it, "brand") && typeof it.onShelf === "boolean") {
      (details.brand ??= []).push({ onShelf: it.onShelf, refusal: str(it.refusal), repurchase: str(it.repurchase) });
    }
    if (picked(it, "inventory") && Array.isArray(it.inventory)) {
      for (const l of it.inventory as Answers[]) {
        const line = lineOf(l, factor);
        if (line) (details.inventory ??= []).push(line);
      }
    }
    if (picked(it, "market")) {
      const m = (details.market ??= { topics: [] });
      m.topics = union(m.topics, it.topics);
      if (str(it.demandBrand)) (m.demand ??= []).push({ brand: str(it.demandBrand)!, quantity: typeof it.demandQty === "number" ? it.demandQty : null });
      for (const k of ["slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const) {
        const v = str(it[k]);
        if (v) (m[k] ??= []).push(v);
      }
    }
    if (picked(it, "forecast") && str(it.forecast)) (details.forecast ??= []).push({ text: str(it.forecast)!, source: str(it.forecastSource) });
    if (picked(it, "problems") && Array.isArray(it.problems)) {
      for (const p of it.problems as Answers[]) {
        if (!str(p.text)) continue;
        complaints.push({
          text: str(p.text)!,
          category: str(p.category) ?? "other",
          canResolve: p.canResolve !== false,
          ...(typeof p._complaintId === "number" ? { id: p._complaintId } : {}),
        });
      }
    }
    if (picked(it, "manual") && typeof it.manualSigned === "boolean") details.manualSigned = it.manualSigned;
    if (picked(it, "note") && str(it.note)) notes.push(str(it.note)!);
    if (keyAccount && picked(it, "key")) {
      details.keyAccount = {
        supplier: str(it.supplier),
        price: str(it.price),
        ...(str(it.equipment) ? { equipment: str(it.equipment) } : {}),
        concerns: str(it.concerns),
        keyPerson: str(it.keyPerson),
        nextVisit: str(it.nextVisit),
      };
      nextVisitDate = str(it.nextVisit);
      keyPersonMet = str(it.keyPerson);
    }
  }
  return {
    customerId: 0,
    mode: (answers.mode as VisitMode) ?? "field",
    durationMin: typeof answers.duration === "number" ? answers.duration : null,
    notes: notes.join("\n"),
    details,
    complaints,
    nextVisitDate,
    keyPersonMet,
  };
}

/** The answers as /edit will reopen them: complaints remember the record they became. */
function answersForEdit(answers: Answers, logged: LoggedVisit): Answers {
  const copy = structuredClone(answers);
  const items = Array.isArray(copy.sections) ? (copy.sections as Answers[]) : [];
  let i = 0;
  for (const it of items) {
    if (!picked(it, "problems") || !Array.isArray(it.problems)) continue;
    for (const p of it.problems as Answers[]) {
      if (typeof p.text !== "string" || !p.text.trim()) continue;
      const c = logged.complaints[i++];
      if (c) p._complaintId = c.id;
    }
  }
  return copy;
}

async function confirmVisit(env: Env, tx: Tx, logged: LoggedVisit, input: LogVisitInput, edited: boolean): Promise<Reply> {
  const { t } = env;
  const d = input.details;
  const parts = [logged.customer.name, t(`forms.visit.mode.${input.mode}`), t("forms.visit.minutes", { m: input.durationMin ?? "–" })];
  const extras: string[] = [];
  if (d.info?.length) extras.push(t("forms.confirm.info", { n: d.info.length }));
  for (const b of d.brand ?? []) extras.push(t(b.onShelf ? "forms.confirm.on-shelf" : "forms.confirm.not-on-shelf"));
  if (d.inventory?.length) extras.push(t("forms.confirm.inventory", { lines: d.inventory.length, n: totalSuggestedOrder(d.inventory) }));
  if (d.market) extras.push(t("forms.confirm.market", { n: d.market.topics.length }));
  if (d.forecast?.length) extras.push(t("forms.confirm.forecast"));
  if (logged.complaints.length) {
    const first = logged.complaints.map((c) => c.deadlineAt).filter((x): x is Date => !!x).sort((a, b) => a.getTime() - b.getTime())[0];
    const escalate = logged.complaints.filter((c) => !c.canResolve).length;
    extras.push(t(escalate ? "forms.confirm.problems-escalate" : "forms.confirm.problems", { n: logged.complaints.length, m: escalate, time: first ? hhmm(env, first) : "–" }));
  }
  if (d.manualSigned !== undefined) extras.push(t(d.manualSigned ? "forms.confirm.manual" : "forms.confirm.no-manual"));
  if (input.notes) extras.push(t("forms.confirm.note"));
  if (d.keyAccount?.nextVisit) extras.push(t("forms.confirm.next-visit", { day: formatDay(d.keyAccount.nextVisit, t) }));
  const summary = [...parts, ...(extras.length ? extras : [t("forms.confirm.all-normal")])].join(" · ");
  const lines = [t(edited ? "forms.confirm.updated" : "forms.confirm.logged", { summary })];
  const warnings = (d.inventory ?? []).filter((l) => l.negativeSales);
  if (warnings.length) lines.push(t("forms.confirm.negative", { products: warnings.map((l) => l.product).join(t("list.separator")) }));
  if (!edited) {
    const progress = await planProgress(tx, env.staff, env.today);
    if (progress.total) {
      lines.push(
        progress.next
          ? t("forms.confirm.progress-next", { done: progress.done, total: progress.total, n: progress.next.n, name: progress.next.name })
          : t("forms.confirm.progress-all", { done: progress.done, total: progress.total }),
      );
    }
    lines.push(t("forms.confirm.undo"));
  }
  return { text: lines.join("\n") };
}

// ---------------------------------------------------------------------------------------------
// Phone contact form (/call): who, and what about — two answers.

export const callForm: FormDefinition<Env> = {
  id: "call",
  version: CALL_FORM_VERSION,
  command: "/call",
  steps: [
    customerStep("call"),
    {
      id: "topic",
      type: "text",
      schema: text(300),
      async prompt(ctx) {
        return ctx.env.t("forms.call.topic", { name: await customerName(ctx) });
      },
      options: (ctx) => CALL_TOPICS.map((k) => ({ value: ctx.env.t(`forms.call.topic.${k}`), label: ctx.env.t(`forms.call.topic.${k}`) })),
    },
  ],
  async describe(ctx) {
    const name = await customerName(ctx);
    return name ? ctx.env.t("forms.call.title", { name }) : ctx.env.t("forms.call.title-new");
  },
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const ref = await resolveCustomerRef(env, customerAnswer(ctx));
    if (!ref) throw new Error("call form completed without a customer");
    const topic = String(answers.topic);
    const editId = typeof meta.editVisitId === "number" ? meta.editVisitId : undefined;
    const { customer } = await logCall({ tx, staff: env.staff, customerId: ref.customer.id, topic, at: env.now, editVisitId: editId });
    const { t } = env;
    if (editId) return { text: t("forms.call.updated", { name: customer.name, topic }) };
    const n = await callsToday(tx, env.deps, env.staff);
    const target = env.deps.policy.phoneContactsPerDay;
    return {
      text: [
        t("forms.call.logged", { name: customer.name, topic }),
        target ? t("forms.call.count-target", { n, target }) : t("forms.call.count", { n }),
        t("forms.call.undo"),
      ].join("\n"),
    };
  },
};

export const visitForms: FormDefinition<Env>[] = [visitForm, callForm];

// ---------------------------------------------------------------------------------------------
// Starting the forms

export type StartContext = Pick<HookContext, "deps" | "t" | "locale" | "msg"> & { staff: Staff };

export function visitFormEngine(deps: StartContext["deps"]): FormEngine<Env> {
  return new FormEngine<Env>({ db: deps.db, forms: visitForms });
}

/**
 * Opens the visit (or call) form. `stop` preselects a stop of the list; `input` is typed text for
 * the first step (a stop number or a shop name to search).
 */
export async function startLogForm(ctx: StartContext, opts: { form: "visit" | "call"; stop?: DayStopRef; input?: string; origin?: string }): Promise<Reply[]> {
  const engine = visitFormEngine(ctx.deps);
  const env = chatFormEnv(ctx);
  const key = sessionKeyOf(ctx.msg);
  const def = opts.form === "visit" ? visitForm : callForm;
  const meta = { origin: opts.origin ?? (opts.stop ? "stop" : "command") };
  if (opts.stop) {
    const intro = opts.form === "visit" && opts.stop.done ? ctx.t("forms.visit.already-logged", { n: opts.stop.n }) : undefined;
    return engine.start(key, def, env, { answers: { customer: `p:${opts.stop.plannedVisitId}` }, meta, staffId: ctx.staff.id, intro });
  }
  const first = await engine.start(key, def, env, { meta, staffId: ctx.staff.id });
  if (!opts.input) return first;
  const out = await engine.handle(key, opts.input, chatFormEnv(ctx));
  return out?.replies ?? first;
}

/** /edit: the logged visit's form again, with its answers, at the section menu. */
export async function startEditForm(ctx: StartContext, visit: Visit & { customer: Customer }): Promise<Reply[] | null> {
  const details = parseDetails(visit);
  const engine = visitFormEngine(ctx.deps);
  const env = chatFormEnv(ctx);
  const key = sessionKeyOf(ctx.msg);
  const time = hhmm(env, visit.visitedAt);
  const meta = { origin: "edit", editVisitId: visit.id, customer: `c:${visit.customerId}` };
  if (details.kind === "call") {
    const answers = { customer: `c:${visit.customerId}`, topic: details.topic ?? visit.notes };
    const intro = ctx.t("forms.call.edit-intro", { name: visit.customer.name, time });
    return engine.start(key, callForm, env, { answers, meta, staffId: ctx.staff.id, intro });
  }
  if (!details.answers) return null;
  const answers = structuredClone(details.answers);
  answers.customer = `c:${visit.customerId}`;
  const items = Array.isArray(answers.sections) ? (answers.sections as Answers[]) : [];
  const last = items[items.length - 1];
  if (last && Array.isArray(last.pick)) {
    last.pick = (last.pick as string[]).filter((s) => s !== "submit");
    if (!(last.pick as string[]).length) items.pop();
  }
  const intro = ctx.t("forms.visit.edit-intro", {
    name: visit.customer.name,
    time,
    mode: ctx.t(`forms.visit.mode.${visit.mode}`),
    duration: visit.durationMin ?? "–",
  });
  return engine.start(key, visitForm, env, { answers, meta, staffId: ctx.staff.id, intro });
}

/** `date` itself when it is one of `days` (ISO weekdays), else the next such day. */
function onOrAfterVisitDay(date: string, days: number[]): string {
  let d = date;
  for (let i = 0; i < 7 && days.length && !days.includes(isoWeekday(d)); i++) d = addDays(d, 1);
  return d;
}
