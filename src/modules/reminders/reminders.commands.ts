import type { Reply } from "../../core/chat.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { hasTeam } from "../staff/staff.service.ts";
import { renderPhoneListPage } from "./phone-list.ts";
import { localDate } from "../../core/dates.ts";
import { listWeeklyPhoneList, REMINDER_IDS, SUPERVISOR_REMINDER_IDS, isEnabled, mutedOf, parseQuietHours, resolveReminderName, setMuted, setQuietHours } from "./reminders.service.ts";

function name(ctx: CommandContext, id: string): string {
  return ctx.t(`reminder.${id}`);
}

/**
 * Reminders the policy enables for this person, in display order (known ids first, then any extra
 * policy ids): the duty reminders for someone with customers, the team reports for a supervisor.
 */
async function enabledIds(ctx: CommandContext): Promise<string[]> {
  const staff = ctx.staff!;
  const team = staff.role === "supervisor" || staff.role === "admin" || (await hasTeam({ db: ctx.deps.db, staffId: staff.id }));
  const field = staff.role === "manager" || !team;
  const ids = [...new Set([...REMINDER_IDS, ...Object.keys(ctx.deps.policy.reminders)])];
  return ids.filter((id) => isEnabled(ctx.deps.policy, id) && (SUPERVISOR_REMINDER_IDS.has(id) ? team : field));
}

async function mutableIds(ctx: CommandContext): Promise<string[]> {
  return (await enabledIds(ctx)).filter((id) => ctx.deps.policy.reminders[id]!.optional);
}

function names(ctx: CommandContext, ids: string[]): string {
  return ids.length ? ids.map((id) => name(ctx, id)).join(ctx.t("list.separator")) : ctx.t("mute.none");
}

async function muteCommand(ctx: CommandContext, muted: boolean): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const current = mutedOf(staff);
  const arg = ctx.rest.trim();
  if (!arg) {
    return { text: muted ? t("mute.usage", { names: names(ctx, await mutableIds(ctx)) }) : t("unmute.usage", { names: names(ctx, [...current]) }) };
  }
  if (["all", "全部", "所有"].includes(arg.toLowerCase())) {
    const ids = muted ? await mutableIds(ctx) : [...current];
    await setMuted({ db: deps.db, staff, ids, muted });
    return { text: muted ? t("mute.all-done", { names: names(ctx, ids) }) : t("unmute.all-done") };
  }
  const id = resolveReminderName(deps.policy, arg);
  if (!id) return { text: t("mute.unknown", { name: arg, names: names(ctx, await mutableIds(ctx)) }) };
  const setting = deps.policy.reminders[id];
  if (muted && setting && !setting.optional) return { text: t("mute.not-optional", { name: name(ctx, id) }) };
  await setMuted({ db: deps.db, staff, ids: [id], muted });
  if (muted) return { text: t("mute.done", { name: name(ctx, id), id }) };
  const lines = [t("unmute.done", { name: name(ctx, id) })];
  if (!setting?.enabled) lines.push(t("mute.disabled", { name: name(ctx, id) }));
  return { text: lines.join("\n") };
}

async function quietCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const arg = ctx.rest.trim();
  if (!arg) {
    return {
      text: [staff.quietStart ? t("quiet.current", { start: staff.quietStart, end: staff.quietEnd }) : t("quiet.none"), t("quiet.usage")].join("\n"),
    };
  }
  if (["off", "关", "关闭", "取消", "none"].includes(arg.toLowerCase())) {
    await setQuietHours({ db: deps.db, staff, start: "", end: "" });
    return { text: t("quiet.off") };
  }
  const q = parseQuietHours(arg);
  if (!q) return { text: t("quiet.usage") };
  await setQuietHours({ db: deps.db, staff, ...q });
  return { text: t("quiet.set", q) };
}

async function remindersCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const muted = mutedOf(staff);
  const ids = await enabledIds(ctx);
  if (!ids.length) return { text: t("reminders.list.empty") };
  const lines = [t("reminders.list.header", { tz: deps.policy.timeZone })];
  for (const id of ids) {
    const setting = deps.policy.reminders[id]!;
    const when = setting.cron ? t("reminders.list.cron", { cron: setting.cron }) : t(`reminder.${id}.when`, { time: setting.time });
    const key = !setting.optional ? "reminders.list.required" : muted.has(id) ? "reminders.list.muted" : "reminders.list.on";
    lines.push(t(key, { name: name(ctx, id), when }));
  }
  if (staff.quietStart) lines.push(t("reminders.list.quiet", { start: staff.quietStart, end: staff.quietEnd }));
  lines.push(t("reminders.list.footer"));
  return { text: lines.join("\n") };
}

/** /calls [page]: this week's phone list, numbered P1, P2, … (the numbers /call accepts). */
async function callsCommand(ctx: CommandContext): Promise<Reply> {
  const { deps } = ctx;
  const page = ctx.args[0] === undefined ? 1 : /^\d{1,4}$/.test(ctx.args[0]) ? Number(ctx.args[0]) : 0;
  const list = await listWeeklyPhoneList({ db: deps.db, policy: deps.policy, managerId: ctx.staff!.id, date: localDate(deps.clock.now(), deps.policy.timeZone) });
  return renderPhoneListPage(ctx, list, page);
}

export const reminderCommands: Command[] = [
  { name: "calls", audience: "manager", aliases: ["电话清单"], helpKey: "help.calls", run: callsCommand },
  { name: "reminders", aliases: ["提醒"], helpKey: "help.reminders", run: remindersCommand },
  { name: "mute", aliases: ["静音", "关闭提醒"], helpKey: "help.mute", run: (ctx) => muteCommand(ctx, true) },
  { name: "unmute", aliases: ["取消静音", "打开提醒"], helpKey: "help.unmute", run: (ctx) => muteCommand(ctx, false) },
  { name: "quiet", aliases: ["免打扰"], helpKey: "help.quiet", run: quietCommand },
];
