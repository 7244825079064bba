import { table } from "./table.ts";
import { createAppContext, type AppContext } from "../app.ts";
import { localParts, clockTime } from "../core/dates.ts";
import { enqueue } from "../core/outbox.ts";
import { policyTranslator } from "../core/router.ts";
import { isLocale } from "../i18n/i18n.ts";
import { cliT, parseArgs, stringOption, unknownStaffMessage } from "./args.ts";
import { isDatabaseEmpty } from "../modules/demo/demo.service.ts";
import { createBindCode, eachBinding, maskAccountId, parsePlatformName, unbindStaffPlatform } from "../modules/staff/binding.service.ts";
import { findStaffByCode } from "../modules/staff/staff.service.ts";

type TCliDeps = Pick<AppContext, "db" | "clock" | "policy">;
type TCliResult = { ok: boolean; text: string };

const usage = () => cliT()("cli.staff.usage") + "\n";

function localTime(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  return `${p.date} ${clockTime(p)}`;
}


async function unknownStaffText(ctx: TCliDeps, code: string, key: string): Promise<string> {
  const m = unknownStaffMessage(code, await isDatabaseEmpty(ctx.db), key);
  return cliT()(m.key, m.params) + "\n";
}

/**
 * Creates a one-time code and explains what the person does with it. This is the only time the
 * code exists in plain text: the database keeps its hash.
 */
export async function bindCodeText(ctx: TCliDeps, staffCode: string, hours = 24): Promise<TCliResult> {
  const created = await createBindCode({ db: ctx.db, clock: ctx.clock, staffCode, ttlMs: hours * 3600_000 });
  const t = cliT();
  if (!created) return { ok: false, text: await unknownStaffText(ctx, staffCode, "cli.staff.unknown") };
  const until = new Intl.DateTimeFormat("sv-SE", { timeZone: ctx.policy.timeZone, dateStyle: "short", timeStyle: "short" }).format(created.expiresAt);
  const lines = [t("cli.staff.code", { name: created.staff.name, code: created.staff.code, bindCode: created.code, until, tz: ctx.policy.timeZone })];
  if (created.revoked) lines.push(t("cli.staff.revoked", { n: created.revoked }));
  return { ok: true, text: lines.join("\n") + "\n" };
}

/** The admin's table of bindings: everyone's, or one person's. Chat ids are shown masked. */
export async function bindingsText(ctx: TCliDeps, staffCode?: string): Promise<TCliResult> {
  const t = cliT();
  const staff = staffCode ? await findStaffByCode(ctx.db, staffCode) : null;
  if (staffCode && !staff) return { ok: false, text: await unknownStaffText(ctx, staffCode, "cli.staff.not-found") };
  const rows = [t("cli.staff.bindings.header", { tz: ctx.policy.timeZone }).split("|")];
  for await (const b of eachBinding({ db: ctx.db, staffId: staff?.id })) {
    rows.push([b.staffCode, b.active ? b.staffName : b.staffName + t("cli.staff.bindings.inactive"), t(`platform.${b.platform}`), maskAccountId(b.platformUserId), localTime(b.boundAt, ctx.policy.timeZone)]);
  }
  if (rows.length === 1) {
    return { ok: true, text: (staff ? t("cli.staff.bindings.none-for", { name: staff.name, code: staff.code }) : t("cli.staff.bindings.none")) + "\n" };
  }
  return { ok: true, text: `${table(rows)}\n${t("cli.staff.bindings.count", { n: rows.length - 1 })}\n` };
}

/**
 * Removes a person's bindings on one platform and queues a notice to each removed chat, so whoever
 * holds it learns why the bot went quiet (the running bot's dispatcher sends it).
 */
export async function unbindText(ctx: TCliDeps, staffCode: string, platformName: string | undefined): Promise<TCliResult> {
  const t = cliT();
  const platform = platformName ? parsePlatformName(platformName) : null;
  if (!platform) return { ok: false, text: `${t("cli.staff.needs-platform")}\n${usage()}` };
  const staff = await findStaffByCode(ctx.db, staffCode);
  if (!staff) return { ok: false, text: await unknownStaffText(ctx, staffCode, "cli.staff.not-found") };
  const removed = await unbindStaffPlatform({ db: ctx.db, staffId: staff.id, platform });
  const params = { name: staff.name, code: staff.code, platform: t(`platform.${platform}`) };
  if (!removed.length) return { ok: false, text: t("cli.staff.unbind.none", params) + "\n" };
  const now = ctx.clock.now();
  const tt = policyTranslator(ctx.policy, isLocale(staff.locale) ? staff.locale : ctx.policy.locale);
  for (const r of removed) {
    const text = tt("bind.notice-removed", { time: localTime(now, ctx.policy.timeZone), platform: tt(`platform.${platform}`), name: staff.name, code: staff.code });
    // staffId stays empty: the chat no longer belongs to the person, and the notice is about that chat.
    await enqueue({ db: ctx.db, key: `bind-notice:removed:${r.id}:${now.getTime()}`, kind: "bind-notice", platform, chatId: r.platformUserId, reply: { text }, clock: ctx.clock });
  }
  const accounts = removed.map((r) => maskAccountId(r.platformUserId)).join(t("list.separator"));
  return { ok: true, text: `${t("cli.staff.unbind.done", { ...params, n: removed.length, accounts })}\n${t("cli.staff.unbind.notice")}\n` };
}

export async function staffCommand(args: string[]): Promise<number> {
  const { positional, options } = parseArgs(args);
  const [sub, code] = positional;
  let run: ((ctx: AppContext) => Promise<TCliResult>) | null = null;
  if (sub === "bind-code" && code) {
    const hoursOption = stringOption(options, "hours");
    const hours = hoursOption === undefined ? 24 : Number(hoursOption);
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
      process.stderr.write(`${cliT()("cli.staff.bad-hours")}\n${usage()}`);
      return 2;
    }
    run = (ctx) => bindCodeText(ctx, code, hours);
  } else if (sub === "bindings" && positional.length <= 2) {
    run = (ctx) => bindingsText(ctx, code);
  } else if (sub === "unbind" && code) {
    const platform = stringOption(options, "platform");
    if (!platform || !parsePlatformName(platform)) {
      process.stderr.write(`${cliT()("cli.staff.needs-platform")}\n${usage()}`);
      return 2;
    }
    run = (ctx) => unbindText(ctx, code, platform);
  }
  if (!run) {
    process.stderr.write(usage());
    return 2;
  }
  const ctx = await createAppContext();
  try {
    const result = await run(ctx);
    (result.ok ? process.stdout : process.stderr).write(result.text);
    return result.ok ? 0 : 1;
  } finally {
    await ctx.db.$disconnect();
  }
}
