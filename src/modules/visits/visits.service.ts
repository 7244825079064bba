import type { TPolicy } from "../../config/policy.ts";
import { inChunks } from "../../core/batch.ts";
import { dayBounds, localDate, rangeBounds } from "../../core/dates.ts";
import { AppError } from "../../core/errors.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { AppDeps } from "../../core/router.ts";
import { containsIgnoringCase, type Db } from "../../db/client.ts";
import type { Complaint, Customer, PlannedVisit, Staff, Visit } from "../../generated/prisma/client.ts";
import { complaintKeyPrefix, openComplaint, supervisorChain } from "../complaints/complaints.service.ts";
import { applyCustomerChanges, revertCustomerChanges, type AppliedCustomerChange, type CustomerChangeInput } from "../customers/customers.service.ts";
import { enqueueOrRevive, resolveRecipient } from "../../core/outbox.ts";
import { isLocale, translator } from "../../i18n/i18n.ts";
import { planDayList, today } from "../planning/planning.service.ts";
import { isVisitDay, nextVisitDay } from "../staff/staff.service.ts";
import { countedWhere, counts, phoneContactsPerDay, type CountedDuty } from "./counting.ts";
import type { InventoryLine } from "./inventory.ts";

/** A log can be undone this long after it was made. */
export const UNDO_WINDOW_MS = 10 * 60_000;

export const VISIT_MODES = ["field", "online", "phone"] as const;
export type VisitMode = (typeof VISIT_MODES)[number];

export interface ComplaintInput {
  text: string;
  category: string;
  canResolve: boolean;
  /** Set when editing a visit whose complaint already exists. */
  id?: number;
}

/** What Visit.details holds (JSON). `kind` tells a visit from a phone contact (/call). */
export interface VisitDetails {
  kind: "visit" | "call";
  formVersion?: number;
  info?: string[];
  brand?: { onShelf: boolean; refusal: string | null; repurchase: string | null }[];
  /** Brand cultivation per product (tobacco "brand" section); the brand KPIs read the latest entry per customer and product. */
  products?: ProductCultivation[];
  /** Operating guidance (tobacco "guidance" section). */
  guidance?: GuidanceDetails;
  /** Info-point collection (tobacco "prices" section), also stored per product and week in PriceCollection. */
  prices?: { productId: number; name: string; brand: string; stock: number | null; cartonPrice: number | null; packPrice: number | null; marketPrice: number | null }[];
  inventory?: InventoryLine[];
  market?: {
    topics: string[];
    demand?: { brand: string; quantity: number | null }[];
    slowPrice?: string[];
    customerChange?: string[];
    neighbourhood?: string[];
    services?: string[];
    violation?: string[];
  };
  forecast?: { text: string; source: string | null }[];
  complaints?: { id: number; text: string; category: string; canResolve: boolean }[];
  manualSigned?: boolean;
  keyAccount?: { supplier: string | null; price: string | null; equipment?: string | null; concerns: string | null; keyPerson: string | null; nextVisit: string | null };
  /** Customer details this visit changed, with the value each replaced (put back by /undo). */
  customerChanges?: AppliedCustomerChange[];
  /**
   * The customer's "file updated" time before this visit changed the file (ISO, null: never), and
   * the time this visit (its log or a later edit) last set it, when it did: /undo puts the first
   * back while the file still has the second, so an undone visit is not one of the week's file updates.
   */
  fileUpdatedBefore?: string | null;
  fileUpdatedSet?: string;
  /** Plan entry booked for the next visit date (removed again by /undo). */
  bookedPlannedVisitId?: number;
  /** Call topic (phone contacts). */
  topic?: string;
  /** The form's raw answers, so /edit can reopen the form where it was. */
  answers?: Record<string, unknown>;
}

export interface ProductCultivation {
  productId: number;
  name: string;
  brand: string;
  listed: boolean;
  refusal: string | null;
  sold: number | null;
  repurchase: "yes" | "no" | "early" | null;
  daysOutOfStock: number | null;
  promotion: boolean | null;
}

export interface GuidanceDetails {
  displayCount: number | null;
  substitutes: string | null;
  /** The 六防 (fire, damp, mould, theft, robbery, pests) found in order; the others are to fix. */
  sixPrevention: { ok: string[]; toFix: string[] };
  /** Checks done or found in order: display, price-tags, storage, consumer-interaction, profit-comparison, pos-guidance. */
  checks: { ok: string[]; toFix: string[] };
  /** Product-mix advice given to the shop (which products to add or drop). */
  mixAdvice?: string | null;
}

export interface LogVisitInput {
  customerId: number;
  /** The plan entry the visit was started from (a stop of the list); else today's entry is looked up. */
  plannedVisitId?: number | null;
  mode: VisitMode;
  durationMin: number | null;
  notes: string;
  details: VisitDetails;
  complaints: ComplaintInput[];
  nextVisitDate?: string | null;
  keyPersonMet?: string | null;
  /** Changed customer details seen in the visit: written to the customer, the old value kept in the visit. */
  customerChanges?: CustomerChangeInput[];
  /** Check-in / check-out columns (visit evidence); absent on a phone visit or when not asked. */
  evidence?: VisitEvidenceInput;
}

