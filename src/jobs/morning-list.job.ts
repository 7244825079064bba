import { errorSummary } from "../core/logger.ts";
import type { Job, JobResult } from "../core/scheduler.ts";
import type { Staff } from "../generated/prisma/client.ts";
import { isoWeekday } from "../core/dates.ts";
import { isVisitDay, managersWithCustomersPages, visitDaysOf } from "../modules/staff/staff.service.ts";
import { MORNING_LIST_KIND, morningListReply } from "../modules/planning/plan.commands.ts";
import { ensurePlan, onLeave, planDayLists, plansServing, type DayList } from "../modules/planning/planning.service.ts";
import { planPool } from "../modules/planning/plan-pool.ts";
import { wantsReminder, type NotifyOutcome } from "../modules/reminders/reminders.service.ts";
import { deliverReminder, reminderJob, type ReminderBuild, type ReminderMessage } from "./reminder-job.ts";

/** Managers read per query. */
const PAGE = 200;

/** Morning of a visit day: the day's list with its same-day bookings (morningListReply), once. */
async function buildMorningList({ job, staff, view }: ReminderBuild, loaded?: DayList): Promise<ReminderMessage | null> {
  const { deps, date } = job;
  if (!loaded && !(await isVisitDay({ db: deps.db, policy: deps.policy, staff, date }))) return null;
  const reply = await morningListReply(view, staff, date, loaded);
  return reply ? { reply } : null;
}

const definition = { id: MORNING_LIST_KIND, reminder: "morningList", days: () => ({}), build: buildMorningList };

/**
 * Times and switches as every reminder (`reminderJob`); the run differs: a manager whose plan is
 * missing or stale (no month job ran) is planned in the worker pool and their list queued when it
 * is stored, while everyone whose plan is there is queued first, without waiting for any plan.
 */
export const morningListJob: Job = {
  ...reminderJob(definition),
  async run(job) {
    const { deps, date } = job;
    const counts: Record<NotifyOutcome | "nothing" | "errors" | "planned", number> = { queued: 0, duplicate: 0, muted: 0, unbound: 0, nothing: 0, errors: 0, planned: 0 };
    const deliver = (staff: Staff, day?: DayList) => deliverReminder(definition, job, staff, counts, (b) => buildMorningList(b, day));
    const unplanned: Staff[] = [];
    let managers = 0;
    for await (const page of managersWithCustomersPages({ db: deps.db, take: PAGE })) {
      if (job.aborted()) break;
      managers += page.length;
      // Read for the whole page: who is on leave, whose plan serves today, then the day lists.
      const wanted = page.filter((staff) => wantsReminder(deps.policy, staff, definition.reminder));
      counts.muted += page.length - wanted.length;
      const leave = await onLeave({ deps, staffIds: wanted.map((s) => s.id), date });
      const visiting = wanted.filter((s) => visitDaysOf(s, deps.policy).includes(isoWeekday(date)) && !leave.has(s.id));
      counts.nothing += wanted.length - visiting.length;
      const served = await plansServing({ deps, staffs: visiting, date });
      unplanned.push(...visiting.filter((s) => !served.has(s.id)));
      const ready = visiting.filter((s) => served.has(s.id));
      const lists = await planDayLists({ deps, staffs: ready, date, fixNumbers: true });
      for (const staff of ready) {
        if (job.aborted()) break;
        await job.heartbeat();
        await deliver(staff, lists.get(staff.id));
      }
    }
    // Then the plans still to make, a few more in flight than the pool runs so no worker idles,
    // each manager's list queued as soon as theirs is stored.
    const inFlight = new Set<Promise<void>>();
    for (const staff of unplanned) {
      if (job.aborted()) break;
      while (inFlight.size > planPool().size) await Promise.race(inFlight);
      const p: Promise<void> = (async () => {
        // In the pool; a /today already making this plan is waited for, never planned twice.
        if (await ensurePlan({ deps, staff, date })) counts.planned++;
        await job.heartbeat();
        await deliver(staff);
      })()
        .catch((err) => {
          // The sweep retries the run for this manager (the outbox keys add only what is missing).
          counts.errors++;
          deps.log.error("reminder failed for one manager", { job: definition.id, staff: staff.code, error: errorSummary(err) });
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    if (counts.errors) throw new Error(`${definition.id}: ${counts.errors} of ${managers} managers failed (queued ${counts.queued})`);
    return counts as JobResult;
  },
};
