import type { TPolicy } from "../config/policy.ts";
import type { Db } from "../db/client.ts";
import type { Staff } from "../generated/prisma/client.ts";
import { isLocale, translator, type Locale, type Translate } from "../i18n/i18n.ts";
import type { InboundMessage, Reply } from "./chat.ts";
import type { Clock } from "./clock.ts";
import { localDate } from "./dates.ts";
import { AppError } from "./errors.ts";
import { errorSummary, type Logger } from "./logger.ts";
import { isDbFault } from "./db-faults.ts";
import type { ReplyChannel } from "./outbox.ts";
import type { FormEngine } from "./forms/form-engine.ts";
import type { ChatFormEnv } from "./forms/form-router.ts";
import type { PhotoStore } from "../modules/evidence/photo-store.ts";

/** Everything a command needs from the outside world; built once in the composition root. */
export interface AppDeps {
  db: Db;
  policy: TPolicy;
  clock: Clock;
  log: Logger;
  /**
   * A chat request that needs a plan not made yet: "background" answers at once and pushes the
   * list when it is stored (the app's default); "wait" (unset) answers with the list once it is
   * made, for embedders and scripted sessions that need the list in the answer.
   */
  chatPlanning?: "background" | "wait";
  /** Where chat replies go (the process's outbox dispatcher); unset, adapters send them directly. */
  replies?: ReplyChannel;
  /**
   * The app's one form engine, knowing every form (createAppRouter installs it): a starter that
   * opens a form through it sees any other open form as a form, never as "unknown".
   */
  forms?: FormEngine<ChatFormEnv>;
  /** Where shop photos are stored (createAppContext sets it; without it photos are refused with a message). */
  photos?: PhotoStore;
}

export interface CommandContext {
  deps: AppDeps;
  msg: InboundMessage;
  /** The bound staff member (commands with `public: true` may run without one). */
  staff: Staff | null;
  locale: Locale;
  t: Translate;
  /** Words after the command name. */
  args: string[];
  /** Text after the command name, untouched. */
  rest: string;
  /** Every registered command (for /help). */
  commands: Command[];
}

export interface Command {
  name: string;
  /** Other spellings, e.g. Chinese words typed without a slash. */
  aliases?: string[];
  /** i18n key of the one-line description shown by /help; omitted = hidden. */
  helpKey?: string;
  /** Runs for people without a bound account (e.g. /bind, /help). */
  public?: boolean;
  /** Listed in /help only for managers (own customers) or supervisors (a team); runs for anyone. */
  audience?: "manager" | "supervisor";
  /** Runs beside an open form without asking to leave it (the form keeps its question). */
  keepsOpenForm?: boolean;
  /** Listed in /help only under policies it belongs to (e.g. the key-account file); runs anyway. */
  listedWhen?: (policy: TPolicy) => boolean;
  /** Restricted to some platforms (e.g. /as only in the terminal). */
  platforms?: InboundMessage["platform"][];
  /**
   * Runs only in a private chat (default true). In a group the router answers "请私聊我" instead:
   * everyone there would read the reply, and anyone there could answer its buttons. `false` only
   * for commands that show no customer or staff data (/help).
   */
  privateOnly?: boolean;
  run(ctx: CommandContext): Promise<Reply | Reply[]>;
}

export interface ParsedCommand {
  name: string;
  args: string[];
  rest: string;
}

/** `/today`, `/plan week`, `/as@VisitMateBot M002`, and bare aliases such as `今天`. */
export function parseCommand(text: string, aliases: Map<string, string>): ParsedCommand | null {
  const trimmed = text.trim();
  const m = /^[/／]([\p{L}\p{N}_-]+)(?:@\S+)?\s*([\s\S]*)$/u.exec(trimmed);
  if (m) {
    const name = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    return { name: aliases.get(name) ?? name, args: rest ? rest.split(/\s+/) : [], rest };
  }
  const [first = "", ...others] = trimmed.split(/\s+/);
  const alias = aliases.get(first.toLowerCase());
  if (alias) {
    const rest = others.join(" ");
    return { name: alias, args: others, rest };
  }
  return null;
}

