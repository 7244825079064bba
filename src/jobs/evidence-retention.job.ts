import type { Job, JobResult } from "../core/scheduler.ts";
import { sweepEvidenceRetention } from "../modules/evidence/retention.service.ts";

/** Early morning, when nobody sends photos: the sweep's deletes never compete with a visit form. */
export const EVIDENCE_RETENTION_CRON = "40 3 * * *";

/**
 * The retention cleanup of visit evidence (photos, check-in positions), once a day across all
 * instances (the scheduler's slot claim). A missed night is caught up the same day; a run that
 * stops half-way is harmless, the next one continues where the data says.
 */
export const evidenceRetentionJob: Job = {
  id: "evidence-retention",
  cron: () => EVIDENCE_RETENTION_CRON,
  catchUpUntil: () => "23:00",
  async run(job) {
    const { deps } = job;
    // Without a store (an embedder that gave none) the photos cannot be removed: skip, say so.
    if (!deps.photos) return { skipped: "no photo store" } as JobResult;
    const stats = await sweepEvidenceRetention({
      db: deps.db,
      store: deps.photos,
      policy: deps.policy,
      now: job.now,
      between: async () => {
        await job.heartbeat();
        return !job.aborted();
      },
    });
    return { ...stats };
  },
};
