import type { ChatAddress, Reply } from "../../core/chat.ts";
import { localParts, clockTime } from "../../core/dates.ts";
import { enqueue, resolveRecipient } from "../../core/outbox.ts";
import { type Command, type CommandContext, policyTranslator, unknownUserReply } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { isLocale, type Translate } from "../../i18n/i18n.ts";
import {
  BIND_LIMITS,
  BIND_SWITCH_TTL_MS,
  BINDABLE_PLATFORMS,
  cancelBindSwitch,
  confirmBindSwitch,
  listBindings,
  maskAccountId,
  normaliseBindCode,
  parsePlatformName,
  recipientOtherThan,
  redeemBindCode,
  setNotifyPlatform,
  unbindIdentity,
} from "./binding.service.ts";

/** Answers to "switch this account?": the buttons' values, and what people type without buttons. */
const CONFIRM_WORDS = new Set(["CONFIRM", "YES", "确认", "确认切换"]);
const CANCEL_WORDS = new Set(["CANCEL", "NO", "取消"]);
export const BIND_CONFIRM = "/bind confirm";
export const BIND_CANCEL = "/bind cancel";

async function whereRemindersGo(ctx: Pick<CommandContext, "deps">, t: Translate, staffId: number, notifyPlatform: string | null): Promise<string> {
  const to = await resolveRecipient(ctx.deps.db, { id: staffId, notifyPlatform });
  return to ? t(`platform.${to.platform}`) : "—";
}

/** A person's own language (their choice, else the company's). */
function tFor(ctx: Pick<CommandContext, "deps">, staff: Pick<Staff, "locale">): Translate {
  return policyTranslator(ctx.deps.policy, isLocale(staff.locale) ? staff.locale : ctx.deps.policy.locale);
}

/** Wall-clock time in the company's zone: "11:05" today, "2026-11-24 11:05" otherwise. */
function localTime(at: Date, now: Date, timeZone: string, withDate = false): string {
  const p = localParts(at, timeZone);
  const hm = `${clockTime(p)}`;
  return withDate || p.date !== localParts(now, timeZone).date ? `${p.date} ${hm}` : hm;
}

/**
 * Queues a security notice to a staff member through the outbox (durable, retried). Returns where
 * it goes, or null when the person has nowhere to receive it: the reply then says so.
 */
async function notify(
  ctx: Pick<CommandContext, "deps">,
  staff: Staff,
  to: ChatAddress | null,
  key: string,
  text: (t: Translate) => string,
): Promise<ChatAddress | null> {
  if (!to) return null;
  const { db, clock } = ctx.deps;
  await enqueue({ db, key, kind: "bind-notice", staffId: staff.id, platform: to.platform, chatId: to.chatId, reply: { text: text(tFor(ctx, staff)) }, clock });
  return to;
}

/** Tells `staff` (elsewhere than this account) that this account is now bound to them. */
async function notifyAdded(ctx: CommandContext, staff: Staff, identityId: number): Promise<ChatAddress | null> {
  const { deps, msg } = ctx;
  const now = deps.clock.now();
  const to = await recipientOtherThan(deps.db, staff, { platform: msg.platform, platformUserId: msg.userId });
  return notify(ctx, staff, to, `bind-notice:added:${staff.id}:${identityId}:${now.getTime()}`, (t) =>
    t("bind.notice-added", { name: staff.name, code: staff.code, platform: t(`platform.${msg.platform}`), account: maskAccountId(msg.userId), time: localTime(now, now, deps.policy.timeZone, true) }),
  );
}

function confirmationReply(t: Translate, platform: string, staff: Staff, current: Staff, expiresAt: Date, now: Date, timeZone: string): Reply {
  return {
    text: t("bind.switch-ask", {
      platform: t(`platform.${platform}`),
      current: current.name,
      currentCode: current.code,
      name: staff.name,
      code: staff.code,
      role: t(`role.${staff.role}`),
      minutes: Math.round(BIND_SWITCH_TTL_MS / 60_000),
      time: localTime(expiresAt, now, timeZone),
    }),
    choices: [
      { label: t("bind.switch-confirm"), value: BIND_CONFIRM },
      { label: t("bind.switch-cancel"), value: BIND_CANCEL },
    ],
  };
}

