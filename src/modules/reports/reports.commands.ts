import type { Reply } from "../../core/chat.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { today } from "../planning/planning.service.ts";
import { countActiveCustomers } from "../customers/customers.service.ts";
import { periodAttachments, teamWorkbook } from "./reports.attachments.ts";
import { renderManager, renderTeamDay, renderTeamPeriod } from "./reports.render.ts";
import { keyAccountDetailsOf, keyAccountFiguresFor } from "../customers/customer-file.service.ts";
import { DETAIL_NAMES, renderKeyAccountMine, renderKeyAccountTeam } from "../customers/key-account.render.ts";
import { nextMonthOf } from "../customers/purchase-plans.service.ts";
import { brandKpisFor } from "../products/brand-kpi.service.ts";
import { renderBrandKpiBlock } from "../products/brand-kpi.render.ts";
import { isoWeekOf, weeklyPriceReport } from "../products/info-point.service.ts";
import { renderPriceBlock } from "../products/info-point.render.ts";
import { managerReport, managerReportOf, managersInScope, periodOf, reportScope, seesTeam, teamDay, teamPeriod, teamPeriodOf, type TeamPeriod } from "./reports.service.ts";

type PeriodWord = { kind: "week" | "month"; offset: 0 | -1 };

const PERIOD_WORDS: Record<string, PeriodWord> = {
  week: { kind: "week", offset: 0 },
  本周: { kind: "week", offset: 0 },
  周: { kind: "week", offset: 0 },
  这周: { kind: "week", offset: 0 },
  month: { kind: "month", offset: 0 },
  本月: { kind: "month", offset: 0 },
  月: { kind: "month", offset: 0 },
  这个月: { kind: "month", offset: 0 },
  lastweek: { kind: "week", offset: -1 },
  上周: { kind: "week", offset: -1 },
  lastmonth: { kind: "month", offset: -1 },
  上月: { kind: "month", offset: -1 },
  上个月: { kind: "month", offset: -1 },
};

/** "week", "本月", "last week", "上个月" → the period; null when the words are not a period. */
export function periodWord(words: string[]): PeriodWord | null {
  const key = words.join("").toLowerCase();
  return PERIOD_WORDS[key] ?? null;
}

async function periodReply(ctx: CommandContext, p: TeamPeriod): Promise<Reply> {
  return { text: renderTeamPeriod(ctx, p), attachments: await periodAttachments(ctx, p) };
}

/** The team's day as /team shows it; null when the viewer sees no team. */
export async function teamTodayReply(ctx: CommandContext): Promise<Reply | null> {
  const { deps } = ctx;
  const viewer = ctx.staff!;
  if (!seesTeam(await reportScope(deps.db, viewer))) return null;
  const day = await teamDay({ deps, viewer });
  const reply = renderTeamDay(ctx, day, deps.clock.now());
  const block = await keyAccountTeamBlock(ctx, day.rows.map((r) => r.manager));
  return block ? { ...reply, text: `${reply.text}\n\n${block}` } : reply;
}

