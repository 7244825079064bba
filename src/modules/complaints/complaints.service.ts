import { chunks, inChunks } from "../../core/batch.ts";
import type { Reply } from "../../core/chat.ts";
import { localDate, localParts } from "../../core/dates.ts";
import { formatMinutes } from "../../core/format.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import type { AppDeps } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { Complaint, Customer, Staff } from "../../generated/prisma/client.ts";
import { isLocale, translator, type Translate } from "../../i18n/i18n.ts";
import { complaintDeadline, latestDueStage, slaMinutesLeft, slaStages, type SlaStage } from "./sla.ts";

/**
 * Complaints and the SLA: intake, staged notices (manager reminders, supervisor warning before the
 * limit, breach, escalation up the chain when nobody acknowledges), supervisor actions and
 * resolution. Every notice goes through the outbox with a key per complaint, stage and recipient,
 * so a notice is sent once whatever the restarts, overlaps and instances.
 */

type Client = Db | Tx;
export type ComplaintWithRefs = Complaint & { customer: Customer; manager: Staff };

const MAX_CHAIN = 10;
/** How long after "customer not told yet" the manager is reminded to tell them. */
export const TELL_CUSTOMER_AFTER_MIN = 60;

export function complaintKeyPrefix(id: number): string {
  return `complaint:${id}:`;
}

/** The supervisors above a staff member, nearest first. */
export async function supervisorChain(db: Client, staff: Pick<Staff, "supervisorId">): Promise<Staff[]> {
  const chain: Staff[] = [];
  let next = staff.supervisorId;
  while (next && chain.length < MAX_CHAIN && !chain.some((s) => s.id === next)) {
    const s = await db.staff.findUnique({ where: { id: next } });
    if (!s) break;
    chain.push(s);
    next = s.supervisorId;
  }
  return chain;
}

/** At most this many managers are offered as buttons to take over a complaint; more are typed by code. */
export const REASSIGN_CHOICES = 30;

/**
 * Managers of the viewer's team who could take over a complaint (not its current manager), by code,
 * the first `REASSIGN_CHOICES`, and how many there are in all.
 */
export async function reassignCandidates(db: Client, viewerId: number, exceptManagerId: number): Promise<{ managers: Staff[]; total: number }> {
  const ids = (await teamIds(db, viewerId)).filter((id) => id !== exceptManagerId);
  const where = (part: number[]) => ({ id: { in: part }, role: "manager", active: true });
  const counts = await inChunks(ids, async (part) => [await db.staff.count({ where: where(part) })]);
  const firsts = await inChunks(ids, (part) => db.staff.findMany({ where: where(part), orderBy: { code: "asc" }, take: REASSIGN_CHOICES }));
  firsts.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { managers: firsts.slice(0, REASSIGN_CHOICES), total: counts.reduce((a, b) => a + b, 0) };
}

/** Ids of everyone below `viewer` (their team, and their teams' teams). */
export async function teamIds(db: Client, viewerId: number): Promise<number[]> {
  const out: number[] = [];
  const seen = new Set([viewerId]);
  let frontier = [viewerId];
  for (let depth = 0; depth < MAX_CHAIN && frontier.length; depth++) {
    // A level of a large team is thousands of ids: one bounded IN list per chunk.
    const below = await inChunks(frontier, (part) => db.staff.findMany({ where: { supervisorId: { in: part } }, select: { id: true } }));
    frontier = below.map((s) => s.id).filter((id) => !seen.has(id));
    for (const id of frontier) seen.add(id);
    out.push(...frontier);
  }
  return out;
}

/** A manager sees their own complaints; a supervisor those of the team below them; nobody else. */
export async function canAccess(db: Client, viewer: Staff, c: Pick<Complaint, "managerId">): Promise<boolean> {
  if (viewer.id === c.managerId) return true;
  const manager = await db.staff.findUnique({ where: { id: c.managerId } });
  return manager ? (await supervisorChain(db, manager)).some((s) => s.id === viewer.id) : false;
}