async function confirmSwitch(ctx: CommandContext): Promise<Reply> {
  const { deps, msg } = ctx;
  const result = await confirmBindSwitch({ db: deps.db, clock: deps.clock, platform: msg.platform, platformUserId: msg.userId });
  if (!result.ok) return { text: ctx.t("bind.switch-none", { minutes: Math.round(BIND_SWITCH_TTL_MS / 60_000) }) };
  const { staff, previous, identity } = result;
  const now = deps.clock.now();
  const t = tFor(ctx, staff);
  // The account has moved, so the previous person's usual recipient is already somewhere else.
  const previousTo = await notify(ctx, previous, await resolveRecipient(deps.db, previous), `bind-notice:moved:${previous.id}:${identity.id}:${now.getTime()}`, (tt) =>
    tt("bind.notice-moved", { platform: tt(`platform.${msg.platform}`), account: maskAccountId(msg.userId), time: localTime(now, now, deps.policy.timeZone, true), name: staff.name, code: staff.code }),
  );
  const selfTo = await notifyAdded(ctx, staff, identity.id);
  deps.log.info("chat account switched to another staff member", { platform: msg.platform });
  return {
    text: [
      t("bind.switch-done", { platform: t(`platform.${msg.platform}`), name: staff.name, code: staff.code, role: t(`role.${staff.role}`), previous: previous.name, previousCode: previous.code }),
      previousTo
        ? t("bind.told-previous", { name: previous.name, platform: t(`platform.${previousTo.platform}`) })
        : t("bind.untold-previous", { name: previous.name }),
      ...(selfTo ? [t("bind.told-self", { platform: t(`platform.${selfTo.platform}`) })] : []),
      t("bind.reminders-to", { platform: await whereRemindersGo(ctx, t, staff.id, staff.notifyPlatform) }),
      t("bind.next"),
    ].join("\n"),
  };
}

async function cancelSwitch(ctx: CommandContext): Promise<Reply> {
  const { deps, msg } = ctx;
  const stays = await cancelBindSwitch({ db: deps.db, clock: deps.clock, platform: msg.platform, platformUserId: msg.userId });
  if (!stays) return { text: ctx.t("bind.switch-none", { minutes: Math.round(BIND_SWITCH_TTL_MS / 60_000) }) };
  return { text: ctx.t("bind.switch-cancelled", { name: stays.name, code: stays.code }) };
}

