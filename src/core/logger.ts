import { constants } from "node:os";

/** Minimal structured logger; the console chat channel owns stdout, so logs go to stderr. */
export interface Logger {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

const levels = { silent: 0, error: 1, warn: 2, info: 3 } as const;
export type LogLevel = keyof typeof levels;

/** Longest line written; a longer one is cut (an SDK dump must not flood the log). */
export const MAX_LOG_LINE = 2000;

/**
 * Every line goes through `formatLogLine`, the one redaction layer: whatever a call site passes
 * (an SDK error, a config object, a string with a URL in it), what reaches the log holds no
 * credential, no bind code, no phone number and no message content.
 */
export function createLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const at = levels[level];
  const out = (lvl: Exclude<LogLevel, "silent">, msg: string, extra?: Record<string, unknown>) => {
    if (levels[lvl] > at) return;
    write(formatLogLine(lvl, msg, extra, new Date()));
  };
  return {
    info: (m, e) => out("info", m, e),
    warn: (m, e) => out("warn", m, e),
    error: (m, e) => out("error", m, e),
  };
}

export const silentLogger: Logger = createLogger("silent");

/** One log line: time, level, the redacted message and the redacted extra as JSON, capped. */
export function formatLogLine(level: Exclude<LogLevel, "silent">, msg: string, extra: Record<string, unknown> | undefined, now: Date): string {
  let json = "";
  if (extra !== undefined) {
    try {
      json = " " + JSON.stringify(redactValue(extra));
    } catch {
      // redactValue leaves no cycles or BigInts, but a throwing getter must not lose the line.
      json = ' {"extra":"[unserialisable]"}';
    }
  }
  return capLine(`[${now.toISOString()}] ${level.toUpperCase()} ${redactText(String(msg))}${json}`);
}

function capLine(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  // Cut at a code point boundary: half a surrogate pair would be an invalid character.
  let cut = MAX_LOG_LINE - 24;
  if (/[\uD800-\uDBFF]/.test(line[cut - 1] ?? "")) cut--;
  return `${line.slice(0, cut)}…[+${line.length - cut} chars]`;
}

// ---------------------------------------------------------------------------------------------
// Keys. Matched after lower-casing and dropping "_" and "-", so app_secret, appSecret and
// App-Secret are one key.

/** Keys whose value is a credential: replaced whole, at any depth. */
const SECRET_KEYS = new Set(["secret", "token", "password", "passwd", "authorization", "proxyauthorization", "cookie", "setcookie", "apikey", "encryptkey", "appticket", "signature", "xlarksignature"]);
const SECRET_SUFFIXES = ["secret", "token", "password", "apikey"];

/**
 * Keys whose value is message content or personal data (what a person wrote or was sent, customer
 * names, notes, phone numbers, report rows): SDK errors carry the request they failed on under
 * these keys (axios `config.data`, grammY `payload`, Lark `content`, Bot API `text` / `caption`,
 * a Telegram update's `first_name`), and our records under theirs (`name`, `address`, `phone`).
 */
const CONTENT_KEYS = new Set([
  ...["text", "content", "payload", "body", "rawbody", "data", "caption", "replymarkup", "card", "elements", "form"],
  ...["name", "firstname", "lastname", "address", "keyperson", "note", "notes", "remark", "phone", "mobile", "tel"],
]);

function normalisedKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, "");
}