/** The visit's evidence columns as the form measured them (visit-evidence.ts). */
export type VisitEvidenceInput = Partial<
  Pick<Visit, "checkinStatus" | "checkinAt" | "checkinLat" | "checkinLng" | "checkinAccuracyM" | "checkinDistanceM" | "checkinReason" | "checkoutAt" | "checkoutLat" | "checkoutLng" | "measuredMin">
>;

export interface LoggedVisit {
  visit: Visit;
  customer: Customer;
  /** The plan entry this log marked done (null when none). */
  planned: PlannedVisit | null;
  complaints: Complaint[];
  booked: PlannedVisit | null;
}

export function parseDetails(visit: Pick<Visit, "details">): VisitDetails {
  try {
    const d = JSON.parse(visit.details) as Partial<VisitDetails>;
    return { kind: "visit", ...d } as VisitDetails;
  } catch {
    return { kind: "visit" };
  }
}

/** Logged through the bot (form or /call), as opposed to imported or seeded history. */
const LOGGED = { details: { not: "{}" } } as const;

/**
 * Visit rows that are visits, not phone contacts (/call): what coverage and "visits" count. A call's
 * details are written by `logCall` with `kind` first, so the prefix tells them apart in SQL.
 */
export const NOT_A_CALL = { NOT: { details: { startsWith: '{"kind":"call"' } } } as const;

async function ownCustomer(tx: Tx, staff: Staff, customerId: number): Promise<Customer> {
  const customer = await tx.customer.findFirst({ where: { id: customerId, managerId: staff.id } });
  if (!customer) throw new AppError("visit.customer", { message: `customer ${customerId} is not managed by ${staff.code}`, userMessage: { key: "errors.visit.customer" } });
  return customer;
}

async function bookNextVisit(tx: Tx, staff: Staff, customerId: number, date: string, note: string): Promise<PlannedVisit | null> {
  const existing = await tx.plannedVisit.findUnique({ where: { managerId_customerId_date: { managerId: staff.id, customerId, date } } });
  if (existing) {
    // Already on the plan that day: keep it through re-planning, but it was not created here.
    await tx.plannedVisit.update({ where: { id: existing.id }, data: { booked: true, status: existing.status === "skipped" ? "planned" : existing.status } });
    return null;
  }
  return tx.plannedVisit.create({ data: { managerId: staff.id, customerId, date, sequence: 999, booked: true, note } });
}

/**
 * Records a visit: the Visit row, the customer's last visit, the plan entry (done), the complaints it
 * raised (open, with their SLA deadline) and, for key accounts, the next visit booked on the plan.
 * Runs inside the caller's transaction.
 */
export async function logVisit(opts: { tx: Tx; deps: AppDeps; staff: Staff; input: LogVisitInput; at: Date }): Promise<LoggedVisit> {
  const { tx, deps, staff, input, at } = opts;
  const customer = await ownCustomer(tx, staff, input.customerId);
  const date = localDate(at, deps.policy.timeZone);
  let planned: PlannedVisit | null = null;
  if (input.plannedVisitId) {
    planned = await tx.plannedVisit.findFirst({ where: { id: input.plannedVisitId, managerId: staff.id, customerId: customer.id } });
  }
  planned ??= await tx.plannedVisit.findFirst({ where: { managerId: staff.id, customerId: customer.id, date, status: "planned" } });
  // A stop already done (a second visit the same day) or moved away is not touched. A log that is
  // not the class's visit under the policy (key accounts: a phone call) leaves the stop and the
  // customer's last visit alone, so the shop stays due for the planner as for the reports.
  const classVisit = counts(deps.policy, "classVisit", { mode: input.mode, call: false });
  const linkPlan = classVisit && planned && planned.status === "planned" ? planned : null;

  const visit = await tx.visit.create({
    data: {
      customerId: customer.id,
      managerId: staff.id,
      visitedAt: at,
      mode: input.mode,
      durationMin: input.durationMin,
      notes: input.notes,
      details: JSON.stringify(input.details),
      plannedVisitId: linkPlan?.id ?? null,
      prevLastVisitAt: customer.lastVisitAt,
      ...(input.evidence ?? {}),
      createdAt: at,
      updatedAt: at,
    },
  });
  const customerData: { lastVisitAt?: Date; keyPerson?: string } = {};
  if (classVisit && (!customer.lastVisitAt || customer.lastVisitAt.getTime() < at.getTime())) customerData.lastVisitAt = at;
  if (input.keyPersonMet && !customer.keyPerson.trim()) customerData.keyPerson = input.keyPersonMet;
  let updatedCustomer = Object.keys(customerData).length ? await tx.customer.update({ where: { id: customer.id }, data: customerData }) : customer;
  let changed: AppliedCustomerChange[] = [];
  const fileBefore = updatedCustomer.fileUpdatedAt;
  if (input.customerChanges?.length) ({ customer: updatedCustomer, applied: changed } = await applyCustomerChanges({ tx, customerId: customer.id, changes: input.customerChanges, at }));
  const fileUpdated = updatedCustomer.fileUpdatedAt?.getTime() !== fileBefore?.getTime();
  if (linkPlan) await tx.plannedVisit.update({ where: { id: linkPlan.id }, data: { status: "done" } });

  const complaints = await createComplaints(tx, deps, staff, customer.id, visit.id, at, input.complaints);
  const booked = input.nextVisitDate && input.nextVisitDate > date ? await bookNextVisit(tx, staff, customer.id, input.nextVisitDate, "next-visit") : null;
  const details: VisitDetails = {
    ...input.details,
    complaints: complaints.map((c) => ({ id: c.id, text: c.text, category: c.category, canResolve: c.canResolve })),
    ...(booked ? { bookedPlannedVisitId: booked.id } : {}),
    ...(changed.length ? { customerChanges: changed } : {}),
    ...(fileUpdated ? { fileUpdatedBefore: fileBefore?.toISOString() ?? null, fileUpdatedSet: at.toISOString() } : {}),
  };
  const saved = await tx.visit.update({ where: { id: visit.id }, data: { details: JSON.stringify(details), updatedAt: at } });
  return { visit: saved, customer: updatedCustomer, planned: linkPlan, complaints, booked };
}

