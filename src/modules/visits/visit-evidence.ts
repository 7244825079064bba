import { z } from "zod";
import type { TCheckInMode } from "../../config/policy.ts";
import { MediaError, type InboundMedia } from "../../core/chat.ts";
import { localClock, localParts } from "../../core/dates.ts";
import { formatDistance } from "../../core/format.ts";
import { errorSummary } from "../../core/logger.ts";
import type { ChatAttachment, ChatFormEnv } from "../../core/forms/form-router.ts";
import type { Answers, AttachContext, AttachResult, ChoiceStep, Step, StepContext, TextStep, Tx } from "../../core/forms/form-types.ts";
import type { Translate } from "../../i18n/i18n.ts";
import { assessCheckin, checkInModeFor, measuredMinutes, photoSectionsFor, type FormEvidence } from "../evidence/checkin.ts";
import { considerCheckin } from "../evidence/coordinates.service.ts";
import { discardUnlinkedPhoto, linkPhotos, receivePhoto } from "../evidence/evidence.service.ts";
import { validCoordinates } from "../evidence/geo.ts";
import { customerName, customerOf } from "./visit-context.ts";
import type { VisitEvidenceInput } from "./visits.service.ts";

/**
 * Visit evidence in the visit form: check-in by location (distance to the shop, a reason when
 * outside the policy's radius), a second location as check-out, the measured duration, and shop
 * photos (a section the policy names asks for one before its round ends). A location or a photo
 * is taken at any step of the form (FormEngine.attach); nothing of it is kept unless the visit is
 * logged (unlinked photo rows are removed by the retention job).
 *
 * What the form keeps while open: `meta.evidence` (FormEvidence), the class's evidence policy in
 * `meta.evidencePolicy` (set when the mode is answered: steps' `when` are synchronous), and the
 * photos of a menu round in that round's hidden `_photos` key.
 */

type Env = ChatFormEnv;
type Ctx = StepContext<Env>;

interface EvidencePolicy {
  checkIn: TCheckInMode;
  photos: string[];
}

export function evidenceOf(meta: Answers): FormEvidence {
  const ev = meta.evidence as FormEvidence | undefined;
  if (ev && Array.isArray(ev.photos)) return ev;
  const fresh: FormEvidence = { photos: [] };
  meta.evidence = fresh;
  return fresh;
}

function readEvidence(meta: Answers): FormEvidence {
  const ev = meta.evidence as FormEvidence | undefined;
  return ev && Array.isArray(ev.photos) ? ev : { photos: [] };
}

function policyOf(ctx: Pick<Ctx, "meta">): EvidencePolicy | null {
  const p = ctx.meta.evidencePolicy as EvidencePolicy | undefined;
  return p && typeof p.checkIn === "string" ? p : null;
}

const isField = (ctx: Pick<Ctx, "answers">) => ctx.answers.mode === "field";
const editing = (ctx: Pick<Ctx, "meta">) => Boolean(ctx.meta.editVisitId);

function hhmm(env: Env, d: Date): string {
  return localClock(d, env.deps.policy.timeZone);
}

/** How to share a location / send a photo on this platform, for the prompts. */
function how(env: Env, what: "location" | "photo"): string {
  return env.t(`evidence.how-${what}.${env.platform}`);
}

/**
 * Run when the mode is answered: the customer is known by then, so the class's evidence policy is
 * read once and kept for the synchronous `when` of the evidence steps.
 */
export async function noteEvidencePolicy(ctx: Ctx): Promise<void> {
  const customer = await customerOf(ctx);
  const policy = ctx.env.deps.policy;
  const cls = customer?.serviceClass ?? "";
  const p: EvidencePolicy = { checkIn: checkInModeFor(policy, cls), photos: [...photoSectionsFor(policy, cls)] };
  ctx.meta.evidencePolicy = p;
}

/** A line above the duration question (optional check-in): the location can be sent now or at any step. */
export async function offerCheckinLine(ctx: Ctx): Promise<string | null> {
  if (!isField(ctx) || editing(ctx) || readEvidence(ctx.meta).checkin) return null;
  if (policyOf(ctx)?.checkIn !== "optional") return null;
  return ctx.env.t("evidence.checkin-offer", { how: how(ctx.env, "location") });
}

