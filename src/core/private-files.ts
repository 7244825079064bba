import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import path from "node:path";

/** Owner-only modes: the database holds customers, phone numbers and visit notes; the log and exports beside it too. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) owner-only. A folder that already exists keeps its mode: it
 * may be the working directory or one the operator chose and set up.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Makes sure `file` exists owner-only (0600) before SQLite or a log writer opens it. SQLite would
 * create it 0644 (and its -wal / -shm files copy the database file's mode), so the file is created
 * here first, empty, which SQLite takes as a new database. A file from an older version, created
 * readable by everyone, is tightened: it is ours. The -wal and -shm files follow the same mode.
 */
export function createPrivateFile(file: string): void {
  ensurePrivateDir(path.dirname(file));
  try {
    // "wx": only a new file (a second process starting at once finds it made); never truncates.
    closeSync(openSync(file, "wx", PRIVATE_FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(f);
}

function tighten(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  } catch {
    // Missing (-wal before the first write) or not ours to change: nothing to tighten.
  }
}
