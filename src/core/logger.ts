/** Minimal structured logger; the console chat channel owns stdout, so logs go to stderr. */
export interface Logger {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

const levels = { silent: 0, error: 1, warn: 2, info: 3 } as const;
export type LogLevel = keyof typeof levels;

export function createLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const at = levels[level];
  const out = (lvl: Exclude<LogLevel, "silent">, msg: string, extra?: Record<string, unknown>) => {
    if (levels[lvl] > at) return;
    write(`[${new Date().toISOString()}] ${lvl.toUpperCase()} ${msg}${extra ? " " + JSON.stringify(extra) : ""}`);
  };
  return {
    info: (m, e) => out("info", m, e),
    warn: (m, e) => out("warn", m, e),
    error: (m, e) => out("error", m, e),
  };
}

export const silentLogger: Logger = createLogger("silent");
