import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { isPostgresUrl, localDataDir } from "../../db/db-url.ts";
import { photoExtension } from "./image.ts";

/**
 * Where shop photos live, by content: one object per sha256 (a photo sent twice is stored once).
 * The file system is the default; an S3-compatible bucket can replace it (same interface).
 * `put` of a key that exists is harmless (same content by construction).
 */
export interface PhotoStore {
  /** Short description for status output ("files under data/photos", "s3 bucket …"); holds no secret. */
  readonly describe: string;
  put(key: string, bytes: Buffer): Promise<void>;
  /** Null when the object is not there (deleted by retention, lost). */
  get(key: string): Promise<Buffer | null>;
  /** Removing a missing object is not an error. */
  remove(key: string): Promise<void>;
}

/** The storage key of a photo: its hash and the extension of its real type. */
export function photoKey(hash: string, mime: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error("photo key: not a sha256 hex digest");
  return hash + photoExtension(mime);
}

/** Photos as files: `<dir>/<first two hex digits>/<hash>.<ext>`, written to a temp name and renamed (never half a file). */
export class FsPhotoStore implements PhotoStore {
  readonly describe: string;
  constructor(private readonly dir: string) {
    this.describe = `files under ${dir}`;
  }

  private file(key: string): string {
    if (!/^[0-9a-f]{64}\.[a-z]{3,4}$/.test(key)) throw new Error("photo store: bad key");
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}

/** Default photo folder: `photos/` beside the SQLite file (data/photos for the default database). */
export function defaultPhotoDir(databaseUrl: string): string {
  if (isPostgresUrl(databaseUrl)) return path.join(localDataDir(databaseUrl), "photos");
  const file = databaseUrl.replace(/^file:/, "");
  return path.join(path.dirname(file), "photos");
}
