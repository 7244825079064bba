import { link, type ChatAddress, type Choice, type Reply } from "../../core/chat.ts";
import { AppError } from "../../core/errors.ts";
import { parseDateInput, parseDateRange } from "../../core/date-input.ts";
import { normalizeInput, parseChineseNumber, parseTimeOfDay } from "../../core/forms/form-input.ts";
import { addDays, endOfMonth, isoWeekday, startOfMonth, startOfWeek } from "../../core/dates.ts";
import { formatDay, formatDistance, formatMinutes } from "../../core/format.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import type { Staff } from "../../generated/prisma/client.ts";
import { daysOffOf, isVisitDay, nextVisitDay, visitDaysOf } from "../staff/staff.service.ts";
import { appointmentOf } from "../customers/class-label.ts";
import { classLabel } from "../customers/class-label.ts";
import { countActiveCustomers } from "../customers/customers.service.ts";
import { describeOverdue, describeShortfall } from "./shortfall.ts";
import type { Shortfall } from "./planner.ts";
import { stopLine } from "../reminders/reminder-format.ts";
import { teamTodayReply } from "../reports/reports.commands.ts";
import { findManagerInScope, reportScope, scopePreview } from "../reports/reports.service.ts";
import { wantsReminder } from "../reminders/reminders.service.ts";
import { answerAppointment, latestShortfall, plannedVisitsBetween, pendingAppointments, planDayList, planInBackground, planBeingMade, queueChatMessage, reminderChatOf, skipStop, storedHorizon, takeDaysOff, today, visitMinutes, wasQueued, type DayList, type MovedSoon, type PassedDay } from "./planning.service.ts";

/** Amap marker link; `coordinate=wgs84` because stored coordinates are GPS (WGS-84). */
export function navigationLink(c: { lat: number; lng: number; name: string }): string {
  return `https://uri.amap.com/marker?position=${c.lng.toFixed(6)},${c.lat.toFixed(6)}&name=${encodeURIComponent(c.name)}&coordinate=wgs84&callnative=1&src=visitmate`;
}

/**
 * One day of the plan: `1. name · class · address · leg · visit length · appointment`, then an
 * indented navigation link; header with the day's distance and time.
 */
export async function renderPlannedDay(ctx: CommandContext, staff: Staff, date: string, headerKey: string, opts: { fixNumbers?: boolean; ensure?: boolean; day?: DayList; skipDay?: string; readOnly?: boolean } = {}): Promise<string[]> {
  const { t, deps } = ctx;
  // A caller that already loaded the day (the morning push) passes it in.
  const day = opts.day ?? (await planDayList({ deps, staff, date, fixNumbers: opts.fixNumbers, ensure: opts.ensure }));
  if (!day.planned.length) return [t("today.empty", { day: formatDay(date, t) })];
  let visitMin = 0;
  const lines: string[] = [];
  const route = day.planned.filter((p) => p.status !== "skipped");
  const nextStop = route.find((p) => p.status === "planned");
  for (const p of day.planned) {
    if (p.status === "skipped") {
      lines.push(t("today.moved-stop", { n: p.n, name: p.customer.name, to: p.movedTo ? formatDay(p.movedTo, t) : t("today.moved-unplanned") }));
      continue;
    }
    const len = visitMinutes(deps, p.classId);
    visitMin += (len.min + len.max) / 2;
    const parts = [
      `${p.n}. ${p.status === "done" ? "✅ " : ""}${p.customer.name}`,
      classLabel(ctx, p.classId),
      p.customer.address || t("today.no-address"),
      t(p === route[0] ? "today.leg-first" : "today.leg", { distance: formatDistance(p.legMetres, t) }),
      t("plan.visit-length", { min: len.min, max: len.max }),
    ];
    const appointment = appointmentOf(deps.policy, p.classId);
    if (appointment !== "none") parts.push(appointmentText(t, appointment, p.booked, date === today(deps)));
    // One line per stop, its navigation a short link; the next stop's link is the one platforms
    // that cannot hide addresses (WeChat, the terminal) still show in full.
    parts.push(link(t("today.nav"), navigationLink(p.customer), { primary: p === nextStop }));
    lines.push(parts.join(" · "));
  }
  const travelMin = (day.totalMetres / 1000 / deps.policy.travelKmh) * 60;
  const header = t(headerKey, {
    day: formatDay(date, t),
    count: route.length,
    distance: formatDistance(day.totalMetres, t),
    time: formatMinutes(travelMin + visitMin, t),
    travel: formatMinutes(travelMin, t),
    visits: formatMinutes(visitMin, t),
  });
  const done = route.filter((p) => p.status === "done").length;
  // A later day's list names its day in the /skip hint: that is the command which moves its stops.
  // Someone else's day (a supervisor reading it): the progress, without the manager's commands.
  const footer = opts.readOnly ? t("plan.member-day-footer", { done, total: route.length }) : opts.skipDay ? t("plan.day-footer-later", { done, total: route.length, day: opts.skipDay }) : t("plan.day-footer", { done, total: route.length });
  return [header, ...lines, footer];
}

