import { loadPolicy, type TPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { localParts } from "../../src/core/dates.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Dispatcher } from "../../src/core/outbox.ts";
import type { AppDeps } from "../../src/core/router.ts";
import { Scheduler } from "../../src/core/scheduler.ts";
import type { Staff } from "../../src/generated/prisma/client.ts";
import { reminderJobs } from "../../src/jobs/registry.ts";
import { seedDemoIfEmpty } from "../../src/modules/demo/demo.service.ts";
import { createTestDb, type Engine, type TestDb } from "./db.ts";
import { FakeChatPort, virtualSleep } from "./fake-chat.ts";

/** Company-local wall time in Shanghai (UTC+8) as an instant. */
export const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

export interface World {
  t: TestDb;
  deps: AppDeps;
  clock: FakeClock;
  port: FakeChatPort;
  scheduler: Scheduler;
  dispatcher: Dispatcher;
  m1: Staff;
  m2: Staff;
  /** Steps the clock from `from` to `to`, running due jobs and draining the outbox at each step. */
  simulate(from: Date, to: Date, opts?: { stepMs?: number; onStep?: (now: Date) => Promise<void> }): Promise<void>;
  /** Sent messages per staff code: `kind@YYYY-MM-DD HH:MM` (company-local send time), in send order. */
  sentByStaff(): Promise<Record<string, string[]>>;
}

/**
 * The demo company (two managers, ~300 customers each) with both managers bound to a fake
 * Telegram, one scheduler and one dispatcher in virtual time.
 */
export async function createWorld(opts: { preset?: string; start: Date; policy?: TPolicy; bind?: string[]; engine?: Engine }): Promise<World> {
  const t = await createTestDb({ engine: opts.engine });
  const clock = new FakeClock(opts.start);
  const deps: AppDeps = { db: t.db, policy: opts.policy ?? loadPolicy({ preset: opts.preset }), clock, log: silentLogger };
  await seedDemoIfEmpty(deps);
  const m1 = await t.db.staff.findUniqueOrThrow({ where: { code: "M001" } });
  const m2 = await t.db.staff.findUniqueOrThrow({ where: { code: "M002" } });
  for (const s of [m1, m2]) {
    if (opts.bind && !opts.bind.includes(s.code)) continue;
    await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: `tg-${s.code}`, staffId: s.id } });
  }
  const port = new FakeChatPort("telegram", clock);
  // The reminder jobs only: the per-minute complaint sweep has its own tests.
  const scheduler = new Scheduler({ deps, jobs: reminderJobs(), instanceId: "sim" });
  const dispatcher = new Dispatcher({ db: t.db, ports: new Map([["telegram", port]]), clock, log: silentLogger, instanceId: "sim", sleep: virtualSleep(clock) });
  return {
    t,
    deps,
    clock,
    port,
    scheduler,
    dispatcher,
    m1,
    m2,
    async simulate(from, to, o = {}) {
      const step = o.stepMs ?? 30 * 60_000;
      for (let at = from.getTime(); at <= to.getTime(); at += step) {
        clock.set(new Date(at));
        await o.onStep?.(new Date(at));
        await scheduler.runDue();
        await dispatcher.drainOnce();
      }
    },
    async sentByStaff() {
      const rows = await t.db.outbox.findMany({ where: { status: "sent" }, orderBy: [{ sentAt: "asc" }, { id: "asc" }] });
      const staff = await t.db.staff.findMany();
      const out: Record<string, string[]> = {};
      for (const r of rows) {
        const code = staff.find((s) => s.id === r.staffId)?.code ?? "?";
        const p = localParts(r.sentAt!, deps.policy.timeZone);
        (out[code] ??= []).push(`${r.kind}@${p.date} ${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`);
      }
      return out;
    },
  };
}
