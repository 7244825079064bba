import { classById, loadPolicy } from "../../../src/config/policy.ts";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { parseDetails } from "../../../src/modules/visits/visits.service.ts";
import { runConsoleScript, tempDbUrl } from "../../helpers/console.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai (a visit day of the demo manager M001).
const MONDAY_MORNING = "2026-11-23T00:00:00Z";
const at = (minutes: number) => new Date(new Date(MONDAY_MORNING).getTime() + minutes * 60_000);

describe("logging visits through the terminal channel", () => {
  let tmp: ReturnType<typeof tempDbUrl>;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.$disconnect();
    db = undefined;
    tmp?.cleanup();
  });

  const run = (lines: string[], minutes = 0, env?: Record<string, string>) =>
    runConsoleScript({ url: tmp.url, clock: new FakeClock(at(minutes)), lines, env });

  /** Seeds the demo company, lets /today build the plan, and returns today's stops in list order. */
  async function today(env?: Record<string, string>) {
    await run(["/today"], 0, env);
    db = await openDb(tmp.url);
    const m001 = await db.staff.findUniqueOrThrow({ where: { code: "M001" } });
    const stops = await db.plannedVisit.findMany({
      where: { managerId: m001.id, date: "2026-11-23", status: { in: ["planned", "done"] } },
      orderBy: [{ sequence: "asc" }, { id: "asc" }],
      include: { customer: true },
    });
    return { m001, stops };
  }

  const loggedVisits = (d: Db) => d.visit.findMany({ where: { details: { not: "{}" } }, orderBy: { id: "asc" } });

  it("a routine visit from a stop number takes 4 answers and updates the customer's last visit and the plan", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const stop = stops[0]!;
    // Stop number, mode (实地), duration (15 分钟), "一切正常，提交".
    const answers = ["1", "1", "2", "1"];
    expect(answers.length).toBeLessThanOrEqual(4);
    const out = await run(answers, 30);
    expect(out).toContain(`${stop.customer.name} · 拜访方式？`);
    expect(out).toContain("1) ✅ 一切正常，提交");
    expect(out).toContain(`✅ 已记录：${stop.customer.name} · 实地 · 15 分钟 · 一切正常`);
    expect(out).toContain(`今天已完成 1/${stops.length}。下一站：2. ${stops[1]!.customer.name}`);

    const visits = await loggedVisits(db!);
    expect(visits).toHaveLength(1);
    const v = visits[0]!;
    expect(v).toMatchObject({ customerId: stop.customerId, mode: "field", durationMin: 15, plannedVisitId: stop.id });
    expect(v.visitedAt.toISOString()).toBe(at(30).toISOString());
    expect(v.prevLastVisitAt?.toISOString()).toBe(stop.customer.lastVisitAt?.toISOString());
    expect((await db!.customer.findUniqueOrThrow({ where: { id: stop.customerId } })).lastVisitAt?.toISOString()).toBe(at(30).toISOString());
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stop.id } })).status).toBe("done");
    expect(await db!.formSession.count()).toBe(0);
    // /today shows the stop as done; a bare number after it is a stop again (not an old option).
    const list = await run(["/today", "2", "1", "3", "1"], 31);
    expect(list).toContain(`1. ✅ ${stop.customer.name}`);
    expect(list).toContain(`✅ 已记录：${stops[1]!.customer.name} · 实地 · 20 分钟 · 一切正常`);
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stops[1]!.id } })).status).toBe("done");
  });

  it("a field visit shorter than its class's standard says so in the confirmation; one within it does not", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const stop = stops[0]!;
    const cls = classById(loadPolicy({ preset: "tobacco-retail" }), stop.customer.serviceClass)!;
    // Stop 1, 实地, the first duration offered (5 minutes under the standard's minimum), submit.
    const out = await run(["1", "1", "1", "1"], 30);
    const m = cls.visitMinutes.min - 5;
    expect(out).toContain(`✅ 已记录：${stop.customer.name} · 实地 · ${m} 分钟 · 一切正常`);
    expect(out).toContain(`⏱ 这次 ${m} 分钟，比${cls.label["zh-CN"]}标准 ${cls.visitMinutes.min}–${cls.visitMinutes.max} 分钟短。`);
    // The standard's minimum: nothing to say.
    const ok = await run(["2", "1", "2", "1"], 31);
    expect(ok).toContain(`✅ 已记录：${stops[1]!.customer.name} · 实地 · `);
    expect(ok).not.toContain("⏱");
  });

  it("/log then customer, mode, duration, submit: also 4 answers; a name search finds the shop", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const target = stops[4]!.customer;
    const out = await run(["/log", target.code, "2", "30", "1"], 10);
    expect(out).toContain("记录哪家的拜访？回复 11月23日（周一） 清单的序号，或输入店名 / 客户编码搜索");
    expect(out).toContain(`✅ 已记录：${target.name} · 网络 · 30 分钟 · 一切正常`);
    const v = (await loggedVisits(db!))[0]!;
    expect(v).toMatchObject({ customerId: target.id, mode: "online", durationMin: 30, plannedVisitId: stops[4]!.id });
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stops[4]!.id } })).status).toBe("done");
  });

  it("an eventful visit records every section: information, brands, inventory maths, market, forecast, complaints, manual, note", async () => {
    tmp = tempDbUrl();
    const { stops, m001 } = await today();
    const stop = stops[2]!;
    const out = await run(
      [
        "/log 3",
        "1", // 实地
        "25",
        "2 3 4 5 6 7 8 9", // every section
        "1 3", // information: marketing, service
        "利群(新版)", // brand cultivation: the product…
        "否", // …not listed…
        "2", // …afraid it won't sell
        "否", // no other product
        "利群(新版)",
        "10",
        "20",
        "12",
        "是", // another product line
        "中华(软)",
        "5",
        "5",
        "14", // more than possible → negative sales warning
        "否",
        "1 2 6", // market: demand, slow seller price, violation
        "黄鹤楼",
        "5",
        "红双喜 8元/包",
        "隔壁店疑似卖私烟",
        "利群 20 条、中华 5 条",
        "1", // self-reported
        "要求增加利群供应",
        "1", // 货源
        "否", // cannot resolve → supervisor
        "是",
        "POS 机坏了",
        "5", // 设备
        "是",
        "否",
        "是", // manual signed
        "店主下周装修，暂停营业三天",
        "1", // submit
      ],
      60,
    );
    expect(out).toContain("📦 利群(新版)：实际销量 10 + 20 − 12 = 18 条；合理库存 18 × 1.5 = 27 条；建议本期订购 15 条。");
    expect(out).toContain("📦 中华(软)：实际销量 5 + 5 − 14 = -4 条");
    expect(out).toContain("⚠️ 中华(软) 现在的库存比“上次库存 + 上次订货”还多");
    expect(out).toContain("📋 库存盘点小结（合理库存系数 1.5）：利群(新版) 建议订 15 条、中华(软) 建议订 0 条；合计建议订购 15 条。");
    expect(out).toContain("✓ 已记下：信息传达、品牌培育（上柜、动销、再购）、库存盘点、市场信息、需求预测、问题 / 投诉、服务手册签署、备注");
    expect(out).toMatch(/✅ 已记录：.* · 实地 · 25 分钟 · 传达信息 2 项 · 品牌培育 1 个（上柜 0） · 盘点 2 个品规，建议订购 15 条 · 市场信息 3 项 · 需求预测 · 2 个问题待处理（17:00 前，其中 1 个上报主管） · 服务手册已签 · 有备注/);
    expect(out).toContain("⚠️ 请核对库存：中华(软) 的销量算出来是负数。");
    expect(out).not.toContain("⚠️ 请回复");

    const visits = await loggedVisits(db!);
    expect(visits).toHaveLength(1);
    const v = visits[0]!;
    expect(v).toMatchObject({ customerId: stop.customerId, mode: "field", durationMin: 25, plannedVisitId: stop.id, notes: "店主下周装修，暂停营业三天" });
    const d = parseDetails(v);
    expect(d.kind).toBe("visit");
    expect(d.info).toEqual(["marketing", "service"]);
    expect(d.products).toEqual([expect.objectContaining({ name: "利群(新版)", brand: "利群", listed: false, refusal: "demand", sold: null, repurchase: null })]);
    expect(d.inventory!.map((l) => [l.product, l.actualSales, l.reasonableInventory, l.suggestedOrder, l.negativeSales])).toEqual([
      ["利群(新版)", 18, 27, 15, false],
      ["中华(软)", -4, -6, 0, true],
    ]);
    expect(d.market).toEqual({
      topics: ["demand", "slowPrice", "violation"],
      demand: [{ brand: "黄鹤楼", quantity: 5 }],
      slowPrice: ["红双喜 8元/包"],
      violation: ["隔壁店疑似卖私烟"],
    });
    expect(d.forecast).toEqual([{ text: "利群 20 条、中华 5 条", source: "self" }]);
    expect(d.manualSigned).toBe(true);

    const complaints = await db!.complaint.findMany({ orderBy: { id: "asc" } });
    expect(complaints.map((c) => [c.text, c.category, c.canResolve, c.status, c.visitId, c.customerId, c.managerId])).toEqual([
      ["要求增加利群供应", "supply", false, "open", v.id, stop.customerId, m001.id],
      ["POS 机坏了", "equipment", true, "open", v.id, stop.customerId, m001.id],
    ]);
    for (const c of complaints) {
      expect(c.openedAt.toISOString()).toBe(at(60).toISOString());
      expect(c.deadlineAt!.getTime() - c.openedAt.getTime()).toBe(480 * 60_000);
    }
    expect(d.complaints!.map((c) => c.id)).toEqual(complaints.map((c) => c.id));
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stop.id } })).status).toBe("done");

    const summary = await run(["/summary"], 70);
    expect(summary).toContain("📊 11月23日（周一） 小结");
    expect(summary).toContain(`拜访：清单完成 1/${stops.length}，共记录拜访 1 次`);
    expect(summary).toContain("库存盘点建议订购合计 15 条：");
    expect(summary).toContain(`  · ${stop.customer.name}：利群(新版) 建议订 15 条、中华(软) 建议订 0 条`);
    expect(summary).toContain("问题 / 投诉：2 个（未解决 2 个，上报主管 1 个）");
    expect(summary).toContain(`还没记录的站（${stops.length - 1} 个）：`);
    expect(summary).toContain(`  1. ${stops[0]!.customer.name}`);
    expect(summary).not.toContain(`  3. ${stop.customer.name}`);
  });

  it("a restart in the middle of the form resumes at the same step (two start-ups, same database)", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const first = await run(["/log", "2", "1"], 5);
    expect(first).toContain("拜访用了多长时间？");
    expect(await db!.formSession.count()).toBe(1);
    // New process: the typed "3" still means the third duration option shown before the restart.
    const second = await run(["3", "1"], 8);
    expect(second).toContain(`您还有一张没填完的「拜访记录 · ${stops[1]!.customer.name}」，接着上次的问题继续`);
    expect(second).toContain(`✅ 已记录：${stops[1]!.customer.name} · 实地 · 20 分钟 · 一切正常`);
    const v = (await loggedVisits(db!))[0]!;
    expect(v).toMatchObject({ customerId: stops[1]!.customerId, mode: "field", durationMin: 20 });
    expect(await db!.formSession.count()).toBe(0);
  });

  it("a form left for more than 2 hours is discarded politely on the next message", async () => {
    tmp = tempDbUrl();
    await today();
    await run(["/log", "1"], 0);
    const out = await run(["1"], 3 * 60);
    expect(out).toContain("超过 2 小时没有回复，已作废");
    expect(out).toContain("请重新发送 /log");
    expect(await loggedVisits(db!)).toHaveLength(0);
    expect(await db!.formSession.count()).toBe(0);
  });

  it("starting another command while a form is open asks whether to leave it", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const name = stops[0]!.customer.name;
    const out = await run(["/log", "1", "/today", "1", "1", "/plan", "2"], 5);
    expect(out).toContain(`您正在填写「拜访记录 · ${name}」。要先把它填完吗？\n  1) 继续填写\n  2) 放弃填写，执行 /today`);
    // 1 = continue: the question comes back, and the next answer goes on with the form.
    expect(out).toContain("拜访用了多长时间？");
    expect(out).toContain("放弃填写，执行 /plan");
    expect(out).toContain(`已放下「拜访记录 · ${name}」（没有保存）`);
    expect(out).toContain("🗓");
    expect(await db!.formSession.count()).toBe(0);
    expect(await loggedVisits(db!)).toHaveLength(0);
    // Cancel words work at any step.
    const cancelled = await run(["/log", "1", "取消"], 6);
    expect(cancelled).toContain(`已取消「拜访记录 · ${name}」，没有保存任何内容。`);
    expect(await db!.formSession.count()).toBe(0);
  });

  it("/undo within 10 minutes reverts the last log: visit, complaints, last visit and plan", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const stop = stops[0]!;
    await run(["/log 1", "1", "2", "7", "店里断货", "1", "否", "否", "1"], 0);
    expect(await loggedVisits(db!)).toHaveLength(1);
    expect(await db!.complaint.count()).toBe(1);

    // It holds a problem: /undo asks first; "keep" changes nothing, the confirmation undoes.
    const asked = await run(["/undo", "2"], 4);
    expect(asked).toContain(`要撤销${stop.customer.name} 08:00 的拜访记录吗？这条记录里填了内容`);
    expect(asked).toContain("好的，记录保留不变。");
    expect(await loggedVisits(db!)).toHaveLength(1);
    const out = await run(["/undo", "1"], 5);
    expect(out).toContain(`↩️ 已撤销${stop.customer.name} 08:00 的拜访记录。`);
    expect(out).toContain("随之登记的 1 个问题也已删除。");
    expect(out).toContain("这一站在拜访清单上恢复为未完成。");
    expect(await loggedVisits(db!)).toHaveLength(0);
    expect(await db!.complaint.count()).toBe(0);
    expect((await db!.customer.findUniqueOrThrow({ where: { id: stop.customerId } })).lastVisitAt?.toISOString()).toBe(stop.customer.lastVisitAt?.toISOString());
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stop.id } })).status).toBe("planned");
  });

  it("/undo after 10 minutes refuses and keeps the log", async () => {
    tmp = tempDbUrl();
    await today();
    await run(["1", "1", "2", "1"], 0);
    const out = await run(["/undo"], 11);
    expect(out).toContain("没有可以撤销的记录");
    expect(await loggedVisits(db!)).toHaveLength(1);
  });

  it("/edit reopens the last log at the section menu; the edit keeps its complaints and the plan", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    await run(["/log 1", "1", "2", "7", "店里断货", "1", "是", "否", "1"], 0);
    const out = await run(["/edit", "9", "补充：店主换了电话", "1"], 30);
    expect(out).toContain(`✏️ 修改 ${stops[0]!.customer.name} 08:00 的拜访记录（实地 · 15 分钟）`);
    expect(out).toContain("7) ✓ 问题 / 投诉");
    expect(out).toMatch(/✏️ 已更新：.* · 实地 · 15 分钟 · 1 个问题待处理（16:00 前） · 有备注/);
    const visits = await loggedVisits(db!);
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ notes: "补充：店主换了电话", durationMin: 15 });
    expect(await db!.complaint.count()).toBe(1);
    expect((await db!.complaint.findFirstOrThrow()).visitId).toBe(visits[0]!.id);

    // Going back from the menu reaches earlier answers, e.g. the duration (note, menu, "another
    // problem?", can-resolve, category, text, menu, duration); the correction returns to the menu
    // with everything else kept.
    const again = await run(["/edit", ...Array<string>(8).fill("返回"), "4", "1"], 40);
    expect(again).toContain("（原来填的是：15 分钟，直接回复新的答案即可修改）");
    expect(again).toMatch(/✏️ 已更新：.* · 实地 · 30 分钟 · 1 个问题待处理（16:00 前） · 有备注/);
    const edited = (await loggedVisits(db!))[0]!;
    expect(edited).toMatchObject({ durationMin: 30, notes: "补充：店主换了电话" });
    expect(await db!.complaint.count()).toBe(1);
  });

  it("/call logs a phone contact in two answers, without counting it as the customer's visit", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const stop = stops[3]!;
    const out = await run(["/call", "4", "2", "/summary"], 15);
    expect(out).toContain(`和 ${stop.customer.name} 聊了什么？`);
    expect(out).toContain(`📞 已记录电话联系：${stop.customer.name} · 订货提醒`);
    expect(out).toContain("今天已电话联系 1 个客户。");
    expect(out).toContain("电话联系：1 次");
    const v = (await loggedVisits(db!))[0]!;
    expect(v).toMatchObject({ customerId: stop.customerId, mode: "phone", notes: "订货提醒", plannedVisitId: null });
    expect(parseDetails(v).kind).toBe("call");
    expect((await db!.customer.findUniqueOrThrow({ where: { id: stop.customerId } })).lastVisitAt?.toISOString()).toBe(stop.customer.lastVisitAt?.toISOString());
    expect((await db!.plannedVisit.findUniqueOrThrow({ where: { id: stop.id } })).status).toBe("planned");

    // /edit reopens a call at its topic.
    const edited = await run(["/edit", "3"], 20);
    expect(edited).toContain("（原来填的是：订货提醒，直接回复新的答案即可修改）");
    expect(edited).toContain(`✏️ 已更新电话联系：${stop.customer.name} · 预约拜访`);
    expect((await loggedVisits(db!)).map((x) => x.notes)).toEqual(["预约拜访"]);
  });

  it("inside a form, a word that is also a command alias (今天, 帮助) is an answer; a slash command is not", async () => {
    tmp = tempDbUrl();
    await today();
    const out = await run(["/log", "1", "1", "2", "9", "今天", "1"], 5);
    expect(out).toContain("✅ 已记录：");
    expect((await loggedVisits(db!))[0]!.notes).toBe("今天");
    expect(out).not.toContain("📋");
  });

  it("speaks English when the manager chose it", async () => {
    tmp = tempDbUrl();
    const { stops } = await today();
    const out = await run(["/lang en", "/log", "1", "1", "2", "1", "/summary"], 5);
    expect(out).toContain("Which customer did you visit?");
    expect(out).toContain(`${stops[0]!.customer.name} · how was the visit made?`);
    expect(out).toContain("1) ✅ All normal, submit");
    expect(out).toContain(`✅ Logged: ${stops[0]!.customer.name} · In person · 15 min · all normal`);
    expect(out).toContain("📊 Summary for Mon 23 Nov");
  });

  it("key-account preset: supplier, price, concerns, key person and a booked next visit", async () => {
    tmp = tempDbUrl();
    const env = { VISITMATE_POLICY_PRESET: "key-account" };
    const { stops } = await today(env);
    const stop = stops[0]!;
    const out = await run(["1", "1", "45", "2", "鑫源润滑油", "18元/升", "3 台注塑机，半年换油", "担心换油周期太短", "王经理（采购）", "2", "1"], 20, env);
    expect(out).toContain("2) 重点客户信息（供应商、价格、设备、关注点、关键人、下次拜访）");
    // The lubricant standard's own menu: no tobacco brand cultivation or service manual.
    expect(out).not.toContain("品牌培育");
    expect(out).not.toContain("服务手册");
    expect(out).toContain("下次拜访 12月7日（周一）");
    const d = parseDetails((await loggedVisits(db!))[0]!);
    expect(d.keyAccount).toEqual({ supplier: "鑫源润滑油", price: "18元/升", equipment: "3 台注塑机，半年换油", concerns: "担心换油周期太短", keyPerson: "王经理（采购）", nextVisit: "2026-12-07" });
    const booked = await db!.plannedVisit.findFirstOrThrow({ where: { customerId: stop.customerId, date: "2026-12-07" } });
    expect(booked.booked).toBe(true);
    const customer = await db!.customer.findUniqueOrThrow({ where: { id: stop.customerId } });
    if (!stop.customer.keyPerson) expect(customer.keyPerson).toBe("王经理（采购）");
  });
  it("key-account preset: the next visit is offered and accepted only on the manager's visit days", async () => {
    tmp = tempDbUrl();
    const env = { VISITMATE_POLICY_PRESET: "key-account" };
    const { stops } = await today(env);
    const out = await run(["1", "1", "45", "2", "鑫源润滑油", "18元/升", "-", "-", "王经理（采购）", "11-28", "11-30", "1"], 20, env);
    // Offered: a week, two weeks, a month on, each on a visit day (Mon/Wed/Thu), weekday shown.
    const offered = [...out.matchAll(/(?:一周后|两周后|一个月后)（\d+月\d+日（(周.)）/g)].map((m) => m[1]);
    expect(offered.length).toBeGreaterThanOrEqual(3);
    for (const w of offered) expect(["周一", "周三", "周四"]).toContain(w);
    expect(out).toContain("11月28日（周六） 不是您的拜访日，计划里不会出现。请选 11月26日（周四） 或 11月30日（周一），或输入其他拜访日。");
    const d = parseDetails((await loggedVisits(db!))[0]!);
    expect(d.keyAccount?.nextVisit).toBe("2026-11-30");
    expect((await db!.plannedVisit.findFirstOrThrow({ where: { customerId: stops[0]!.customerId, date: "2026-11-30" } })).booked).toBe(true);
  });
  it("key-account preset: the form speaks the lubricant trade, and durations follow the class's standard", async () => {
    tmp = tempDbUrl();
    const env = { VISITMATE_POLICY_PRESET: "key-account" };
    const { stops } = await today(env);
    const cls = loadPolicy({ preset: "key-account" }).classes.find((c) => c.id === stops[0]!.customer.serviceClass)!;
    // Stop 1, in person, then the inventory section (3rd in the key-account menu after submit and key).
    const out = await run(["1", "1"], 20, env);
    expect(out).toContain(`（${cls.label["zh-CN"]}标准 ${cls.visitMinutes.min}–${cls.visitMinutes.max} 分钟）`);
    expect(out).toContain(`${cls.visitMinutes.min} 分钟`);
    expect(out).toContain(`${cls.visitMinutes.max} 分钟`);
    expect(out).not.toMatch(/\d\) 10 分钟/);
    const inv = await run([String(cls.visitMinutes.max), "4"], 21, env);
    expect(inv).toContain("盘点哪个油品型号？请输入品名（如：长城金吉星 SN 5W-30 4L）：");
    expect(inv).not.toContain("利群");
    const qty = await run(["金吉星 SN 5W-30 4L"], 22, env);
    expect(qty).toContain("金吉星 SN 5W-30 4L 上次盘点库存多少桶？");
  });
});