/**
 * "需提前一天预约" is an instruction for the day before; on the visit day itself the manager needs to
 * know whether it was done, so the list says booked or not (and, if not, to phone first).
 */
function appointmentText(t: CommandContext["t"], appointment: string, booked: boolean, onTheDay: boolean): string {
  if (appointment === "day-before" && onTheDay) return t(booked ? "appointment.booked" : "appointment.not-booked");
  return t(`appointment.${appointment}`) + (booked ? t("plan.booked") : "");
}

/** The day /today shows: today when it is a visit day, else the next visit day (null: none ahead). */
async function todayTarget(ctx: CommandContext, staff: Staff): Promise<string | null> {
  const { deps } = ctx;
  const now = today(deps);
  if (await isVisitDay({ db: deps.db, policy: deps.policy, staff, date: now })) return now;
  return nextVisitDay({ db: deps.db, policy: deps.policy, staff, date: now });
}

/** /today from the stored plan (planning, if one is missing, before answering: see todayFromPlan). */
async function todayList(ctx: CommandContext, staff: Staff, target: string | null): Promise<Reply> {
  const { t, deps } = ctx;
  const now = today(deps);
  if (target === now) return { text: (await renderPlannedDay(ctx, staff, now, "today.plan-header", { fixNumbers: true })).join("\n") };
  const lines = [t("today.not-visit-day", { today: formatDay(now, t) })];
  if (!target) return { text: [...lines, t("today.no-upcoming")].join("\n") };
  lines.push(...(await renderPlannedDay(ctx, staff, target, "today.plan-header-next")));
  return { text: lines.join("\n") };
}

/** Outbox kind (and job id) of the morning list: its key is one per manager and visit day. */
export const MORNING_LIST_KIND = "morning-list";

/**
 * The morning list: the same text as /today, plus the stops whose class books on the same day
 * (potential, assistance) so the calls happen before setting out. Null when nothing is planned.
 * It is the day's list first shown: its numbers are fixed from here on. The plan is there already
 * (made by the month job, by the morning job in the pool, or by a /today): this only reads.
 */
export async function morningListReply(view: CommandContext, staff: Staff, date: string, loaded?: DayList): Promise<Reply | null> {
  const { deps, t } = view;
  const day = loaded ?? (await planDayList({ deps, staff, date, fixNumbers: true, ensure: false }));
  if (!day.planned.length) return null;
  const lines = [t("reminders.morning.greeting", { name: staff.name }), ...(await renderPlannedDay(view, staff, date, "today.plan-header", { day }))];
  if (wantsReminder(deps.policy, staff, "appointments")) {
    const sameDay = day.planned.filter((p) => p.status === "planned" && !p.booked && appointmentOf(deps.policy, p.classId) === "same-day");
    if (sameDay.length) {
      lines.push("", t("reminders.morning.same-day", { count: sameDay.length }));
      for (const p of sameDay) lines.push(stopLine(view, p.n, p.customer, p.classId, "phone"));
      // No buttons here: on WeChat and in the terminal a number under this list must stay a stop number.
      lines.push(t("reminders.morning.same-day-footer"));
    }
  }
  return { text: lines.join("\n") };
}

/**
 * A /today that had to wait for today's plan, asked where the morning list goes: the
 * answer is the morning list, under its outbox key. The morning job waits for the same plan, so
 * otherwise both lists arrive a moment apart; this way the first queued is the only one (the
 * caller checked that no morning list had gone out before the question). False when it does not
 * apply (another chat, the morning list muted, nothing planned): the caller queues the plain list.
 */
