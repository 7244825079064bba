import { table } from "./table.ts";
import { createAppContext } from "../app.ts";
import { localParts, clockTime } from "../core/dates.ts";
import type { AppDeps } from "../core/router.ts";
import { translator } from "../i18n/i18n.ts";
import { listPlatformStates } from "../modules/ops/platform-state.service.ts";

export interface StatusIo {
  deps?: AppDeps;
  out?: (text: string) => void;
}

/** A state row not touched for this long belongs to an instance that is probably gone (it writes on each change only, so this is a hint, not a verdict). */
const STALE_HINT_MS = 24 * 3600_000;

function localTime(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  return `${p.date} ${clockTime(p)}`;
}

/**
 * `visitmate status`: each chat platform's state as the running bot's supervisor stored it (it
 * works from another process while the bot runs). Exit code 0 when every platform is up, 1 when
 * any is not, so a monitor can call it.
 */
export async function statusCommand(_argv: string[], io: StatusIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + "\n"));
  const run = async (deps: AppDeps): Promise<number> => {
    const t = translator(deps.policy.locale);
    const rows = await listPlatformStates({ db: deps.db });
    if (!rows.length) {
      out(t("cli.status.none"));
      return 0;
    }
    const now = deps.clock.now().getTime();
    const tz = deps.policy.timeZone;
    const lines = [
      t("cli.status.header").split("|"),
      ...rows.map((r) => {
        const idle = now - r.updatedAt.getTime();
        const updated = localTime(r.updatedAt, tz) + (r.state !== "stopped" && idle > STALE_HINT_MS ? " " + t("cli.status.stale", { minutes: Math.floor(idle / 60_000) }) : "");
        return [r.instance, r.platform, t(`cli.status.state.${r.state}`), localTime(r.since, tz), String(r.attempts), r.lastError ?? "—", updated];
      }),
    ];
    out(table(lines));
    const running = rows.filter((r) => r.state !== "stopped");
    const up = running.filter((r) => r.state === "up").length;
    out(t("cli.status.summary", { up, down: running.length - up }));
    return running.length === up ? 0 : 1;
  };
  if (io.deps) return run(io.deps);
  const ctx = await createAppContext();
  try {
    return await run(ctx);
  } finally {
    await ctx.db.$disconnect();
  }
}
