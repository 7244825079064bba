import { z } from "zod";
import { classById } from "../../config/policy.ts";
import type { Reply } from "../../core/chat.ts";
import { localClock } from "../../core/dates.ts";
import { formatDay } from "../../core/format.ts";
import { FormEngine } from "../../core/forms/form-engine.ts";
import { normalizeInput, parseChineseNumber, parseNumber } from "../../core/forms/form-input.ts";
import { listWeeklyPhoneList } from "../reminders/reminders.service.ts";
import { chatFormEnv, sessionKeyOf, type ChatFormEnv, type HookContext } from "../../core/forms/form-router.ts";
import type { Answers, ChoiceStep, FormDefinition, GroupStep, ParseResult, Step, StepContext, Tx } from "../../core/forms/form-types.ts";
import type { Customer, Staff, Visit } from "../../generated/prisma/client.ts";
import { inventoryFactorFor } from "./inventory.ts";
import { sectionRegistryVersion, visitSection, visitSections } from "./sections/index.ts";
import type { VisitDraft, VisitSection } from "./sections/section.ts";
import { customerAnswer, customerFileOf, customerName, customerOf, resolveCustomerRef, stopsOf } from "./visit-context.ts";
import { customerFileBrief } from "../customers/customer-file.ts";
import {
  afterVisitEvidence,
  attachToVisit,
  checkinReasonLateStep,
  checkinReasonStep,
  checkinStep,
  checkinUnableStep,
  evidenceConfirmParts,
  evidenceOf,
  noteEvidencePolicy,
  offerCheckinLine,
  offersCheckin,
  photoStep,
  prepareVisitAttachment,
  visitEvidenceFrom,
} from "./visit-evidence.ts";
import { checkInModeFor, measuredMinutes } from "../evidence/checkin.ts";
import { countVisitPhotos } from "../evidence/evidence.service.ts";
import {
  callsToday,
  logCall,
  logVisit,
  parseDetails,
  planProgress,
  saveFormAnswers,
  searchCustomers,
  updateVisit,
  type DayStopRef,
  type LoggedVisit,
  type LogVisitInput,
  type VisitMode,
} from "./visits.service.ts";

export { resolveCustomerRef, type CustomerRef } from "./visit-context.ts";

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

const CALL_TOPICS = ["routine", "order", "appointment", "followup", "payment"] as const;

/** The section ids a menu round picked ("submit" included). */
function picks(item: Answers): string[] {
  return Array.isArray(item.pick) ? (item.pick as unknown[]).filter((x): x is string => typeof x === "string") : [];
}

function picked(item: Answers, section: string): boolean {
  return picks(item).includes(section);
}

function hhmm(env: Env, d: Date): string {
  return localClock(d, env.deps.policy.timeZone);
}

const text = (max = 200) => z.string().trim().min(1).max(max, "forms.err.too-long");

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
// Visit form: a menu of the policy's sections (sections/), looping until "submit".

/** The sections the company's standard has, in its menu order (policy `visitSections`, checked at start-up). */
function policySections(policy: { visitSections: readonly string[] }): VisitSection[] {
  return policy.visitSections.map((id) => visitSection(id)).filter((s): s is VisitSection => !!s);
}

/** Sections recorded in earlier rounds of the menu. */
function doneSections(ctx: Ctx): Set<string> {
  const items = Array.isArray(ctx.answers.sections) ? (ctx.answers.sections as Answers[]) : [];
  const done = new Set<string>();
  for (const it of items) {
    if (it === ctx.item) continue;
    for (const s of picks(it)) if (s !== "submit") done.add(s);
  }
  return done;
}

