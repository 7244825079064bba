import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDb, type Db } from "../../src/db/client.ts";

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A real SQLite file in a fresh temp dir, migrated like production. */
export async function createTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-test-"));
  const url = `file:${path.join(dir, "test.db")}`;
  const db = await openDb(url);
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
