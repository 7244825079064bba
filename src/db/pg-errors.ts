import { AppError } from "../core/errors.ts";
import { redactDbUrl } from "./db-url.ts";

/**
 * Opening a PostgreSQL database: the failures an operator can fix, each one message naming
 * DATABASE_URL (its password masked) and what to do. Anything else stays as it is (a bug).
 */
export type TPgOpenProblem = "unreachable" | "auth" | "no-database" | "read-only" | "locked" | "full";

function codeOf(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof x.code === "string" && x.code) return x.code;
    // AggregateError (ECONNREFUSED on both ::1 and 127.0.0.1)
    if (Array.isArray(x.errors) && x.errors.length) {
      e = x.errors[0];
      continue;
    }
    e = x.cause;
  }
  return "";
}

export function pgOpenProblem(err: unknown): TPgOpenProblem | null {
  const code = codeOf(err);
  if (/^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|ECONNRESET)$/.test(code) || code.startsWith("08") || code === "57P03") return "unreachable";
  if (code === "28P01" || code === "28000") return "auth";
  if (code === "3D000") return "no-database";
  if (code === "25006") return "read-only";
  if (code === "55P03") return "locked";
  if (code === "53100") return "full";
  return null;
}

export function pgOpenError(err: unknown, url: string): unknown {
  if (err instanceof AppError) return err;
  const problem = pgOpenProblem(err);
  if (!problem) return err;
  const code = codeOf(err);
  let host = "";
  let database = "";
  try {
    const u = new URL(url);
    host = u.host;
    database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  } catch {
    /* the URL was checked at start-up */
  }
  const shown = redactDbUrl(url);
  return new AppError("db.open", {
    message: `Cannot open the database DATABASE_URL=${shown} (${problem}, ${code})`,
    userMessage: { key: `db.open.pg.${problem}`, params: { url: shown, host, database, code } },
    cause: err,
  });
}