export async function findAccessible(deps: AppDeps, viewer: Staff, id: number): Promise<ComplaintWithRefs | null> {
  const c = await deps.db.complaint.findUnique({ where: { id }, include: { customer: true, manager: true } });
  if (!c || !(await canAccess(deps.db, viewer, c))) return null;
  return c;
}

export interface OpenComplaintInput {
  managerId: number;
  customerId: number;
  category: string;
  text: string;
  canResolve: boolean;
  openedAt: Date;
  visitId?: number | null;
}

/** Records a complaint with its SLA deadline; "cannot resolve myself" pings the supervisor at once. */
export async function openComplaint(client: Client, deps: AppDeps, input: OpenComplaintInput): Promise<Complaint> {
  const c = await client.complaint.create({
    data: {
      managerId: input.managerId,
      customerId: input.customerId,
      category: input.category,
      text: input.text,
      canResolve: input.canResolve,
      openedAt: input.openedAt,
      deadlineAt: complaintDeadline(input.openedAt, deps.policy),
      visitId: input.visitId ?? null,
    },
  });
  if (!c.canResolve) await sweepComplaint(client, deps, c.id, deps.clock.now());
  return c;
}

/**
 * Whether the supervisor was really told about a complaint: their notice is in the outbox, bound
 * for a chat they are reachable on. Without one, say so (house rule: never claim a delivery).
 */
export async function escalationDelivery(client: Client, complaint: Pick<Complaint, "id" | "managerId">): Promise<{ supervisor: Staff | null; queued: boolean }> {
  const manager = await client.staff.findUnique({ where: { id: complaint.managerId } });
  const supervisor = manager ? ((await supervisorChain(client, manager))[0] ?? null) : null;
  if (!supervisor) return { supervisor: null, queued: false };
  const row = await client.outbox.findFirst({ where: { key: { startsWith: complaintKeyPrefix(complaint.id) }, staffId: supervisor.id, status: { in: ["pending", "sending", "sent"] } }, select: { id: true } });
  return { supervisor, queued: row !== null };
}

function tFor(deps: AppDeps, staff: Staff): Translate {
  return translator(isLocale(staff.locale) ? staff.locale : deps.policy.locale);
}

function clockText(deps: AppDeps, at: Date, now: Date, t: Translate): string {
  const a = localParts(at, deps.policy.timeZone);
  const n = localParts(now, deps.policy.timeZone);
  const hm = `${String(a.hour).padStart(2, "0")}:${String(a.minute).padStart(2, "0")}`;
  if (a.date === n.date) return hm;
  const [, m, d] = a.date.split("-").map(Number);
  return t("complaints.date-time", { month: m!, day: d!, time: hm });
}

export function timeLeftText(deps: AppDeps, c: Pick<Complaint, "deadlineAt">, now: Date, t: Translate): string {
  if (!c.deadlineAt) return "—";
  const left = slaMinutesLeft(now, c.deadlineAt, deps.policy);
  return left >= 0
    ? t("complaints.left", { time: formatMinutes(Math.max(1, Math.round(left)), t), deadline: clockText(deps, c.deadlineAt, now, t) })
    : t("complaints.overdue", { time: formatMinutes(Math.round(-left), t), deadline: clockText(deps, c.deadlineAt, now, t) });
}

export function supervisorActions(t: Translate, id: number): Reply["choices"] {
  return [
    { label: t("complaints.action.ack"), value: `/ack ${id}` },
    { label: t("complaints.action.reassign"), value: `/reassign ${id}` },
    { label: t("complaints.action.comment"), value: `/comment ${id}` },
  ];
}

function noticeFor(deps: AppDeps, c: ComplaintWithRefs, stage: SlaStage | { id: string; kind: "unacked"; audience: "supervisor" }, recipient: Staff, now: Date, extra: Record<string, string> = {}): Reply {
  const t = tFor(deps, recipient);
  const params = {
    id: c.id,
    customer: c.customer.name,
    manager: c.manager.name,
    category: t(`forms.problems.cat.${c.category}`),
    text: c.text,
    left: timeLeftText(deps, c, now, t),
    ...extra,
  };
  const key = `complaints.notice.${stage.audience}.${stage.kind}`;
  if (stage.audience === "manager") return { text: t(key, params) };
  return { text: t(key, params), choices: supervisorActions(t, c.id) };
}