async function answerAsMorningList(ctx: CommandContext, staff: Staff, date: string, chat: ChatAddress): Promise<boolean> {
  const { deps } = ctx;
  if (!wantsReminder(deps.policy, staff, "morningList")) return false;
  // The same person in a private chat of the platform their reminders go to: a reminder is
  // addressed to the user (a Lark answer to the chat's own id, the same conversation), and the
  // terminal shows the messages of every console identity in its one window.
  const { msg } = ctx;
  if ((msg.chatType ?? "private") !== "private" || msg.platform !== chat.platform) return false;
  const home = await reminderChatOf({ deps, staff });
  if (!home || home.platform !== msg.platform || (home.chatId !== msg.userId && msg.platform !== "console")) return false;
  const reply = await morningListReply(ctx, staff, date);
  if (!reply) return false;
  await queueChatMessage({ deps, staff, to: chat, kind: MORNING_LIST_KIND, subject: date, reply });
  return true;
}

/** "about 20 s" / "about 3 min", rounded up so the list rather comes early than late. */
function waitText(t: CommandContext["t"], ms: number): string {
  const s = Math.max(5, Math.ceil(ms / 5000) * 5);
  return s < 90 ? t("plan.wait-seconds", { n: s }) : t("plan.wait-minutes", { n: Math.ceil(s / 60) });
}

/**
 * /today. With a usable plan stored, the list at once. Without one (first use, a new month before
 * the month job ran), planning takes seconds: the answer is "making your plan" at once and the
 * list follows in this chat through the outbox when it is stored, never a long silence. A second
 * /today meanwhile starts nothing new. Where no chat can be sent to, nothing is promised.
 */
async function todayFromPlan(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const hasCustomers = await countActiveCustomers({ db: deps.db, managerId: staff.id });
  if (!hasCustomers) {
    // A supervisor's day is the team's: /today shows what /team does, saying so.
    const team = await teamTodayReply(ctx);
    return team ? { ...team, text: `${t("today.team-instead")}\n\n${team.text}` } : { text: t("today.not-a-manager") };
  }
  const target = await todayTarget(ctx, staff);
  if (!target || deps.chatPlanning !== "background") return todayList(ctx, staff, target);
  const chat: ChatAddress | null = ctx.msg.chatId ? { platform: ctx.msg.platform, chatId: ctx.msg.chatId } : await reminderChatOf({ deps, staff });
  const asked = deps.clock.now().getTime();
  const visitToday = target === today(deps);
  // Already pushed before this /today (the plan went stale since): the answer is the plain list.
  const morningSent = visitToday && (await wasQueued({ deps, staff, kind: MORNING_LIST_KIND, subject: target }));
  const bg = await planInBackground({
    deps,
    staff,
    date: target,
    pushTo: chat,
    async whenDone(err) {
      if (!chat) return;
      if (!err && visitToday && !morningSent && (await answerAsMorningList(ctx, staff, target, chat))) return;
      const reply = err ? { text: t("today.plan-failed", { reason: err instanceof AppError && err.userMessage ? t(err.userMessage.key, err.userMessage.params) : t("plan.worker-failed") }) } : await todayList(ctx, staff, target);
      await queueChatMessage({ deps, staff, to: chat, kind: "today-list", subject: `${target}:${asked}`, reply });
    },
  });
  if (bg.kind === "not-needed") return todayList(ctx, staff, target);
  if (bg.kind === "in-progress") return { text: t(bg.pushTo ? "today.plan-in-progress" : "today.plan-in-progress-no-push") };
  return { text: t(chat ? "today.plan-making" : "today.plan-making-no-push", { wait: waitText(t, bg.estimateMs) }) };
}