const pickStep: Step<Env> = {
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
  async options(ctx) {
    const { t } = ctx.env;
    const done = doneSections(ctx);
    const submit = done.size || ctx.meta.editVisitId ? t("forms.visit.submit") : t("forms.visit.submit-normal");
    const offered: VisitSection[] = [];
    for (const s of policySections(ctx.env.deps.policy)) if (!s.available || (await s.available(ctx))) offered.push(s);
    return [
      { value: "submit", label: submit, aliases: [t("forms.visit.submit-word"), "提交", "submit", "正常", "一切正常"] },
      ...offered.map((s) => ({ value: s.id, label: (done.has(s.id) ? "✓ " : "") + t(`forms.visit.section.${s.id}`) })),
    ];
  },
  hint: (ctx) => ctx.env.t("forms.visit.sections-hint"),
};

/** A section's step, asked only in a round that picked the section (and when its own `when` says so). */
function inSection(id: string, step: Step<Env>): Step<Env> {
  const own = step.when;
  return { ...step, when: (ctx) => picked(ctx.item, id) && (own ? own(ctx) : true) } as Step<Env>;
}

// Every registered section's steps (stored rounds of a section the policy dropped still resolve);
// rebuilt only when a section is registered, so step objects stay the same between messages.
let roundSteps: { version: number; steps: Step<Env>[] } | null = null;
function sectionRoundSteps(): Step<Env>[] {
  const version = sectionRegistryVersion();
  if (roundSteps?.version !== version) {
    // After a section's own questions, the photo its round needs when the policy asks for one.
    roundSteps = { version, steps: [pickStep, ...visitSections().flatMap((s) => [...s.steps, photoStep(s.id)].map((st) => inSection(s.id, st)))] };
  }
  return roundSteps.steps;
}