export function offersCheckin(ctx: Ctx): boolean {
  return isField(ctx) && !editing(ctx) && !readEvidence(ctx.meta).checkin && policyOf(ctx)?.checkIn === "optional";
}

const reasonText = z.string().trim().min(1).max(200, "forms.err.too-long");

function needsReason(ctx: Ctx): "outside" | "unable" | null {
  if (!isField(ctx) || editing(ctx)) return null;
  const ev = readEvidence(ctx.meta);
  if (ev.checkin?.status === "outside") return "outside";
  if (!ev.checkin && ctx.answers.checkin === "unable") return "unable";
  return null;
}

async function reasonPrompt(ctx: Ctx): Promise<string> {
  const { t } = ctx.env;
  const ev = readEvidence(ctx.meta);
  if (needsReason(ctx) === "outside" && ev.checkin) {
    return t("evidence.reason-outside", { name: await customerName(ctx), distance: ev.checkin.distanceM === null ? "?" : formatDistance(ev.checkin.distanceM, t), radius: ctx.env.deps.policy.evidence.checkIn.radiusM });
  }
  return t("evidence.reason-unable");
}

function reasonOptions(ctx: Ctx) {
  const { t } = ctx.env;
  const keys = needsReason(ctx) === "outside" ? ["moved", "coords", "elsewhere"] : ["gps", "left", "phone"];
  return keys.map((k) => ({ value: t(`evidence.reason.${k}`), label: t(`evidence.reason.${k}`) }));
}

/** Required check-in: the field visit waits here for a location (or "cannot check in", then a reason). */
export const checkinStep: ChoiceStep<Env> = {
  id: "checkin",
  type: "choice",
  when: (ctx) => isField(ctx) && !editing(ctx) && policyOf(ctx)?.checkIn === "required" && !readEvidence(ctx.meta).checkin,
  askLocation: () => true,
  async prompt(ctx) {
    return ctx.env.t("evidence.checkin-ask", { name: await customerName(ctx), how: how(ctx.env, "location") });
  },
  options: (ctx) => [{ value: "unable", label: ctx.env.t("evidence.checkin-unable"), aliases: ["无法签到", "无法定位", "unable"] }],
  hint: (ctx) => ctx.env.t("evidence.checkin-hint", { how: how(ctx.env, "location") }),
  format: (value, ctx) => ctx.env.t(value === "unable" ? "evidence.checkin-unable" : "evidence.checked-in"),
};

function reasonStep(id: string, when: (ctx: Ctx) => boolean): TextStep<Env> {
  return {
    id,
    type: "text",
    schema: reasonText,
    when,
    prompt: reasonPrompt,
    options: reasonOptions,
  };
}

/** Right after "cannot check in" (required check-in). */
export const checkinUnableStep = reasonStep("checkinUnable", (ctx) => needsReason(ctx) === "unable");
/**
 * After the duration: a check-in outside the radius sent at the check-in question or while the
 * duration was asked (where the optional check-in is offered) is explained at once.
 */
export const checkinReasonStep = reasonStep("checkinReason", (ctx) => needsReason(ctx) === "outside");
/** Before submitting: a location outside the radius sent later in the form (at the section menu). */
export const checkinReasonLateStep = reasonStep("checkinReasonLate", (ctx) => needsReason(ctx) === "outside" && typeof ctx.answers.checkinReason !== "string");

/** The photo a section's round asks for when the policy requires one (e.g. the display check in guidance). */
export function photoStep(sectionId: string): ChoiceStep<Env> {
  return {
    id: `photo_${sectionId}`,
    type: "choice",
    when: (ctx) => Boolean(policyOf(ctx)?.photos.includes(sectionId)) && !(Array.isArray(ctx.item._photos) && ctx.item._photos.length),
    async prompt(ctx) {
      const { t } = ctx.env;
      return t("evidence.photo-ask", { section: t(`forms.visit.section.${sectionId}`), how: how(ctx.env, "photo") });
    },
    options: (ctx) => [{ value: "none", label: ctx.env.t("evidence.photo-unable"), aliases: ["无法拍照", "no photo"] }],
    hint: (ctx) => ctx.env.t("evidence.photo-hint", { how: how(ctx.env, "photo") }),
    format: (value, ctx) => ctx.env.t(value === "none" ? "evidence.photo-unable" : "evidence.photo-received-short"),
  };
}