async function createComplaints(tx: Tx, deps: AppDeps, staff: Staff, customerId: number, visitId: number, openedAt: Date, items: ComplaintInput[]): Promise<Complaint[]> {
  const out: Complaint[] = [];
  for (const c of items) {
    // openComplaint sets the SLA deadline and pings the supervisor at once for "cannot resolve".
    out.push(await openComplaint(tx, deps, { customerId, managerId: staff.id, openedAt, text: c.text, category: c.category, canResolve: c.canResolve, visitId }));
  }
  return out;
}

/**
 * /edit: replaces what the visit recorded. Complaints already raised stay (their text and
 * can-resolve flag follow the edit while nobody has acted on them); new ones are added; ones taken
 * out of the form are removed if untouched.
 */
export async function updateVisit(opts: { tx: Tx; deps: AppDeps; staff: Staff; visitId: number; input: LogVisitInput; at: Date }): Promise<LoggedVisit> {
  const { tx, deps, staff, input, at } = opts;
  const visit = await tx.visit.findFirst({ where: { id: opts.visitId, managerId: staff.id } });
  if (!visit) throw new AppError("visit.gone", { message: `visit ${opts.visitId} is gone`, userMessage: { key: "errors.visit.gone" } });
  const customer = await ownCustomer(tx, staff, visit.customerId);
  const existing = await tx.complaint.findMany({ where: { visitId: visit.id }, include: { events: { select: { id: true } } } });
  const untouched = (c: (typeof existing)[number]) => c.status === "open" && !c.acknowledgedAt && c.escalationLevel === 0 && c.events.length === 0;
  const keptIds = new Set(input.complaints.filter((c) => c.id).map((c) => c.id!));
  for (const c of existing) {
    if (!keptIds.has(c.id) && untouched(c)) await tx.complaint.delete({ where: { id: c.id } });
  }
  const complaints: Complaint[] = [];
  for (const c of input.complaints) {
    const old = c.id ? existing.find((e) => e.id === c.id) : undefined;
    if (old) {
      complaints.push(untouched(old) ? await tx.complaint.update({ where: { id: old.id }, data: { text: c.text, category: c.category, canResolve: c.canResolve } }) : old);
    } else {
      complaints.push(...(await createComplaints(tx, deps, staff, customer.id, visit.id, visit.visitedAt, [c])));
    }
  }
  const before = parseDetails(visit);
  const date = localDate(visit.visitedAt, deps.policy.timeZone);
  const booked = input.nextVisitDate && input.nextVisitDate > date ? await bookNextVisit(tx, staff, customer.id, input.nextVisitDate, "next-visit") : null;
  const bookedId = booked?.id ?? before.bookedPlannedVisitId;
  const details: VisitDetails = {
    ...input.details,
    complaints: complaints.map((c) => ({ id: c.id, text: c.text, category: c.category, canResolve: c.canResolve })),
    ...(bookedId ? { bookedPlannedVisitId: bookedId } : {}),
  };
  if (input.keyPersonMet && !customer.keyPerson.trim()) await tx.customer.update({ where: { id: customer.id }, data: { keyPerson: input.keyPersonMet } });
  const fileBefore = (await tx.customer.findUniqueOrThrow({ where: { id: customer.id }, select: { fileUpdatedAt: true } })).fileUpdatedAt;
  const customerChanges = await reapplyCustomerChanges(tx, customer.id, before.customerChanges ?? [], input.customerChanges ?? [], at);
  if (customerChanges.length) details.customerChanges = customerChanges;
  else delete details.customerChanges;
  // The file's "updated" time before the visit stays the one /undo puts back; the edit, if it
  // changed the file, is now the visit's last change of it.
  const fileAfter = (await tx.customer.findUniqueOrThrow({ where: { id: customer.id }, select: { fileUpdatedAt: true } })).fileUpdatedAt;
  if (fileAfter?.getTime() !== fileBefore?.getTime()) {
    details.fileUpdatedBefore = before.fileUpdatedBefore !== undefined ? before.fileUpdatedBefore : (fileBefore?.toISOString() ?? null);
    details.fileUpdatedSet = at.toISOString();
  } else if (before.fileUpdatedBefore !== undefined) {
    details.fileUpdatedBefore = before.fileUpdatedBefore;
    if (before.fileUpdatedSet) details.fileUpdatedSet = before.fileUpdatedSet;
  }
  const wasVisit = counts(deps.policy, "classVisit", { mode: visit.mode, call: false });
  const isVisit = counts(deps.policy, "classVisit", { mode: input.mode, call: false });
  let plannedVisitId = visit.plannedVisitId;
  if (wasVisit && !isVisit) {
    // Edited from a field visit to a phone call: it no longer made the class's visit.
    if (customer.lastVisitAt?.getTime() === visit.visitedAt.getTime()) await tx.customer.update({ where: { id: customer.id }, data: { lastVisitAt: visit.prevLastVisitAt } });
    if (plannedVisitId) await tx.plannedVisit.updateMany({ where: { id: plannedVisitId, status: "done" }, data: { status: "planned" } });
    plannedVisitId = null;
  } else if (!wasVisit && isVisit && (!customer.lastVisitAt || customer.lastVisitAt.getTime() < visit.visitedAt.getTime())) {
    await tx.customer.update({ where: { id: customer.id }, data: { lastVisitAt: visit.visitedAt } });
  }
  const saved = await tx.visit.update({
    where: { id: visit.id },
    data: { mode: input.mode, durationMin: input.durationMin, notes: input.notes, details: JSON.stringify(details), plannedVisitId, updatedAt: at },
  });
  const planned = plannedVisitId ? await tx.plannedVisit.findUnique({ where: { id: plannedVisitId } }) : null;
  return { visit: saved, customer, planned, complaints, booked };
}

