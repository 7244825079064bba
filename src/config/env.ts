import { z } from "zod";
import { AppError } from "../core/errors.ts";
import { DEFAULT_DATABASE_URL } from "../db/client.ts";

const onOff = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

/** Every environment variable VisitMate reads, parsed once at start-up. */
export const ZEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^file:.+/, "must be a SQLite file URL such as file:./data/visitmate.db")
    .default(DEFAULT_DATABASE_URL),
  VISITMATE_POLICY_PRESET: z.string().min(1).default("tobacco-retail"),
  VISITMATE_POLICY_FILE: z.string().optional(),
  VISITMATE_TIMEZONE: z.string().optional(),
  VISITMATE_LOCALE: z.enum(["zh-CN", "en"]).optional(),
  /** Seed demo data into an empty database on start. */
  VISITMATE_DEMO: onOff.default(true),
  /** Run the terminal chat channel. */
  VISITMATE_CONSOLE: onOff.default(true),
  /** Staff code the terminal user acts as at start (default: the first manager). */
  VISITMATE_CONSOLE_STAFF: z.string().optional(),
  LOG_LEVEL: z.enum(["silent", "error", "warn", "info"]).default("warn"),
});
export type TEnv = z.infer<typeof ZEnvSchema>;

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
