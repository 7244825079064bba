import { appendFileSync } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { ConsoleAdapter, CONSOLE_CHAT_ID, consoleFilesDir } from "./adapters/console/console.adapter.ts";
import { instanceName, startPlatforms, type PlatformRuntime } from "./adapters/platforms.ts";
import { appForms, createAppContext, createAppRouter } from "./app.ts";
import { chatFormEnv, sessionKeyOf } from "./core/forms/form-router.ts";
import { loadEnv, platformsFromEnv } from "./config/env.ts";
import { createLogger, type Logger, type LogLevel } from "./core/logger.ts";
import { sqlitePathFromUrl } from "./db/migrate.ts";
import { isPostgresUrl, localDataDir } from "./db/db-url.ts";
import { createPrivateFile, PRIVATE_FILE_MODE } from "./core/private-files.ts";
import type { ChatPort, Reply } from "./core/chat.ts";
import type { Clock } from "./core/clock.ts";
import { findStaffByIdentity, policyTranslator } from "./core/router.ts";
import { isLocale, translator } from "./i18n/i18n.ts";
import { startScheduling } from "./jobs/runtime.ts";
import { countCustomersOutsideClasses, recomputeServiceClasses } from "./modules/customers/customers.service.ts";
import { bindDemoTerminalInboxes, demoSummary, isDemoSeeded, seedDemoIfEmpty } from "./modules/demo/demo.service.ts";
import { bindIdentity, findStaffByCode, firstActiveManager } from "./modules/staff/staff.service.ts";
import { closePlanPool } from "./modules/planning/plan-pool.ts";
import { backgroundPlansSettled } from "./modules/planning/planning.service.ts";

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  input?: Readable;
  output?: Writable;
  clock?: Clock;
  interactive?: boolean;
  /** Stops a run whose chat platforms keep it alive (tests; the process itself stops on SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /**
   * Where logs go when the terminal chat owns the screen: a file beside the database, so no log
   * line lands in the middle of a conversation (default: stderr).
   */
  logToFile?: boolean;
}

/**
 * Composition root: config → db (migrated) → demo seed on first start → router → channels.
 * Resolves when every channel has stopped (for the terminal: when its input ends).
 */