const bindCommand: Command = {
  name: "bind",
  aliases: ["绑定"],
  helpKey: "help.bind",
  public: true,
  async run(ctx) {
    const { deps, msg } = ctx;
    const code = ctx.args.join("");
    if (!code) {
      return { text: ctx.staff ? ctx.t("bind.usage-bound", { name: ctx.staff.name, code: ctx.staff.code }) : ctx.t("bind.usage") };
    }
    const word = normaliseBindCode(code);
    if (CONFIRM_WORDS.has(word)) return confirmSwitch(ctx);
    if (CANCEL_WORDS.has(word)) return cancelSwitch(ctx);

    const now = deps.clock.now();
    const result = await redeemBindCode({ db: deps.db, clock: deps.clock, code, platform: msg.platform, platformUserId: msg.userId });
    if (result.kind === "limited") {
      const max = result.scope === "account" ? BIND_LIMITS.accountFailures : BIND_LIMITS.globalFailures;
      // Rounded up to the minute: "after 11:01" must not refuse someone at 11:01.
      const from = new Date(Math.ceil(result.retryAt.getTime() / 60_000) * 60_000);
      return { text: ctx.t(`bind.limited-${result.scope}`, { max, time: localTime(from, now, deps.policy.timeZone) }) };
    }
    if (result.kind === "refused") {
      // Logs keep the reason (for the admin); the person gets one answer whatever it was, so
      // replies do not tell which codes exist.
      deps.log.info("bind code refused", { platform: msg.platform, reason: result.reason });
      // Once per crossing: everyone's limit means guessing (or a broken rollout) and pauses /bind for all.
      if (result.limitReached === "global") deps.log.warn("bind attempt limit reached", { scope: "global", platform: msg.platform, windowMs: BIND_LIMITS.windowMs });
      else if (result.limitReached) deps.log.info("bind attempt limit reached", { scope: "account", platform: msg.platform });
      return { text: ctx.t("bind.refused") };
    }
    const staff = result.staff;
    const t = tFor(ctx, staff);
    if (result.kind === "confirm") return confirmationReply(t, msg.platform, staff, result.current, result.expiresAt, now, deps.policy.timeZone);
    const params = { name: staff.name, code: staff.code, role: t(`role.${staff.role}`), platform: t(`platform.${msg.platform}`) };
    const selfTo = result.kind === "bound" ? await notifyAdded(ctx, staff, result.identity.id) : null;
    return {
      text: [
        t(result.kind === "already" ? "bind.already" : "bind.ok", params),
        ...(selfTo ? [t("bind.told-self", { platform: t(`platform.${selfTo.platform}`) })] : []),
        t("bind.reminders-to", { platform: await whereRemindersGo(ctx, t, staff.id, staff.notifyPlatform) }),
        t("bind.next"),
      ].join("\n"),
    };
  },
};

export const bindingCommands: Command[] = [
  bindCommand,
  {
    // What Telegram sends when someone opens the bot; a deep link (t.me/bot?start=CODE) carries a code.
    name: "start",
    public: true,
    async run(ctx) {
      if (ctx.args[0]) return bindCommand.run(ctx);
      if (!ctx.staff) return unknownUserReply(ctx.t, ctx.msg.platform);
      return { text: ctx.t("start.welcome", { name: ctx.staff.name }) };
    },
  },
  {
    name: "notify",
    aliases: ["提醒渠道"],
    helpKey: "help.notify",
    async run(ctx) {
      const { deps, t } = ctx;
      const staff = ctx.staff!;
      const wanted = ctx.args[0];
      if (wanted) {
        const platform = parsePlatformName(wanted);
        if (!platform) return { text: t("notify.unknown-platform", { name: wanted }) };
        const result = await setNotifyPlatform({ db: deps.db, staffId: staff.id, platform });
        if (result === "not-bound") return { text: t("notify.not-bound", { platform: t(`platform.${platform}`) }) };
        return { text: t("notify.set", { platform: t(`platform.${platform}`) }) };
      }
      const bindings = await listBindings(deps.db, staff.id);
      const bound = BINDABLE_PLATFORMS.filter((p) => bindings.some((b) => b.platform === p));
      const names = bound.map((p) => t(`platform.${p}`)).join(t("list.separator")) || "—";
      const target = await whereRemindersGo(ctx, t, staff.id, staff.notifyPlatform);
      const choices = bound.length > 1 ? bound.map((p) => ({ label: t(`platform.${p}`), value: `/notify ${p}` })) : undefined;
      return { text: [t("notify.status", { platforms: names, platform: target }), t(choices ? "notify.choose" : "notify.usage")].join("\n"), ...(choices ? { choices } : {}) };
    },
  },
  {
    name: "unbind",
    aliases: ["解绑"],
    helpKey: "help.unbind",
    platforms: ["telegram", "lark", "wechat"],
    async run(ctx) {
      const { deps, msg, t } = ctx;
      const staff = await unbindIdentity({ db: deps.db, platform: msg.platform, platformUserId: msg.userId });
      if (!staff) return { text: t("unbind.not-bound") };
      return { text: t("unbind.ok", { name: staff.name, code: staff.code, platform: t(`platform.${msg.platform}`) }) };
    },
  },
];
