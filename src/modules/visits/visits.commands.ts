import type { Reply } from "../../core/chat.ts";
import { localClock } from "../../core/dates.ts";
import { formatDay } from "../../core/format.ts";
import { normalizeInput, parseChineseNumber } from "../../core/forms/form-input.ts";
import type { HookContext } from "../../core/forms/form-router.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { sendDaySummary } from "../summaries/summaries.service.ts";
import { countActiveCustomers } from "../customers/customers.service.ts";
import { renderDaySummary } from "./day-summary.ts";
import { startEditForm, startLogForm, type StartContext } from "./visit.dialog.ts";
import { daySummary, dayStops, findEditable, findUndoable, hasRecordedDetails, parseDetails, undoLastLog, UNDO_WINDOW_MS } from "./visits.service.ts";

function startContext(ctx: CommandContext | (HookContext & { staff: Staff })): StartContext {
  return { deps: ctx.deps, t: ctx.t, locale: ctx.locale, msg: ctx.msg, staff: ctx.staff! };
}

function time(ctx: Pick<CommandContext, "deps">, d: Date): string {
  return localClock(d, ctx.deps.policy.timeZone);
}

/** "3", "第3站", "3号" → 3. */
export function stopNumberOf(text: string): number | null {
  const m = /^第?\s*(\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})\s*(?:站|号|家)?$/.exec(normalizeInput(text));
  if (!m) return null;
  // "三", "第十二站": Chinese numerals as people type them.
  return /^\d+$/.test(m[1]!) ? Number(m[1]) : parseChineseNumber(m[1]!);
}

async function noCustomers(ctx: CommandContext): Promise<Reply | null> {
  const n = await countActiveCustomers({ db: ctx.deps.db, managerId: ctx.staff!.id });
  return n ? null : { text: ctx.t("today.not-a-manager") };
}

/** Starts the visit form for stop `n` of the list the manager sees in /today. */
export async function startFromStop(ctx: CommandContext | (HookContext & { staff: Staff }), n: number, origin: string): Promise<Reply[]> {
  const { t } = ctx;
  const day = await dayStops({ deps: ctx.deps, staff: ctx.staff! });
  if (!day.stops.length) return [{ text: t("forms.visit.no-list") }];
  const stop = day.stops.find((s) => s.n === n);
  if (!stop) return [{ text: t("forms.visit.no-such-stop", { n, count: day.stops.length }) }];
  const replies = await startLogForm(startContext(ctx), { form: "visit", stop, origin });
  // Not a visit day: the number is a stop of the next visit day's list; say so before logging it.
  if (!day.isToday && replies.length) replies[0] = { ...replies[0]!, text: `${t("forms.visit.other-day-stop", { n, day: formatDay(day.date, t) })}\n${replies[0]!.text}` };
  return replies;
}

/**
 * Text that is no command and no form answer: a bare stop number ("3", "第3站") starts the visit form
 * for that stop — the same as replying to the evening reminder with the number.
 */
export async function stopNumberIdle(ctx: HookContext & { staff: Staff }): Promise<Reply[] | null> {
  const n = stopNumberOf(ctx.msg.text);
  if (n === null) return null;
  const customers = await countActiveCustomers({ db: ctx.deps.db, managerId: ctx.staff.id });
  if (!customers) return null;
  return startFromStop(ctx, n, "stop");
}

async function logCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const none = await noCustomers(ctx);
  if (none) return none;
  const n = stopNumberOf(ctx.rest);
  if (n !== null) return startFromStop(ctx, n, "command");
  return startLogForm(startContext(ctx), { form: "visit", input: ctx.rest || undefined });
}

async function callCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const none = await noCustomers(ctx);
  if (none) return none;
  return startLogForm(startContext(ctx), { form: "call", input: ctx.rest || undefined });
}