const unreachableLogged = new Set<number>();

/** The admins learn, once a day per person, who misses complaint notices for want of a chat. */
async function tellAdminsUnreachable(client: Client, deps: AppDeps, who: Staff): Promise<void> {
  const admins = await client.staff.findMany({ where: { role: "admin", active: true }, orderBy: { id: "asc" }, take: 20 });
  const date = localDate(deps.clock.now(), deps.policy.timeZone);
  for (const admin of admins) {
    const to = await resolveRecipient(client as Db, admin);
    if (!to) continue;
    const t = tFor(deps, admin);
    await enqueue({
      db: client as Db,
      key: `unreachable:${who.id}:${admin.id}:${date}`,
      kind: "admin-unreachable",
      staffId: admin.id,
      platform: to.platform,
      chatId: to.chatId,
      reply: { text: t("complaints.admin.unreachable", { name: who.name, code: who.code, role: t(`role.${who.role}`) }) },
      clock: deps.clock,
    });
  }
}

async function send(client: Client, deps: AppDeps, opts: { key: string; kind: string; recipient: Staff; reply: Reply; notBefore?: Date }): Promise<boolean> {
  const to = await resolveRecipient(client as Db, opts.recipient);
  if (!to) {
    // Once per person and process: the sweep runs every minute and would repeat it each time.
    if (!unreachableLogged.has(opts.recipient.id)) {
      unreachableLogged.add(opts.recipient.id);
      deps.log.warn("complaint notices cannot reach a staff member without a chat binding", { staff: opts.recipient.code });
    }
    await tellAdminsUnreachable(client, deps, opts.recipient);
    return false;
  }
  unreachableLogged.delete(opts.recipient.id);
  return enqueue({
    db: client as Db,
    key: opts.key,
    kind: opts.kind,
    staffId: opts.recipient.id,
    platform: to.platform,
    chatId: to.chatId,
    reply: opts.reply,
    notBefore: opts.notBefore,
    clock: deps.clock,
  });
}

export interface SweepStats {
  complaints: number;
  notices: number;
  escalations: number;
  breaches: number;
}

/**
 * Brings one open complaint's notices up to date at `now`. For each audience only the latest due
 * stage is queued: after downtime the manager gets "breach", not "4 h left" and "2 h left" too.
 * State changes (escalation level, breach flag) are claimed with conditional updates, so two
 * sweeps running at once change each thing once.
 */
