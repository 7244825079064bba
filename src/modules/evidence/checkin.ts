import type { TCheckInMode, TPolicy } from "../../config/policy.ts";
import { distanceM, validCoordinates } from "./geo.ts";

/**
 * What the visit form keeps about evidence while it is open (FormState.meta.evidence): the check-in,
 * a check-out, the photos received. Written by the form's attach hook, read by its steps and by
 * `complete`, which turns it into the visit's columns and links the photos.
 */
export interface FormEvidence {
  checkin?: FormCheckin;
  checkout?: { lat: number; lng: number; at: string };
  photos: FormPhoto[];
}

export interface FormCheckin {
  lat: number;
  lng: number;
  accuracyM?: number;
  /** ISO time the location arrived. */
  at: string;
  /** Metres to the shop's stored coordinates; null when the shop has none (kind nocoords). */
  distanceM: number | null;
  status: CheckinStatus;
}

export type CheckinStatus = "inside" | "outside" | "nocoords";

export interface FormPhoto {
  id: number;
  /** Visit section the photo was sent in (its round), or null. */
  section: string | null;
  /** Index of the menu round it was sent in, when in a section. */
  round?: number;
  duplicate: boolean;
}

export function checkInModeFor(policy: TPolicy, serviceClass: string): TCheckInMode {
  return policy.evidence.checkIn.byClass[serviceClass] ?? policy.evidence.checkIn.mode;
}

export function photoSectionsFor(policy: TPolicy, serviceClass: string): readonly string[] {
  return policy.evidence.photos.byClass[serviceClass] ?? policy.evidence.photos.requiredSections;
}

/** Where a location is against the shop: inside / outside the policy's radius, or no shop position to compare. */
export function assessCheckin(policy: TPolicy, shop: { lat: number; lng: number; located: boolean }, at: { lat: number; lng: number }): { status: CheckinStatus; distanceM: number | null } {
  if (!shop.located || !validCoordinates(shop.lat, shop.lng)) return { status: "nocoords", distanceM: null };
  const d = distanceM(shop, at);
  return { status: d <= policy.evidence.checkIn.radiusM ? "inside" : "outside", distanceM: d };
}

/** Minutes from check-in to check-out (or the form's completion), at least 0. */
export function measuredMinutes(checkinAt: Date, checkoutAt: Date): number {
  return Math.max(0, Math.round((checkoutAt.getTime() - checkinAt.getTime()) / 60000));
}