function isSecretKey(key: string): boolean {
  const k = normalisedKey(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

function isContentKey(key: string): boolean {
  return CONTENT_KEYS.has(normalisedKey(key));
}

// ---------------------------------------------------------------------------------------------
// Text patterns, applied to the message and to every string inside `extra`.

/** Telegram bot token (`123456:AA…`), also inside a Bot API URL (`/bot123456:AA…/sendMessage`). */
const BOT_TOKEN = /\d+:[A-Za-z0-9_-]{30,}/g;
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
/** `app_secret: x`, `"appSecret":"x"`, `token=x` (query strings, JSON, util.inspect output). */
const SECRET_PAIR =
  /(["']?)((?<![A-Za-z0-9_-])[A-Za-z0-9_-]*?(?:secret|token|password|passwd|authorization|api[_-]?key|encrypt[_-]?key))\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"',;&}\]]+)/gi;
/** A `"text": "…"` pair inside a string (JSON embedded in an SDK message): the content goes. */
const CONTENT_PAIR = /(["'])(text|content|payload|body|data|caption)\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/gi;
/** What follows a bind command: the code (any case, spaced or not) and whatever else was typed. */
const BIND_COMMAND = /((?:^|[\s"'(])\/(?:bind|start)(?:@[A-Za-z0-9_]+)?|绑定)([ \t\u3000]+)[^\n"'\\]*/gi;
/**
 * A bind code on its own: the alphabet of `binding.service.ts` (no 0/O, 1/I/L), upper case, 8
 * characters (up to 12, should codes grow), optionally in dash-separated groups of four.
 */
const BIND_CODE = /(?<![A-Za-z0-9_])(?:[A-HJKMNP-Z2-9]{8,12}|[A-HJKMNP-Z2-9]{4}(?:-[A-HJKMNP-Z2-9]{4}){1,2})(?![A-Za-z0-9_])/g;
/** Words that look like a code but are not one: errno names (ENETUNREACH, EHOSTUNREACH, …). */
const NOT_CODES = new Set(Object.keys(constants.errno));
/** Chinese mobile numbers, with or without +86 and separators. */
const MOBILE = /(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)/g;
/** Landlines with an area code: 010-12345678, (0755) 1234567, 075512345678. */
const LANDLINE = /(?<!\d)(?:\(0\d{2,3}\)\s?|0\d{2,3}[- ]|0\d{2,3})\d{7,8}(?!\d)/g;

export function redactText(s: string): string {
  return s
    .replace(BOT_TOKEN, "[bot-token]")
    .replace(BEARER, "$1 [redacted]")
    .replace(SECRET_PAIR, (_m, q: string, key: string, sep: string) => `${q}${key}${q}${sep}"[redacted]"`)
    .replace(CONTENT_PAIR, (_m, q: string, key: string, sep: string) => `${q}${key}${q}${sep}"[omitted]"`)
    .replace(BIND_COMMAND, (_m, cmd: string, space: string) => `${cmd}${space}[redacted]`)
    // Phone numbers before codes: the digits of 010-62345678 would otherwise read as a code.
    .replace(MOBILE, "[phone]")
    .replace(LANDLINE, "[phone]")
    .replace(BIND_CODE, (m) => (NOT_CODES.has(m) ? m : "[code]"));
}

const MAX_DEPTH = 6;
const MAX_ITEMS = 20;

/**
 * A JSON-safe copy of `value` with secrets and content removed: secret keys → "[redacted]",
 * content keys → "[omitted N chars]", errors → `errorSummary`, strings through `redactText`,
 * class instances (sockets, requests, buffers) named but not expanded, cycles and depth bounded.
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return redactString(value, depth);
  if (value === null || typeof value === "number" || typeof value === "boolean" || value === undefined) return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return `[${typeof value}]`;
  if (value instanceof Error) return errorSummary(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[…]";
  seen.add(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => redactValue(v, depth + 1, seen));
    if (value.length > MAX_ITEMS) items.push(`[+${value.length - MAX_ITEMS} more]`);
    return items;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  // A socket, an http.ClientRequest, a Buffer: their insides are noise at best, a body at worst.
  if (proto !== null && proto !== Object.prototype) return `[${(value as object).constructor?.name ?? "object"}]`;
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= MAX_ITEMS * 2) {
      out["…"] = "[more keys]";
      break;
    }
    if (isSecretKey(k)) out[k] = v === undefined || v === null || v === "" ? v : "[redacted]";
    else if (isContentKey(k)) out[k] = omitted(v);
    else out[k] = redactValue(v, depth + 1, seen);
  }
  return out;
}

function omitted(v: unknown): unknown {
  if (v === undefined || v === null || v === "") return v;
  if (typeof v === "string") return `[omitted ${v.length} chars]`;
  return "[omitted]";
}

/** Longest string parsed as JSON; longer ones are cut and go through the text patterns only. */
const MAX_JSON = 1_000_000;
/**
 * A string is cut to this before the text patterns run. Nothing past MAX_LOG_LINE of one string
 * can reach a line, so a secret straddling the cut is never shown in part.
 */
const MAX_STRING = 4 * MAX_LOG_LINE;

/**
 * A string that is JSON (an SDK dump, a request body), or that carries a JSON object after a
 * prefix ("request failed: {…}"), is redacted by its structure; the rest by the text patterns.
 */
function redactString(s: string, depth: number): string {
  const start = s.search(/[{[]/);
  if (start >= 0 && s.length < MAX_JSON) {
    const close = s[start] === "{" ? "}" : "]";
    const end = s.lastIndexOf(close);
    if (end > start) {
      try {
        const inner = JSON.stringify(redactValue(JSON.parse(s.slice(start, end + 1)), depth + 1));
        return redactText(s.slice(0, start).slice(0, MAX_STRING)) + inner + redactText(s.slice(end + 1).slice(0, MAX_STRING));
      } catch {
        // Not JSON after all: the text patterns below still apply.
      }
    }
  }
  return redactText(s.length > MAX_STRING ? s.slice(0, MAX_STRING) : s);
}

// ---------------------------------------------------------------------------------------------

/** How much of an error message is kept: its first line, this long at most. */
const MAX_MESSAGE = 300;
const MAX_FRAMES = 4;

/**
 * What a log line says about an error: its kind, status / code and first message line, and for
 * our own errors the top stack frames. Never the request it failed on: SDK errors carry the
 * body (grammY `payload`, axios `config.data` with the Lark app secret or the reply text), the
 * headers (tokens) and sockets; a Prisma message quotes the query's arguments after its first line.
 */
export function errorSummary(err: unknown, depth = 0): string {
  if (!(typeof err === "object" && err !== null)) return redactText(firstLine(String(err)));
  const e = err as Record<string, any>;
  const ctor = typeof e.constructor?.name === "string" && e.constructor.name !== "Object" ? e.constructor.name : "Error";
  const name = typeof e.name === "string" && e.name ? e.name : ctor;
  const fields: string[] = [];
  const add = (label: string, v: unknown) => {
    if (typeof v === "string" || typeof v === "number") fields.push(`${label}=${String(v).slice(0, 80)}`);
  };
  // grammY GrammyError: error_code + description + method; HttpError wraps the fetch error in `error`.
  add("status", e.error_code ?? e.response?.status ?? e.status ?? e.statusCode);
  // Lark answers carry their own code in the body (99991663 token invalid, 230001 bad param, …).
  add("code", e.code);
  if (e.response?.data && typeof e.response.data === "object") {
    add("larkCode", e.response.data.code);
    add("larkMsg", e.response.data.msg);
  }
  add("method", typeof e.method === "string" ? e.method : typeof e.config?.method === "string" ? e.config.method.toUpperCase() : undefined);
  if (typeof e.config?.url === "string") add("path", urlPath(e.config.url));
  if (e.permanent === true) fields.push("permanent");
  if (typeof e.retryAfterMs === "number") add("retryAfterMs", e.retryAfterMs);
  const message = typeof e.description === "string" ? e.description : typeof e.message === "string" ? e.message : typeof e.msg === "string" ? e.msg : "";
  // A message may be JSON (wechaty's GError.from(payload) stringifies the payload): by its structure.
  const said = name.startsWith("PrismaClient") ? prismaMessage(message) : firstLine(redactString(message, 0));
  let line = `${name}${fields.length ? " " + fields.join(" ") : ""}: ${said}`;
  const cause = e.error instanceof Error ? e.error : e.cause;
  if (cause !== undefined && cause !== err && depth < 2) line += ` (cause: ${errorSummary(cause, depth + 1)})`;
  // Stack frames only for our own errors: an SDK's frames are its internals, and ours say where.
  if (depth === 0 && !isSdkError(e) && typeof e.stack === "string") {
    const frames = ownFrames(e.stack);
    if (frames.length) line += ` at ${frames.join(" < ")}`;
  }
  return redactText(line);
}

function isSdkError(e: Record<string, any>): boolean {
  return e.isAxiosError === true || "error_code" in e || e.name === "HttpError" || e.name === "GrammyError" || "config" in e || "response" in e;
}

function firstLine(s: string): string {
  const line = s.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
}

/**
 * Prisma's message: "Invalid `db.x.create()` invocation in <file>", then a code frame and the
 * query's arguments (customer names, notes, codes), then the reason on its last line. The first
 * and the last line say what failed and why; the middle stays out.
 */
function prismaMessage(s: string): string {
  const lines = s.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length <= 1) return firstLine(s);
  return `${firstLine(lines[0]!)} … ${firstLine(lines[lines.length - 1]!)}`;
}

function urlPath(url: string): string {
  try {
    return new URL(url, "http://x").pathname;
  } catch {
    return "?";
  }
}

/** The top frames of a stack, as `file:line` relative to the working directory. */
function ownFrames(stack: string): string[] {
  const cwd = process.cwd();
  return stack
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .map((l) => {
      const loc = /(?:\(|^at )((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?$/.exec(l.trim());
      if (!loc) return "";
      const file = loc[1]!.replace(/^file:\/\//, "");
      return `${file.startsWith(cwd + "/") ? file.slice(cwd.length + 1) : file.split("/").slice(-2).join("/")}:${loc[2]}`;
    })
    .filter((f) => f && !f.includes("node_modules/") && !f.startsWith("node:"))
    .slice(0, MAX_FRAMES);
}
