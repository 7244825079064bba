import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../core/errors.ts";
import { DEFAULT_DATABASE_URL } from "../db/client.ts";

const onOff = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

const positiveInt = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, "must be a whole number ≥ 1")
  .transform(Number);

/** Every environment variable VisitMate reads, parsed once at start-up. */
export const ZEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/i, "must be a SQLite file URL such as file:./data/visitmate.db, or a PostgreSQL URL such as postgresql://visitmate@db.example:5432/visitmate")
    .default(DEFAULT_DATABASE_URL),
  VISITMATE_POLICY_PRESET: z.string().min(1).default("tobacco-retail"),
  VISITMATE_POLICY_FILE: z.string().optional(),
  VISITMATE_TIMEZONE: z.string().optional(),
  VISITMATE_LOCALE: z.enum(["zh-CN", "en"]).optional(),
  /** Seed demo data into an empty database on start. */
  VISITMATE_DEMO: onOff.default(true),
  /** Run the terminal chat channel. */
  VISITMATE_CONSOLE: onOff.default(true),
  /** Run scheduled jobs and send reminders from this process (several instances may share a database). */
  VISITMATE_SCHEDULER: onOff.default(true),
  /** Staff code the terminal user acts as at start (default: the first manager). */
  VISITMATE_CONSOLE_STAFF: z.string().optional(),
  /** How long a database statement waits for another process's write lock, in ms (default 15000). */
  VISITMATE_DB_BUSY_TIMEOUT_MS: positiveInt.optional(),
  /** PostgreSQL only: connections this process keeps open to the server (default 10). */
  VISITMATE_PG_POOL: positiveInt.optional(),
  LOG_LEVEL: z.enum(["silent", "error", "warn", "info"]).default("warn"),
  /** Messages one chat account may send per minute (overrides the policy's inbound.messagesPerMinute). */
  VISITMATE_INBOUND_PER_MINUTE: positiveInt.optional(),
  /** Longest message text handled (overrides the policy's inbound.maxTextChars). */
  VISITMATE_INBOUND_MAX_CHARS: positiveInt.optional(),
  /**
   * Name of this instance in `visitmate status` (default: the host name). A restart under the same
   * name replaces its rows; two instances on one host (or containers sharing a host name) set
   * different names, or each overwrites the other's platform states.
   */
  VISITMATE_INSTANCE: z.string().regex(/^[\w.:@-]{1,64}$/, "must be 1–64 letters, digits and . _ : @ - (a name such as vm-1 or web@host-a)").optional(),
  /** Plans computed at once in worker threads (default: the cores but one, at least 1). */
  VISITMATE_PLAN_WORKERS: positiveInt.optional(),
  /** Folder for shop photos (default: photos/ beside the SQLite file, i.e. data/photos). */
  VISITMATE_PHOTO_DIR: z.string().min(1).optional(),
  /** Where shop photos are stored: files (VISITMATE_PHOTO_DIR) or an S3-compatible bucket (VISITMATE_S3_*). */
  VISITMATE_PHOTO_STORE: z.enum(["files", "s3"]).default("files"),
  VISITMATE_S3_ENDPOINT: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, "must be an http(s) base URL such as https://s3.amazonaws.com or http://127.0.0.1:9000").optional(),
  VISITMATE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a bucket name (3–63 lower-case letters, digits, . and -)").optional(),
  VISITMATE_S3_REGION: z.string().regex(/^[a-z0-9-]+$/, "must be a region such as us-east-1 or cn-north-1").optional(),
  VISITMATE_S3_ACCESS_KEY_ID: z.string().optional(),
  VISITMATE_S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Prepended to every object key, e.g. visitmate/photos/. */
  VISITMATE_S3_PREFIX: z.string().regex(/^[\w./-]*$/, "must be letters, digits, _ . / and -").optional(),
  /** Per-request limit of the bucket, in ms (default 30000). */
  VISITMATE_S3_TIMEOUT_MS: positiveInt.optional(),
  /** /today without a plan: background (answer at once, push the list when made) | wait (answer with the list). */
  VISITMATE_CHAT_PLAN: z.enum(["background", "wait"]).default("background"),
  // Chat platforms: each is enabled by its main credential, and its other variables are checked
  // only then (see checkPlatformEnv), so an unused platform never blocks start-up.
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  TELEGRAM_API_ROOT: z.string().optional(),
  TELEGRAM_WEBHOOK_URL: z.string().optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().optional(),
  LARK_APP_ID: z.string().optional(),
  LARK_APP_SECRET: z.string().optional(),
  LARK_ENCRYPT_KEY: z.string().optional(),
  LARK_VERIFICATION_TOKEN: z.string().optional(),
  LARK_DOMAIN: z.string().optional(),
  LARK_CONNECTION: z.string().optional(),
  LARK_WEBHOOK_PATH: z.string().optional(),
  WECHATY_PUPPET: z.string().optional(),
  WECHATY_PUPPET_TOKEN: z.string().optional(),
  WECHATY_NAME: z.string().optional(),
  VISITMATE_HTTP_HOST: z.string().optional(),
  VISITMATE_HTTP_PORT: z.string().optional(),
}).superRefine((env, ctx) => {
  for (const [path, message] of checkPlatformEnv(env)) ctx.addIssue({ code: "custom", path: [path], message });
  if (env.VISITMATE_PHOTO_STORE === "s3") {
    for (const name of ["VISITMATE_S3_ENDPOINT", "VISITMATE_S3_BUCKET", "VISITMATE_S3_ACCESS_KEY_ID", "VISITMATE_S3_SECRET_ACCESS_KEY"] as const) {
      if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required when VISITMATE_PHOTO_STORE=s3" });
    }
  }
});
export type TEnv = z.infer<typeof ZEnvSchema>;

