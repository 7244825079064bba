import { z } from "zod";
import type { Reply } from "../../core/chat.ts";
import { daysBetween, localParts, zonedInstant, clockTime } from "../../core/dates.ts";
import { splitDateTimeInput } from "../../core/date-input.ts";
import { formatDay, formatMinutes } from "../../core/format.ts";
import { FormEngine } from "../../core/forms/form-engine.ts";
import { parseTimeOfDay } from "../../core/forms/form-input.ts";
import { chatFormEnv, sessionKeyOf, type ChatFormEnv } from "../../core/forms/form-router.ts";
import type { FormDefinition, ParseResult, StepContext } from "../../core/forms/form-types.ts";
import { customerStep, resolveCustomerRef } from "../visits/visit.dialog.ts";
import type { StartContext } from "../visits/visit.dialog.ts";
import { escalationDelivery, openComplaint, resolveComplaint, timeLeftText } from "./complaints.service.ts";

type Env = ChatFormEnv;
type Ctx = StepContext<Env>;

export const COMPLAINT_FORM_VERSION = 1;
export const RESOLVE_FORM_VERSION = 1;
const CATEGORIES = ["supply", "price", "service", "delivery", "equipment", "other"] as const;
const text = (max: number) => z.string().trim().min(1).max(max, "forms.err.too-long");
/** A complaint and its resolution are read later by a supervisor: words, not only digits, emoji or symbols (a stray "1" is an option number sent to the wrong question). */
const hasWords = (s: string) => /\p{L}/u.test(s);

/** How far back a complaint's time may go: older than this is a typo (or a record for another tool). */
export const MAX_COMPLAINT_AGE_DAYS = 7;

/**
 * "刚才"/"now", an earlier time today ("9:30", "9点半") or an earlier day ("昨天 19:30", "昨晚7点半",
 * "12-01 19:30") → the instant the customer raised it: the SLA deadline runs from then.
 */
function parseOpenedAt(input: string, ctx: Ctx): ParseResult {
  const { env } = ctx;
  const s = input.trim().toLowerCase();
  if (["now", "刚才", "现在", "刚刚"].includes(s)) return { value: env.now.toISOString() };
  const parts = splitDateTimeInput(s, env.today);
  const hm = parts ? parseTimeOfDay(parts.time) : null;
  if (!parts || !hm) return { error: env.t("complaints.form.opened-hint") };
  const at = zonedInstant(parts.date, hm, env.deps.policy.timeZone);
  if (at > env.now) return { error: env.t("complaints.form.opened-future") };
  if (daysBetween(parts.date, env.today) > MAX_COMPLAINT_AGE_DAYS) {
    return { error: env.t("complaints.form.opened-too-old", { days: MAX_COMPLAINT_AGE_DAYS }) };
  }
  return { value: at.toISOString() };
}

/** A quick-answer tap stores the option value ("now"); a typed time is stored as an ISO instant. */
function openedAtOf(value: unknown, now: Date): Date {
  const t = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? now : new Date(t);
}