export async function sweepComplaint(client: Client, deps: AppDeps, id: number, now: Date, stats?: SweepStats): Promise<void> {
  const c = await client.complaint.findUnique({ where: { id }, include: { customer: true, manager: true } });
  if (!c || c.status !== "open") return;
  const stages = slaStages(c, deps.policy);
  const chain = await supervisorChain(client, c.manager);
  const count = (queued: boolean) => {
    if (queued && stats) stats.notices++;
  };

  const s = latestDueStage(stages, "supervisor", now);
  const supervisor = chain[0];
  // A manager who has left gets no more notices: the complaint is the supervisor's now.
  const m = c.manager.active ? latestDueStage(stages, "manager", now) : null;
  if (m) {
    // The breach notice says whether the supervisor can be reached, never that they were if not.
    const reachable = supervisor ? (await resolveRecipient(client as Db, supervisor)) !== null : false;
    const mt = tFor(deps, c.manager);
    const told = mt(supervisor ? (reachable ? "complaints.told.supervisor" : "complaints.told.unreachable") : "complaints.told.no-supervisor", { supervisor: supervisor?.name ?? "" });
    count(await send(client, deps, { key: `${complaintKeyPrefix(c.id)}${m.id}:${c.managerId}`, kind: `complaint-${m.kind}`, recipient: c.manager, reply: noticeFor(deps, c, m, c.manager, now, { told }) }));
  }

  if (s && supervisor) {
    const claimed = await client.complaint.updateMany({ where: { id: c.id, escalationLevel: { lt: 1 } }, data: { escalationLevel: 1 } });
    if (claimed.count) {
      await client.complaintEvent.create({ data: { complaintId: c.id, kind: "escalate", text: `level:1:${s.id}`, staffId: supervisor.id, createdAt: now } });
      if (stats) stats.escalations++;
    }
    count(await send(client, deps, { key: `${complaintKeyPrefix(c.id)}${s.id}:${supervisor.id}`, kind: `complaint-${s.kind}`, recipient: supervisor, reply: noticeFor(deps, c, s, supervisor, now) }));
  }

  if (c.deadlineAt && now >= c.deadlineAt && !c.breached) {
    const b = await client.complaint.updateMany({ where: { id: c.id, breached: false }, data: { breached: true } });
    if (b.count && stats) stats.breaches++;
  }

  // Nobody acknowledged the escalation in time: the next supervisor up the chain is pinged.
  const fresh = await client.complaint.findUniqueOrThrow({ where: { id: c.id } });
  if (fresh.escalationLevel >= 1 && !fresh.acknowledgedAt) {
    const last = await client.complaintEvent.findFirst({ where: { complaintId: c.id, kind: "escalate" }, orderBy: { id: "desc" } });
    const due = last && now.getTime() >= last.createdAt.getTime() + deps.policy.complaint.escalateUnacknowledgedMinutes * 60_000;
    const level = fresh.escalationLevel;
    const next = chain[level];
    const current = chain[level - 1];
    if (due && next && current) {
      const claimed = await client.complaint.updateMany({ where: { id: c.id, escalationLevel: level, acknowledgedAt: null }, data: { escalationLevel: level + 1 } });
      if (claimed.count) {
        await client.complaintEvent.create({ data: { complaintId: c.id, kind: "escalate", text: `level:${level + 1}:unacknowledged`, staffId: next.id, createdAt: now } });
        if (stats) stats.escalations++;
        const stage = { id: `unacked-l${level + 1}`, kind: "unacked" as const, audience: "supervisor" as const };
        const t = tFor(deps, next);
        const minutes = formatMinutes(deps.policy.complaint.escalateUnacknowledgedMinutes, t);
        count(await send(client, deps, { key: `${complaintKeyPrefix(c.id)}${stage.id}:${next.id}`, kind: "complaint-unacked", recipient: next, reply: noticeFor(deps, c, stage, next, now, { supervisor: current.name, minutes }) }));
      }
    }
  }
}

const SWEEP_PAGE = 200;

/**
 * The SLA sweep: every open complaint, most urgent first (no deadline first, as SQLite sorts
 * nulls), read in keyset pages so a backlog of any size never loads at once.
 */
export async function sweepComplaints(deps: AppDeps, now: Date = deps.clock.now()): Promise<SweepStats> {
  const stats: SweepStats = { complaints: 0, notices: 0, escalations: 0, breaches: 0 };
  const select = { id: true, deadlineAt: true } as const;
  for (let afterId = 0; ; ) {
    const page = await deps.db.complaint.findMany({ where: { status: "open", deadlineAt: null, id: { gt: afterId } }, orderBy: { id: "asc" }, take: SWEEP_PAGE, select });
    for (const { id } of page) await sweepComplaint(deps.db, deps, id, now, stats);
    stats.complaints += page.length;
    if (page.length < SWEEP_PAGE) break;
    afterId = page[page.length - 1]!.id;
  }
  for (let after: { id: number; deadlineAt: Date } | null = null; ; ) {
    const page: { id: number; deadlineAt: Date | null }[] = await deps.db.complaint.findMany({
      where: { status: "open", deadlineAt: { not: null }, ...(after ? { OR: [{ deadlineAt: { gt: after.deadlineAt } }, { deadlineAt: after.deadlineAt, id: { gt: after.id } }] } : {}) },
      orderBy: [{ deadlineAt: "asc" }, { id: "asc" }],
      take: SWEEP_PAGE,
      select,
    });
    for (const { id } of page) await sweepComplaint(deps.db, deps, id, now, stats);
    stats.complaints += page.length;
    if (page.length < SWEEP_PAGE) break;
    const last = page[page.length - 1]!;
    after = { id: last.id, deadlineAt: last.deadlineAt! };
  }
  return stats;
}

