import { loadEnv, type TEnv } from "./config/env.ts";
import { loadPolicy, type TPolicy } from "./config/policy.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import { createLogger, type Logger } from "./core/logger.ts";
import { createRouter, type AppDeps, type Command, type Router } from "./core/router.ts";
import { openDb, type Db } from "./db/client.ts";
import { staffCommands } from "./modules/staff/staff.commands.ts";
import { todayCommands } from "./modules/visits/today.commands.ts";

/** Every chat command, in /help order. */
export function allCommands(): Command[] {
  return [...todayCommands, ...staffCommands];
}

export function createAppRouter(deps: AppDeps): Router {
  return createRouter({ deps, commands: allCommands() });
}

export function policyFromEnv(env: TEnv): TPolicy {
  return loadPolicy({
    preset: env.VISITMATE_POLICY_PRESET,
    file: env.VISITMATE_POLICY_FILE,
    timeZone: env.VISITMATE_TIMEZONE,
    overrides: env.VISITMATE_LOCALE ? { locale: env.VISITMATE_LOCALE } : undefined,
  });
}

export interface AppContext extends AppDeps {
  env: TEnv;
}

/** Config → policy → database: the part of start-up every command (chat or CLI) shares. */
export async function createAppContext(opts: { env?: NodeJS.ProcessEnv; clock?: Clock; log?: Logger; db?: Db } = {}): Promise<AppContext> {
  const env = loadEnv(opts.env);
  const policy = policyFromEnv(env);
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const db = opts.db ?? (await openDb(env.DATABASE_URL));
  return { env, policy, log, db, clock: opts.clock ?? systemClock };
}