/** Replies made by `unknownUserReply`: the router sends such a reply once a day, like its own. */
const strangerReplies = new WeakSet<Reply>();

/**
 * The one polite answer for someone whose chat account is not bound to a staff member. A public
 * command (/start without a code) may return it; the router then treats it as its own refusal:
 * sent once a day, silence after.
 */
export function unknownUserReply(t: Translate, platform: InboundMessage["platform"]): Reply {
  const r = { text: t("access.unknown-user", { platform: t(`platform.${platform}`) }) };
  strangerReplies.add(r);
  return r;
}

/** Answers to strangers: their event is not marked processed (no database write for them beyond the daily notice). */
const unmarked = new WeakSet<Reply[]>();

/** False for an answer whose event must not be recorded as processed (a stranger's). */
export function marksEvent(replies: Reply[]): boolean {
  return !unmarked.has(replies);
}

export interface Router {
  handle(msg: InboundMessage): Promise<Reply[]>;
  commands(): Command[];
}

export interface RouterOptions {
  deps: AppDeps;
  commands: Command[];
  /**
   * Runs before a command of a bound user; a non-null reply replaces the command (e.g. "leave the
   * open form first?").
   */
  beforeCommand?: (ctx: Omit<CommandContext, "args" | "rest">, command: ParsedCommand, definition: Command) => Promise<Reply | Reply[] | null>;
  /**
   * A shared location or a picture/file (msg.location, msg.media) from a bound user in a private
   * chat: the open visit form takes it as evidence; null = not handled (answered "send it during a visit").
   */
  attachment?: (ctx: Omit<CommandContext, "args" | "rest">) => Promise<Reply | Reply[] | null>;
  /** Answers text that is not a command (a form step, a stop number); null = not handled. */
  fallback?: (ctx: Omit<CommandContext, "args" | "rest">) => Promise<Reply | Reply[] | null>;
  /**
   * Claims the day's one refusal for a stranger (an unbound account) in a private chat or in a
   * group: true = answer, false = stay silent. Without it every stranger message is answered.
   */
  claimStrangerNotice?: (opts: { platform: string; platformUserId: string; date: string; chatType: "private" | "group" }) => Promise<boolean>;
}

export async function findStaffByIdentity(db: Db, platform: string, userId: string): Promise<Staff | null> {
  const identity = await db.chatIdentity.findUnique({
    where: { platform_platformUserId: { platform, platformUserId: userId } },
    include: { staff: true },
  });
  return identity && identity.staff.active ? identity.staff : null;
}

/**
 * The translator for one person under the company's policy: catalogue texts that name the trade's
 * products and units ({tradeProduct}, {tradeUnit}, …) get the policy's words for that language.
 */
export function policyTranslator(policy: TPolicy, locale: Locale): Translate {
  const base = translator(locale);
  const w = policy.trade[locale] ?? policy.trade["zh-CN"];
  if (!w) return base;
  const words = { tradeProduct: w.product, tradeExample: w.productExample, tradeUnit: w.unit, tradePriceExample: w.priceExample, tradeForecastExample: w.forecastExample, tradeForecastNote: w.forecastNote };
  return (key, params) => base(key, { ...words, ...params });
}

