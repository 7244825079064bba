import type { TPolicy } from "../../config/policy.ts";
import { inChunks } from "../../core/batch.ts";
import { localParts, rangeBounds, clockTime } from "../../core/dates.ts";
import type { Db } from "../../db/client.ts";
import type { Prisma, Staff, VisitPhoto } from "../../generated/prisma/client.ts";
import { countedWhere, counts } from "../visits/counting.ts";
import { NOT_A_CALL } from "../visits/visits.service.ts";
import { photosOfVisits } from "./evidence.service.ts";

/**
 * What supervisors read of visit evidence (issue #16, must-have 5): a day's visits with their
 * check-in, measured minutes and photos, the period counts of the team reports, the export rows,
 * and who may see a manager's photos. Read-only, like every report.
 */

/** Whether the company asks for check-ins at all (any class not "off"): reports stay silent otherwise. */
export function evidenceEnabled(policy: TPolicy): boolean {
  const c = policy.evidence.checkIn;
  return c.mode !== "off" || Object.values(c.byClass).some((m) => m !== "off");
}

/** How a visit's check-in reads: what the column says, or "missing" for a field visit the policy asked one of. */
export type CheckinView =
  | { kind: "inside"; distanceM: number | null }
  | { kind: "outside"; distanceM: number | null; reason: string }
  | { kind: "nocoords" }
  | { kind: "missing"; reason: string }
  | null;

interface EvidenceColumns {
  mode: string;
  details: string;
  checkinStatus: string | null;
  checkinDistanceM: number | null;
  checkinReason: string;
}

/**
 * A stored visit's check-in as the supervisor reads it. The visit form writes "none" for a field
 * visit logged without a location while its class's mode asks for one; no status at all means the
 * check-in was not asked (logged before visit evidence, policy off, a phone visit): not a miss.
 */
export function checkinViewOf(policy: TPolicy, classId: string, v: EvidenceColumns): CheckinView {
  const field = counts(policy, "fieldVisit", v);
  switch (v.checkinStatus) {
    case "inside":
      return { kind: "inside", distanceM: v.checkinDistanceM };
    case "outside":
      return { kind: "outside", distanceM: v.checkinDistanceM, reason: v.checkinReason };
    case "nocoords":
      return { kind: "nocoords" };
    case "none":
      return field ? { kind: "missing", reason: v.checkinReason } : null;
    default:
      return null;
  }
}

/** The class's shortest standard visit (visitMinutes.min), or null for an unknown class. */
function minMinutesOf(policy: TPolicy, classId: string): number | null {
  return policy.classes.find((c) => c.id === classId)?.visitMinutes.min ?? null;
}

// ───────────────────────────── one manager's day ─────────────────────────────

export interface VisitEvidence {
  visitId: number;
  plannedVisitId: number | null;
  customerId: number;
  shop: string;
  classId: string;
  /** Local HH:MM of the visit. */
  time: string;
  mode: string;
  checkin: CheckinView;
  measuredMin: number | null;
  reportedMin: number | null;
  /** Measured below the class's visitMinutes.min. */
  tooShort: boolean;
  minMinutes: number | null;
  photos: number;
  duplicates: number;
}

