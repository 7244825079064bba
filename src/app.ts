import { loadEnv, type TEnv } from "./config/env.ts";
import { loadPolicy, type TPolicy } from "./config/policy.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import { createLogger, type Logger } from "./core/logger.ts";
import { createRouter, type AppDeps, type Command, type Router } from "./core/router.ts";
import { openDb, type Db } from "./db/client.ts";
import { staffCommands } from "./modules/staff/staff.commands.ts";
import { bindingCommands } from "./modules/staff/binding.commands.ts";
import { planCommands } from "./modules/planning/plan.commands.ts";
import { configurePlanPool } from "./modules/planning/plan-pool.ts";
import { FormEngine } from "./core/forms/form-engine.ts";
import { formHooks, type ChatFormEnv } from "./core/forms/form-router.ts";
import { visitForms } from "./modules/visits/visit.dialog.ts";
import { stopNumberIdle, visitCommands } from "./modules/visits/visits.commands.ts";
import { reminderCommands } from "./modules/reminders/reminders.commands.ts";
import { complaintForms } from "./modules/complaints/complaint.dialog.ts";
import { complaintCommands } from "./modules/complaints/complaints.commands.ts";
import { customerCommands } from "./modules/customers/customers.commands.ts";
import { reportCommands } from "./modules/reports/reports.commands.ts";
import { summaryCommands, summaryForms } from "./modules/summaries/summaries.dialog.ts";
import { claimStrangerNotice } from "./modules/staff/strangers.service.ts";
import { checkPolicySections } from "./modules/visits/sections/index.ts";
import { customerFileCommands, customerFileForms } from "./modules/customers/customer-file.dialog.ts";
import { coordinateCommands } from "./modules/evidence/coordinates.commands.ts";
import { photoStoreFromEnv } from "./modules/evidence/photo-store-env.ts";
import { evidenceCommands } from "./modules/evidence/evidence.commands.ts";

/** Every chat command, in /help order. */
export function allCommands(): Command[] {
  return [...planCommands, ...visitCommands, ...summaryCommands, ...reportCommands, ...evidenceCommands, ...customerFileCommands, ...complaintCommands, ...customerCommands, ...coordinateCommands, ...reminderCommands, ...staffCommands, ...bindingCommands];
}

/** Every conversation form any module defines (a stored form resumes only if its definition is here). */
export function appForms(deps: AppDeps): FormEngine<ChatFormEnv> {
  return new FormEngine<ChatFormEnv>({ db: deps.db, forms: [...visitForms, ...complaintForms, ...summaryForms, ...customerFileForms] });
}

export function createAppRouter(deps: AppDeps): Router {
  // An open form gets the text; a command while a form is open asks first.
  const forms = deps.forms ?? appForms(deps);
  const appDeps: AppDeps = { ...deps, forms };
  const router: Router = createRouter({
    deps: appDeps,
    commands: allCommands(),
    // One refusal per stranger per day, kept in the database so a restart does not repeat it.
    claimStrangerNotice: (o) => claimStrangerNotice({ db: deps.db, ...o }),
    // The rerun is the same event as another command: its id is recorded already.
    ...formHooks({ engine: forms, rerun: (msg) => router.handle({ ...msg, eventId: undefined }), idle: stopNumberIdle }),
  });
  return router;
}

export function policyFromEnv(env: TEnv): TPolicy {
  return loadPolicy({
    preset: env.VISITMATE_POLICY_PRESET,
    file: env.VISITMATE_POLICY_FILE,
    timeZone: env.VISITMATE_TIMEZONE,
    overrides: {
      ...(env.VISITMATE_LOCALE ? { locale: env.VISITMATE_LOCALE } : {}),
      inbound: {
        ...(env.VISITMATE_INBOUND_PER_MINUTE ? { messagesPerMinute: env.VISITMATE_INBOUND_PER_MINUTE } : {}),
        ...(env.VISITMATE_INBOUND_MAX_CHARS ? { maxTextChars: env.VISITMATE_INBOUND_MAX_CHARS } : {}),
      },
    },
  });
}

export interface AppContext extends AppDeps {
  env: TEnv;
}

/** Config → policy → database: the part of start-up every command (chat or CLI) shares. */
export async function createAppContext(opts: { env?: NodeJS.ProcessEnv; clock?: Clock; log?: Logger; db?: Db } = {}): Promise<AppContext> {
  const env = loadEnv(opts.env);
  const policy = policyFromEnv(env);
  // A misspelt section id would otherwise just be missing from every visit menu.
  checkPolicySections(policy);
  configurePlanPool({ workers: env.VISITMATE_PLAN_WORKERS });
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const db = opts.db ?? (await openDb(env.DATABASE_URL, { busyTimeoutMs: env.VISITMATE_DB_BUSY_TIMEOUT_MS, poolSize: env.VISITMATE_PG_POOL }));
  const photos = photoStoreFromEnv(env);
  return { env, policy, log, db, clock: opts.clock ?? systemClock, chatPlanning: env.VISITMATE_CHAT_PLAN, photos };
}