async function teamCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { t, deps } = ctx;
  const viewer = ctx.staff!;
  const scope = await reportScope(deps.db, viewer);
  if (!seesTeam(scope)) return { text: t("reports.not-supervisor") };
  const args = ctx.args;
  if (!args.length) return (await teamTodayReply(ctx))!;
  const first = args[0]!.toLowerCase();
  if (["export", "导出", "excel", "xlsx"].includes(first)) {
    const which = periodWord(args.slice(1)) ?? { kind: "month", offset: 0 };
    const range = periodOf(which.kind, today(ctx.deps), which.offset);
    const file = await teamWorkbook(ctx, viewer, range);
    return { text: t("reports.export.sent", { from: range.from, to: range.to, n: file.managers }), attachments: [file.attachment] };
  }
  const period = periodWord(args);
  if (period) {
    const range = periodOf(period.kind, today(ctx.deps), period.offset);
    const reply = await periodReply(ctx, await teamPeriod({ deps, viewer, kind: period.kind, ...range }));
    // The month is the five-step method's period: 上柜率 and 再购率 of the team's products.
    if (period.kind === "month") {
      const block = renderBrandKpiBlock(t, await brandKpisFor({ db: deps.db, timeZone: deps.policy.timeZone, viewer, ...range }));
      if (block.length) reply.text = beforeFooter(t, reply.text, block);
    }
    if (period.kind === "week") {
      const week = isoWeekOf(range.from);
      const managers = await managersInScope(deps.db, scope);
      const block = renderPriceBlock(t, week, await weeklyPriceReport({ db: deps.db, week, managerIds: managers.map((m) => m.id) }));
      if (block.length) reply.text = beforeFooter(t, reply.text, block);
    }
    return reply;
  }
  if (args.length === 1 && /^[\w-]{1,32}$/.test(args[0]!)) {
    const report = await managerReport({ deps, viewer, code: args[0]! });
    // Someone outside the team reads exactly like a code nobody has.
    if (!report) return { text: t("reports.unknown-manager", { code: args[0]! }) };
    // The photos are a command of their own (they are sent as images, ten at a time).
    const photos = report.evidence.some((e) => e.photos > 0);
    const text = `${renderManager(ctx, report, deps.clock.now())}\n${t("reports.mgr.plan-hint", { code: report.manager.code })}`;
    return { text, ...(photos ? { choices: [{ label: t("evidence-sup.view-photos"), value: `/photos ${report.manager.code} ${report.date}` }] } : {}) };
  }
  return { text: t("reports.team-usage") };
}

/** A block of figures goes above the "how to see more" footer, which stays the last line. */
function beforeFooter(t: CommandContext["t"], text: string, block: string[]): string {
  const footer = t("reports.period.footer");
  const at = text.lastIndexOf(footer);
  if (at < 0) return [text, ...block].join("\n");
  return [text.slice(0, at).replace(/\n$/, ""), ...block, text.slice(at)].join("\n");
}

/** /me: a manager's own figures (today, week, month, cycle); /me week|month: against the standard. */
async function meCommand(ctx: CommandContext): Promise<Reply | Reply[]> {
  const { t, deps } = ctx;
  const me = ctx.staff!;
  const period = ctx.args.length ? periodWord(ctx.args) : null;
  if (ctx.args.length && !period) return { text: t("reports.me-usage") };
  // A supervisor without customers of their own has no figures of their own: /me shows the
  // team's (as /team, /team week, /team month do), saying so, instead of a row of zeros.
  if (!(await countActiveCustomers({ db: deps.db, managerId: me.id })) && seesTeam(await reportScope(deps.db, me))) {
    const team = await teamCommand(ctx);
    const first = Array.isArray(team) ? team[0] : team;
    const cmd = period ? `/team ${ctx.args.join(" ")}` : "/team";
    if (first) first.text = `${t("reports.me-team-instead", { cmd })}\n\n${first.text}`;
    return team;
  }
  if (period) {
    const range = periodOf(period.kind, today(ctx.deps), period.offset);
    return periodReply(ctx, await teamPeriodOf({ deps, managers: [me], kind: period.kind, ...range, self: true }));
  }
  const text = renderManager(ctx, await managerReportOf({ deps, manager: me }), deps.clock.now());
  if (deps.policy.preset !== "key-account") return { text };
  const date = today(deps);
  const details = await keyAccountDetailsOf({ db: deps.db, policy: deps.policy, managerId: me.id, date, planMonth: nextMonthOf(date), take: DETAIL_NAMES });
  return { text: `${text}\n\n${renderKeyAccountMine(ctx, details)}` };
}

/** The key-account preset's duties per manager under /team (润滑油规范 第二十一、二十二、三十三条). */
async function keyAccountTeamBlock(ctx: CommandContext, managers: Staff[]): Promise<string> {
  const { deps } = ctx;
  if (deps.policy.preset !== "key-account" || !managers.length) return "";
  const date = today(deps);
  const figures = await keyAccountFiguresFor({ db: deps.db, policy: deps.policy, managerIds: managers.map((m) => m.id), date, planMonth: nextMonthOf(date) });
  return renderKeyAccountTeam(ctx, managers.map((manager) => ({ manager, f: figures.get(manager.id)! })), date);
}

export const reportCommands: Command[] = [
  { name: "team", audience: "supervisor", aliases: ["团队", "团队情况"], helpKey: "help.team", run: teamCommand },
  { name: "me", audience: "manager", aliases: ["我的", "我的数据"], helpKey: "help.me", run: meCommand },
];