/** Visits per day over [from, to] from the stored plan (read only: looking never re-plans). */
async function weekSummary(ctx: CommandContext, staff: Staff, from: string, to: string, titleKey: string): Promise<string[]> {
  const { t, deps } = ctx;
  const rows = await plannedVisitsBetween({ db: deps.db, managerId: staff.id, from, to });
  const days = visitDaysOf(staff, deps.policy);
  const off = await daysOffOf({ db: deps.db, staffId: staff.id, from, to });
  const lines = [t(titleKey, { from: formatDay(from, t), to: formatDay(to, t), count: rows.length })];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const onDay = rows.filter((r) => r.date === d);
    if (off.has(d)) {
      lines.push(t("plan.week-off", { day: formatDay(d, t) }));
      continue;
    }
    if (!onDay.length && !days.includes(isoWeekday(d))) continue;
    const byClass = deps.policy.classes
      .map((c) => [c, onDay.filter((r) => r.customer.serviceClass === c.id).length] as const)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${classLabel(ctx, c.id)} ${n}`);
    lines.push(t("plan.week-day", { day: formatDay(d, t), count: onDay.length, classes: byClass.join(" / ") || "—" }));
  }
  return lines;
}

async function shortfallLines(ctx: CommandContext, staff: Staff, other = false): Promise<string[]> {
  const { t } = ctx;
  const s = await latestShortfall({ deps: ctx.deps, staffId: staff.id });
  if (!s) return [];
  if (!s.visits) return [t("plan.no-shortfall", { from: formatDay(s.from, t), to: formatDay(s.to, t) })];
  const { classes, names, kept } = await describeShortfall(ctx.deps, ctx.locale, t, s);
  return [t("plan.shortfall", { visits: s.visits, classes, kept }), t(other ? "plan.member-shortfall-first" : "plan.shortfall-first", { names })];
}

/**
 * What a reader of a plan that does not exist yet is told: that it is being made (a /today is
 * making it right now), or how it gets made. `other`: a supervisor reading a team member's.
 */
function noPlanYet(t: CommandContext["t"], staff: Staff, other: boolean): string {
  const who = { name: staff.name, code: staff.code };
  if (planBeingMade(staff.id)) return other ? t("plan.member-being-made", who) : t("plan.being-made");
  return other ? t("plan.member-none-yet", who) : t("plan.none-yet");
}

/** A staff code as typed (M001, s12): letters, then digits. */
const STAFF_CODE = /^[A-Za-z]{1,4}\d{1,6}$/;

/**
 * /plan [CODE] [week | next | month | DATE]. Without a code, the caller's own plan. With one, a
 * supervisor reads a team member's plan (the same views, read only, without the hints about
 * commands only the manager can use); a code outside the caller's team is refused by name.
 */
async function planCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const self = ctx.staff!;
  let staff = self;
  let args = ctx.args;
  if (args[0] && STAFF_CODE.test(args[0])) {
    const member = await findManagerInScope(deps.db, self, args[0]);
    if (!member) {
      const scope = await reportScope(deps.db, self);
      return { text: t(scope.kind === "self" ? "plan.no-member-own" : "plan.no-member", { code: args[0].toUpperCase() }) };
    }
    staff = member;
    args = args.slice(1);
  }
  const other = staff.id !== self.id;
  const who = { name: staff.name, code: staff.code };
  const hasCustomers = await countActiveCustomers({ db: deps.db, managerId: staff.id });
  if (!hasCustomers) {
    if (other) return { text: t("plan.member-no-customers", who) };
    // A supervisor's plans are the team's: say how to read them.
    const { members, total } = await scopePreview(deps.db, self, 5);
    if (!members.length) return { text: t("today.not-a-manager") };
    const names = members.map((m) => `${m.name} ${m.code}`).join(t("list.separator"));
    return { text: t(total > members.length ? "plan.team-hint-more" : "plan.team-hint", { code: members[0]!.code, names, more: total - members.length }) };
  }
  const now = today(deps);
  const horizon = await storedHorizon({ deps, staffId: staff.id });
  if (!horizon) return { text: noPlanYet(t, staff, other) };
  const title = other ? [t("plan.member-title", who)] : [];
  // One word may be a period (week, next, month); anything else is a date ("next wed", "下周三").
  const arg = args.length <= 1 ? (args[0] ?? "week").toLowerCase() : "";
  if (["week", "周", "本周", "这周"].includes(arg)) {
    const from = startOfWeek(now);
    const lines = await weekSummary(ctx, staff, from < now ? now : from, addDays(from, 6), "plan.week-title");
    return { text: [...title, ...lines, other ? t("plan.member-week-footer", who) : t("plan.week-footer")].join("\n") };
  }
  if (["next", "下周"].includes(arg)) {
    const from = addDays(startOfWeek(now), 7);
    return { text: [...title, ...(await weekSummary(ctx, staff, from, addDays(from, 6), "plan.week-title"))].join("\n") };
  }
  if (["month", "月", "本月"].includes(arg)) {
    const from = startOfMonth(now);
    const lines = await weekSummary(ctx, staff, now > from ? now : from, endOfMonth(now), "plan.month-title");
    return { text: [...title, ...lines, ...(await shortfallLines(ctx, staff, other))].join("\n") };
  }
  const date = parseDateInput(args.join(" "), now);
  if (!date) return { text: t("plan.usage") };
  const day = formatDay(date, t, now);
  if (date < now) return { text: t("plan.past", { day }) };
  if (date > horizon) return { text: t("plan.beyond-horizon", { day, horizon: formatDay(horizon, t, now) }) };
  if (!(await isVisitDay({ db: deps.db, policy: deps.policy, staff, date }))) {
    const next = await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date });
    const nextDay = next ? formatDay(next, t, now) : "—";
    return { text: other ? t("plan.member-not-visit-day", { ...who, day, next: nextDay }) : t("plan.not-visit-day", { day, next: nextDay }) };
  }
  const skipDay = date === now ? undefined : skipDayWord(t, date, now);
  return { text: [...title, ...(await renderPlannedDay(ctx, staff, date, "today.plan-header", { ensure: false, skipDay, readOnly: other }))].join("\n") };
}

/** "⚠️ 因此会逾期：…" for the customers a re-plan newly makes overdue, the first five with dates. */
async function newlyOverdueLines(ctx: CommandContext, customers: Shortfall["customers"]): Promise<string[]> {
  if (!customers.length) return [];
  const names = await describeOverdue(ctx.deps, ctx.t, customers.slice(0, 5));
  return [ctx.t(customers.length > 5 ? "plan.newly-overdue-more" : "plan.newly-overdue", { names, count: customers.length, more: customers.length - 5 })];
}

/**
 * The word /skip takes for a later day's list, so the hint under /plan 明天 is a command that
 * works: "明天" for tomorrow, else the date as 12-09 (both parsed by parseDateInput).
 */
export function skipDayWord(t: CommandContext["t"], date: string, now: string): string {
  return date === addDays(now, 1) ? t("skip.day-tomorrow") : date.slice(5);
}

/** "3", "三", "第3站" all name stop 3. */
function stopNumber(arg: string | undefined): number | null {
  const raw = normalizeInput(arg ?? "").replace(/^第|[站号家]$/g, "");
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : (parseChineseNumber(raw) ?? NaN);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

/** Why the moved visit is not on a nearer day: "12月3日（周四）已排满". */
function passedText(t: CommandContext["t"], passed: PassedDay[], now: string): string {
  const full = passed.filter((p) => p.why === "full").map((p) => formatDay(p.date, t, now));
  const late = passed.filter((p) => p.why === "too-late-to-book").map((p) => formatDay(p.date, t, now));
  const parts: string[] = [];
  // A long run of full days is named by its first and last one.
  if (full.length) parts.push(t("skip.passed-full", { days: full.length > 3 ? t("off.span", { from: full[0], to: full[full.length - 1] }) : full.join(t("list.separator")) }));
  if (late.length) parts.push(t("skip.passed-too-late", { days: late.join(t("list.separator")) }));
  return parts.join(t("list.separator"));
}

/**
 * /skip N [reason] for today's list (or the next visit day's when today is none), and
 * /skip 明天 N / /skip 12-09 N for a later day's list as /plan showed it.
 */
async function skipCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const now = today(deps);
  // No customers, no list: "no stop 99 on today's list" would send a supervisor looking for one.
  if (ctx.args.length && !(await countActiveCustomers({ db: deps.db, managerId: staff.id }))) return { text: t("skip.no-customers") };
  let n = stopNumber(ctx.args[0]);
  let date: string | null;
  let rest = ctx.args.slice(1);
  if (n !== null) {
    date = (await isVisitDay({ db: deps.db, policy: deps.policy, staff, date: now })) ? now : await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date: now });
    if (!date) return { text: t("today.no-upcoming") };
  } else {
    date = parseDateInput(ctx.args[0] ?? "", now);
    n = stopNumber(ctx.args[1]);
    rest = ctx.args.slice(2);
    if (!date || n === null) return { text: t("skip.usage") };
    const day = formatDay(date, t, now);
    if (date < now) return { text: t("plan.past", { day }) };
    const horizon = await storedHorizon({ deps, staffId: staff.id });
    if (!horizon || date > horizon) return { text: t("plan.beyond-horizon", { day, horizon: horizon ? formatDay(horizon, t, now) : "—" }) };
    if (!(await isVisitDay({ db: deps.db, policy: deps.policy, staff, date }))) return { text: t("skip.not-visit-day", { day }) };
  }
  const reason = rest.join(" ");
  const result = await skipStop({ deps, staff, date, n, reason });
  switch (result.kind) {
    case "no-such-stop":
      return { text: t("skip.no-such-stop", { n, day: formatDay(date, t) }) };
    case "already-done":
      return { text: t("skip.already-done", { n, name: result.customer.name }) };
    case "already-moved":
      return { text: t("skip.already-moved", { n, name: result.customer.name, to: result.to ? formatDay(result.to, t) : t("today.moved-unplanned") }) };
    case "moved": {
      const name = result.customer.name;
      let why: string;
      if (!result.to) why = t("skip.no-room", { n, name, passed: passedText(t, result.passed, now) });
      else {
        const to = formatDay(result.to, t, now);
        const because = result.alreadyPlanned ? t("skip.why-already-planned") : result.passed.length ? t("skip.why-later", { passed: passedText(t, result.passed, now) }) : t("skip.why-nearest");
        why = t("skip.moved", { n, name, to, why: because });
      }
      return { text: [why, ...(await newlyOverdueLines(ctx, result.newlyOverdue)), ...movedSoonLines(ctx, result.alsoMoved)].join("\n") };
    }
  }
}

async function offCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const now = today(deps);
  // The reason follows the date (or range): "/off 12-09到12-10 培训", "/off 下周三 体检".
  let range: { from: string; to: string } | null = null;
  let used = 0;
  for (let i = ctx.args.length; i > 0 && !range; i--) {
    range = parseDateRange(ctx.args.slice(0, i).join(" "), now);
    used = i;
  }
  if (!range) return { text: t("off.usage") };
  const reason = ctx.args.slice(used).join(" ");
  const span = range.from === range.to ? formatDay(range.from, t, now) : t("off.span", { from: formatDay(range.from, t, now), to: formatDay(range.to, t, now) });
  if (range.from <= now) return { text: t("off.past", { day: formatDay(range.from, t, now) }) };
  const horizon = await storedHorizon({ deps, staffId: staff.id });
  if (horizon && range.to > horizon) return { text: t("off.beyond-horizon", { day: span, horizon: formatDay(horizon, t, now) }) };
  const leave = await takeDaysOff({ deps, staff, from: range.from, to: range.to, reason });
  if (!leave.days.length) return { text: t("off.not-visit-day", { day: span }) };
  const lines = [t("off.done", { days: leave.days.map((d) => formatDay(d, t, now)).join(t("list.separator")) })];
  if (!leave.released) lines.push(t("off.nothing-planned"));
  // The shortfall notice names newly overdue customers once; a re-plan that adds none says so only.
  else if (leave.plan?.result.shortfall.visits) {
    // The total is the whole plan's shortfall; some of it may predate this leave: the customers it
    // newly makes overdue are counted apart, so that the names listed below add up.
    const visits = leave.plan.result.shortfall.visits;
    const newly = leave.plan.newlyOverdue.length;
    const key = !newly ? "off.shortfall-known" : newly < visits ? "off.shortfall-some-new" : "off.shortfall";
    lines.push(t(key, { released: leave.released, visits, newly }));
  }
  else lines.push(t("off.replanned", { released: leave.released }));
  lines.push(...(await newlyOverdueLines(ctx, leave.plan?.newlyOverdue ?? [])));
  lines.push(...movedSoonLines(ctx, leave.moved));
  return { text: lines.join("\n") };
}

/**
 * A shop to call in an appointment list: "第3站 …", not "3. …". On WeChat and in the terminal a bare
 * number answers the numbered options under the list, so stop numbers must not look like them.
 */
export function appointmentLine(t: CommandContext["t"], p: { n: number; customer: { name: string; phone: string } }): string {
  return t("book.stop-line", { n: p.n, name: p.customer.name, phone: p.customer.phone ? `☎ ${p.customer.phone}` : t("reminders.no-phone") });
}

/** One pair of buttons per shop to book: 约好了 / 约不上 (values carry the visit, not a number). */
export function appointmentChoices(t: CommandContext["t"], stops: { id: number; n: number; customer: { name: string } }[]): Choice[] {
  return stops.flatMap((p) => [
    { label: t("book.choice-yes", { n: p.n, name: p.customer.name }), value: `/book #${p.id}` },
    { label: t("book.choice-no", { n: p.n, name: p.customer.name }), value: `/nobook #${p.id}` },
  ]);
}