export function createRouter(opts: RouterOptions): Router {
  const { deps } = opts;
  const byName = new Map<string, Command>();
  const aliases = new Map<string, string>();
  for (const c of opts.commands) {
    byName.set(c.name, c);
    for (const a of c.aliases ?? []) aliases.set(a.toLowerCase(), c.name);
  }

  /**
   * A stranger's answer: the refusal (in a group: "message me privately") the first time today,
   * then nothing. Claiming costs one row per account per day and chat type; every later message
   * of the day costs a read.
   */
  async function strangerReply(msg: InboundMessage, t: Translate): Promise<Reply[]> {
    const chatType = msg.chatType ?? "private";
    if (opts.claimStrangerNotice) {
      const date = localDate(deps.clock.now(), deps.policy.timeZone);
      if (!(await opts.claimStrangerNotice({ platform: msg.platform, platformUserId: msg.userId, date, chatType }))) return noMark([]);
    }
    return noMark([chatType === "group" ? { text: t("group.private-only") } : unknownUserReply(t, msg.platform)]);
  }

  async function dispatch(msg: InboundMessage): Promise<Reply[]> {
    const staff = await findStaffByIdentity(deps.db, msg.platform, msg.userId);
    const locale: Locale = staff && isLocale(staff.locale) ? staff.locale : deps.policy.locale;
    const t = policyTranslator(deps.policy, locale);
    const base = { deps, msg, staff, locale, t, commands: opts.commands };
    const parsed = parseCommand(msg.text, aliases);
    const command = parsed ? byName.get(parsed.name) : undefined;
    const available = command && (!command.platforms || command.platforms.includes(msg.platform)) ? command : undefined;
    const inGroup = msg.chatType === "group";

    // Strangers reach only public commands (/bind), and only in a private chat; everything else
    // they send is answered once a day, before any other database write (no processed-event row).
    if (!staff && (inGroup || !available?.public)) return strangerReply(msg, t);
    // Once-only processing of the event is the caller's (answer() in adapters/platform.ts): the
    // event is marked in the transaction that queues these replies.
    // In a group nothing but a group-safe command runs: no list, no form answer, no stop number.
    if (inGroup && available?.privateOnly !== false) return [{ text: t("group.private-only") }];
    if (msg.location || msg.media?.length) {
      // Evidence goes to the open visit form only; outside one nothing of it is kept.
      const taken = opts.attachment ? await opts.attachment(base) : null;
      if (taken) return toArray(taken);
      return [{ text: t(msg.location ? "evidence.location-outside-visit" : "evidence.photo-outside-visit") }];
    }
    const max = deps.policy.inbound.maxTextChars;
    if (msg.text.length > max) return [{ text: t("inbound.too-long", { max, length: msg.text.length }) }];

    if (available) {
      if (staff && opts.beforeCommand) {
        const intercepted = await opts.beforeCommand(base, parsed!, available);
        if (intercepted) return toArray(intercepted);
      }
      const out = toArray(await available.run({ ...base, args: parsed!.args, rest: parsed!.rest }));
      if (!staff && out.some((r) => strangerReplies.has(r))) return strangerReply(msg, t);
      return out;
    }
    if (parsed && parsed.name && msg.text.trim().startsWith("/")) {
      return [{ text: t("router.unknown-command", { command: parsed.name }) }];
    }
    const fallback = opts.fallback ? await opts.fallback(base) : null;
    if (fallback) return toArray(fallback);
    return [{ text: t("router.not-understood") }];
  }

  return {
    commands: () => opts.commands,
    async handle(msg) {
      try {
        return await dispatch(msg);
      } catch (err) {
        // A lock timeout or a full disk passes: the caller retries the message instead of answering it as a bug.
        if (isDbFault(err)) throw err;
        // The one catch boundary of the core: log everything, show only what is safe to show.
        const staff = await findStaffByIdentity(deps.db, msg.platform, msg.userId).catch(() => null);
        const t = translator(staff && isLocale(staff.locale) ? staff.locale : deps.policy.locale);
        // Logs name the command only: message text can hold bind codes, phone numbers, notes.
        const command = /^\/\S+/.exec(msg.text.trim())?.[0] ?? (msg.isAction ? "(button)" : "(text)");
        if (err instanceof AppError && err.userMessage) {
          deps.log.info("command refused", { command, platform: msg.platform, code: err.code });
          return [{ text: t(err.userMessage.key, err.userMessage.params) }];
        }
        deps.log.error("command failed", { command, platform: msg.platform, error: errorSummary(err) });
        return [{ text: t("router.internal-error") }];
      }
    },
  };
}

function noMark(replies: Reply[]): Reply[] {
  unmarked.add(replies);
  return replies;
}

function toArray(r: Reply | Reply[]): Reply[] {
  return Array.isArray(r) ? r : [r];
}
