import { afterEach, describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { decideClassProposal, proposeClass } from "../../../src/modules/customers/class-proposals.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const at = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);
const notice = () => ({ text: "notice" });

let t: TestDb | undefined;
afterEach(async () => t?.close());

async function world(preset: "tobacco-retail" | "key-account" = "tobacco-retail", opts: { supervisorChat?: boolean; supervisor?: boolean } = {}) {
  t = await createTestDb();
  const deps: AppDeps = { db: t.db, policy: loadPolicy({ preset }), clock: new FakeClock(at("2026-12-02", "10:00")), log: silentLogger };
  const sup = opts.supervisor === false ? null : await t.db.staff.create({ data: { code: "S001", name: "王建国", role: "supervisor" } });
  const manager = await t.db.staff.create({ data: { code: "M001", name: "李明", role: "manager", supervisorId: sup?.id ?? null } });
  await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-m1", staffId: manager.id } });
  if (sup && opts.supervisorChat !== false) await t.db.chatIdentity.create({ data: { platform: "telegram", platformUserId: "tg-s1", staffId: sup.id } });
  const customer = await t.db.customer.create({ data: { code: "C1", name: "赵家副食店", lat: 29.8, lng: 119.69, managerId: manager.id, serviceClass: preset === "key-account" ? "B" : "regular" } });
  return { deps, sup, manager, customer };
}

describe("帮扶 proposals (/assist) — what the manager is told is what happened", () => {
  it("a supervisor without a chat: the proposal is kept, nothing is queued, and the result says so", async () => {
    const w = await world("tobacco-retail", { supervisorChat: false });
    const r = await proposeClass({ deps: w.deps, manager: w.manager, customer: w.customer, reason: "生意差", notice });
    expect(r).toMatchObject({ kind: "proposed", reached: false, supervisor: { code: "S001" } });
    expect(await t!.db.outbox.count()).toBe(0);
    expect(await t!.db.classProposal.count({ where: { status: "pending" } })).toBe(1);
  });

  it("no supervisor at all: recorded, not reached", async () => {
    const w = await world("tobacco-retail", { supervisor: false });
    expect(await proposeClass({ deps: w.deps, manager: w.manager, customer: w.customer, reason: "生意差", notice })).toMatchObject({ kind: "proposed", reached: false, supervisor: null });
  });

  it("two proposals for one shop at once: one is recorded, the other hears it is pending", async () => {
    const w = await world();
    const both = await Promise.all([1, 2].map((i) => proposeClass({ deps: w.deps, manager: w.manager, customer: w.customer, reason: `原因${i}`, notice })));
    expect(both.map((r) => r.kind).sort()).toEqual(["pending", "proposed"]);
    expect(await t!.db.classProposal.count()).toBe(1);
    expect(await t!.db.outbox.count()).toBe(1);
  });

  it("approval is one claim: two taps at once decide once and tell the manager once", async () => {
    const w = await world();
    const r = await proposeClass({ deps: w.deps, manager: w.manager, customer: w.customer, reason: "生意差", notice });
    if (r.kind !== "proposed") throw new Error(r.kind);
    const taps = await Promise.all([true, true].map((approve) => decideClassProposal({ deps: w.deps, viewer: w.sup!, id: r.proposal.id, approve, notice })));
    expect(taps.map((x) => x.kind).sort()).toEqual(["decided", "decided-before"]);
    expect(await t!.db.customer.findUniqueOrThrow({ where: { id: w.customer.id } })).toMatchObject({ classOverride: "assistance", serviceClass: "assistance" });
    expect(await t!.db.outbox.count({ where: { staffId: w.manager.id } })).toBe(1);
  });

  it("key-account has no judgement class: nothing to propose", async () => {
    const w = await world("key-account");
    expect(await proposeClass({ deps: w.deps, manager: w.manager, customer: w.customer, reason: "x", notice })).toEqual({ kind: "no-class" });
  });
});
