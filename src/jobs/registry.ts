import type { Job } from "../core/scheduler.ts";
import { appointmentsJob } from "./appointments.job.ts";
import { classRecomputeJob } from "./class-recompute.job.ts";
import { complaintSlaJob } from "./complaint-sla.job.ts";
import { creditFollowUpJob } from "./credit-follow-up.job.ts";
import { dailyPhoneMinimumJob } from "./daily-phone-minimum.job.ts";
import { monthEndJob } from "./month-end.job.ts";
import { monthPlanJob } from "./month-plan.job.ts";
import { morningListJob } from "./morning-list.job.ts";
import { purchasePlansJob } from "./purchase-plans.job.ts";
import { unloggedVisitsJob } from "./unlogged-visits.job.ts";
import { weeklyPhoneContactsJob } from "./weekly-phone-contacts.job.ts";
import { weeklySummaryJob } from "./weekly-summary.job.ts";
import { infoPointsJob } from "./info-points.job.ts";
import { supervisorJobs } from "./supervisor-reports.job.ts";
import { evidenceRetentionJob } from "./evidence-retention.job.ts";

/** The duty reminders to managers and the reports to supervisors (times and switches in `policy.reminders`). */
export function reminderJobs(): Job[] {
  return [
    morningListJob,
    appointmentsJob,
    unloggedVisitsJob,
    weeklyPhoneContactsJob,
    dailyPhoneMinimumJob,
    monthEndJob,
    purchasePlansJob,
    creditFollowUpJob,
    infoPointsJob,
    weeklySummaryJob,
    ...supervisorJobs,
  ];
}

/** Every scheduled job, in the order `runDue` runs them (and `jobs list` shows them). */
export function allJobs(): Job[] {
  // The month plan last: its start-up catch-up may take minutes and must not hold the reminders back.
  return [complaintSlaJob, classRecomputeJob, evidenceRetentionJob, ...reminderJobs(), monthPlanJob];
}