export async function start(opts: StartOptions = {}): Promise<void> {
  const env = loadEnv(opts.env);
  const log = opts.logToFile && env.VISITMATE_CONSOLE ? fileLogger(env.LOG_LEVEL, path.join(localDataDir(env.DATABASE_URL), "visitmate.log")) : undefined;
  const ctx = await createAppContext({ env: opts.env, clock: opts.clock, log });
  const output = opts.output ?? process.stdout;
  const input = opts.input ?? process.stdin;
  let running: PlatformRuntime | null = null;
  try {
    const seeded = ctx.env.VISITMATE_DEMO ? await seedDemoIfEmpty(ctx) : false;
    // Classes stored under another preset (the policy was switched): recompute them under this one.
    const foreign = await countCustomersOutsideClasses(ctx.db, ctx.policy.classes.map((c) => c.id));
    if (foreign) await recomputeServiceClasses(ctx);
    // One form engine for the process: the router, the platforms and the resume prompt below share it.
    ctx.forms = appForms(ctx);
    const router = createAppRouter(ctx);
    // ---- chat platforms: Telegram, Lark, WeChat run beside the terminal when their credentials are set ----
    const platforms = (running = await startPlatforms({ config: platformsFromEnv(ctx.env), deps: ctx, router, output, instance: instanceName(ctx.env) }));
    if (!ctx.env.VISITMATE_CONSOLE) {
      if (!platforms.adapters.length) return;
      const scheduling = ctx.env.VISITMATE_SCHEDULER ? startScheduling({ deps: ctx, ports: platforms.ports, dispatcher: platforms.dispatcher }) : null;
      try {
        await platforms.untilShutdown(opts.signal);
      } finally {
        await scheduling?.stop();
      }
      return;
    }
    // ---- end chat platforms ----

    // Messages for other staff bound to the terminal (terminal:<code>) wait in their inbox and are
    // shown once the terminal acts as them (/as S001): the demo's supervisor really receives.
    const inbox = new Map<string, Reply[]>();
    const current = () => findStaffByIdentity(ctx.db, "console", CONSOLE_CHAT_ID);
    const showInbox = async (): Promise<Reply[]> => {
      if (!inbox.size) return [];
      const who = await current();
      const waiting = who ? inbox.get(`terminal:${who.code}`) : undefined;
      if (!who || !waiting?.length) return [];
      inbox.delete(`terminal:${who.code}`);
      const tw = policyTranslator(ctx.policy, isLocale(who.locale) ? who.locale : ctx.policy.locale);
      return [{ text: tw("console.inbox", { name: who.name, count: waiting.length }) }, ...waiting];
    };
    const filesDir = isPostgresUrl(ctx.env.DATABASE_URL) ? path.join(localDataDir(ctx.env.DATABASE_URL), "exports") : consoleFilesDir(sqlitePathFromUrl(ctx.env.DATABASE_URL));
    // Attachment lines in the language of whoever is at the terminal now (/as, /lang change it).
    const translate = async () => {
      const who = await current();
      return policyTranslator(ctx.policy, who && isLocale(who.locale) ? who.locale : ctx.policy.locale);
    };
    const terminal = new ConsoleAdapter({ router, input, output, interactive: opts.interactive, afterLine: showInbox, filesDir, translate });
    const terminalPort: ChatPort = {
      platform: "console",
      async send(to, reply) {
        const who = await current();
        if (to.chatId === CONSOLE_CHAT_ID || (who && to.chatId === `terminal:${who.code}`)) return terminal.send(to, reply);
        // The text waits with its attachments (its choices never did).
        inbox.set(to.chatId, [...(inbox.get(to.chatId) ?? []), reply.attachments?.length ? { text: reply.text, attachments: reply.attachments } : { text: reply.text }]);
      },
    };
    let me = await findStaffByIdentity(ctx.db, "console", CONSOLE_CHAT_ID);
    if (!me || ctx.env.VISITMATE_CONSOLE_STAFF) {
      // The terminal is the local operator: act as the configured staff member, else the first manager.
      const wanted = ctx.env.VISITMATE_CONSOLE_STAFF;
      const staff = wanted ? await findStaffByCode(ctx.db, wanted) : await firstActiveManager(ctx.db);
      if (staff) {
        await bindIdentity({ db: ctx.db, platform: "console", platformUserId: CONSOLE_CHAT_ID, staffId: staff.id });
        me = staff;
      }
    }
    const t = policyTranslator(ctx.policy, me && isLocale(me.locale) ? me.locale : ctx.policy.locale);
    terminal.write(t("console.banner"));
    const isDemo = await isDemoSeeded(ctx.db);
    if (seeded || isDemo) {
      terminal.write(t("console.demo-notice", await demoSummary(ctx.db)));
      await bindDemoTerminalInboxes(ctx.db);
    }
    terminal.write(me ? t("console.you-are", { name: me.name, code: me.code, role: t(`role.${me.role}`) }) : t("console.no-staff"));
    terminal.write("");
    const consoleKey = { platform: "console", chatId: CONSOLE_CHAT_ID, userId: CONSOLE_CHAT_ID };
    if (me && (await ctx.forms.isOpen(consoleKey, ctx.clock.now()))) {
      // A form left open before a restart: say so and show where it stopped. (An expired one is
      // explained on the next message, like on every platform.)
      const msg = { platform: "console" as const, chatId: CONSOLE_CHAT_ID, userId: CONSOLE_CHAT_ID, text: "" };
      const locale = isLocale(me.locale) ? me.locale : ctx.policy.locale;
      const open = await ctx.forms.resumePrompt(sessionKeyOf(msg), chatFormEnv({ deps: ctx, t, locale, msg, staff: me }));
      for (const r of open ?? []) await terminal.send(msg, r);
    }

    // Scheduled reminders: catch-up and triggers run in the background, sending through every
    // channel of this process (the terminal is the "console" platform); the chat never waits.
    const scheduling = ctx.env.VISITMATE_SCHEDULER ? startScheduling({ deps: ctx, ports: new Map<string, ChatPort>([["console", terminalPort], ...platforms.ports]), dispatcher: platforms.dispatcher }) : null;
    if (!scheduling) {
      // No jobs here, but what the chat queued for the terminal (a /today list made in the
      // background, "the list will be sent to this chat") is still delivered: no other process can.
      platforms.dispatcher.addPort(terminalPort);
      platforms.dispatcher.start();
    }
    try {
      await terminal.run();
      // Input ended without a terminal (a service with stdin closed): the chat platforms keep running.
      if (platforms.adapters.length && !opts.interactive) await platforms.untilShutdown(opts.signal);
    } finally {
      // A list still being made for a /today of this session is shown before the terminal goes
      // (`echo /today | npm start` on a fresh database ends right after "making your plan"); the
      // scheduler shares the platforms' dispatcher.
      await backgroundPlansSettled();
      await platforms.dispatcher.drainOnce();
      await scheduling?.stop();
    }
  } finally {
    await running?.stop();
    // A plan still being made for a chat request is stored (and its list queued) before the database closes.
    await backgroundPlansSettled();
    await closePlanPool();
    await ctx.db.$disconnect();
  }
}

/**
 * A logger appending to `file` (created owner-only with its folder, like the database beside it);
 * a failing write is dropped, never thrown.
 */
function fileLogger(level: LogLevel, file: string): Logger {
  try {
    createPrivateFile(file);
  } catch {
    // A folder we cannot write: every line below fails the same way and is dropped.
  }
  return createLogger(level, (line) => {
    try {
      appendFileSync(file, line + "\n", { mode: PRIVATE_FILE_MODE });
    } catch {
      // A full disk must not stop the chat; the log is best effort.
    }
  });
}