const byUrgency = (a: Pick<Complaint, "deadlineAt" | "id">, b: Pick<Complaint, "deadlineAt" | "id">) =>
  (a.deadlineAt?.getTime() ?? -Infinity) - (b.deadlineAt?.getTime() ?? -Infinity) || a.id - b.id;

/** Open complaints the viewer may see (own, or the team's for a supervisor), most urgent first. */
export async function listOpenComplaints(deps: AppDeps, viewer: Staff): Promise<ComplaintWithRefs[]> {
  const ids = [viewer.id, ...(await teamIds(deps.db, viewer.id))];
  // A large team's ids exceed what one statement may bind: query per chunk, then merge the order.
  const rows = await inChunks(ids, (part) =>
    deps.db.complaint.findMany({
      where: { status: "open", managerId: { in: part } },
      include: { customer: true, manager: true },
    }),
  );
  return rows.sort(byUrgency);
}

/** How many open complaints of the viewer's team were escalated to a supervisor and wait for an acknowledgement. */
export async function countWaitingComplaints(deps: AppDeps, viewer: Staff): Promise<number> {
  const ids = [viewer.id, ...(await teamIds(deps.db, viewer.id))];
  let n = 0;
  for (const part of chunks(ids)) n += await deps.db.complaint.count({ where: { status: "open", managerId: { in: part }, canResolve: false, acknowledgedAt: null } });
  return n;
}

async function cancelPending(client: Client, id: number, suffix = ""): Promise<void> {
  await client.outbox.updateMany({ where: { key: { startsWith: complaintKeyPrefix(id) + suffix }, status: "pending" }, data: { status: "cancelled" } });
}

export type ActionResult = { ok: true; complaint: ComplaintWithRefs; notified?: boolean } | { ok: false; reason: "not-found" | "not-supervisor" | "closed" | "unknown-manager" };

/** Supervisors above the complaint's manager may acknowledge it (stops escalation up the chain). */
export async function acknowledgeComplaint(deps: AppDeps, viewer: Staff, id: number): Promise<ActionResult> {
  const c = await findAccessible(deps, viewer, id);
  if (!c) return { ok: false, reason: "not-found" };
  if (viewer.id === c.managerId) return { ok: false, reason: "not-supervisor" };
  if (c.status !== "open") return { ok: false, reason: "closed" };
  const now = deps.clock.now();
  await deps.db.$transaction([
    deps.db.complaint.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: now, acknowledgedById: viewer.id } }),
    deps.db.complaintEvent.create({ data: { complaintId: id, kind: "acknowledge", staffId: viewer.id, createdAt: now } }),
  ]);
  return { ok: true, complaint: (await findAccessible(deps, viewer, id))! };
}

/** Moves a complaint to another manager of the supervisor's team; the new manager is told. */
export async function reassignComplaint(deps: AppDeps, viewer: Staff, id: number, managerCode: string): Promise<ActionResult> {
  const c = await findAccessible(deps, viewer, id);
  if (!c) return { ok: false, reason: "not-found" };
  if (viewer.id === c.managerId) return { ok: false, reason: "not-supervisor" };
  if (c.status !== "open") return { ok: false, reason: "closed" };
  const target = await deps.db.staff.findUnique({ where: { code: managerCode.trim() } });
  const team = await teamIds(deps.db, viewer.id);
  if (!target || !target.active || target.role !== "manager" || !team.includes(target.id)) return { ok: false, reason: "unknown-manager" };
  const now = deps.clock.now();
  const notified = await deps.db.$transaction(async (tx) => {
    await tx.complaint.update({ where: { id }, data: { managerId: target.id, acknowledgedAt: c.acknowledgedAt ?? now, acknowledgedById: c.acknowledgedById ?? viewer.id } });
    await tx.complaintEvent.create({ data: { complaintId: id, kind: "reassign", staffId: viewer.id, text: `${c.manager.code}→${target.code}`, createdAt: now } });
    const t = tFor(deps, target);
    await send(tx, deps, {
      key: `${complaintKeyPrefix(id)}reassigned:${target.id}`,
      kind: "complaint-reassigned",
      recipient: target,
      reply: { text: t("complaints.notice.reassigned", { id, customer: c.customer.name, text: c.text, supervisor: viewer.name, left: timeLeftText(deps, c, now, t) }) },
    });
    return (await tx.outbox.count({ where: { key: `${complaintKeyPrefix(id)}reassigned:${target.id}` } })) > 0;
  });
  return { ok: true, complaint: (await findAccessible(deps, viewer, id))!, notified };
}

