import { z } from "zod";
import type { StepContext } from "../../../core/forms/form-types.ts";
import { normalizeInput } from "../../../core/forms/form-input.ts";
import type { ParseResult } from "../../../core/forms/form-types.ts";
import { reportViolation, withdrawViolation } from "../visits.service.ts";
import { count, optNumber, optText, optionList, picks, text, union } from "./helpers.ts";
import type { SectionEnv, VisitSection } from "./section.ts";

const MARKET_TOPICS = ["demand", "slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const;
const FREE_TEXT_TOPICS = ["slowPrice", "customerChange", "neighbourhood", "services", "violation"] as const;

/** What changed about the customer (the 客户信息变更 topic): phone and key person reach the customer record. */
const CHANGE_FIELDS = ["phone", "keyPerson", "other"] as const;

/**
 * A mainland phone number as the customer record keeps it: a mobile (1[3-9] and 9 digits) or a
 * landline with its area code ("0571-64612345"). Null when it is neither.
 */
export function parsePhone(input: string): string | null {
  const s = normalizeInput(input).replace(/[\s\-()（）]/g, "").replace(/^(\+?86)(?=1\d{10}$)/, "");
  if (/^1[3-9]\d{9}$/.test(s)) return s;
  const m = /^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})$/.exec(s);
  return m ? `${m[1]}-${m[2]}` : null;
}

function phoneStep(id: string, prompt: string, optional: boolean) {
  return {
    id,
    type: "text" as const,
    optional,
    prompt: (ctx: StepContext<SectionEnv>) => ctx.env.t(prompt, { name: String(ctx.item.newKeyPerson ?? "") }),
    parse(input: string, ctx: StepContext<SectionEnv>): ParseResult {
      const phone = parsePhone(input);
      return phone ? { value: phone } : { error: ctx.env.t("visit-sections.phone.invalid", { input: input.trim().slice(0, 30) }) };
    },
  };
}

const schema = z.object({
  topics: picks,
  changeFields: picks,
  newPhone: optText,
  newKeyPerson: optText,
  newKeyPersonRole: optText,
  newKeyPersonPhone: optText,
  demandBrand: optText,
  demandQty: optNumber,
  slowPrice: optText,
  customerChange: optText,
  neighbourhood: optText,
  services: optText,
  violation: optText,
});

function hasTopic(ctx: StepContext<SectionEnv>, topic: string): boolean {
  return Array.isArray(ctx.item.topics) && (ctx.item.topics as string[]).includes(topic);
}

function changes(ctx: StepContext<SectionEnv>, field: string): boolean {
  return hasTopic(ctx, "customerChange") && Array.isArray(ctx.item.changeFields) && (ctx.item.changeFields as string[]).includes(field);
}