/**
 * An edit's customer changes: a field the edit no longer changes gets its old value back; a field
 * changed again keeps the value from before the visit as its old one (that is what /undo restores).
 */
async function reapplyCustomerChanges(tx: Tx, customerId: number, before: AppliedCustomerChange[], now: CustomerChangeInput[], at: Date): Promise<AppliedCustomerChange[]> {
  const dropped = before.filter((b) => !now.some((c) => c.field === b.field));
  if (dropped.length) await revertCustomerChanges({ tx, customerId, changes: dropped, at });
  const { applied } = await applyCustomerChanges({ tx, customerId, changes: now, at });
  const out: AppliedCustomerChange[] = [];
  for (const c of now) {
    const prior = before.find((b) => b.field === c.field);
    const fresh = applied.find((a) => a.field === c.field);
    if (fresh) out.push(prior ? { ...fresh, old: prior.old } : fresh);
    else if (prior && prior.new === c.value.trim()) out.push({ ...prior, ...(c.detail ? { detail: c.detail } : {}) });
  }
  return out.filter((c) => c.old !== c.new);
}

/** Outbox keys of a visit's violation notices (cancelled by /undo while still pending). */
export function violationKeyPrefix(visitId: number): string {
  return `visit-violation:${visitId}:`;
}

export interface ViolationDelivery {
  /** The manager's nearest supervisor (null: none set). */
  supervisor: Staff | null;
  /** A notice is in the outbox for a chat the supervisor is bound to. */
  queued: boolean;
}

/**
 * A violation reported in a visit goes to the manager's supervisor through the outbox (once per
 * visit: an edit does not send it again). `queued` is true only when the supervisor has a chat.
 */
export async function reportViolation(opts: { tx: Tx; deps: AppDeps; staff: Staff; customer: Customer; visitId: number; texts: string[] }): Promise<ViolationDelivery> {
  const { tx, deps, staff } = opts;
  const supervisor = (await supervisorChain(tx, staff))[0] ?? null;
  if (!supervisor) return { supervisor: null, queued: false };
  const key = `${violationKeyPrefix(opts.visitId)}${supervisor.id}`;
  if (await tx.outbox.findFirst({ where: { key, status: { in: ["pending", "sending", "sent"] } }, select: { id: true } })) return { supervisor, queued: true };
  const to = await resolveRecipient(tx as Db, supervisor);
  if (!to) return { supervisor, queued: false };
  const t = translator(isLocale(supervisor.locale) ? supervisor.locale : deps.policy.locale);
  const text = t("visit-sections.violation.notice", { manager: staff.name, customer: opts.customer.name, text: opts.texts.join("；") });
  // A notice an earlier edit withdrew is queued again (its key is the visit's and the supervisor's).
  const queued = await enqueueOrRevive({ db: tx as Db, key, kind: "visit-violation", staffId: supervisor.id, platform: to.platform, chatId: to.chatId, reply: { text }, clock: deps.clock });
  return { supervisor, queued };
}

