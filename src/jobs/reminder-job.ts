import type { TPolicy } from "../config/policy.ts";
import type { Reply } from "../core/chat.ts";
import { keysetPages } from "../core/batch.ts";
import { dailyAt } from "../core/cron.ts";
import type { CommandContext } from "../core/router.ts";
import type { Job, JobContext, JobResult } from "../core/scheduler.ts";
import type { Staff } from "../generated/prisma/client.ts";
import { listSupervisorsWithTeams } from "../modules/reports/reports.service.ts";
import { STAFF_PAGE, listManagersWithCustomers } from "../modules/staff/staff.service.ts";
import { notifyStaff, renderContextFor, wantsReminder, type NotifyOutcome } from "../modules/reminders/reminders.service.ts";
import { errorSummary } from "../core/logger.ts";

export interface ReminderBuild {
  job: JobContext;
  staff: Staff;
  /** Renders as the manager would see it in chat (their locale). */
  view: CommandContext;
}

export interface ReminderJobDefinition {
  /** Job id, also the outbox `kind` (kebab-case). */
  id: string;
  /** Reminder id in the policy (`policy.reminders`). */
  reminder: string;
  /** Who gets it: managers with customers (default) or supervisors with a team. */
  audience?: "managers" | "supervisors";
  /** Days the reminder fires (cron day-of-month / day-of-week); null = off under this policy. */
  days(policy: TPolicy): { dom?: string; dow?: string } | null;
  /** The message for one manager, or null when there is nothing worth saying. */
  build(b: ReminderBuild): Promise<ReminderMessage | null>;
}

export interface ReminderMessage {
  reply: Reply;
  /** Subject/date part of the outbox key; default the slot's local date. */
  subject?: string;
}

/** The audience in id-ordered pages (200 at a time): 10,000 managers never load, or bind, at once. */
async function* audiencePages(def: ReminderJobDefinition, job: JobContext): AsyncGenerator<Staff[]> {
  const { db } = job.deps;
  const list = def.audience === "supervisors" ? listSupervisorsWithTeams : listManagersWithCustomers;
  yield* keysetPages<Staff, number>((afterId) => list({ db, afterId, take: STAFF_PAGE }), (s) => s.id, STAFF_PAGE);
}

/**
 * One person's reminder: built, then queued through `notifyStaff`, the outcome counted. A failure
 * is counted and logged, never thrown: one manager failing never stops the others.
 */
export async function deliverReminder(
  def: Pick<ReminderJobDefinition, "id" | "reminder">,
  job: JobContext,
  staff: Staff,
  counts: Record<NotifyOutcome | "nothing" | "errors", number>,
  build: (b: ReminderBuild) => Promise<ReminderMessage | null>,
): Promise<void> {
  const { deps } = job;
  try {
    const message = await build({ job, staff, view: renderContextFor(deps, staff) });
    if (!message) {
      counts.nothing++;
      return;
    }
    counts[await notifyStaff({ deps, staff, reminder: def.reminder, kind: def.id, subject: message.subject ?? job.date, reply: message.reply })]++;
  } catch (err) {
    counts.errors++;
    deps.log.error("reminder failed for one manager", { job: def.id, staff: staff.code, error: errorSummary(err) });
  }
}

/**
 * A reminder as a job: time from `policy.reminders[id]` (or its `cron` override), switched off by
 * the policy, one outbox message per manager. One manager failing never stops the others; the run
 * fails at the end so the sweep retries it (the outbox keys make the retry add only the missing).
 */
export function reminderJob(def: ReminderJobDefinition): Job {
  return {
    id: def.id,
    cron(policy) {
      const setting = policy.reminders[def.reminder];
      if (!setting?.enabled) return null;
      if (setting.cron) return setting.cron;
      const days = def.days(policy);
      return days ? dailyAt(setting.time, days) : null;
    },
    catchUpUntil: (policy) => policy.reminders[def.reminder]?.catchUpUntil,
    async run(job) {
      const { deps } = job;
      const counts: Record<NotifyOutcome | "nothing" | "errors", number> = { queued: 0, duplicate: 0, muted: 0, unbound: 0, nothing: 0, errors: 0 };
      let seen = 0;
      pages: for await (const page of audiencePages(def, job)) {
        for (const staff of page) {
          if (job.aborted()) break pages;
          seen++;
          await job.heartbeat();
          if (!wantsReminder(deps.policy, staff, def.reminder)) {
            counts.muted++;
            continue;
          }
          await deliverReminder(def, job, staff, counts, def.build);
        }
      }
      if (counts.errors) throw new Error(`${def.id}: ${counts.errors} of ${seen} managers failed (queued ${counts.queued})`);
      return counts as JobResult;
    },
  };
}
