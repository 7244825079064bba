import type { Reply } from "../../core/chat.ts";
import { localDate } from "../../core/dates.ts";
import { formatDay } from "../../core/format.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { teamIds } from "../complaints/complaints.service.ts";
import { renderContextFor } from "../reminders/reminders.service.ts";
import { searchCustomers } from "../visits/visits.service.ts";
import { classLabel } from "./class-label.ts";
import { decideClassProposal, judgementClass, listPendingProposals, proposeClass, type DecisionNotice, type ProposalNotice } from "./class-proposals.service.ts";

/** The supervisor's message, in the supervisor's language, with the two one-tap answers. */
const proposalNotice =
  (ctx: CommandContext): ProposalNotice =>
  ({ proposal, customer, manager, supervisor }) => {
    const view = renderContextFor(ctx.deps, supervisor);
    return {
      text: view.t("assist.notice", { id: proposal.id, manager: manager.name, name: customer.name, code: customer.code, cls: classLabel(view, proposal.classId), from: classLabel(view, customer.serviceClass), reason: proposal.reason }),
      choices: [
        { label: view.t("assist.approve"), value: `/assist-ok ${proposal.id}` },
        { label: view.t("assist.reject"), value: `/assist-no ${proposal.id}` },
      ],
    };
  };

const decisionNotice =
  (ctx: CommandContext): DecisionNotice =>
  ({ proposal, customer, manager, supervisor, approved }) => {
    const view = renderContextFor(ctx.deps, manager);
    return { text: view.t(approved ? "assist.told-approved" : "assist.told-rejected", { id: proposal.id, supervisor: supervisor.name, name: customer.name, cls: classLabel(view, proposal.classId) }) };
  };

/** `/assist 店名 原因`: the first word finds the shop, the rest is the reason. */
async function assistCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const classId = judgementClass(deps.policy);
  if (!classId) return { text: t("assist.no-class") };
  const text = ctx.args[0] ?? "";
  const reason = ctx.rest.trim().slice(text.length).trim();
  if (!text || !reason) return { text: t("assist.usage") };
  const max = deps.policy.inbound.maxReasonChars;
  if ([...reason].length > max) return { text: t("assist.reason-too-long", { max, length: [...reason].length }) };
  const found = await searchCustomers({ deps, staff, text });
  if (!found.customers.length) return { text: t("assist.not-found", { text }) };
  if (found.customers.length > 1) {
    return { text: t("assist.pick"), choices: found.customers.map((c) => ({ label: `${c.name}（${c.code}）`, value: `/assist ${c.code} ${reason}` })) };
  }
  const customer = found.customers[0]!;
  const cls = classLabel(ctx, classId);
  const r = await proposeClass({ deps, manager: staff, customer, reason, notice: proposalNotice(ctx) });
  switch (r.kind) {
    case "no-class":
      return { text: t("assist.no-class") };
    case "already":
      return { text: t("assist.already", { name: customer.name, cls }) };
    case "pending":
      return { text: t("assist.pending", { name: customer.name, id: r.proposal.id, day: formatDay(localDate(r.proposal.createdAt, deps.policy.timeZone), t) }) };
    case "proposed":
      // House rule 1: say whether the supervisor was reached, not just "sent".
      if (!r.supervisor) return { text: t("assist.no-supervisor", { id: r.proposal.id }) };
      if (!r.reached) return { text: t("assist.unreached", { id: r.proposal.id, supervisor: r.supervisor.name }) };
      return { text: t("assist.sent", { name: customer.name, cls, supervisor: r.supervisor.name, id: r.proposal.id }) };
  }
}

function decide(approve: boolean) {
  return async (ctx: CommandContext): Promise<Reply> => {
    const { t, deps } = ctx;
    const m = /^#?(\d+)$/.exec(ctx.args[0] ?? "");
    if (!m) return { text: t("assist.id-usage") };
    const id = Number(m[1]);
    const r = await decideClassProposal({ deps, viewer: ctx.staff!, id, approve, notice: decisionNotice(ctx) });
    if (r.kind === "not-found") return { text: t("assist.proposal-not-found", { id }) };
    if (r.kind === "decided-before") return { text: t("assist.decided-before", { id, name: r.customer.name, status: t(`assist.status.${r.proposal.status}`) }) };
    const key = `${r.approved ? "assist.approved" : "assist.rejected"}${r.managerReached ? "" : "-unreached"}`;
    return { text: t(key, { id, name: r.customer.name, cls: classLabel(ctx, r.proposal.classId), manager: r.manager.name }) };
  };
}

async function listCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const rows = await listPendingProposals({ db: deps.db, viewer: staff, teamIds: await teamIds(deps.db, staff.id) });
  if (!rows.length) return { text: t("assist.list-none") };
  const lines = [t("assist.list-header", { count: rows.length })];
  for (const r of rows) {
    lines.push(t("assist.list-line", { id: r.id, name: r.customer.name, code: r.customer.code, manager: r.manager?.name ?? "—", day: formatDay(localDate(r.createdAt, deps.policy.timeZone), t), reason: r.reason }));
  }
  const decidable = rows.filter((r) => r.managerId !== staff.id);
  return {
    text: lines.join("\n"),
    ...(decidable.length
      ? { choices: decidable.slice(0, 5).flatMap((r) => [
          { label: `#${r.id} ${t("assist.approve")}`, value: `/assist-ok ${r.id}` },
          { label: `#${r.id} ${t("assist.reject")}`, value: `/assist-no ${r.id}` },
        ]) }
      : {}),
  };
}

export const customerCommands: Command[] = [
  { name: "assist", audience: "manager", aliases: ["申请帮扶"], helpKey: "help.assist", run: assistCommand },
  { name: "assists", aliases: ["帮扶申请"], helpKey: "help.assists", run: listCommand },
  { name: "assist-ok", audience: "supervisor", run: decide(true) },
  { name: "assist-no", audience: "supervisor", run: decide(false) },
];
