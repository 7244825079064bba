import type { TContactMode, TCounting, TPolicy } from "../../config/policy.ts";
import { localDate } from "../../core/dates.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

/**
 * The one rule for what a log counts as (policy.counting): a field visit, the class's visit, a phone
 * contact. Every counter — planning's last visit, coverage, reports, reminders, /summary — asks
 * here, in JS (`counts`) or in SQL (`countedWhere`), so the two can never disagree.
 */

export type CountedDuty = keyof TCounting;

/**
 * `logCall` writes a /call's details with `kind` first, so this prefix tells a call from a visit
 * made by phone, in SQL as well as here.
 */
export const CALL_DETAILS_PREFIX = '{"kind":"call"';

export interface CountableLog {
  mode: string;
  /** The stored details JSON, or `call` already worked out. */
  details?: string;
  call?: boolean;
}

export function contactModeOf(log: CountableLog): TContactMode | null {
  const call = log.call ?? (log.details ?? "").startsWith(CALL_DETAILS_PREFIX);
  if (call) return "call";
  return log.mode === "field" || log.mode === "online" || log.mode === "phone" ? log.mode : null;
}

export function counts(policy: Pick<TPolicy, "counting">, duty: CountedDuty, log: CountableLog): boolean {
  const mode = contactModeOf(log);
  return mode !== null && policy.counting[duty].includes(mode);
}

/**
 * The same rule as a Prisma filter. Wrapped in AND so it can be spread next to other conditions
 * (which may have their own OR/NOT) without overwriting them.
 */
export function countedWhere(policy: Pick<TPolicy, "counting">, duty: CountedDuty): Prisma.VisitWhereInput {
  const modes = policy.counting[duty];
  const call: Prisma.VisitWhereInput = { details: { startsWith: CALL_DETAILS_PREFIX } };
  const plain = modes.filter((m) => m !== "call");
  const or: Prisma.VisitWhereInput[] = [];
  if (plain.length) or.push({ mode: { in: plain }, NOT: call });
  if (modes.includes("call")) or.push(call);
  return { AND: [{ OR: or }] };
}

/**
 * Phone contacts per local date as distinct customers: two calls to the same shop on one day are one
 * contact towards "每天电话沟通不少于五个客户".
 */
export function phoneContactsPerDay(policy: Pick<TPolicy, "counting" | "timeZone">, logs: (CountableLog & { customerId: number; visitedAt: Date })[]): Map<string, number> {
  const seen = new Map<string, Set<number>>();
  for (const l of logs) {
    if (!counts(policy, "phoneContact", l)) continue;
    const d = localDate(l.visitedAt, policy.timeZone);
    const set = seen.get(d) ?? new Set<number>();
    set.add(l.customerId);
    seen.set(d, set);
  }
  return new Map([...seen].map(([d, s]) => [d, s.size]));
}
