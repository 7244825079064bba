import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDb, type Db } from "../../src/db/client.ts";

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A real SQLite file in a fresh temp dir, migrated like production; optionally a copy of `from`. */
export async function createTestDb(opts: { from?: string; busyTimeoutMs?: number } = {}): Promise<TestDb> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-test-"));
  const file = path.join(dir, "test.db");
  if (opts.from) copyFileSync(opts.from, file);
  const url = `file:${file}`;
  const db = await openDb(url, { busyTimeoutMs: opts.busyTimeoutMs });
  return {
    db,
    url,
    dir,
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
