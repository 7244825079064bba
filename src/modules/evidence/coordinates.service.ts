import type { TPolicy } from "../../config/policy.ts";
import { inChunks } from "../../core/batch.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import { formatDistance } from "../../core/format.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import { policyTranslator } from "../../core/router.ts";
import type { Db } from "../../db/client.ts";
import type { CoordinateProposal, Customer, Staff } from "../../generated/prisma/client.ts";
import type { Translate } from "../../i18n/i18n.ts";
import { canAccess, teamIds } from "../complaints/complaints.service.ts";
import { localeOf, quietHoursEnd } from "../reminders/reminders.service.ts";
import { coordinateNotice, type CoordinateProposalView } from "./coordinates.render.ts";
import { distanceM, validCoordinates } from "./geo.ts";

/**
 * Better shop positions from check-ins (issue #16, must-have 4). Called by the visit form in its
 * completion transaction, after the visit row with its check-in columns is written. A shop without
 * coordinates (Customer.located false) gets its first check-in proposed; a shop whose last
 * `policy.evidence.coordinates.agreeing` check-ins agree within `withinM` of their mean and lie
 * outside the radius of its stored position gets that position proposed. Returns lines for the
 * manager's confirmation (only what really happened).
 */

type Client = Db | Tx;

/** Admins asked when a manager has no supervisor: a handful is enough, and the query stays bounded. */
export const ADMINS_ASKED = 10;

/** Open proposals one /coords lists (and its buttons cover). */
export const COORDS_SHOWN = 10;

export async function considerCheckin(tx: Tx, opts: { policy: TPolicy; customerId: number; visitId: number; now: Date; t: Translate }): Promise<string[]> {
  const { policy, t } = opts;
  const customer = await tx.customer.findUnique({ where: { id: opts.customerId } });
  const visit = await tx.visit.findUnique({ where: { id: opts.visitId }, select: { id: true, managerId: true, checkinLat: true, checkinLng: true } });
  if (!customer || !visit || !validCoordinates(visit.checkinLat, visit.checkinLng)) return [];
  // One open question per shop: a second would ask the same people the same thing again.
  if (await tx.coordinateProposal.findFirst({ where: { customerId: customer.id, status: "open" }, select: { id: true } })) return [];

  const found = customer.located ? await movedPosition(tx, policy, customer) : { lat: visit.checkinLat, lng: visit.checkinLng!, basis: 1, distanceM: null };
  if (!found) return [];
  const proposal = await tx.coordinateProposal.create({
    data: { customerId: customer.id, lat: found.lat, lng: found.lng, kind: customer.located ? "moved" : "missing", basis: found.basis, distanceM: found.distanceM, createdAt: opts.now },
  });
  const manager = await tx.staff.findUnique({ where: { id: visit.managerId } });
  const { asked, reached } = await askDeciders(tx, { policy, proposal, customer, manager, now: opts.now });
  const names = (list: Staff[]) => list.map((s) => s.name).join("、");
  const what = proposal.kind === "missing" ? t("coords.told.missing", { name: customer.name }) : t("coords.told.moved", { name: customer.name, basis: proposal.basis, distance: formatDistance(proposal.distanceM ?? 0, t) });
  if (reached.length) return [`${what}${t("coords.told.asked", { who: names(reached) })}`];
  if (asked.length) return [`${what}${t("coords.told.unreached", { who: names(asked) })}`];
  return [`${what}${t("coords.told.nobody")}`];
}

/** The mean of the shop's last check-ins when they agree with each other and not with the stored position. */
async function movedPosition(tx: Tx, policy: TPolicy, customer: Customer): Promise<{ lat: number; lng: number; basis: number; distanceM: number } | null> {
  const { agreeing, withinM } = policy.evidence.coordinates;
  // A dismissed position must not come back from the same check-ins: only later ones count again.
  const dismissed = await tx.coordinateProposal.findFirst({ where: { customerId: customer.id, status: "dismissed" }, orderBy: { decidedAt: "desc" }, select: { decidedAt: true } });
  const recent = await tx.visit.findMany({
    where: { customerId: customer.id, checkinLat: { not: null }, checkinLng: { not: null }, checkinAt: dismissed?.decidedAt ? { gt: dismissed.decidedAt } : { not: null } },
    // By visit time: the (customerId, visitedAt) index serves it, where sorting by checkinAt read every visit of the shop.
    orderBy: [{ visitedAt: "desc" }, { id: "desc" }],
    take: agreeing,
    select: { checkinLat: true, checkinLng: true },
  });
  if (recent.length < agreeing) return null;
  const points = recent.map((v) => ({ lat: v.checkinLat!, lng: v.checkinLng! }));
  const mean = { lat: points.reduce((s, p) => s + p.lat, 0) / points.length, lng: points.reduce((s, p) => s + p.lng, 0) / points.length };
  if (points.some((p) => distanceM(mean, p) > withinM)) return null;
  const d = distanceM(customer, mean);
  if (d <= policy.evidence.checkIn.radiusM) return null;
  return { lat: Math.round(mean.lat * 1e6) / 1e6, lng: Math.round(mean.lng * 1e6) / 1e6, basis: points.length, distanceM: d };
}

/**
 * Queues the question to the manager's supervisor, or to the admins when there is none, only to
 * those with a chat to reach (an outbox row nobody can receive would only fail later). `asked` is
 * who can act, `reached` who was actually sent the question.
 */
