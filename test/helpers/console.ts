import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { Clock } from "../../src/core/clock.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { start } from "../../src/main.ts";
import { createPgTestDatabase, type Engine } from "./db.ts";

/** A scratch database for a start-up test: an SQLite file in a temp dir, or a database on the run's PostgreSQL cluster. */
export async function tempDatabase(engine: Engine = "sqlite"): Promise<{ url: string; cleanup(): Promise<void> }> {
  if (engine === "sqlite") {
    const tmp = tempDbUrl();
    return { url: tmp.url, cleanup: async () => tmp.cleanup() };
  }
  const pg = await createPgTestDatabase();
  return { url: pg.url, cleanup: pg.drop };
}

/** A scratch directory with a database URL inside it. */
export function tempDbUrl(): { url: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "visitmate-chat-"));
  return { url: `file:${path.join(dir, "chat.db")}`, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the real start-up (migrate, seed, router, terminal channel) with a scripted stdin and
 * returns everything printed to stdout.
 */
export async function runConsoleScript(opts: { url: string; lines: string[]; clock: Clock; env?: Record<string, string> }): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  const done = start({
    // Scheduled reminders would print into the transcript at unpredictable moments; so would a
    // list made in the background: /today answers with it (a test asks for background itself).
    env: { DATABASE_URL: opts.url, LOG_LEVEL: "error", VISITMATE_SCHEDULER: "off", VISITMATE_CHAT_PLAN: "wait", ...opts.env },
    input,
    output,
    clock: opts.clock,
  });
  input.end(opts.lines.map((l) => l + "\n").join(""));
  await done;
  return chunks.join("");
}

/** Splits a transcript into the numbered stop lines of the last visit list in it. */
export function stopLines(transcript: string): string[] {
  const blocks = transcript.split("📋");
  const last = blocks[blocks.length - 1] ?? "";
  return last.split("\n").filter((l) => /^\d+\. /.test(l));
}

/** Opens the database of a terminal run between runs, and closes it again whatever happens. */
export async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(url);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}
