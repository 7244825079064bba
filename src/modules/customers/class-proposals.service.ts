import type { TPolicy } from "../../config/policy.ts";
import { inChunks } from "../../core/batch.ts";
import type { Reply } from "../../core/chat.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { ClassProposal, Customer, Staff } from "../../generated/prisma/client.ts";
import { canAccess } from "../complaints/complaints.service.ts";
import { quietHoursEnd } from "../reminders/reminders.service.ts";

/**
 * /assist: the tobacco standard leaves 帮扶 partly to the manager's judgement ("由客户经理根据…自主
 * 判别和选择"), so a manager proposes a shop with a reason and the supervisor decides with one tap.
 * Approval sets the customer's classOverride, which the nightly recompute keeps.
 */

/** The class a manager may propose by judgement (the preset's 帮扶), or null when the preset has none. */
export function judgementClass(policy: TPolicy): string | null {
  return policy.classification.kind === "tobacco-rules" ? policy.classification.assistance.classId : null;
}

export type ProposeResult =
  | { kind: "proposed"; proposal: ClassProposal; supervisor: Staff | null; reached: boolean }
  | { kind: "pending"; proposal: ClassProposal }
  | { kind: "already"; classId: string }
  | { kind: "no-class" };

/** What the supervisor is sent: the proposal and approve / reject buttons. */
export type ProposalNotice = (p: { proposal: ClassProposal; customer: Customer; manager: Staff; supervisor: Staff }) => Reply;

/**
 * Records the proposal (one pending per shop, held by a unique key) and, in the same transaction,
 * queues the supervisor's message: either both happen or neither, and `reached` says truthfully
 * whether a message to the supervisor was queued (none when there is no supervisor or no chat).
 */
export async function proposeClass(opts: { deps: AppDeps; manager: Staff; customer: Customer; reason: string; notice: ProposalNotice }): Promise<ProposeResult> {
  const { deps, manager, customer } = opts;
  const classId = judgementClass(deps.policy);
  if (!classId) return { kind: "no-class" };
  if (customer.serviceClass === classId) return { kind: "already", classId };
  const pending = await deps.db.classProposal.findUnique({ where: { pendingKey: customer.id } });
  if (pending) return { kind: "pending", proposal: pending };
  const now = deps.clock.now();
  try {
    return await deps.db.$transaction(async (tx) => {
      const proposal = await tx.classProposal.create({
        data: { customerId: customer.id, managerId: manager.id, classId, reason: opts.reason, pendingKey: customer.id, supervisorId: manager.supervisorId, createdAt: now },
      });
      const supervisor = manager.supervisorId ? await tx.staff.findUnique({ where: { id: manager.supervisorId } }) : null;
      const reached = supervisor?.active ? await tell(tx, deps, supervisor, `class-proposal:${proposal.id}`, opts.notice({ proposal, customer, manager, supervisor })) : false;
      return { kind: "proposed" as const, proposal, supervisor, reached };
    });
  } catch (err) {
    // Two proposals at once for the same shop: the other one won the unique key.
    const again = await deps.db.classProposal.findUnique({ where: { pendingKey: customer.id } });
    if (again) return { kind: "pending", proposal: again };
    throw err;
  }
}

async function tell(tx: Tx, deps: AppDeps, to: Staff, key: string, reply: Reply): Promise<boolean> {
  const address = await resolveRecipient(tx as unknown as Db, to);
  if (!address) return false;
  const now = deps.clock.now();
  await enqueue({ db: tx as unknown as Db, key, kind: "class-proposal", staffId: to.id, platform: address.platform, chatId: address.chatId, reply, notBefore: quietHoursEnd(to, now, deps.policy.timeZone) ?? now, clock: deps.clock });
  return true;
}

export type DecideResult =
  | { kind: "decided"; proposal: ClassProposal; customer: Customer; manager: Staff; approved: boolean; managerReached: boolean }
  | { kind: "decided-before"; proposal: ClassProposal; customer: Customer }
  | { kind: "not-found" };

/** What the manager is told about the decision. */
export type DecisionNotice = (p: { proposal: ClassProposal; customer: Customer; manager: Staff; supervisor: Staff; approved: boolean }) => Reply;

/**
 * The supervisor's tap: claims the pending proposal with a conditional update (a second tap, or a
 * second supervisor, finds it decided), sets the override on approval, and queues the manager's
 * message, all in one transaction. Only someone above the manager may decide.
 */
export async function decideClassProposal(opts: { deps: AppDeps; viewer: Staff; id: number; approve: boolean; notice: DecisionNotice }): Promise<DecideResult> {
  const { deps, viewer } = opts;
  const found = await deps.db.classProposal.findUnique({ where: { id: opts.id } });
  if (!found || !(await canAccess(deps.db, viewer, found)) || found.managerId === viewer.id) return { kind: "not-found" };
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const claimed = await tx.classProposal.updateMany({
      where: { id: found.id, status: "pending" },
      data: { status: opts.approve ? "approved" : "rejected", pendingKey: null, decidedById: viewer.id, decidedAt: now },
    });
    const proposal = await tx.classProposal.findUniqueOrThrow({ where: { id: found.id } });
    if (claimed.count === 0) {
      const customer = await tx.customer.findUniqueOrThrow({ where: { id: proposal.customerId } });
      return { kind: "decided-before" as const, proposal, customer };
    }
    const customer = opts.approve
      ? await tx.customer.update({ where: { id: proposal.customerId }, data: { classOverride: proposal.classId, serviceClass: proposal.classId } })
      : await tx.customer.findUniqueOrThrow({ where: { id: proposal.customerId } });
    const manager = await tx.staff.findUniqueOrThrow({ where: { id: proposal.managerId } });
    const managerReached = await tell(tx, deps, manager, `class-decision:${proposal.id}`, opts.notice({ proposal, customer, manager, supervisor: viewer, approved: opts.approve }));
    return { kind: "decided" as const, proposal, customer, manager, approved: opts.approve, managerReached };
  });
}

/** Pending proposals a person can see: their own (a manager) and their team's (a supervisor), newest first, at most `take`. */
export async function listPendingProposals(opts: { db: Db; viewer: Staff; teamIds: number[]; take?: number }): Promise<(ClassProposal & { customer: Customer; manager: Staff | null })[]> {
  const take = opts.take ?? 20;
  // A region's team is thousands of ids: bounded IN lists, each at most `take` rows, merged.
  const rows = (await inChunks([opts.viewer.id, ...opts.teamIds], (part) => opts.db.classProposal.findMany({ where: { status: "pending", managerId: { in: part } }, orderBy: { id: "desc" }, take })))
    .sort((a, b) => b.id - a.id)
    .slice(0, take);
  const customers = rows.length ? await opts.db.customer.findMany({ where: { id: { in: rows.map((r) => r.customerId) } } }) : [];
  const managers = rows.length ? await opts.db.staff.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.managerId))] } } }) : [];
  return rows.flatMap((r) => {
    const customer = customers.find((c) => c.id === r.customerId);
    return customer ? [{ ...r, customer, manager: managers.find((m) => m.id === r.managerId) ?? null }] : [];
  });
}
