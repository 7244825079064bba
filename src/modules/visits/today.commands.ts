import { classById } from "../../config/policy.ts";
import type { Reply } from "../../core/chat.ts";
import { formatDay, formatDistance } from "../../core/format.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { appointmentOf, getTodayList, type DayList } from "./day-list.service.ts";

export function classLabel(ctx: Pick<CommandContext, "deps" | "locale">, classId: string): string {
  return classById(ctx.deps.policy, classId)?.label[ctx.locale] ?? classId;
}

/** One stop per line: `1. name · class · address · distance · appointment`. Same text on every platform. */
export function renderDayList(ctx: Pick<CommandContext, "deps" | "locale" | "t">, list: DayList): string[] {
  const { t } = ctx;
  return list.stops.map((s, i) => {
    const parts = [
      `${i + 1}. ${s.customer.name}`,
      classLabel(ctx, s.classId),
      s.customer.address || t("today.no-address"),
      t(i === 0 ? "today.leg-first" : "today.leg", { distance: formatDistance(s.legMetres) }),
    ];
    const appointment = appointmentOf(ctx.deps.policy, s.classId);
    if (appointment !== "none") parts.push(t(`appointment.${appointment}`));
    return parts.join(" · ");
  });
}

export async function todayReply(ctx: CommandContext): Promise<Reply> {
  const { t, staff } = ctx;
  if (!staff) return { text: t("access.unknown-user") };
  if (staff.role !== "manager") {
    const count = await ctx.deps.db.customer.count({ where: { managerId: staff.id, active: true } });
    if (!count) return { text: t("today.not-a-manager") };
  }
  const result = await getTodayList({ deps: ctx.deps, staff });
  const lines: string[] = [];
  if (!result.isVisitDay) {
    lines.push(t("today.not-visit-day", { today: formatDay(result.today, t) }));
    if (!result.list) return { text: [...lines, t("today.no-upcoming")].join("\n") };
  }
  const list = result.list!;
  if (!list.stops.length) {
    lines.push(t("today.empty", { day: formatDay(list.date, t) }));
    return { text: lines.join("\n") };
  }
  lines.push(
    t(result.isVisitDay ? "today.header" : "today.header-next", {
      day: formatDay(list.date, t),
      count: list.stops.length,
      distance: formatDistance(list.totalMetres),
    }),
  );
  lines.push(...renderDayList(ctx, list));
  const overdue = list.stops.filter((s) => s.overdue).length;
  lines.push(t("today.footer", { overdue }));
  return { text: lines.join("\n") };
}

export const todayCommands: Command[] = [
  { name: "today", aliases: ["今天", "今日", "today"], helpKey: "help.today", run: todayReply },
];
