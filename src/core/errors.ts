/** Every error code the app raises on purpose. A user-caused one carries a catalogue message. */
export type AppErrorCode =
  | "cli.bad-args"
  | "cli.bad-month"
  | "cli.past-month"
  | "cli.report"
  | "cli.route"
  | "cli.unknown-manager"
  | "config.invalid"
  | "db.open"
  | "evidence.photos-access"
  | "import.unsupported-file"
  | "import.file"
  | "import.busy"
  | "import.file-changed"
  | "import.csv"
  | "import.xlsx"
  | "input.too-long"
  | "plan.worker"
  | "policy.file"
  | "policy.unknown-preset"
  | "policy.invalid"
  | "visit.customer"
  | "visit.gone";

/** What the user is told: a catalogue key and its parameters, rendered in the user's language. */
export interface UserMessage {
  key: string;
  params?: Record<string, string | number>;
}

/**
 * An error with a stable code, a log message in English and, when a user can cause it, the
 * message to show them. The router's catch boundary answers with `userMessage` (never "internal
 * error") and logs only the code.
 */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly userMessage?: UserMessage;
  constructor(code: AppErrorCode, opts: { message: string; userMessage?: UserMessage; cause?: unknown }) {
    super(opts.message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = opts.userMessage;
  }
}