const sectionsGroup: GroupStep<Env> = {
  type: "group",
  id: "sections",
  repeat: { until: (ctx) => picked(ctx.item, "submit") },
  max: 25,
  get steps() {
    return sectionRoundSteps();
  },
  async itemNote(ctx) {
    const { t } = ctx.env;
    const names = picks(ctx.item).filter((s) => s !== "submit").map((s) => t(`forms.visit.section.${s}`));
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
        const ask = ctx.env.t("forms.visit.mode", { name: await customerName(ctx) });
        // A key account's file comes first: the manager walks in knowing the equipment, the credit and whom to ask for.
        if (!ctx.env.deps.policy.visitSections.includes("key")) return ask;
        const file = await customerFileOf(ctx);
        return file ? `${customerFileBrief(file, ctx.env.t, ctx.env.today)}\n\n${ask}` : ask;
      },
      // The customer is known by now: the class's check-in and photo rules are read once for the steps after.
      async note(_value, ctx) {
        await noteEvidencePolicy(ctx);
        return null;
      },
      options: (ctx) => [
        { value: "field", label: ctx.env.t("forms.visit.mode.field"), aliases: ["field", "实地拜访", "现场", "上门"] },
        { value: "online", label: ctx.env.t("forms.visit.mode.online"), aliases: ["online", "线上", "微信", "视频"] },
        { value: "phone", label: ctx.env.t("forms.visit.mode.phone"), aliases: ["phone", "打电话", "电话拜访"] },
      ],
    },
    checkinStep,
    checkinUnableStep,
    {
      id: "duration",
      type: "number",
      askLocation: offersCheckin,
      schema: z.number().int("forms.err.not-int").min(1, "forms.visit.duration-range").max(480, "forms.visit.duration-range"),
      async prompt(ctx) {
        const { t } = ctx.env;
        const customer = await customerOf(ctx);
        const cls = customer ? classById(ctx.env.deps.policy, customer.serviceClass) : undefined;
        const ask = cls
          ? t("forms.visit.duration-class", { label: cls.label[ctx.env.locale], min: cls.visitMinutes.min, max: cls.visitMinutes.max })
          : t("forms.visit.duration");
        const offer = await offerCheckinLine(ctx);
        // The hint first: the question stays right above the options it asks about.
        return offer ? `${offer}\n${ask}` : ask;
      },
      async options(ctx) {
        // Choices around the class's standard from the policy: a bit under, its minimum and maximum, a bit over.
        const customer = await customerOf(ctx);
        const cls = customer ? classById(ctx.env.deps.policy, customer.serviceClass) : undefined;
        const { min, max } = cls?.visitMinutes ?? { min: 15, max: 20 };
        const minutes = [...new Set([min - 5, min, max, max + 10])].filter((m) => m > 0);
        const options = minutes.map((m) => ({ value: String(m), label: ctx.env.t("forms.visit.minutes", { m }) }));
        // Checked in: the time since then, measured, comes first.
        const checkin = evidenceOf(ctx.meta).checkin;
        if (checkin) {
          const measured = Math.max(1, measuredMinutes(new Date(checkin.at), ctx.env.now));
          if (measured >= 5 && measured <= 480) return [{ value: String(measured), label: ctx.env.t("evidence.duration-measured", { m: measured }) }, ...options.filter((o) => o.value !== String(measured))];
        }
        return options;
      },
      parse(input, ctx): ParseResult {
        const n = parseDuration(input);
        return n === null ? { error: ctx.env.t("forms.visit.duration-hint") } : { value: n };
      },
      hint: (ctx) => ctx.env.t("forms.visit.duration-hint"),
    },
    checkinReasonStep,
    sectionsGroup,
    checkinReasonLateStep,
  ],
  async describe(ctx) {
    const name = await customerName(ctx);
    return name ? ctx.env.t("forms.visit.title", { name }) : ctx.env.t("forms.visit.title-new");
  },
  prepareAttachment: prepareVisitAttachment,
  attach: attachToVisit,
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const ref = await resolveCustomerRef(env, customerAnswer(ctx));
    if (!ref) throw new Error("visit form completed without a customer");
    const factor = inventoryFactorFor(env.deps.policy, ref.customer);
    const sections = policySections(env.deps.policy);
    const input = visitInputFromAnswers(answers, { factor, preset: env.deps.policy.preset, sections: sections.map((s) => s.id) });
    input.customerId = ref.customer.id;
    input.plannedVisitId = ref.plannedVisitId;
    const evidence = visitEvidenceFrom({ answers, meta, now: env.now, mode: input.mode, defaultMode: env.deps.policy.evidence.checkIn.mode });
    if (Object.keys(evidence.columns).length) input.evidence = evidence.columns;
    const editId = typeof meta.editVisitId === "number" ? meta.editVisitId : null;
    const logged = editId
      ? await updateVisit({ tx, deps: env.deps, staff: env.staff, visitId: editId, input, at: env.now })
      : await logVisit({ tx, deps: env.deps, staff: env.staff, input, at: env.now });
    await saveFormAnswers({ tx, visitId: logged.visit.id, answers: answersForEdit(answers, logged, sections) });
    const told: string[] = await afterVisitEvidence({ tx, env, visitId: logged.visit.id, customerId: logged.customer.id, evidence });
    for (const s of sections) {
      if (!s.afterLog) continue;
      const rounds = roundsOf(answers, s);
      if (!rounds.length) continue;
      const lines = await s.afterLog({ tx, env, visitId: logged.visit.id, customer: logged.customer, rounds, edited: !!editId });
      if (lines) told.push(...lines);
    }
    return confirmVisit(env, tx, logged, input, !!editId, sections, told);
  },
};

/** The rounds that picked the section and whose answers parse by its schema. */
function roundsOf(answers: Answers, section: VisitSection): Answers[] {
  const items = Array.isArray(answers.sections) ? (answers.sections as Answers[]) : [];
  const rounds: Answers[] = [];
  for (const it of items) {
    if (!picked(it, section.id)) continue;
    const r = section.schema.safeParse(it);
    if (r.success) rounds.push(r.data);
  }
  return rounds;
}

/**
 * The form's answers → what the service records. A section is in the record when the policy lists
 * it (`sections`, default: every registered one) and a round of the menu answered it. Exported for tests.
 */