/**
 * An edit took the violation out of a visit: its notice is withdrawn while it still waits in the
 * outbox. Says which happened, with the supervisor it was for: "withdrawn" (never sent), "sent"
 * (already delivered or on its way: only the manager can correct it), or "none".
 */
export async function withdrawViolation(opts: { tx: Tx; visitId: number }): Promise<{ outcome: "withdrawn" | "sent" | "none"; supervisor: Staff | null }> {
  const { tx } = opts;
  const rows = await tx.outbox.findMany({ where: { key: { startsWith: violationKeyPrefix(opts.visitId) }, status: { in: ["pending", "sending", "sent"] } }, orderBy: { id: "asc" }, select: { id: true, status: true, staffId: true } });
  if (!rows.length) return { outcome: "none", supervisor: null };
  const supervisor = rows[0]!.staffId ? await tx.staff.findUnique({ where: { id: rows[0]!.staffId } }) : null;
  // Cancelled only while pending: a row being sent may already have reached the chat.
  const cancelled = await tx.outbox.updateMany({ where: { id: { in: rows.map((r) => r.id) }, status: "pending" }, data: { status: "cancelled" } });
  return { outcome: cancelled.count === rows.length ? "withdrawn" : "sent", supervisor };
}

/** Stores the form's answers on the visit, for /edit. */
export async function saveFormAnswers(opts: { tx: Tx; visitId: number; answers: Record<string, unknown> }): Promise<void> {
  const visit = await opts.tx.visit.findUniqueOrThrow({ where: { id: opts.visitId } });
  await opts.tx.visit.update({ where: { id: visit.id }, data: { details: JSON.stringify({ ...parseDetails(visit), answers: opts.answers }) } });
}

/** A phone contact (/call): a Visit in phone mode that does not count as the customer's visit. */
export async function logCall(opts: { tx: Tx; staff: Staff; customerId: number; topic: string; at: Date; editVisitId?: number }): Promise<{ visit: Visit; customer: Customer }> {
  const { tx, staff, at } = opts;
  const customer = await ownCustomer(tx, staff, opts.customerId);
  const details: VisitDetails = { kind: "call", topic: opts.topic, answers: { customer: `c:${customer.id}`, topic: opts.topic } };
  if (opts.editVisitId) {
    const visit = await tx.visit.update({ where: { id: opts.editVisitId, managerId: staff.id }, data: { notes: opts.topic, details: JSON.stringify(details), updatedAt: at } });
    return { visit, customer };
  }
  const visit = await tx.visit.create({
    data: {
      customerId: customer.id,
      managerId: staff.id,
      visitedAt: at,
      mode: "phone",
      durationMin: null,
      notes: opts.topic,
      details: JSON.stringify(details),
      prevLastVisitAt: customer.lastVisitAt,
      createdAt: at,
      updatedAt: at,
    },
  });
  return { visit, customer };
}

/** A plan entry of this manager, with its customer (the visit form's "p:<id>" answer). */
export async function findOwnPlannedVisit(opts: { db: Db; staff: Pick<Staff, "id">; id: number }): Promise<(PlannedVisit & { customer: Customer }) | null> {
  return opts.db.plannedVisit.findFirst({ where: { id: opts.id, managerId: opts.staff.id }, include: { customer: true } });
}

/** A customer of this manager (the visit form's "c:<id>" answer). */
export async function findOwnCustomer(opts: { db: Db; staff: Pick<Staff, "id">; id: number }): Promise<Customer | null> {
  return opts.db.customer.findFirst({ where: { id: opts.id, managerId: opts.staff.id } });
}

/** The customer's last few visits with an inventory check, newest first (the form offers their products and counts). */
export async function recentInventoryVisits(opts: { db: Db; customerId: number; exceptVisitId?: number | null; take?: number }): Promise<Visit[]> {
  return opts.db.visit.findMany({
    where: { customerId: opts.customerId, details: { contains: '"inventory"' }, ...(opts.exceptVisitId ? { id: { not: opts.exceptVisitId } } : {}) },
    orderBy: [{ visitedAt: "desc" }, { id: "desc" }],
    take: opts.take ?? 5,
  });
}