/** Market information: the topics the manager picked, each with its own question. */
export const marketSection: VisitSection<z.infer<typeof schema>> = {
  id: "market",
  presets: ["tobacco-retail", "key-account"],
  steps: [
    { id: "topics", type: "multi", prompt: (ctx) => ctx.env.t("forms.market.prompt"), options: (ctx) => optionList(ctx, "forms.market.topic", MARKET_TOPICS) },
    { id: "demandBrand", type: "text", schema: text(60), when: (ctx) => hasTopic(ctx, "demand"), prompt: (ctx) => ctx.env.t("forms.market.demand-brand") },
    {
      id: "demandQty",
      type: "number",
      optional: true,
      schema: count,
      when: (ctx) => hasTopic(ctx, "demand"),
      prompt: (ctx) => ctx.env.t("forms.market.demand-qty", { brand: String(ctx.item.demandBrand) }),
    },
    { id: "slowPrice", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "slowPrice"), prompt: (ctx) => ctx.env.t("forms.market.slow-price") },
    {
      id: "changeFields",
      type: "multi",
      when: (ctx) => hasTopic(ctx, "customerChange"),
      prompt: (ctx) => ctx.env.t("visit-sections.change.prompt"),
      options: (ctx) => optionList(ctx, "visit-sections.change.field", CHANGE_FIELDS),
    },
    { ...phoneStep("newPhone", "visit-sections.change.phone", false), when: (ctx) => changes(ctx, "phone") },
    { id: "newKeyPerson", type: "text", schema: text(60), when: (ctx) => changes(ctx, "keyPerson"), prompt: (ctx) => ctx.env.t("visit-sections.change.key-person") },
    {
      id: "newKeyPersonRole",
      type: "text",
      optional: true,
      schema: text(40),
      when: (ctx) => changes(ctx, "keyPerson"),
      prompt: (ctx) => ctx.env.t("visit-sections.change.key-person-role", { name: String(ctx.item.newKeyPerson) }),
    },
    { ...phoneStep("newKeyPersonPhone", "visit-sections.change.key-person-phone", true), when: (ctx) => changes(ctx, "keyPerson") },
    {
      id: "customerChange",
      type: "text",
      schema: text(),
      // Rounds stored before the structured questions have no changeFields: the free text as before.
      when: (ctx) => hasTopic(ctx, "customerChange") && (!Array.isArray(ctx.item.changeFields) || changes(ctx, "other")),
      prompt: (ctx) => ctx.env.t("forms.market.customer-change"),
    },
    { id: "neighbourhood", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "neighbourhood"), prompt: (ctx) => ctx.env.t("forms.market.neighbourhood") },
    { id: "services", type: "text", schema: text(), when: (ctx) => hasTopic(ctx, "services"), prompt: (ctx) => ctx.env.t("forms.market.services") },
    { id: "violation", type: "text", schema: text(300), when: (ctx) => hasTopic(ctx, "violation"), prompt: (ctx) => ctx.env.t("forms.market.violation") },
  ],
  schema,
  toDetails(round, draft) {
    const m = (draft.details.market ??= { topics: [] });
    m.topics = union(m.topics, round.topics);
    if (round.demandBrand) (m.demand ??= []).push({ brand: round.demandBrand, quantity: round.demandQty });
    for (const k of FREE_TEXT_TOPICS) {
      const v = round[k];
      if (v) (m[k] ??= []).push(v);
    }
    if (!round.topics.includes("customerChange")) return;
    if (round.changeFields.includes("phone") && round.newPhone) draft.customerChanges.push({ field: "phone", value: round.newPhone });
    if (round.changeFields.includes("keyPerson") && round.newKeyPerson) {
      const detail: Record<string, string> = {};
      if (round.newKeyPersonRole) detail.role = round.newKeyPersonRole;
      if (round.newKeyPersonPhone) detail.phone = round.newKeyPersonPhone;
      draft.customerChanges.push({ field: "keyPerson", value: round.newKeyPerson, ...(Object.keys(detail).length ? { detail } : {}) });
    }
  },
  confirm: (d, t) => (d.market ? [t("forms.confirm.market", { n: d.market.topics.length })] : []),
  notices(d, t) {
    if (!d.customerChanges?.length) return [];
    const parts = d.customerChanges.map((c) => t(`visit-sections.changed.${c.field}`, { old: c.old || t("visit-sections.changed.none"), new: c.new }));
    return [t("visit-sections.changed", { changes: parts.join(t("list.separator")) })];
  },
  // 违规经营 reported in the visit goes to the manager's supervisor; the confirmation says whether it really went.
  async afterLog({ tx, env, visitId, customer, rounds, edited }) {
    const texts = rounds.map((r) => r.violation).filter((v): v is string => !!v);
    if (!texts.length) {
      // An edit that took the violation out: the notice goes back if it has not gone yet, and the
      // manager is told which (a delivered one only they can correct).
      if (!edited) return [];
      const w = await withdrawViolation({ tx, visitId });
      const name = w.supervisor?.name ?? "";
      if (w.outcome === "withdrawn") return [env.t("visit-sections.violation.withdrawn", { supervisor: name })];
      if (w.outcome === "sent") return [env.t("visit-sections.violation.already-sent", { supervisor: name })];
      return [];
    }
    const told = await reportViolation({ tx, deps: env.deps, staff: env.staff, customer, visitId, texts });
    const { t } = env;
    if (told.queued) return [t("visit-sections.violation.told", { supervisor: told.supervisor!.name })];
    if (told.supervisor) return [t("visit-sections.violation.unreachable", { supervisor: told.supervisor.name })];
    return [t("visit-sections.violation.no-supervisor")];
  },
};
