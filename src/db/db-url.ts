import path from "node:path";

/** `postgresql://…` / `postgres://…` select PostgreSQL; `file:…` SQLite (the default). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** A database URL fit for a log line or a message: the password replaced by `***`. */
export function redactDbUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

/**
 * The folder for what VisitMate keeps beside its database on this host (terminal log, terminal
 * files, photos by default): the SQLite file's folder, or ./data for a PostgreSQL database.
 */
export function localDataDir(url: string): string {
  if (isPostgresUrl(url)) return path.resolve("data");
  const raw = url.startsWith("file:") ? url.slice("file:".length) : url;
  return raw === ":memory:" ? path.resolve("data") : path.dirname(path.resolve(raw));
}