/** The manager's most recent log, if made within the undo window. */
export async function findUndoable(opts: { deps: AppDeps; staff: Staff }): Promise<(Visit & { customer: Customer }) | null> {
  const now = opts.deps.clock.now();
  return opts.deps.db.visit.findFirst({
    where: { managerId: opts.staff.id, ...LOGGED, createdAt: { gte: new Date(now.getTime() - UNDO_WINDOW_MS), lte: now } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { customer: true },
  });
}

export interface UndoResult {
  visit: Visit;
  customer: Customer;
  kind: VisitDetails["kind"];
  complaintsRemoved: number;
  planRestored: boolean;
}

/**
 * Reverts the last log (within 10 minutes): removes the visit and the complaints it raised, puts the
 * customer's last visit and the plan entry back as they were. Null when there is nothing to undo.
 */
/** Whether a log holds more than the basics (sections filled in, a note, problems raised): undoing it loses work. */
export async function hasRecordedDetails(opts: { deps: AppDeps; visit: Visit }): Promise<boolean> {
  const d = parseDetails(opts.visit) as unknown as Record<string, unknown>;
  const basics = new Set(["kind", "formVersion", "answers", "topic", "bookedPlannedVisitId"]);
  const filled = Object.entries(d).some(([k, v]) => !basics.has(k) && v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  if (filled || opts.visit.notes.trim()) return true;
  return (await opts.deps.db.complaint.count({ where: { visitId: opts.visit.id } })) > 0;
}

export async function undoLastLog(opts: { deps: AppDeps; staff: Staff; visitId?: number }): Promise<UndoResult | null> {
  const target = await findUndoable(opts);
  if (!target || (opts.visitId !== undefined && target.id !== opts.visitId)) return null;
  return opts.deps.db.$transaction(async (tx) => {
    const details = parseDetails(target);
    const { count } = await tx.visit.deleteMany({ where: { id: target.id } });
    if (count !== 1) return null;
    const raised = await tx.complaint.findMany({ where: { visitId: target.id }, select: { id: true } });
    for (const c of raised) await tx.outbox.updateMany({ where: { key: { startsWith: complaintKeyPrefix(c.id) }, status: "pending" }, data: { status: "cancelled" } });
    const removed = await tx.complaint.deleteMany({ where: { visitId: target.id } });
    const customer = await tx.customer.findUniqueOrThrow({ where: { id: target.customerId } });
    let restored = customer;
    if (details.kind !== "call" && customer.lastVisitAt && customer.lastVisitAt.getTime() === target.visitedAt.getTime()) {
      restored = await tx.customer.update({ where: { id: customer.id }, data: { lastVisitAt: target.prevLastVisitAt } });
    }
    let planRestored = false;
    if (target.plannedVisitId) {
      const r = await tx.plannedVisit.updateMany({ where: { id: target.plannedVisitId, status: "done" }, data: { status: "planned" } });
      planRestored = r.count > 0;
    }
    if (details.bookedPlannedVisitId) await tx.plannedVisit.deleteMany({ where: { id: details.bookedPlannedVisitId, status: "planned" } });
    if (details.customerChanges?.length) {
      await revertCustomerChanges({ tx, customerId: target.customerId, changes: details.customerChanges, at: opts.deps.clock.now() });
      // The file is as before the visit: so is its "updated" time, unless the file changed again
      // after the visit (then the revert is a change of its own).
      if (details.fileUpdatedBefore !== undefined && details.fileUpdatedSet && customer.fileUpdatedAt?.toISOString() === details.fileUpdatedSet) {
        await tx.customer.update({ where: { id: target.customerId }, data: { fileUpdatedAt: details.fileUpdatedBefore ? new Date(details.fileUpdatedBefore) : null } });
      }
      restored = await tx.customer.findUniqueOrThrow({ where: { id: target.customerId } });
    }
    await tx.outbox.updateMany({ where: { key: { startsWith: violationKeyPrefix(target.id) }, status: "pending" }, data: { status: "cancelled" } });
    return { visit: target, customer: restored, kind: details.kind, complaintsRemoved: removed.count, planRestored };
  });
}

/** The log /edit reopens: stop `n` of today's list, else the manager's latest log today. */
export async function findEditable(opts: { deps: AppDeps; staff: Staff; stopNo?: number }): Promise<(Visit & { customer: Customer }) | null> {
  const { deps, staff } = opts;
  const date = today(deps);
  const where = { managerId: staff.id, ...LOGGED, visitedAt: dayBounds(date, deps.policy.timeZone) };
  if (opts.stopNo) {
    const stop = (await dayStops({ deps, staff })).stops.find((s) => s.n === opts.stopNo);
    if (!stop) return null;
    return deps.db.visit.findFirst({
      where: { ...where, OR: [{ plannedVisitId: stop.plannedVisitId }, { customerId: stop.customer.id }] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      include: { customer: true },
    });
  }
  return deps.db.visit.findFirst({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], include: { customer: true } });
}

export interface DayStopRef {
  /** 1-based number as shown by /today. */
  n: number;
  plannedVisitId: number;
  customer: Customer;
  done: boolean;
  /** Moved to another day by /skip (it keeps its number). */
  moved: boolean;
}

/**
 * The stops the manager sees in /today (today's list on a visit day, else the next visit day's),
 * numbered the same way, so "3" means the third line they saw.
 */
export async function dayStops(opts: { deps: AppDeps; staff: Staff }): Promise<{ date: string; isToday: boolean; stops: DayStopRef[] }> {
  const { deps, staff } = opts;
  const now = today(deps);
  const hasCustomers = await deps.db.customer.count({ where: { managerId: staff.id, active: true } });
  if (!hasCustomers) return { date: now, isToday: true, stops: [] };
  const visitDay = await isVisitDay({ db: deps.db, policy: deps.policy, staff, date: now });
  const date = visitDay ? now : await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date: now });
  if (!date) return { date: now, isToday: true, stops: [] };
  // Today's numbers are fixed on first sight; a later day's are counted as /today shows them.
  const day = await planDayList({ deps, staff, date, fixNumbers: date === now });
  return {
    date,
    isToday: date === now,
    // In number order, moved stops included: option k of a choice list is stop k.
    stops: day.planned.map((p) => ({ n: p.n, plannedVisitId: p.id, customer: p.customer, done: p.status === "done", moved: p.status === "skipped" })).sort((a, b) => a.n - b.n),
  };
}