// ---- chat platforms ----

const isHttpUrl = (s: string) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(s);
/** Puppets that connect to a paid or hosted service and cannot start without its token. */
const PUPPETS_NEEDING_TOKEN = ["wechaty-puppet-service", "wechaty-puppet-padlocal"];

type TPlatformVars = Partial<Record<
  | "TELEGRAM_BOT_TOKEN" | "TELEGRAM_API_ROOT" | "TELEGRAM_WEBHOOK_URL" | "TELEGRAM_WEBHOOK_SECRET"
  | "LARK_APP_ID" | "LARK_APP_SECRET" | "LARK_ENCRYPT_KEY" | "LARK_VERIFICATION_TOKEN" | "LARK_DOMAIN" | "LARK_CONNECTION" | "LARK_WEBHOOK_PATH"
  | "WECHATY_PUPPET" | "WECHATY_PUPPET_TOKEN" | "WECHATY_NAME" | "VISITMATE_HTTP_HOST" | "VISITMATE_HTTP_PORT",
  string
>>;

/** Every problem with the enabled platforms' variables, as [variable, message]. */
export function checkPlatformEnv(env: TPlatformVars): [string, string][] {
  const issues: [string, string][] = [];
  const bad = (name: string, message: string) => issues.push([name, message]);
  const required = (name: keyof TPlatformVars, because: string) => {
    if (!env[name]) bad(name, `required when ${because}`);
  };
  let webhook = false;
  if (env.TELEGRAM_BOT_TOKEN !== undefined) {
    if (!/^\d{3,}:[A-Za-z0-9_-]{20,}$/.test(env.TELEGRAM_BOT_TOKEN)) bad("TELEGRAM_BOT_TOKEN", "must look like 123456789:AAE… (the token @BotFather gave you)");
    if (env.TELEGRAM_API_ROOT !== undefined && !isHttpUrl(env.TELEGRAM_API_ROOT)) bad("TELEGRAM_API_ROOT", "must be an http(s) URL such as https://api.telegram.org");
    if (env.TELEGRAM_WEBHOOK_URL !== undefined) {
      webhook = true;
      if (!/^https:\/\/[^\s/]+\/\S*$/.test(env.TELEGRAM_WEBHOOK_URL)) bad("TELEGRAM_WEBHOOK_URL", "must be an https:// URL with a path, e.g. https://bot.example.com/telegram (Telegram only delivers over HTTPS)");
    }
    if (env.TELEGRAM_WEBHOOK_SECRET !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(env.TELEGRAM_WEBHOOK_SECRET)) bad("TELEGRAM_WEBHOOK_SECRET", "must be 1–256 characters of A–Z, a–z, 0–9, _ and -");
  }
  if (env.LARK_APP_ID !== undefined) {
    if (!/^cli_[0-9a-f]{16}$/i.test(env.LARK_APP_ID)) bad("LARK_APP_ID", "must look like cli_a1b2c3d4e5f60718 (App ID from the developer console)");
    required("LARK_APP_SECRET", "LARK_APP_ID is set");
    if (env.LARK_CONNECTION !== undefined && env.LARK_CONNECTION !== "webhook" && env.LARK_CONNECTION !== "ws") bad("LARK_CONNECTION", "must be webhook or ws");
    if (env.LARK_DOMAIN !== undefined && env.LARK_DOMAIN !== "feishu" && env.LARK_DOMAIN !== "lark" && !isHttpUrl(env.LARK_DOMAIN)) bad("LARK_DOMAIN", "must be feishu, lark or an http(s) URL");
    if (env.LARK_CONNECTION !== "ws") {
      webhook = true;
      required("LARK_ENCRYPT_KEY", "Lark events come by webhook (LARK_CONNECTION=webhook)");
      required("LARK_VERIFICATION_TOKEN", "Lark events come by webhook (LARK_CONNECTION=webhook)");
      if (env.LARK_WEBHOOK_PATH !== undefined && !/^\/\S*$/.test(env.LARK_WEBHOOK_PATH)) bad("LARK_WEBHOOK_PATH", "must be a path starting with /");
    }
  }
  if (env.WECHATY_PUPPET !== undefined) {
    if (!/^(@[\w.-]+\/)?wechaty-puppet-[\w.-]+$/.test(env.WECHATY_PUPPET)) bad("WECHATY_PUPPET", "must be a puppet package name such as wechaty-puppet-service or wechaty-puppet-wechat4u");
    else if (PUPPETS_NEEDING_TOKEN.some((p) => env.WECHATY_PUPPET!.endsWith(p))) required("WECHATY_PUPPET_TOKEN", `WECHATY_PUPPET is ${env.WECHATY_PUPPET}`);
    if (env.WECHATY_NAME !== undefined && !/^[\w.-]+$/.test(env.WECHATY_NAME)) bad("WECHATY_NAME", "must be a plain name (letters, digits, . _ -)");
  }
  if (webhook) {
    const port = env.VISITMATE_HTTP_PORT;
    if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) bad("VISITMATE_HTTP_PORT", "must be a port number 0–65535");
  }
  return issues;
}

