import { addDays, endOfMonth } from "../core/dates.ts";
import { errorSummary } from "../core/logger.ts";
import type { Job, JobResult } from "../core/scheduler.ts";
import { planMonthAhead, plannedSince } from "../modules/planning/planning.service.ts";
import { managersWithCustomersPages } from "../modules/staff/staff.service.ts";
import { planPool } from "../modules/planning/plan-pool.ts";

/** Managers read and checked per query. */
const PAGE = 100;

/**
 * The evening of a month's last day: next month's plan for every manager with customers, several
 * at once through the plan pool, so the first morning of the month only reads (before, its morning
 * list re-planned every manager one after another, ~50 min at 1,000 managers).
 *
 * Resumable: a manager whose latest plan already starts on the 1st is skipped, so a retry after a
 * failure, a run taken over from a dead instance or an interrupted run (stop between managers)
 * plans each manager once. Until 23:59 a missed or failed run is caught up; a manager left over
 * after that is planned on demand on the 1st (`ensurePlan`, also in the pool).
 */
export const monthPlanJob: Job = {
  id: "month-plan",
  cron: () => "0 22 L * *",
  catchUpUntil: () => "23:59",
  async run(job) {
    const { deps } = job;
    const from = addDays(endOfMonth(job.date), 1);
    const counts = { planned: 0, skipped: 0, errors: 0 };
    // The pool's size in flight, plus one, so a worker never idles while the main thread stores a plan.
    const parallel = planPool().size + 1;
    const inFlight = new Set<Promise<void>>();
    for await (const page of managersWithCustomersPages({ db: deps.db, take: PAGE })) {
      if (job.aborted()) break;
      const done = await plannedSince({ deps, managerIds: page.map((s) => s.id), from });
      for (const staff of page) {
        if (job.aborted()) break;
        if (done.has(staff.id)) {
          counts.skipped++;
          continue;
        }
        while (inFlight.size >= parallel) await Promise.race(inFlight);
        const p: Promise<void> = (async () => {
          try {
            await planMonthAhead({ deps, staff, from });
            counts.planned++;
            await job.heartbeat();
          } catch (err) {
            counts.errors++;
            deps.log.error("month plan failed for one manager", { job: job.jobId, staff: staff.code, error: errorSummary(err) });
          }
        })().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }
    await Promise.all(inFlight);
    // A failed run is retried by the sweep within its window, and the retry plans only the missing.
    if (counts.errors) throw new Error(`month-plan: ${counts.errors} managers failed (planned ${counts.planned})`);
    return { ...counts, month: from.slice(0, 7) } as JobResult;
  },
};