// ---------------------------------------------------------------------------------------------
// Attachments

interface PreparedLocation {
  lat: number;
  lng: number;
  accuracyM?: number;
  at: string;
}

interface PreparedPhoto {
  id: number;
  duplicateOf: { receivedAt: string } | null;
}

interface Prepared {
  location?: PreparedLocation;
  photos: PreparedPhoto[];
  errors: string[];
  /** Pictures this form already has (sent twice): not added again. */
  repeats: number;
}

/** The section whose round the form is in (its menu pick), or null at the menu / outside the sections. */
function currentSection(ctx: AttachContext<Env>): string | null {
  if (!ctx.cursor.startsWith("sections")) return null;
  const pick = Array.isArray(ctx.item.pick) ? (ctx.item.pick as unknown[]).filter((s): s is string => typeof s === "string" && s !== "submit") : [];
  if (!pick.length) return null;
  // A photo step names its section; otherwise the first picked section of the round.
  const m = /^photo_(.+)$/.exec(ctx.stepId);
  return m && pick.includes(m[1]!) ? m[1]! : pick[0]!;
}

function mediaMessage(t: Translate, reason: string, maxBytes: number): string {
  return t(`evidence.photo-${reason}`, { mb: Math.round((maxBytes / 1048576) * 10) / 10 });
}

/**
 * Checks what came before anything is downloaded or stored: a location needs a field visit's
 * customer (and is never kept otherwise); a photo needs the customer and room under the limit.
 */
export async function prepareVisitAttachment(ctx: AttachContext<Env>, raw: unknown): Promise<Prepared> {
  const a = raw as ChatAttachment;
  const { t, deps, staff, now } = ctx.env;
  const policy = deps.policy.evidence;
  const out: Prepared = { photos: [], errors: [], repeats: 0 };
  const customer = await customerOf(ctx);
  if (a.location) {
    const l = a.location;
    const mode = customer ? checkInModeFor(deps.policy, customer.serviceClass) : policy.checkIn.mode;
    if (!customer) out.errors.push(t("evidence.location-no-customer"));
    else if (editing(ctx)) out.errors.push(t("evidence.location-editing"));
    else if (mode === "off") out.errors.push(t("evidence.location-off"));
    else if (typeof ctx.answers.mode === "string" && ctx.answers.mode !== "field") out.errors.push(t("evidence.location-not-field", { mode: t(`forms.visit.mode.${ctx.answers.mode}`) }));
    else if (!validCoordinates(l.lat, l.lng)) out.errors.push(t("evidence.location-no-coords"));
    else if (l.forwarded) out.errors.push(t("evidence.location-forwarded"));
    else if (l.sentAt && now.getTime() - l.sentAt.getTime() > policy.checkIn.maxAgeMinutes * 60_000) out.errors.push(t("evidence.location-old", { minutes: policy.checkIn.maxAgeMinutes }));
    else out.location = { lat: l.lat!, lng: l.lng!, ...(typeof l.accuracyM === "number" ? { accuracyM: l.accuracyM } : {}), at: now.toISOString() };
  }
  const media: InboundMedia[] = a.media ?? [];
  if (media.length) {
    const have = readEvidence(ctx.meta).photos.length;
    const room = policy.photos.maxPerVisit - have;
    if (!customer) out.errors.push(t("evidence.photo-no-customer"));
    else if (!deps.photos) out.errors.push(t("evidence.photo-no-store"));
    else if (room <= 0) out.errors.push(t("evidence.photo-max", { max: policy.photos.maxPerVisit }));
    else {
      for (const [i, m] of media.entries()) {
        if (i >= room) {
          out.errors.push(t("evidence.photo-max", { max: policy.photos.maxPerVisit }));
          break;
        }
        if (typeof m.bytes === "number" && m.bytes > policy.photos.maxBytes) {
          out.errors.push(mediaMessage(t, "too-large", policy.photos.maxBytes));
          continue;
        }
        let bytes: Buffer;
        try {
          bytes = await m.download(policy.photos.maxBytes);
        } catch (err) {
          const reason = err instanceof MediaError ? err.reason : "download-failed";
          if (!(err instanceof MediaError)) deps.log.warn("photo download failed", { platform: a.platform, error: errorSummary(err) });
          out.errors.push(mediaMessage(t, reason, policy.photos.maxBytes));
          continue;
        }
        const r = await receivePhoto({ db: deps.db, store: deps.photos, staffId: staff.id, platform: a.platform, bytes, maxBytes: policy.photos.maxBytes, now });
        if (!r.ok) {
          out.errors.push(mediaMessage(t, r.reason, policy.photos.maxBytes));
          continue;
        }
        // The same picture again in this visit (a double send): one photo, no duplicate flag against the manager.
        const inForm = readEvidence(ctx.meta).photos.some((p) => p.id === r.photo.duplicateOf?.id) || out.photos.some((p) => p.id === r.photo.duplicateOf?.id);
        if (inForm) {
          await discardUnlinkedPhoto(deps.db, r.photo.id);
          out.repeats++;
          continue;
        }
        out.photos.push({ id: r.photo.id, duplicateOf: r.photo.duplicateOf ? { receivedAt: r.photo.duplicateOf.receivedAt.toISOString() } : null });
      }
    }
  }
  return out;
}

