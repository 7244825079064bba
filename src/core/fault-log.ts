import { dbCondition, type DbCondition } from "./db-faults.ts";
import { errorSummary, type Logger } from "./logger.ts";

export { dbCondition, type DbCondition };

/**
 * Database conditions that outlast one attempt: while one holds, every job and every dispatcher
 * round fails the same way, so logging each failure would say the same thing once a minute for
 * hours. They are recognised from the SQLite result code Prisma carries (`code`) or, for errors
 * wrapped on the way, from the driver's message.
 */
/** What a human reads in the log line for each condition (English: logs are for operators). */
const DESCRIBE: Record<DbCondition, string> = {
  "disk-full": "database unwritable: disk full (SQLITE_FULL / 53100)",
  "read-only": "database unwritable: read-only (SQLITE_READONLY / 25006, e.g. a standby)",
  locked: "database unwritable: locked by another process past the busy timeout (SQLITE_BUSY / 55P03)",
  "io-error": "database unreachable: I/O error or connection lost (SQLITE_IOERR / 08xxx, 57P0x)",
  corrupt: "database unreadable: file corrupt or not a database (SQLITE_CORRUPT)",
};

interface Active {
  condition: DbCondition;
  since: number;
  repeats: number;
}

/**
 * One error line when a lasting condition starts for a source (a job, the dispatcher loop), one
 * "recovered" line when the source next succeeds, nothing in between. Other errors pass through
 * and are logged every time: they are not known to repeat.
 */
export class ConditionLog {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Logs `err` unless its condition is already reported for `source`. Returns the condition (null: an ordinary error). */
  failed(source: string, message: string, err: unknown, extra: Record<string, unknown> = {}): DbCondition | null {
    const condition = dbCondition(err);
    if (!condition) {
      this.log.error(message, { ...extra, error: errorSummary(err) });
      return null;
    }
    const current = this.active.get(source);
    if (current?.condition === condition) {
      current.repeats++;
      return condition;
    }
    this.active.set(source, { condition, since: this.now(), repeats: 0 });
    this.log.error(`${message}: ${DESCRIBE[condition]}; logged once until it recovers`, { ...extra, source, condition, error: errorSummary(err) });
    return condition;
  }

  /** The source worked again: one "recovered" line if a condition was reported for it. */
  succeeded(source: string): void {
    const current = this.active.get(source);
    if (!current) return;
    this.active.delete(source);
    this.log.warn(`recovered: ${source} works again after ${DESCRIBE[current.condition]}`, {
      source,
      condition: current.condition,
      seconds: Math.round((this.now() - current.since) / 1000),
      failuresNotLogged: current.repeats,
    });
  }

  /** The condition reported for a source now (tests, status). */
  conditionOf(source: string): DbCondition | null {
    return this.active.get(source)?.condition ?? null;
  }
}