/** "另外，重排后 X 从 12月3日 改到了 12月7日" lines for visits of today/tomorrow a re-plan moved. */
export function movedSoonLines(ctx: CommandContext, moved: MovedSoon[]): string[] {
  const { t } = ctx;
  const now = today(ctx.deps);
  return moved.map((m) => t(m.to ? "plan.moved-soon" : "plan.moved-soon-unplanned", { name: m.customer.name, from: formatDay(m.from, t, now), to: m.to ? formatDay(m.to, t, now) : "" }));
}

async function bookCommand(ctx: CommandContext, booked: boolean): Promise<Reply> {
  const { t, deps } = ctx;
  const staff = ctx.staff!;
  const now = today(deps);
  const ref = /^#(\d+)$/.exec(ctx.args[0] ?? "");
  if (!ref) {
    if (ctx.args.length) return { text: t("book.usage") };
    // "All arranged" only where there is a plan to arrange: not for a supervisor without
    // customers, nor before the first plan is made.
    if (!(await countActiveCustomers({ db: deps.db, managerId: staff.id }))) return { text: t("book.no-customers") };
    if (!(await storedHorizon({ deps, staffId: staff.id }))) return { text: noPlanYet(t, staff, false) };
    const dates: { date: string; kind: "same-day" | "day-before" }[] = [];
    if (await isVisitDay({ db: deps.db, policy: deps.policy, staff, date: now })) dates.push({ date: now, kind: "same-day" });
    // nextVisitDay is the first visit day after `date`.
    const next = await nextVisitDay({ db: deps.db, policy: deps.policy, staff, date: now });
    if (next) dates.push({ date: next, kind: "day-before" });
    const pending = await pendingAppointments({ deps, staff, dates });
    if (!pending.length) return { text: t("book.none") };
    const lines: string[] = [];
    for (const day of pending) {
      lines.push(t("book.day", { day: formatDay(day.date, t, now), count: day.stops.length }));
      for (const p of day.stops) lines.push(appointmentLine(t, p));
    }
    lines.push(t("book.footer"));
    return { text: lines.join("\n"), choices: appointmentChoices(t, pending.flatMap((d) => d.stops)) };
  }
  const time = booked ? parseTimeOfDay(ctx.args[1] ?? "") : null;
  if (booked && ctx.args[1] && !time) return { text: t("book.bad-time", { text: ctx.args[1] }) };
  const r = await answerAppointment({ deps, staff, plannedVisitId: Number(ref[1]), booked, time });
  switch (r.kind) {
    case "not-found":
      return { text: t("book.not-found") };
    case "not-planned":
      return { text: t(r.status === "done" ? "book.already-done" : "book.already-moved", { name: r.customer.name }) };
    case "booked":
      return { text: t(r.time ? "book.booked-at" : "book.booked", { name: r.customer.name, day: formatDay(r.date, t, now), time: r.time ?? "" }) };
    case "moved":
      return {
        text: [
          r.to ? t("book.moved", { name: r.customer.name, from: formatDay(r.from, t, now), to: formatDay(r.to, t, now) }) : t("book.moved-no-room", { name: r.customer.name }),
          ...movedSoonLines(ctx, r.alsoMoved),
        ].join("\n"),
      };
  }
}

export const planCommands: Command[] = [
  { name: "book", audience: "manager", aliases: ["约好了", "预约"], helpKey: "help.book", run: (ctx) => bookCommand(ctx, true) },
  { name: "nobook", audience: "manager", aliases: ["约不上"], helpKey: "help.nobook", run: (ctx) => bookCommand(ctx, false) },
  { name: "today", audience: "manager", aliases: ["今天", "今日"], helpKey: "help.today", run: todayFromPlan },
  { name: "plan", audience: "manager", aliases: ["计划"], helpKey: "help.plan", run: planCommand },
  { name: "skip", audience: "manager", aliases: ["改期"], helpKey: "help.skip", run: skipCommand },
  { name: "off", audience: "manager", aliases: ["请假"], helpKey: "help.off", run: offCommand },
];
