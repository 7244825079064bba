import type { Job } from "../core/scheduler.ts";
import { sweepComplaints } from "../modules/complaints/complaints.service.ts";

/**
 * The complaint SLA sweep, every minute: each notice goes out within 60 s of its threshold. The
 * sweep is idempotent (outbox keys, conditional claims), so a missed or doubled run is harmless.
 */
export const complaintSlaJob: Job = {
  id: "complaint-sla",
  cron: () => "* * * * *",
  catchUpUntil: () => "23:59",
  async run(ctx) {
    const stats = await sweepComplaints(ctx.deps, ctx.now);
    return { ...stats };
  },
};
