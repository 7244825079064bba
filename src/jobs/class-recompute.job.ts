import { keysetPages } from "../core/batch.ts";
import { dailyAt } from "../core/cron.ts";
import { errorSummary } from "../core/logger.ts";
import type { Job, JobResult } from "../core/scheduler.ts";
import type { Staff } from "../generated/prisma/client.ts";
import { applyClassChanges, findClassChanges, type ClassChange } from "../modules/customers/customers.service.ts";
import { classLabel } from "../modules/customers/class-label.ts";
import type { NotifyOutcome } from "../modules/reminders/reminders.service.ts";
import { STAFF_PAGE, listManagersWithCustomers } from "../modules/staff/staff.service.ts";
import { deliverReminder, type ReminderBuild } from "./reminder-job.ts";

/** Shops named in one message; the rest are counted ("还有 12 家"). */
export const CLASS_CHANGES_SHOWN = 30;

const def = { id: "class-changes", reminder: "classChanges" } as const;

/**
 * Early every morning: each territory reclassified from today's facts (a violation older than the
 * policy's three months leaves 帮扶; ABC follows the current sales), overrides kept, and each
 * manager told which shops changed class — one message, only when something changed.
 *
 * The message is queued before the classes are stored: its outbox key (manager + date) makes a
 * retry after a crash in between queue nothing twice and still store the change, while storing
 * first would let a crash lose the message for good (the retry finds nothing changed).
 * A manager who muted the message still gets the classes recomputed.
 */
export const classRecomputeJob: Job = {
  id: "class-recompute",
  cron(policy) {
    const setting = policy.reminders[def.reminder];
    if (!setting?.enabled) return null;
    return setting.cron ?? dailyAt(setting.time);
  },
  catchUpUntil: (policy) => policy.reminders[def.reminder]?.catchUpUntil,
  async run(job) {
    const { deps } = job;
    const counts: Record<NotifyOutcome | "nothing" | "errors", number> = { queued: 0, duplicate: 0, muted: 0, unbound: 0, nothing: 0, errors: 0 };
    let changed = 0;
    let managers = 0;
    pages: for await (const page of keysetPages<Staff, number>((afterId) => listManagersWithCustomers({ db: deps.db, afterId, take: STAFF_PAGE }), (s) => s.id, STAFF_PAGE)) {
      for (const staff of page) {
        if (job.aborted()) break pages;
        managers++;
        await job.heartbeat();
        try {
          const changes = await findClassChanges({ db: deps.db, policy: deps.policy, clock: deps.clock, managerId: staff.id });
          if (!changes.length) {
            counts.nothing++;
            continue;
          }
          const errorsBefore = counts.errors;
          await deliverReminder(def, job, staff, counts, async (b) => ({ reply: { text: renderClassChanges(b, changes) } }));
          // Not queued (an error): leave the classes for the retry, which then tells and stores both.
          if (counts.errors > errorsBefore) continue;
          changed += await applyClassChanges({ db: deps.db, changes });
        } catch (err) {
          counts.errors++;
          deps.log.error("class recompute failed for one manager", { job: def.id, staff: staff.code, error: errorSummary(err) });
        }
      }
    }
    if (counts.errors) throw new Error(`${def.id}: ${counts.errors} of ${managers} managers failed (changed ${changed})`);
    return { ...counts, managers, changed } as JobResult;
  },
};

/** "客户类别有调整（3 家）：\n· 钟氏小卖部：帮扶客户 → 常规客户" in the manager's language. */
export function renderClassChanges(b: Pick<ReminderBuild, "view">, changes: ClassChange[]): string {
  const { view } = b;
  const { t } = view;
  const lines = [t("classes.changes.header", { count: changes.length })];
  for (const c of changes.slice(0, CLASS_CHANGES_SHOWN)) {
    lines.push(t("classes.changes.line", { name: c.name, code: c.code, from: classLabel(view, c.from), to: classLabel(view, c.to) }));
  }
  if (changes.length > CLASS_CHANGES_SHOWN) lines.push(t("classes.changes.more", { count: changes.length - CLASS_CHANGES_SHOWN }));
  lines.push(t("classes.changes.footer"));
  return lines.join("\n");
}
