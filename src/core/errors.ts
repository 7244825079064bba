/** An error with a stable code, a log message and (optionally) a message safe to show the user. */
export class AppError extends Error {
  readonly code: string;
  readonly userMessage?: string;
  constructor(code: string, opts: { message: string; userMessage?: string; cause?: unknown }) {
    super(opts.message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = opts.userMessage;
  }
}