export function visitInputFromAnswers(answers: Answers, opts: { factor: number; preset?: string; sections?: readonly string[] }): LogVisitInput {
  const draft: VisitDraft = {
    details: { kind: "visit", formVersion: VISIT_FORM_VERSION },
    complaints: [],
    notes: [],
    nextVisitDate: null,
    keyPersonMet: null,
    customerChanges: [],
  };
  const listed = (opts.sections ?? visitSections().map((s) => s.id)).map((id) => visitSection(id)).filter((s): s is VisitSection => !!s);
  // Rounds in the order they were answered; within a round, sections in registry order (as asked).
  const order = visitSections().filter((s) => listed.includes(s));
  const items = Array.isArray(answers.sections) ? (answers.sections as Answers[]) : [];
  for (const it of items) {
    for (const s of order) {
      if (!picked(it, s.id)) continue;
      const r = s.schema.safeParse(it);
      if (r.success) s.toDetails(r.data, draft, { factor: opts.factor, preset: opts.preset ?? "" });
    }
  }
  return {
    customerId: 0,
    mode: (answers.mode as VisitMode) ?? "field",
    durationMin: typeof answers.duration === "number" ? answers.duration : null,
    notes: draft.notes.join("\n"),
    details: draft.details,
    complaints: draft.complaints,
    nextVisitDate: draft.nextVisitDate,
    keyPersonMet: draft.keyPersonMet,
    ...(draft.customerChanges.length ? { customerChanges: draft.customerChanges } : {}),
  };
}

/** The answers as /edit will reopen them (sections may note the records their rounds became). */
function answersForEdit(answers: Answers, logged: LoggedVisit, sections: VisitSection[]): Answers {
  const copy = structuredClone(answers);
  const items = Array.isArray(copy.sections) ? (copy.sections as Answers[]) : [];
  for (const s of sections) s.forEdit?.(items.filter((it) => picked(it, s.id)), logged);
  return copy;
}

async function confirmVisit(env: Env, tx: Tx, logged: LoggedVisit, input: LogVisitInput, edited: boolean, sections: VisitSection[], told: string[]): Promise<Reply> {
  const { t } = env;
  // What the service added while recording (customer changes with their old values) is read back from the visit row.
  const recorded = parseDetails(logged.visit);
  const d = recorded.customerChanges ? { ...input.details, customerChanges: recorded.customerChanges } : input.details;
  const photos = await countVisitPhotos(tx, logged.visit.id);
  const parts = [logged.customer.name, t(`forms.visit.mode.${input.mode}`), t("forms.visit.minutes", { m: input.durationMin ?? "–" }), ...evidenceConfirmParts(t, logged.visit, photos, checkInModeFor(env.deps.policy, logged.customer.serviceClass))];
  const more = { env, logged, notes: input.notes, time: (x: Date) => hhmm(env, x) };
  // Confirmation parts follow registry order (the order the sections are asked in), not the menu's.
  const extras = visitSections()
    .filter((s) => sections.includes(s))
    .flatMap((s) => s.confirm?.(d, t, more) ?? []);
  const summary = [...parts, ...(extras.length ? extras : [t("forms.confirm.all-normal")])].join(" · ");
  const lines = [t(edited ? "forms.confirm.updated" : "forms.confirm.logged", { summary })];
  for (const s of visitSections()) if (sections.includes(s)) lines.push(...(s.notices?.(d, t) ?? []));
  // A field visit shorter than its class's standard: said once, here, rather than found in the supervisor's report.
  const cls = classById(env.deps.policy, logged.customer.serviceClass);
  if (input.mode === "field" && cls && input.durationMin !== null && input.durationMin < cls.visitMinutes.min) {
    lines.push(t("forms.confirm.short", { m: input.durationMin, label: cls.label[env.locale], min: cls.visitMinutes.min, max: cls.visitMinutes.max }));
  }
  lines.push(...told);
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

/** The app's engine (deps.forms); a router built without createAppRouter gets one knowing these forms only. */
export function visitFormEngine(deps: StartContext["deps"]): FormEngine<Env> {
  return deps.forms ?? new FormEngine<Env>({ db: deps.db, forms: visitForms });
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