/** Records a prepared location / photos in the open visit form, answering the step that waits for it. */
export async function attachToVisit(ctx: AttachContext<Env>, prepared: unknown): Promise<AttachResult> {
  const p = prepared as Prepared;
  const { t, deps } = ctx.env;
  const notes: string[] = [];
  let answer: unknown;
  if (p.location) {
    const ev = evidenceOf(ctx.meta);
    const customer = await customerOf(ctx);
    const shop = customer ?? { lat: 0, lng: 0, located: false };
    const a = assessCheckin(deps.policy, shop, p.location);
    const at = new Date(p.location.at);
    // A first location checks in; one inside after a check-in outside the radius checks in again
    // (the manager walked over); any other later location checks out.
    if (!ev.checkin || (ev.checkin.status === "outside" && a.status === "inside")) {
      const again = Boolean(ev.checkin);
      ev.checkin = { ...p.location, ...a };
      delete ev.checkout;
      const time = hhmm(ctx.env, at);
      const distance = formatDistance(a.distanceM ?? 0, t);
      if (a.status === "inside") notes.push(t(again ? "evidence.checked-in-again" : "evidence.checked-in-inside", { time, distance }));
      else if (a.status === "outside") notes.push(t("evidence.checked-in-outside", { time, distance, radius: deps.policy.evidence.checkIn.radiusM, name: customer?.name ?? "" }));
      else notes.push(t("evidence.checked-in-nocoords", { time }));
      if (ctx.stepId === "checkin") answer = "located";
      // The reason asked for a check-in outside is moot once the manager checked in at the shop.
      if ((ctx.stepId === "checkinReason" || ctx.stepId === "checkinReasonLate") && a.status === "inside") answer = "";
    } else {
      ev.checkout = { lat: p.location.lat, lng: p.location.lng, at: p.location.at };
      notes.push(t("evidence.checked-out", { time: hhmm(ctx.env, at), minutes: measuredMinutes(new Date(ev.checkin.at), at) }));
    }
  }
  if (p.photos.length) {
    const ev = evidenceOf(ctx.meta);
    const section = currentSection(ctx);
    for (const photo of p.photos) {
      ev.photos.push({ id: photo.id, section, duplicate: Boolean(photo.duplicateOf) });
      if (section) ctx.item._photos = [...(Array.isArray(ctx.item._photos) ? (ctx.item._photos as number[]) : []), photo.id];
      if (photo.duplicateOf) notes.push(t("evidence.photo-duplicate", { date: formatShortDate(ctx.env, new Date(photo.duplicateOf.receivedAt)) }));
    }
    notes.push(t("evidence.photo-received", { n: p.photos.length, total: ev.photos.length }));
    if (section && ctx.stepId === `photo_${section}`) answer = "photo";
  }
  if (p.repeats) notes.push(t("evidence.photo-repeat", { total: readEvidence(ctx.meta).photos.length }));
  const error = p.errors.length ? p.errors.join("\n") : undefined;
  // Something was taken and something refused: the taken part answers, the refusal is a note.
  if (error && (p.location || p.photos.length)) return { notes: [...notes, `⚠️ ${error}`], ...(answer !== undefined ? { answer } : {}) };
  return { notes, ...(error ? { error } : {}), ...(answer !== undefined ? { answer } : {}) };
}