/** Today's stops not logged yet, numbered as in /today (for the evening reminder and /summary). */
export async function unloggedStops(opts: { deps: AppDeps; staff: Staff }): Promise<DayStopRef[]> {
  const day = await dayStops(opts);
  return day.isToday ? day.stops.filter((s) => !s.done && !s.moved) : [];
}

/** Customers of the manager matching a name fragment or a code (best matches first). */
export async function searchCustomers(opts: { deps: AppDeps; staff: Staff; text: string; limit?: number }): Promise<{ customers: Customer[]; more: boolean }> {
  const { deps, staff } = opts;
  const text = opts.text.trim();
  const limit = opts.limit ?? 8;
  if (!text) return { customers: [], more: false };
  // A name fragment or a code is short; a pasted page would only make a huge LIKE pattern (SQLite
  // refuses one over 50,000 bytes: "LIKE or GLOB pattern too complex").
  const max = deps.policy.inbound.maxSearchChars;
  if (text.length > max) throw new AppError("input.too-long", { message: `customer search of ${text.length} characters (max ${max})`, userMessage: { key: "search.too-long", params: { max, length: text.length } } });
  const base = { managerId: staff.id, active: true };
  const byCode = await deps.db.customer.findFirst({ where: { ...base, code: text.toUpperCase() } });
  if (byCode) return { customers: [byCode], more: false };
  const exactName = await deps.db.customer.findMany({ where: { ...base, name: text }, take: limit + 1 });
  if (exactName.length === 1) return { customers: exactName, more: false };
  const or: object[] = [{ name: containsIgnoringCase(deps.db, text) }];
  if (/^[\w-]{3,}$/.test(text)) or.push({ code: { endsWith: text.toUpperCase() } });
  const found = await deps.db.customer.findMany({ where: { ...base, OR: or }, orderBy: [{ name: "asc" }], take: limit + 1 });
  return { customers: found.slice(0, limit), more: found.length > limit };
}

export interface DaySummary {
  date: string;
  isVisitDay: boolean;
  planned: number;
  planDone: number;
  /** Visits (not /call contacts). */
  visits: (Visit & { customer: Customer })[];
  /** Phone contacts: /call and visits made by phone. */
  calls: (Visit & { customer: Customer })[];
  inventory: { customer: Customer; lines: InventoryLine[] }[];
  complaints: (Complaint & { customer: Customer })[];
  unlogged: DayStopRef[];
}

/** /summary: the day so far. */
export async function daySummary(opts: { deps: AppDeps; staff: Staff }): Promise<DaySummary> {
  const { deps, staff } = opts;
  const date = today(deps);
  const tz = deps.policy.timeZone;
  const isDay = await isVisitDay({ db: deps.db, policy: deps.policy, staff, date });
  const logs = await deps.db.visit.findMany({
    where: { managerId: staff.id, visitedAt: dayBounds(date, tz) },
    orderBy: [{ visitedAt: "asc" }, { id: "asc" }],
    include: { customer: true },
  });
  const visits = logs.filter((v) => parseDetails(v).kind !== "call");
  // Phone contacts as the policy counts them (the daily phone-minimum reminder reads the same rule).
  const calls = logs.filter((v) => counts(deps.policy, "phoneContact", v));
  const inventory = visits
    .map((v) => ({ customer: v.customer, lines: parseDetails(v).inventory ?? [] }))
    .filter((x) => x.lines.length > 0);
  const complaints = await deps.db.complaint.findMany({
    where: { managerId: staff.id, OR: [{ visitId: { in: logs.map((v) => v.id) } }, { openedAt: dayBounds(date, tz) }] },
    orderBy: { id: "asc" },
    include: { customer: true },
  });
  const plannedRows = isDay ? await deps.db.plannedVisit.findMany({ where: { managerId: staff.id, date, status: { in: ["planned", "done"] } } }) : [];
  return {
    date,
    isVisitDay: isDay,
    planned: plannedRows.length,
    planDone: plannedRows.filter((p) => p.status === "done").length,
    visits,
    calls,
    inventory,
    complaints,
    unlogged: isDay ? await unloggedStops({ deps, staff }) : [],
  };
}