export interface TPlatformsConfig {
  /** The server webhooks arrive at (only started when a platform uses one). */
  /** explicit: VISITMATE_HTTP_PORT was set, so the server (with /healthz) starts even without a webhook. */
  http: { host: string; port: number; explicit?: boolean };
  telegram?: { token: string; apiRoot?: string; webhook?: { url: string; secret: string } };
  lark?: {
    appId: string;
    appSecret: string;
    encryptKey?: string;
    verificationToken?: string;
    domain: string;
    connection: "webhook" | "ws";
    webhookPath: string;
  };
  wechat?: { puppet: string; token?: string; name: string };
}

/** The enabled platforms and their settings, from an env that passed loadEnv. */
export function platformsFromEnv(env: TEnv): TPlatformsConfig {
  const config: TPlatformsConfig = { http: { host: env.VISITMATE_HTTP_HOST ?? "0.0.0.0", port: Number(env.VISITMATE_HTTP_PORT ?? 8080), ...(env.VISITMATE_HTTP_PORT !== undefined ? { explicit: true } : {}) } };
  if (env.TELEGRAM_BOT_TOKEN) {
    const url = env.TELEGRAM_WEBHOOK_URL;
    // Without an explicit secret, derive one from the token: stable across restarts, unknown to others.
    const secret = env.TELEGRAM_WEBHOOK_SECRET ?? createHash("sha256").update(`visitmate-webhook:${env.TELEGRAM_BOT_TOKEN}`).digest("hex");
    config.telegram = { token: env.TELEGRAM_BOT_TOKEN, apiRoot: env.TELEGRAM_API_ROOT, ...(url ? { webhook: { url, secret } } : {}) };
  }
  if (env.LARK_APP_ID && env.LARK_APP_SECRET) {
    config.lark = {
      appId: env.LARK_APP_ID,
      appSecret: env.LARK_APP_SECRET,
      encryptKey: env.LARK_ENCRYPT_KEY,
      verificationToken: env.LARK_VERIFICATION_TOKEN,
      domain: env.LARK_DOMAIN ?? "feishu",
      connection: env.LARK_CONNECTION === "ws" ? "ws" : "webhook",
      webhookPath: env.LARK_WEBHOOK_PATH ?? "/lark/events",
    };
  }
  if (env.WECHATY_PUPPET) config.wechat = { puppet: env.WECHATY_PUPPET, token: env.WECHATY_PUPPET_TOKEN, name: env.WECHATY_NAME ?? "visitmate" };
  return config;
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): TEnv {
  // Empty strings (from a copied .env.example) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = ZEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new AppError("config.invalid", { message: `Invalid configuration:\n${lines.join("\n")}` });
  }
  return result.data;
}