function formatShortDate(env: Env, d: Date): string {
  const p = localParts(d, env.deps.policy.timeZone);
  const [, month, day] = p.date.split("-").map(Number);
  return env.t("evidence.date-short", { month: month!, day: day!, time: hhmm(env, d) });
}

// ---------------------------------------------------------------------------------------------
// Completion

/** What the visit row records about evidence, and the photos to link. Exported for tests. */
export function visitEvidenceFrom(ctx: { answers: Answers; meta: Answers; now: Date; mode: string; defaultMode: TCheckInMode }): { columns: VisitEvidenceInput; photos: { id: number; section: string | null }[] } {
  const ev = readEvidence(ctx.meta);
  const photos = ev.photos.map((p) => ({ id: p.id, section: p.section }));
  if (ctx.meta.editVisitId || ctx.mode !== "field") return { columns: {}, photos };
  const mode = policyOf(ctx)?.checkIn ?? ctx.defaultMode;
  const reason = [ctx.answers.checkinUnable, ctx.answers.checkinReason, ctx.answers.checkinReasonLate].find((r): r is string => typeof r === "string" && r.trim() !== "")?.trim() ?? "";
  if (ev.checkin) {
    const c = ev.checkin;
    const checkinAt = new Date(c.at);
    const checkoutAt = ev.checkout ? new Date(ev.checkout.at) : ctx.now;
    return {
      columns: {
        checkinStatus: c.status,
        checkinAt,
        checkinLat: c.lat,
        checkinLng: c.lng,
        checkinAccuracyM: c.accuracyM ?? null,
        checkinDistanceM: c.distanceM,
        checkinReason: c.status === "outside" ? reason : "",
        checkoutAt,
        checkoutLat: ev.checkout?.lat ?? null,
        checkoutLng: ev.checkout?.lng ?? null,
        measuredMin: measuredMinutes(checkinAt, checkoutAt),
      },
      photos,
    };
  }
  if (mode === "off") return { columns: {}, photos };
  return { columns: { checkinStatus: "none", checkinReason: reason }, photos };
}

/** Links the photos and lets a check-in improve the shop's coordinates; lines for the confirmation. */
export async function afterVisitEvidence(opts: { tx: Tx; env: Env; visitId: number; customerId: number; evidence: ReturnType<typeof visitEvidenceFrom> }): Promise<string[]> {
  const { tx, env, evidence } = opts;
  if (evidence.photos.length) await linkPhotos(tx, { visitId: opts.visitId, customerId: opts.customerId, staffId: env.staff.id, photos: evidence.photos });
  if (!evidence.columns.checkinAt) return [];
  return considerCheckin(tx, { policy: env.deps.policy, customerId: opts.customerId, visitId: opts.visitId, now: env.now, t: env.t });
}

/** Confirmation parts: "📍 35 米", "⚠️ 850 米", "未签到", "实测 18 分钟", "📷 2". */
export function evidenceConfirmParts(t: Translate, visit: { mode: string; checkinStatus: string | null; checkinDistanceM: number | null; measuredMin: number | null }, photoCount: number, checkIn: TCheckInMode): string[] {
  const parts: string[] = [];
  // Without a check-in where it is optional, the confirmation stays as it was (supervisors still see it).
  const silent = visit.checkinStatus === "none" && checkIn !== "required";
  if (visit.mode === "field" && visit.checkinStatus && !silent) {
    if (visit.checkinStatus === "inside") parts.push(t("evidence.part.inside", { distance: formatDistance(visit.checkinDistanceM ?? 0, t) }));
    else if (visit.checkinStatus === "outside") parts.push(t("evidence.part.outside", { distance: formatDistance(visit.checkinDistanceM ?? 0, t) }));
    else if (visit.checkinStatus === "nocoords") parts.push(t("evidence.part.nocoords"));
    else parts.push(t("evidence.part.none"));
    if (visit.measuredMin !== null) parts.push(t("evidence.part.measured", { m: visit.measuredMin }));
  }
  if (photoCount) parts.push(t("evidence.part.photos", { n: photoCount }));
  return parts;
}

/** Every step the visit form adds for evidence, in form order, for a test's reference. */
export const evidenceSteps: Step<Env>[] = [checkinStep, checkinUnableStep, checkinReasonStep, checkinReasonLateStep];