export const complaintForm: FormDefinition<Env> = {
  id: "complaint",
  version: COMPLAINT_FORM_VERSION,
  command: "/complaint",
  steps: [
    customerStep("complaint"),
    {
      id: "category",
      type: "choice",
      prompt: (ctx) => ctx.env.t("forms.problems.category"),
      options: (ctx) => CATEGORIES.map((c) => ({ value: c, label: ctx.env.t(`forms.problems.cat.${c}`) })),
    },
    {
      id: "text",
      type: "text",
      // "👍" or "。。。" says nothing a supervisor could act on: ask for words.
      schema: text(500).refine(hasWords, "complaints.form.text-no-words"),
      prompt: (ctx) => ctx.env.t("complaints.form.text"),
    },
    { id: "canResolve", type: "yesno", prompt: (ctx) => ctx.env.t("forms.problems.can-resolve") },
    {
      id: "openedAt",
      type: "text",
      prompt: (ctx) => ctx.env.t("complaints.form.opened"),
      options: (ctx) => [{ value: "now", label: ctx.env.t("complaints.form.opened-now") }],
      parse: parseOpenedAt,
      format: (v, ctx) => {
        const p = localParts(openedAtOf(v, ctx.env.now), ctx.env.deps.policy.timeZone);
        const hm = `${clockTime(p)}`;
        return p.date === ctx.env.today ? hm : `${formatDay(p.date, ctx.env.t)} ${hm}`;
      },
    },
  ],
  async describe(ctx) {
    const ref = ctx.answers.customer ? await resolveCustomerRef(ctx.env, ctx.answers.customer) : null;
    return ctx.env.t("complaints.form.title", { name: ref?.customer.name ?? "…" });
  },
  async complete(ctx) {
    const { env, answers, tx } = ctx;
    const ref = await resolveCustomerRef(env, answers.customer);
    if (!ref) throw new Error("complaint form completed without a customer");
    const openedAt = openedAtOf(answers.openedAt, env.now);
    const c = await openComplaint(tx, env.deps, {
      managerId: env.staff.id,
      customerId: ref.customer.id,
      category: String(answers.category),
      text: String(answers.text),
      canResolve: answers.canResolve === true,
      openedAt,
    });
    const { t } = env;
    const lines = [t("complaints.form.recorded", { id: c.id, name: ref.customer.name, left: timeLeftText(env.deps, c, env.now, t) })];
    if (c.canResolve) lines.push(t("complaints.form.recorded-own", { id: c.id }));
    else {
      const told = await escalationDelivery(tx, c);
      lines.push(
        told.queued
          ? t("complaints.form.recorded-escalated", { supervisor: told.supervisor!.name })
          : told.supervisor
            ? t("complaints.form.escalated-unreachable", { supervisor: told.supervisor.name, id: c.id })
            : t("complaints.form.escalated-no-supervisor", { id: c.id }),
      );
    }
    return { text: lines.join("\n") };
  },
};

export const resolveForm: FormDefinition<Env> = {
  id: "complaint-resolve",
  version: RESOLVE_FORM_VERSION,
  command: "/resolve",
  steps: [
    { id: "resolution", type: "text", schema: text(500).refine(hasWords, "complaints.resolve.no-words"), prompt: (ctx) => ctx.env.t("complaints.resolve.how", { id: String(ctx.meta.complaintId) }) },
    { id: "informed", type: "yesno", prompt: (ctx) => ctx.env.t("complaints.resolve.informed") },
  ],
  describe: (ctx) => ctx.env.t("complaints.resolve.title", { id: String(ctx.meta.complaintId) }),
  async complete(ctx) {
    const { env, answers, meta, tx } = ctx;
    const { t } = env;
    const result = await resolveComplaint(tx, env.deps, env.staff, Number(meta.complaintId), {
      resolution: String(answers.resolution),
      customerInformed: answers.informed === true,
    });
    if (!result) return { text: t("complaints.not-found", { id: String(meta.complaintId) }) };
    const lines = [
      t(result.breached ? "complaints.resolve.done-breach" : "complaints.resolve.done-hit", {
        id: result.complaint.id,
        name: result.complaint.customer.name,
        time: formatMinutes(result.totalMinutes, t),
      }),
      answers.informed === true ? t("complaints.resolve.told") : t("complaints.resolve.tell-later"),
    ];
    return { text: lines.join("\n") } satisfies Reply;
  },
};

export const complaintForms: FormDefinition<Env>[] = [complaintForm, resolveForm];

function engine(ctx: StartContext): FormEngine<Env> {
  // The app's engine knows every form: an open visit form is a form here too, never "unknown".
  return ctx.deps.forms ?? new FormEngine<Env>({ db: ctx.deps.db, forms: complaintForms });
}

export async function startComplaintForm(ctx: StartContext, input?: string): Promise<Reply[]> {
  const e = engine(ctx);
  const key = sessionKeyOf(ctx.msg);
  const first = await e.start(key, complaintForm, chatFormEnv(ctx), { staffId: ctx.staff.id });
  if (!input) return first;
  const out = await e.handle(key, input, chatFormEnv(ctx));
  return out?.replies ?? first;
}

export async function startResolveForm(ctx: StartContext, complaintId: number, intro: string): Promise<Reply[]> {
  return engine(ctx).start(sessionKeyOf(ctx.msg), resolveForm, chatFormEnv(ctx), { staffId: ctx.staff.id, meta: { complaintId }, intro });
}
