import type { TPolicy } from "../../config/policy.ts";
import { addWorkingMinutes, workingMinutesBetween } from "./business-hours.ts";

/**
 * The complaint SLA from the policy: resolve within `slaMinutes`, counted on the wall clock or, when
 * the policy has a business-hours calendar, in working time only.
 */
export function complaintDeadline(openedAt: Date, policy: TPolicy): Date {
  return addWorkingMinutes(openedAt, policy.complaint.slaMinutes, policy.complaint.businessHours, policy.timeZone);
}

/** Minutes of SLA time left (negative once breached). */
export function slaMinutesLeft(now: Date, deadlineAt: Date, policy: TPolicy): number {
  return workingMinutesBetween(now, deadlineAt, policy.complaint.businessHours, policy.timeZone);
}

export type SlaAudience = "manager" | "supervisor";

export interface SlaStage {
  /** Stable id, part of the outbox key: remind-50, warn-75, escalate-now, breach. */
  id: string;
  audience: SlaAudience;
  kind: "remind" | "warn" | "escalate" | "breach";
  /** Share of the SLA elapsed at this stage (0..1). */
  fraction: number;
  at: Date;
}

/**
 * Every notice a complaint is due to trigger, in time order. The manager is reminded at the policy's
 * fractions (default 50% and 75%); the supervisor is warned while the limit is still ahead (default
 * 75%) — or at once when the manager said they cannot resolve it — and both hear of a breach.
 */
export function slaStages(c: { openedAt: Date; canResolve: boolean }, policy: TPolicy): SlaStage[] {
  const { slaMinutes, managerRemindAt, supervisorWarnAt, businessHours } = policy.complaint;
  const at = (f: number) => addWorkingMinutes(c.openedAt, slaMinutes * f, businessHours, policy.timeZone);
  const pct = (f: number) => Math.round(f * 100);
  const stages: SlaStage[] = managerRemindAt.map((f) => ({ id: `remind-${pct(f)}`, audience: "manager", kind: "remind", fraction: f, at: at(f) }));
  stages.push(
    c.canResolve
      ? { id: `warn-${pct(supervisorWarnAt)}`, audience: "supervisor", kind: "warn", fraction: supervisorWarnAt, at: at(supervisorWarnAt) }
      : { id: "escalate-now", audience: "supervisor", kind: "escalate", fraction: 0, at: c.openedAt },
  );
  const deadline = at(1);
  stages.push({ id: "breach", audience: "manager", kind: "breach", fraction: 1, at: deadline });
  stages.push({ id: "breach", audience: "supervisor", kind: "breach", fraction: 1, at: deadline });
  return stages.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The latest stage of an audience that has come due by `now` (earlier ones are superseded). */
export function latestDueStage(stages: SlaStage[], audience: SlaAudience, now: Date): SlaStage | null {
  let latest: SlaStage | null = null;
  for (const s of stages) if (s.audience === audience && s.at <= now) latest = s;
  return latest;
}
