import { resolveRecipient } from "../../core/outbox.ts";
import { type Command, type CommandContext, unknownUserReply } from "../../core/router.ts";
import { isLocale, translator } from "../../i18n/i18n.ts";
import { BINDABLE_PLATFORMS, listBindings, parsePlatformName, redeemBindCode, setNotifyPlatform, unbindIdentity } from "./binding.service.ts";

/** Wrong codes allowed per chat account before /bind pauses, and for how long. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;
const failures = new Map<string, number[]>();

function recentFailures(key: string, now: number): number[] {
  const list = (failures.get(key) ?? []).filter((at) => at > now - FAILURE_WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

async function whereRemindersGo(ctx: CommandContext, staffId: number, notifyPlatform: string | null): Promise<string> {
  const to = await resolveRecipient(ctx.deps.db, { id: staffId, notifyPlatform });
  return to ? ctx.t(`platform.${to.platform}`) : "—";
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
    const key = `${msg.platform}:${msg.userId}`;
    const now = deps.clock.now().getTime();
    if (recentFailures(key, now).length >= MAX_FAILURES) return { text: ctx.t("bind.too-many") };
    const result = await redeemBindCode({ db: deps.db, clock: deps.clock, code, platform: msg.platform, platformUserId: msg.userId });
    if (!result.ok) {
      failures.set(key, [...recentFailures(key, now), now]);
      return { text: ctx.t(`bind.${result.reason}`) };
    }
    failures.delete(key);
    const staff = result.staff;
    const t = isLocale(staff.locale) ? translator(staff.locale) : ctx.t;
    const target = await whereRemindersGo({ ...ctx, t }, staff.id, staff.notifyPlatform);
    return {
      text: [
        t(result.alreadyBound ? "bind.already" : "bind.ok", { name: staff.name, code: staff.code, role: t(`role.${staff.role}`), platform: t(`platform.${msg.platform}`) }),
        t("bind.reminders-to", { platform: target }),
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
      const target = await whereRemindersGo(ctx, staff.id, staff.notifyPlatform);
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