/** The visits of a manager on a local date (phone contacts apart), in time order, with their evidence. */
export async function dayEvidenceOf(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<VisitEvidence[]> {
  const { db, policy } = opts;
  const tz = policy.timeZone;
  // One manager's day is a handful of rows; still bounded, so a runaway import cannot make it huge.
  const visits = await db.visit.findMany({
    where: { managerId: opts.managerId, visitedAt: rangeBounds(opts.date, opts.date, tz), ...NOT_A_CALL },
    select: { id: true, plannedVisitId: true, customerId: true, visitedAt: true, mode: true, details: true, durationMin: true, measuredMin: true, checkinStatus: true, checkinDistanceM: true, checkinReason: true, customer: { select: { name: true, serviceClass: true } } },
    orderBy: [{ visitedAt: "asc" }, { id: "asc" }],
    take: 500,
  });
  const photos = await photosOfVisits(db, visits.map((v) => v.id));
  return visits.map((v) => {
    const p = localParts(v.visitedAt, tz);
    const classId = v.customer.serviceClass;
    const min = minMinutesOf(policy, classId);
    const mine = photos.get(v.id) ?? [];
    return {
      visitId: v.id,
      plannedVisitId: v.plannedVisitId,
      customerId: v.customerId,
      shop: v.customer.name,
      classId,
      time: `${clockTime(p)}`,
      mode: v.mode,
      checkin: checkinViewOf(policy, classId, v),
      measuredMin: v.measuredMin,
      reportedMin: v.durationMin,
      tooShort: v.measuredMin !== null && min !== null && v.measuredMin < min,
      minMinutes: min,
      photos: mine.length,
      duplicates: mine.filter((x) => x.duplicateOfId !== null).length,
    };
  });
}

// ───────────────────────────── a period ─────────────────────────────

export interface EvidenceCounts {
  fieldVisits: number;
  outside: number;
  /** Field visits logged without a check-in while the policy asked for one (status none). */
  missing: number;
  /** Measured below the class minimum. */
  tooShort: number;
  /** Photos flagged as a duplicate of an earlier one. */
  duplicates: number;
}

const zero = (): EvidenceCounts => ({ fieldVisits: 0, outside: 0, missing: 0, tooShort: 0, duplicates: 0 });

/** Rows read per page by the export (a month of a whole company is hundreds of thousands). */
const PAGE = 2000;

/**
 * Per manager over [from, through]: field visits out of radius, without check-in, measured too short,
 * and duplicate photos. Null when the policy asks for no check-in at all (the reports then say nothing).
 * Counted in SQL (grouped per manager on the visit index), so a company-wide month reads no visit rows.
 */
export async function evidenceCountsOf(opts: { db: Db; policy: TPolicy; managers: Pick<Staff, "id">[]; from: string; through: string }): Promise<Map<number, EvidenceCounts> | null> {
  const { db, policy } = opts;
  if (!evidenceEnabled(policy)) return null;
  const out = new Map<number, EvidenceCounts>(opts.managers.map((m) => [m.id, zero()]));
  if (opts.through < opts.from) return out;
  const visitedAt = rangeBounds(opts.from, opts.through, policy.timeZone);
  const field = countedWhere(policy, "fieldVisit");
  const short: Prisma.VisitWhereInput[] = policy.classes.map((c) => ({ customer: { serviceClass: c.id }, measuredMin: { lt: c.visitMinutes.min } }));
  const kinds: [keyof EvidenceCounts, Prisma.VisitWhereInput][] = [
    ["fieldVisits", {}],
    ["outside", { checkinStatus: "outside" }],
    ["missing", { checkinStatus: "none" }],
    ["tooShort", { OR: short }],
  ];
  await inChunks(opts.managers.map((m) => m.id), async (part) => {
    const base = { managerId: { in: part }, visitedAt, ...field };
    for (const [kind, where] of kinds) {
      const groups = await db.visit.groupBy({ by: ["managerId"], where: { ...base, ...where }, _count: { _all: true } });
      for (const g of groups) out.get(g.managerId)![kind] += g._count._all;
    }
    // A photo is sent by the manager whose visit it belongs to. Filtered through the visit only: a
    // second IN list of the same ids would pass the driver's bound-parameter limit (999).
    const dups = await db.visitPhoto.groupBy({ by: ["staffId"], where: { duplicateOfId: { not: null }, visit: base }, _count: { _all: true } });
    for (const d of dups) {
      const c = out.get(d.staffId);
      if (c) c.duplicates += d._count._all;
    }
    return [];
  });
  return out;
}

export function sumEvidence(counts: Iterable<EvidenceCounts>): EvidenceCounts {
  const s = zero();
  for (const c of counts) {
    s.fieldVisits += c.fieldVisits;
    s.outside += c.outside;
    s.missing += c.missing;
    s.tooShort += c.tooShort;
    s.duplicates += c.duplicates;
  }
  return s;
}

// ───────────────────────────── export ─────────────────────────────

export interface EvidenceExportRow {
  manager: string;
  date: string;
  time: string;
  customer: string;
  shop: string;
  mode: string;
  /** inside | outside | nocoords | none (missing) | "" (not asked). */
  status: string;
  distanceM: number | null;
  reason: string;
  reportedMin: number | null;
  measuredMin: number | null;
  photos: number;
  duplicates: number;
}

/** One row per visit (phone contacts apart) of the managers over [from, to], by manager code then time; paged reads. */
export async function evidenceExportRows(opts: { db: Db; policy: TPolicy; managers: Staff[]; from: string; to: string }): Promise<EvidenceExportRow[]> {
  const { db, policy } = opts;
  const tz = policy.timeZone;
  const bounds = rangeBounds(opts.from, opts.to, tz);
  const out: EvidenceExportRow[] = [];
  const managers = [...opts.managers].sort((a, b) => a.code.localeCompare(b.code));
  for (const m of managers) {
    for (let cursor: number | undefined; ; ) {
      const page = await db.visit.findMany({
        where: { managerId: m.id, visitedAt: bounds, ...NOT_A_CALL },
        select: { id: true, visitedAt: true, mode: true, details: true, durationMin: true, measuredMin: true, checkinStatus: true, checkinDistanceM: true, checkinReason: true, customer: { select: { code: true, name: true, serviceClass: true } } },
        orderBy: [{ visitedAt: "asc" }, { id: "asc" }],
        take: PAGE,
        ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      });
      const photos: Map<number, VisitPhoto[]> = await photosOfVisits(db, page.map((v) => v.id));
      for (const v of page) {
        const p = localParts(v.visitedAt, tz);
        const view = checkinViewOf(policy, v.customer.serviceClass, v);
        const mine = photos.get(v.id) ?? [];
        out.push({
          manager: m.code,
          date: p.date,
          time: `${clockTime(p)}`,
          customer: v.customer.code,
          shop: v.customer.name,
          mode: v.mode,
          status: view === null ? (v.checkinStatus ?? "") : view.kind === "missing" ? "none" : view.kind,
          distanceM: v.checkinDistanceM,
          reason: v.checkinReason,
          reportedMin: v.durationMin,
          measuredMin: v.measuredMin,
          photos: mine.length,
          duplicates: mine.filter((x) => x.duplicateOfId !== null).length,
        });
      }
      if (page.length < PAGE) break;
      cursor = page[page.length - 1]!.id;
    }
  }
  return out;
}

// ───────────────────────────── photos ─────────────────────────────

/**
 * Whether the viewer may see this manager's photos: the manager, anyone up their supervisor chain,
 * admins (issue #16, must-have 6). Walks up from the manager, so a large team costs nothing.
 */
export async function maySeePhotos(db: Db, viewer: Staff, manager: Pick<Staff, "id" | "supervisorId">): Promise<boolean> {
  if (viewer.id === manager.id || viewer.role === "admin") return true;
  const seen = new Set<number>([manager.id]);
  let next = manager.supervisorId;
  // A cycle in the data (A supervises B supervises A) must not loop forever.
  while (next !== null && !seen.has(next) && seen.size < 64) {
    if (next === viewer.id) return true;
    seen.add(next);
    const s = await db.staff.findUnique({ where: { id: next }, select: { supervisorId: true } });
    next = s?.supervisorId ?? null;
  }
  return false;
}

/** An active staff member by code (as typed, or upper-cased). */
export async function findStaffForPhotos(db: Db, code: string): Promise<Staff | null> {
  const c = code.trim();
  const s = (await db.staff.findUnique({ where: { code: c } })) ?? (await db.staff.findUnique({ where: { code: c.toUpperCase() } }));
  return s?.active ? s : null;
}

export interface DayPhoto {
  photo: VisitPhoto;
  shop: string;
  /** Local HH:MM of the visit. */
  time: string;
}

/** The photos of a manager's visits on a local date: by visit time, then in the order they were sent. */
export async function dayPhotosOf(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<DayPhoto[]> {
  const { db, policy } = opts;
  const tz = policy.timeZone;
  const visits = await db.visit.findMany({
    where: { managerId: opts.managerId, visitedAt: rangeBounds(opts.date, opts.date, tz) },
    select: { id: true, visitedAt: true, customer: { select: { name: true } } },
    orderBy: [{ visitedAt: "asc" }, { id: "asc" }],
    take: 500,
  });
  const photos = await photosOfVisits(db, visits.map((v) => v.id));
  const out: DayPhoto[] = [];
  for (const v of visits) {
    const p = localParts(v.visitedAt, tz);
    const time = `${clockTime(p)}`;
    for (const photo of photos.get(v.id) ?? []) out.push({ photo, shop: v.customer.name, time });
  }
  return out;
}