async function askDeciders(tx: Tx, o: { policy: TPolicy; proposal: CoordinateProposal; customer: Customer; manager: Staff | null; now: Date }): Promise<{ asked: Staff[]; reached: Staff[] }> {
  const supervisor = o.manager?.supervisorId ? await tx.staff.findUnique({ where: { id: o.manager.supervisorId } }) : null;
  const asked = supervisor?.active ? [supervisor] : await tx.staff.findMany({ where: { role: "admin", active: true }, orderBy: { id: "asc" }, take: ADMINS_ASKED });
  const reached: Staff[] = [];
  for (const to of asked) {
    const address = await resolveRecipient(tx as unknown as Db, to);
    if (!address) continue;
    const t = policyTranslator(o.policy, localeOf(to, o.policy));
    const view: CoordinateProposalView = { ...o.proposal, customer: o.customer, manager: o.manager };
    await enqueue({
      db: tx as unknown as Db,
      key: `coord-proposal:${o.proposal.id}:${to.id}`,
      kind: "coord-proposal",
      staffId: to.id,
      platform: address.platform,
      chatId: address.chatId,
      reply: coordinateNotice(t, view),
      notBefore: quietHoursEnd(to, o.now, o.policy.timeZone) ?? o.now,
    });
    reached.push(to);
  }
  return { asked, reached };
}

// ───────────────────────────── /coords ─────────────────────────────

/** Whose shops a viewer decides: everyone's (admin), their chain's (anyone with a team), nobody's. */
async function scopeOf(db: Client, viewer: Staff): Promise<{ all: true } | { all: false; managerIds: number[] }> {
  if (viewer.role === "admin") return { all: true };
  return { all: false, managerIds: await teamIds(db, viewer.id) };
}

/** Open proposals the viewer may decide, oldest first (the first ones waited longest), at most `take`. */
export async function listOpenCoordinateProposals(opts: { db: Db; viewer: Staff; take?: number }): Promise<{ rows: CoordinateProposalView[]; total: number }> {
  const { db } = opts;
  const take = opts.take ?? COORDS_SHOWN;
  const scope = await scopeOf(db, opts.viewer);
  let rows: CoordinateProposal[];
  let total: number;
  if (scope.all) {
    rows = await db.coordinateProposal.findMany({ where: { status: "open" }, orderBy: { id: "asc" }, take });
    total = await db.coordinateProposal.count({ where: { status: "open" } });
  } else {
    // A region's team is thousands of managers: bounded IN lists, each at most `take` rows, merged.
    const where = (part: number[]) => ({ status: "open", customer: { managerId: { in: part } } });
    rows = (await inChunks(scope.managerIds, (part) => db.coordinateProposal.findMany({ where: where(part), orderBy: { id: "asc" }, take }))).sort((a, b) => a.id - b.id).slice(0, take);
    total = (await inChunks(scope.managerIds, async (part) => [await db.coordinateProposal.count({ where: where(part) })])).reduce((a, b) => a + b, 0);
  }
  const customers = rows.length ? await db.customer.findMany({ where: { id: { in: rows.map((r) => r.customerId) } } }) : [];
  const managerIds = [...new Set(customers.map((c) => c.managerId))];
  const managers = managerIds.length ? await db.staff.findMany({ where: { id: { in: managerIds } } }) : [];
  const out = rows.flatMap((r) => {
    const customer = customers.find((c) => c.id === r.customerId);
    return customer ? [{ ...r, customer, manager: managers.find((m) => m.id === customer.managerId) ?? null }] : [];
  });
  return { rows: out, total };
}

/** How many open proposals the viewer may decide (the supervisor digest's line). */
export async function countOpenCoordinateProposals(opts: { db: Db; viewer: Staff }): Promise<number> {
  const scope = await scopeOf(opts.db, opts.viewer);
  if (scope.all) return opts.db.coordinateProposal.count({ where: { status: "open" } });
  const counts = await inChunks(scope.managerIds, async (part) => [await opts.db.coordinateProposal.count({ where: { status: "open", customer: { managerId: { in: part } } } })]);
  return counts.reduce((a, b) => a + b, 0);
}

export type DecideCoordinatesResult =
  | { kind: "decided"; accepted: boolean; proposal: CoordinateProposal; customer: Customer }
  | { kind: "decided-before"; proposal: CoordinateProposal; customer: Customer }
  | { kind: "forbidden" }
  | { kind: "not-found" };

/**
 * The supervisor's (or admin's) answer: claims the open proposal with a conditional update (a
 * second tap or a second decider finds it decided) and, when confirmed, moves the shop there and
 * marks it located, in one transaction. Only an admin or someone above the shop's manager decides.
 */
export async function decideCoordinateProposal(opts: { db: Db; viewer: Staff; id: number; accept: boolean; now: Date }): Promise<DecideCoordinatesResult> {
  const { db, viewer } = opts;
  const found = await db.coordinateProposal.findUnique({ where: { id: opts.id }, include: { customer: true } });
  if (!found) return { kind: "not-found" };
  const allowed = viewer.role === "admin" || (viewer.id !== found.customer.managerId && (await canAccess(db, viewer, { managerId: found.customer.managerId })));
  if (!allowed) return { kind: "forbidden" };
  return db.$transaction(async (tx) => {
    const claimed = await tx.coordinateProposal.updateMany({
      where: { id: found.id, status: "open" },
      data: { status: opts.accept ? "accepted" : "dismissed", decidedById: viewer.id, decidedAt: opts.now },
    });
    const proposal = await tx.coordinateProposal.findUniqueOrThrow({ where: { id: found.id } });
    if (claimed.count === 0) return { kind: "decided-before" as const, proposal, customer: await tx.customer.findUniqueOrThrow({ where: { id: found.customerId } }) };
    const customer = opts.accept
      ? await tx.customer.update({ where: { id: found.customerId }, data: { lat: proposal.lat, lng: proposal.lng, located: true } })
      : await tx.customer.findUniqueOrThrow({ where: { id: found.customerId } });
    return { kind: "decided" as const, accepted: opts.accept, proposal, customer };
  });
}