async function undoCommand(ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  if (ctx.args[0] === "keep") return { text: t("forms.undo.kept") };
  const confirmed = /^confirm$/.test(ctx.args[0] ?? "") ? Number(ctx.args[1]) : undefined;
  if (confirmed === undefined) {
    // A log with sections, a note or problems in it is work: ask before throwing it away.
    const target = await findUndoable({ deps: ctx.deps, staff: ctx.staff! });
    if (target && (await hasRecordedDetails({ deps: ctx.deps, visit: target }))) {
      const what = t(parseDetails(target).kind === "call" ? "forms.undo.call" : "forms.undo.visit", { name: target.customer.name, time: time(ctx, target.visitedAt) });
      return {
        text: t("forms.undo.confirm", { what }),
        choices: [
          { label: t("forms.undo.confirm-yes"), value: `/undo confirm ${target.id}` },
          { label: t("forms.undo.confirm-no"), value: "/undo keep" },
        ],
      };
    }
  }
  const r = await undoLastLog({ deps: ctx.deps, staff: ctx.staff!, visitId: confirmed });
  if (!r) return { text: t("forms.undo.nothing", { minutes: UNDO_WINDOW_MS / 60000 }) };
  const what = t(r.kind === "call" ? "forms.undo.call" : "forms.undo.visit", { name: r.customer.name, time: time(ctx, r.visit.visitedAt) });
  const lines = [t("forms.undo.done", { what })];
  if (r.complaintsRemoved) lines.push(t("forms.undo.complaints", { n: r.complaintsRemoved }));
  if (r.planRestored) lines.push(t("forms.undo.plan"));
  return { text: lines.join("\n") };
}

async function editCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { t } = ctx;
  const n = ctx.rest ? stopNumberOf(ctx.rest) : null;
  if (ctx.rest && n === null) return { text: t("forms.edit.usage") };
  const visit = await findEditable({ deps: ctx.deps, staff: ctx.staff!, stopNo: n ?? undefined });
  if (!visit) return { text: t(n ? "forms.edit.no-stop-log" : "forms.edit.nothing", { n: n ?? "" }) };
  const replies = await startEditForm(startContext(ctx), visit);
  return replies ?? { text: t("forms.edit.not-editable") };
}

async function summaryCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const sub = (ctx.args[0] ?? "").toLowerCase();
  if (["send", "发送", "发给主管", "发送给主管"].includes(sub)) {
    const sent = await sendDaySummary({ deps, manager: staff, note: ctx.rest.slice(ctx.args[0]!.length).trim() });
    if (!sent.supervisor) return { text: t("summary.no-supervisor") };
    return { text: t(sent.delivered ? "summary.sent" : "summary.saved-unreachable", { supervisor: sent.supervisor.name }) };
  }
  const s = await daySummary({ deps, staff });
  const text = renderDaySummary(t, deps.policy, s);
  // Someone to send it to: offer it (the report goes to the supervisor, as the standards ask).
  const choices = staff.supervisorId ? [{ label: t("summary.send-button"), value: "/summary send" }] : undefined;
  return { text, ...(choices ? { choices } : {}) };
}

async function noForm(ctx: CommandContext): Promise<Reply> {
  return { text: ctx.t("forms.no-open-form") };
}

export const visitCommands: Command[] = [
  { name: "log", audience: "manager", aliases: ["记录", "拜访"], helpKey: "help.log", run: logCommand },
  { name: "call", audience: "manager", aliases: ["电话"], helpKey: "help.call", run: callCommand },
  { name: "summary", audience: "manager", aliases: ["小结", "汇总"], helpKey: "help.summary", run: summaryCommand },
  { name: "undo", audience: "manager", aliases: ["撤销"], helpKey: "help.undo", run: undoCommand },
  { name: "edit", audience: "manager", aliases: ["修改"], helpKey: "help.edit", run: editCommand },
  { name: "cancel", aliases: ["取消"], helpKey: "help.cancel", run: noForm },
  { name: "back", aliases: ["返回"], run: noForm },
  // The terminal's location and camera: a well-formed one never reaches here (the console adapter
  // delivers it as a location / picture); what does is malformed or names a missing file, and its
  // usage answer leaves an open visit form where it is.
  { name: "loc", audience: "manager", helpKey: "help.loc", platforms: ["console"], keepsOpenForm: true, run: async (ctx) => ({ text: ctx.t("console.loc-usage") }) },
  {
    name: "photo",
    audience: "manager",
    helpKey: "help.photo",
    platforms: ["console"],
    keepsOpenForm: true,
    run: async (ctx) => ({ text: ctx.rest ? `${ctx.t("console.photo-not-found", { path: ctx.rest })}\n${ctx.t("console.photo-usage")}` : ctx.t("console.photo-usage") }),
  },
];