/** A note on the complaint's record; the manager hears of a supervisor's comment. */
export async function commentComplaint(deps: AppDeps, viewer: Staff, id: number, text: string): Promise<ActionResult> {
  const c = await findAccessible(deps, viewer, id);
  if (!c) return { ok: false, reason: "not-found" };
  const now = deps.clock.now();
  await deps.db.$transaction(async (tx) => {
    const ev = await tx.complaintEvent.create({ data: { complaintId: id, kind: "comment", staffId: viewer.id, text, createdAt: now } });
    if (viewer.id !== c.managerId) {
      const t = tFor(deps, c.manager);
      await send(tx, deps, {
        key: `${complaintKeyPrefix(id)}comment-${ev.id}:${c.managerId}`,
        kind: "complaint-comment",
        recipient: c.manager,
        reply: { text: t("complaints.notice.comment", { id, customer: c.customer.name, who: viewer.name, text }) },
      });
    }
  });
  return { ok: true, complaint: c };
}

export interface Resolution {
  complaint: ComplaintWithRefs;
  totalMinutes: number;
  breached: boolean;
}

/**
 * Closes a complaint: records hit or breach and the total time, cancels notices still queued, and
 * when the customer has not been told yet queues a reminder to tell them.
 */
export async function resolveComplaint(client: Client, deps: AppDeps, viewer: Staff, id: number, input: { resolution: string; customerInformed: boolean }): Promise<Resolution | null> {
  const c = await client.complaint.findUnique({ where: { id }, include: { customer: true, manager: true } });
  if (!c || c.status !== "open" || !(await canAccess(client, viewer, c))) return null;
  const now = deps.clock.now();
  const breached = c.breached || (c.deadlineAt !== null && now > c.deadlineAt);
  await client.complaint.update({
    where: { id },
    data: { status: "resolved", resolvedAt: now, resolution: input.resolution, customerInformed: input.customerInformed, breached },
  });
  await client.complaintEvent.create({ data: { complaintId: id, kind: "resolve", staffId: viewer.id, text: input.resolution, createdAt: now } });
  await cancelPending(client, id);
  if (!input.customerInformed) {
    const t = tFor(deps, c.manager);
    await send(client, deps, {
      key: `${complaintKeyPrefix(id)}tell-customer:${c.managerId}`,
      kind: "complaint-tell-customer",
      recipient: c.manager,
      notBefore: new Date(now.getTime() + TELL_CUSTOMER_AFTER_MIN * 60_000),
      reply: {
        text: t("complaints.notice.tell-customer", { id, customer: c.customer.name, phone: c.customer.phone || "—", resolution: input.resolution }),
        choices: [{ label: t("complaints.action.told"), value: `/told ${id}` }],
      },
    });
  }
  const done = await client.complaint.findUniqueOrThrow({ where: { id }, include: { customer: true, manager: true } });
  return { complaint: done, totalMinutes: Math.round((now.getTime() - c.openedAt.getTime()) / 60_000), breached };
}

/** The customer has been told the outcome. */
export async function markCustomerTold(deps: AppDeps, viewer: Staff, id: number): Promise<ActionResult> {
  const c = await findAccessible(deps, viewer, id);
  if (!c) return { ok: false, reason: "not-found" };
  await deps.db.complaint.update({ where: { id }, data: { customerInformed: true } });
  await cancelPending(deps.db, id, "tell-customer");
  return { ok: true, complaint: c };
}
