import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai (a visit day of the demo manager M001).
const MONDAY_MORNING = "2026-11-23T00:00:00Z";
const at = (minutes: number) => new Date(new Date(MONDAY_MORNING).getTime() + minutes * 60_000);

describe("a visit's check-in proposes coordinates, end to end in the terminal", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    tmp?.cleanup();
  });
  const run = (lines: string[], minutes: number) => runConsoleScript({ url: tmp.url, clock: new FakeClock(at(minutes)), lines });

  it("a shop without coordinates: the check-in is proposed, the manager told who was asked, and the supervisor confirms with /coords", async () => {
    tmp = tempDbUrl();
    await run(["/today"], 0);
    db = await openDb(tmp.url);
    const m001 = await db.staff.findUniqueOrThrow({ where: { code: "M001" }, include: { supervisor: true } });
    const stop = await db.plannedVisit.findFirstOrThrow({ where: { managerId: m001.id, date: "2026-11-23" }, orderBy: [{ sequence: "asc" }, { id: "asc" }], include: { customer: true } });
    await db.customer.update({ where: { id: stop.customerId }, data: { located: false } });

    // Stop 1, 实地, the location, 15 分钟, submit: no radius to check against, so no reason is asked.
    const out = await run(["1", "1", "/loc 29.8001,119.6902", "2", "1"], 30);
    expect(out).toContain(`✅ 已记录：${stop.customer.name}`);
    const proposal = await db.coordinateProposal.findFirstOrThrow({ where: { customerId: stop.customerId } });
    expect(proposal).toMatchObject({ kind: "missing", lat: 29.8001, lng: 119.6902, basis: 1, status: "open" });
    // The demo's supervisor has a terminal inbox: reachable, so asked.
    expect(await db.outbox.count({ where: { kind: "coord-proposal", staffId: m001.supervisorId! } })).toBe(1);
    expect(out).toContain(`📍 ${stop.customer.name} 还没有坐标：本次签到的位置已作为门店坐标提交，已请 ${m001.supervisor!.name} 确认。`);

    const sup = await run([`/as ${m001.supervisor!.code}`, "/coords", `/coords ok ${proposal.id}`], 40);
    expect(sup).toContain(`#${proposal.id} ${stop.customer.name}（${stop.customer.code}）· 门店原来没有坐标，按签到位置 · ${m001.name}`);
    expect(sup).toContain(`✅ 已确认 #${proposal.id}：${stop.customer.name}（${stop.customer.code}）的坐标已更新。`);
    expect(await db.customer.findUniqueOrThrow({ where: { id: stop.customerId } })).toMatchObject({ lat: 29.8001, lng: 119.6902, located: true });
  });
});
