import type { Staff } from "../../generated/prisma/client.ts";
import type { Locale } from "../../i18n/i18n.ts";
import type { InboundMessage, Platform, Reply } from "../chat.ts";
import { localDate } from "../dates.ts";
import type { AppDeps, Command, CommandContext, ParsedCommand, RouterOptions } from "../router.ts";
import type { FormEngine } from "./form-engine.ts";
import type { FormEnv, SessionKey } from "./form-types.ts";
import { isFormTap, LOST_TAP } from "./form-tap.ts";

/** The environment every chat form gets: the app's deps and the person answering. */
export interface ChatFormEnv extends FormEnv {
  deps: AppDeps;
  staff: Staff;
  locale: Locale;
  platform: Platform;
}

export type HookContext = Omit<CommandContext, "args" | "rest">;

export function chatFormEnv(ctx: Pick<CommandContext, "deps" | "t" | "locale" | "msg"> & { staff: Staff }): ChatFormEnv {
  const now = ctx.deps.clock.now();
  return {
    t: ctx.t,
    now,
    today: localDate(now, ctx.deps.policy.timeZone),
    deps: ctx.deps,
    staff: ctx.staff,
    locale: ctx.locale,
    platform: ctx.msg.platform,
  };
}

export function sessionKeyOf(msg: Pick<InboundMessage, "platform" | "chatId" | "userId">): SessionKey {
  return { platform: msg.platform, chatId: msg.chatId, userId: msg.userId };
}

/** Commands that talk to the open form instead of interrupting it. */
const FORM_CONTROL: Record<string, string> = { cancel: "$cancel", back: "$back" };

export interface FormHooksOptions {
  engine: FormEngine<ChatFormEnv>;
  /** Runs a message through the whole router again (after the user chose to leave a form). */
  rerun: (msg: InboundMessage) => Promise<Reply[]>;
  /** Non-command text when no form is open (e.g. a stop number starts the visit form). */
  idle?: (ctx: HookContext & { staff: Staff }) => Promise<Reply | Reply[] | null>;
}

/**
 * Wires forms into the router: text goes to the open form; a command while a form is open asks
 * whether to leave it (except the form's own words: cancel, back, a bare /skip); with no form open,
 * `idle` gets the text.
 */
/** What formHooks hands a form's prepareAttachment: the message's location and pictures. */
export interface ChatAttachment {
  platform: Platform;
  location?: InboundMessage["location"];
  media?: InboundMessage["media"];
}

export function formHooks(opts: FormHooksOptions): Pick<RouterOptions, "beforeCommand" | "fallback" | "attachment"> {
  const { engine } = opts;

  async function feed(ctx: HookContext & { staff: Staff }, text: string): Promise<Reply[] | null> {
    const out = await engine.handle(sessionKeyOf(ctx.msg), text, chatFormEnv(ctx));
    if (!out) return null;
    if (out.run) return [...out.replies, ...(await opts.rerun({ ...ctx.msg, text: out.run, isAction: false }))];
    return out.replies;
  }

  return {
    async attachment(ctx: HookContext) {
      const staff = ctx.staff;
      if (!staff) return null;
      const raw: ChatAttachment = { platform: ctx.msg.platform, ...(ctx.msg.location ? { location: ctx.msg.location } : {}), ...(ctx.msg.media?.length ? { media: ctx.msg.media } : {}) };
      const out = await engine.attach(sessionKeyOf(ctx.msg), raw, chatFormEnv({ ...ctx, staff }));
      return out?.replies ?? null;
    },
    async beforeCommand(ctx: HookContext, command: ParsedCommand, definition: Command) {
      const staff = ctx.staff;
      if (!staff) return null;
      const key = sessionKeyOf(ctx.msg);
      if (!(await engine.isOpen(key, ctx.deps.clock.now()))) return null;
      const typed = ctx.msg.text.trim();
      const slash = /^[/／]/.test(typed);
      // While a form is open, bare words are answers ("今天" may be a note), not commands.
      if (!slash) return feed({ ...ctx, staff }, typed);
      if (definition.keepsOpenForm) return null;
      const control = FORM_CONTROL[command.name] ?? (command.name === "skip" && !command.rest ? "$skip" : undefined);
      if (control) return feed({ ...ctx, staff }, control);
      return engine.askLeave(key, typed, chatFormEnv({ ...ctx, staff }));
    },
    async fallback(ctx: HookContext) {
      const staff = ctx.staff;
      if (!staff) return null;
      // Buttons bound to their question (form-tap.ts): a tapped button that is neither a command
      // nor a form button (one sent before buttons were bound) is over, and its value is never read
      // as typed text: an old "15" is no stop number. The engine answers it like any stale tap.
      if (ctx.msg.isAction && !isFormTap(ctx.msg.text)) return feed({ ...ctx, staff }, LOST_TAP);
      // Platforms deliver blank messages (a whitespace-only post, a lone mention): never silence and
      // no strike against the answer, just the open question again, or a pointer to /help.
      if (!ctx.msg.isAction && !ctx.msg.text.trim()) {
        const again = await feed({ ...ctx, staff }, "$continue");
        if (!again?.length) return [{ text: ctx.t("router.empty-message") }];
        const [first, ...rest] = again;
        return [{ ...first!, text: `${ctx.t("forms.empty-message")}\n${first!.text ?? ""}` }, ...rest];
      }
      const answered = await feed({ ...ctx, staff }, ctx.msg.text);
      if (answered) return answered;
      return opts.idle ? opts.idle({ ...ctx, staff }) : null;
    },
  };
}
