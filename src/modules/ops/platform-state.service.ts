import type { Db } from "../../db/client.ts";

/** What the supervisor says about one platform: connected, still connecting, or failing and retried. */
export type TPlatformStateName = "starting" | "up" | "retrying" | "stopped";

export interface TPlatformStatus {
  platform: string;
  state: TPlatformStateName;
  /** When the current state began ("retrying since"). */
  since: Date;
  /** Summary of the last failure (status / code / message; never a secret). */
  lastError: string | null;
  /** Runs so far, restarts included. */
  attempts: number;
}

export interface TStoredPlatformStatus extends TPlatformStatus {
  instance: string;
  updatedAt: Date;
}

/** Stores one platform's state for this instance (one row per instance and platform). */
export async function savePlatformState(opts: { db: Db; instance: string; status: TPlatformStatus; at: Date }): Promise<void> {
  const { db, instance, status, at } = opts;
  const data = { state: status.state, since: status.since, lastError: status.lastError, attempts: status.attempts, updatedAt: at };
  await db.platformState.upsert({
    where: { instance_platform: { instance, platform: status.platform } },
    create: { instance, platform: status.platform, ...data },
    update: data,
  });
}

/**
 * Every stored platform state, newest instance first. Bounded: a row exists per instance name and
 * platform (three platforms), and instance names are a deployment's few host names.
 */
export async function listPlatformStates(opts: { db: Db; limit?: number }): Promise<TStoredPlatformStatus[]> {
  const rows = await opts.db.platformState.findMany({ orderBy: [{ updatedAt: "desc" }, { platform: "asc" }], take: opts.limit ?? 100 });
  return rows.map((r) => ({ instance: r.instance, platform: r.platform, state: r.state as TPlatformStateName, since: r.since, lastError: r.lastError, attempts: r.attempts, updatedAt: r.updatedAt }));
}
