import { createAppContext, type AppContext } from "../app.ts";
import { cliT, parseArgs, stringOption } from "./args.ts";
import { createBindCode } from "../modules/staff/binding.service.ts";

const usage = () => cliT()("cli.staff.usage") + "\n";

/** Creates a one-time code and explains what the person does with it. */
export async function bindCodeText(ctx: Pick<AppContext, "db" | "clock" | "policy">, staffCode: string, hours = 24): Promise<{ ok: boolean; text: string }> {
  const created = await createBindCode({ db: ctx.db, clock: ctx.clock, staffCode, ttlMs: hours * 3600_000 });
  const t = cliT();
  if (!created) return { ok: false, text: t("cli.staff.unknown", { code: staffCode }) + "\n" };
  const until = new Intl.DateTimeFormat("sv-SE", { timeZone: ctx.policy.timeZone, dateStyle: "short", timeStyle: "short" }).format(created.expiresAt);
  return {
    ok: true,
    text: t("cli.staff.code", { name: created.staff.name, code: created.staff.code, bindCode: created.code, until, tz: ctx.policy.timeZone }) + "\n",
  };
}

export async function staffCommand(args: string[]): Promise<number> {
  const { positional, options } = parseArgs(args);
  const [sub, code] = positional;
  if (sub !== "bind-code" || !code) {
    process.stderr.write(usage());
    return 2;
  }
  const hoursOption = stringOption(options, "hours");
  const hours = hoursOption === undefined ? 24 : Number(hoursOption);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
    process.stderr.write(`${cliT()("cli.staff.bad-hours")}\n${usage()}`);
    return 2;
  }
  const ctx = await createAppContext();
  try {
    const result = await bindCodeText(ctx, code, hours);
    (result.ok ? process.stdout : process.stderr).write(result.text);
    return result.ok ? 0 : 1;
  } finally {
    await ctx.db.$disconnect();
  }
}