/** Progress of today's plan, read inside the logging transaction. */
export async function planProgress(tx: Tx, staff: Staff, date: string): Promise<{ done: number; total: number; next: { n: number; name: string } | null }> {
  const rows = await tx.plannedVisit.findMany({
    where: { managerId: staff.id, date, status: { in: ["planned", "done"] } },
    orderBy: [{ sequence: "asc" }, { id: "asc" }],
    include: { customer: { select: { name: true } } },
  });
  const i = rows.findIndex((r) => r.status === "planned");
  return {
    done: rows.filter((r) => r.status === "done").length,
    total: rows.length,
    next: i >= 0 ? { n: rows[i]!.stopNo ?? i + 1, name: rows[i]!.customer.name } : null,
  };
}

/** Customers phoned today (distinct, as the policy counts a phone contact), read inside a transaction. */
export async function callsToday(tx: Tx, deps: AppDeps, staff: Staff): Promise<number> {
  const where = { managerId: staff.id, visitedAt: dayBounds(today(deps), deps.policy.timeZone), ...countedWhere(deps.policy, "phoneContact") };
  return (await tx.visit.groupBy({ by: ["customerId"], where })).length;
}

/** Customer id → local date of the last contact (any visit: field, online or phone; before `before` if given), in bounded chunks. */
export async function findLastContacts(opts: { db: Db; policy: TPolicy; customerIds: number[]; before?: Date }): Promise<Map<number, string>> {
  const { db, policy } = opts;
  const visitedAt = opts.before ? { visitedAt: { lt: opts.before } } : {};
  const groups = await inChunks(opts.customerIds, (part) => db.visit.groupBy({ by: ["customerId"], where: { customerId: { in: part }, ...visitedAt }, _max: { visitedAt: true } }));
  const out = new Map<number, string>();
  for (const g of groups) if (g._max.visitedAt) out.set(g.customerId, localDate(g._max.visitedAt, policy.timeZone));
  return out;
}

/**
 * Customer id → local date of the last log that counts for `duty` (policy.counting; before `before`
 * if given), in bounded chunks: the weekly A/B call is due from the last phone contact, not from a visit.
 */
export async function findLastCounted(opts: { db: Db; policy: TPolicy; duty: CountedDuty; customerIds: number[]; before?: Date }): Promise<Map<number, string>> {
  const { db, policy } = opts;
  const visitedAt = opts.before ? { visitedAt: { lt: opts.before } } : {};
  const counted = countedWhere(policy, opts.duty);
  const groups = await inChunks(opts.customerIds, (part) => db.visit.groupBy({ by: ["customerId"], where: { customerId: { in: part }, ...visitedAt, ...counted }, _max: { visitedAt: true } }));
  const out = new Map<number, string>();
  for (const g of groups) if (g._max.visitedAt) out.set(g.customerId, localDate(g._max.visitedAt, policy.timeZone));
  return out;
}

/** Distinct customers a manager phoned on a local date ("每天电话沟通不少于五个客户": customers, not calls). */
export async function countPhoneContacts(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<number> {
  const where = { managerId: opts.managerId, visitedAt: dayBounds(opts.date, opts.policy.timeZone), ...countedWhere(opts.policy, "phoneContact") };
  return (await opts.db.visit.groupBy({ by: ["customerId"], where })).length;
}

export interface VisitTally {
  visits: number;
  /** Field visits (policy.counting.fieldVisit). */
  field: number;
  /** Phone contacts: distinct customers per day, summed over the days. */
  phone: number;
  /** Distinct customers contacted. */
  covered: number;
  /** Distinct local dates with a field visit. */
  fieldDays: number;
}

/** A manager's visits over [from, to] (local dates) in figures, counted in the database. */
export async function tallyVisits(opts: { db: Db; policy: TPolicy; managerId: number; from: string; to: string }): Promise<VisitTally> {
  const { db, policy } = opts;
  const where = { managerId: opts.managerId, visitedAt: rangeBounds(opts.from, opts.to, policy.timeZone) };
  const all = await db.visit.count({ where });
  const covered = (await db.visit.groupBy({ by: ["customerId"], where })).length;
  // Field days need the local date of each visit; a day holds at most the daily cap, so a period's rows stay small.
  const field = await db.visit.findMany({ where: { ...where, ...countedWhere(policy, "fieldVisit") }, select: { visitedAt: true } });
  // Phone contacts per day are distinct customers; a week's or month's are a few hundred rows.
  const phone = await db.visit.findMany({ where: { ...where, ...countedWhere(policy, "phoneContact") }, select: { customerId: true, mode: true, details: true, visitedAt: true } });
  return {
    visits: all,
    field: field.length,
    phone: [...phoneContactsPerDay(policy, phone).values()].reduce((s, n) => s + n, 0),
    covered,
    fieldDays: new Set(field.map((v) => localDate(v.visitedAt, policy.timeZone))).size,
  };
}
