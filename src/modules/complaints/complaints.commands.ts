import type { Reply } from "../../core/chat.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { startComplaintForm, startResolveForm } from "./complaint.dialog.ts";
import {
  acknowledgeComplaint,
  commentComplaint,
  findAccessible,
  listOpenComplaints,
  markCustomerTold,
  reassignComplaint,
  teamIds,
  reassignCandidates,
  timeLeftText,
  type ActionResult,
} from "./complaints.service.ts";

function startCtx(ctx: CommandContext) {
  return { deps: ctx.deps, t: ctx.t, locale: ctx.locale, msg: ctx.msg, staff: ctx.staff! };
}

/** "#12", "12" → 12 */
function idArg(ctx: CommandContext): number | null {
  const m = /^#?(\d+)$/.exec(ctx.args[0] ?? "");
  return m ? Number(m[1]) : null;
}

function failure(ctx: CommandContext, r: Extract<ActionResult, { ok: false }>, id: number): Reply {
  return { text: ctx.t(`complaints.fail.${r.reason}`, { id }) };
}

async function listCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const rows = await listOpenComplaints(deps, staff);
  const isSupervisor = (await teamIds(deps.db, staff.id)).length > 0;
  if (!rows.length) return { text: t(isSupervisor ? "complaints.none-team" : "complaints.none") };
  const now = deps.clock.now();
  const lines = [t(isSupervisor ? "complaints.header-team" : "complaints.header", { count: rows.length })];
  for (const c of rows) {
    const flags = [!c.canResolve ? t("complaints.flag.escalated") : null, c.acknowledgedAt ? t("complaints.flag.acked") : null].filter(Boolean).join(" ");
    lines.push(
      t(isSupervisor ? "complaints.line-team" : "complaints.line", {
        id: c.id,
        customer: c.customer.name,
        category: t(`forms.problems.cat.${c.category}`),
        left: timeLeftText(deps, c, now, t),
        manager: c.manager.name,
        flags: flags ? ` ${flags}` : "",
      }),
    );
    lines.push(`   ${c.text}`);
  }
  lines.push(t(isSupervisor ? "complaints.footer-team" : "complaints.footer"));
  return { text: lines.join("\n") };
}

async function resolveCommand(ctx: CommandContext): Promise<Reply[]> {
  const id = idArg(ctx);
  if (id === null) return [{ text: ctx.t("complaints.resolve.usage") }];
  const c = await findAccessible(ctx.deps, ctx.staff!, id);
  if (!c) return [{ text: ctx.t("complaints.not-found", { id }) }];
  if (c.status !== "open") return [{ text: ctx.t("complaints.fail.closed", { id }) }];
  const intro = ctx.t("complaints.resolve.intro", { id, customer: c.customer.name, text: c.text, left: timeLeftText(ctx.deps, c, ctx.deps.clock.now(), ctx.t) });
  return startResolveForm(startCtx(ctx), id, intro);
}

async function ackCommand(ctx: CommandContext): Promise<Reply> {
  const id = idArg(ctx);
  if (id === null) return { text: ctx.t("complaints.ack.usage") };
  const r = await acknowledgeComplaint(ctx.deps, ctx.staff!, id);
  if (!r.ok) return failure(ctx, r, id);
  return { text: ctx.t("complaints.ack.done", { id, manager: r.complaint.manager.name, left: timeLeftText(ctx.deps, r.complaint, ctx.deps.clock.now(), ctx.t) }) };
}

async function reassignCommand(ctx: CommandContext): Promise<Reply> {
  const id = idArg(ctx);
  if (id === null) return { text: ctx.t("complaints.reassign.usage") };
  const code = ctx.args[1];
  if (!code) {
    const c = await findAccessible(ctx.deps, ctx.staff!, id);
    if (!c) return { text: ctx.t("complaints.not-found", { id }) };
    const { managers, total } = await reassignCandidates(ctx.deps.db, ctx.staff!.id, c.managerId);
    if (!managers.length) return { text: ctx.t("complaints.reassign.nobody") };
    const more = total > managers.length ? `\n${ctx.t("complaints.reassign.more", { shown: managers.length, total, id })}` : "";
    return { text: ctx.t("complaints.reassign.pick", { id }) + more, choices: managers.map((m) => ({ label: `${m.name}（${m.code}）`, value: `/reassign ${id} ${m.code}` })) };
  }
  const r = await reassignComplaint(ctx.deps, ctx.staff!, id, code);
  if (!r.ok) return failure(ctx, r, id);
  return { text: ctx.t(r.notified ? "complaints.reassign.done" : "complaints.reassign.done-unreachable", { id, manager: r.complaint.manager.name }) };
}

async function commentCommand(ctx: CommandContext): Promise<Reply> {
  const id = idArg(ctx);
  const text = ctx.args.slice(1).join(" ").trim();
  if (id === null || !text) return { text: ctx.t("complaints.comment.usage", { id: id ?? "12" }) };
  const r = await commentComplaint(ctx.deps, ctx.staff!, id, text);
  if (!r.ok) return failure(ctx, r, id);
  return { text: ctx.t("complaints.comment.done", { id }) };
}

async function toldCommand(ctx: CommandContext): Promise<Reply> {
  const id = idArg(ctx);
  if (id === null) return { text: ctx.t("complaints.told.usage") };
  const r = await markCustomerTold(ctx.deps, ctx.staff!, id);
  if (!r.ok) return failure(ctx, r, id);
  return { text: ctx.t("complaints.told.done", { id, customer: r.complaint.customer.name }) };
}

export const complaintCommands: Command[] = [
  { name: "complaint", audience: "manager", aliases: ["投诉"], helpKey: "help.complaint", run: (ctx) => startComplaintForm(startCtx(ctx), ctx.rest || undefined) },
  { name: "complaints", aliases: ["投诉列表"], helpKey: "help.complaints", run: listCommand },
  { name: "resolve", aliases: ["解决"], helpKey: "help.resolve", run: resolveCommand },
  { name: "ack", audience: "supervisor", helpKey: "help.ack", run: ackCommand },
  { name: "reassign", audience: "supervisor", helpKey: "help.reassign", run: reassignCommand },
  { name: "comment", helpKey: "help.comment", run: commentCommand },
  { name: "told", run: toldCommand },
];

