import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConsoleInput } from "../../../src/adapters/console/console.mapper.ts";
import { createAppRouter } from "../../../src/app.ts";
import type { Choice, InboundMessage, Reply } from "../../../src/core/chat.ts";
import { classifyTap } from "../../../src/core/forms/form-engine.ts";
import { formTapValue, LOST_TAP, parseFormTap } from "../../../src/core/forms/form-tap.ts";
import type { Router } from "../../../src/core/router.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const OVER = "这个问题已经结束";
const ME = { platform: "telegram" as const, chatId: "tg-li", userId: "tg-li" };

/**
 * Buttons are bound to their question: the real router over the demo company, taps sent the way
 * every adapter sends them (the button's value as the text, isAction).
 */
describe("stale buttons (a tap answers only the question it was shown for)", () => {
  let app: PlatformApp;
  let router: Router;
  const extraDbs: Db[] = [];

  beforeEach(async () => {
    app = await createPlatformApp();
    router = app.router;
    const code = await app.bindCode("M001");
    const bound = await router.handle({ ...ME, text: `/bind ${code}` });
    expect(bound[0]!.text).toContain("绑定成功");
  });
  afterEach(async () => {
    for (const d of extraDbs.splice(0)) await d.$disconnect();
    await app.close();
  });

  const send = (text: string, isAction = false, via: Router = router): Promise<Reply[]> => via.handle({ ...ME, text, isAction } satisfies InboundMessage);
  const textOf = (replies: Reply[]) => replies.map((r) => r.text).join("\n");
  const lastChoices = (replies: Reply[]): Choice[] => [...replies].reverse().find((r) => r.choices?.length)?.choices ?? [];
  const button = (replies: Reply[], label: string | RegExp): Choice => {
    const c = lastChoices(replies).find((x) => (typeof label === "string" ? x.label === label : label.test(x.label)));
    if (!c) throw new Error(`no button ${String(label)} in ${JSON.stringify(lastChoices(replies).map((x) => x.label))}`);
    return c;
  };
  const tap = (c: Choice, via: Router = router) => send(c.value, true, via);
  const session = () => app.db.formSession.findUnique({ where: { platform_chatId_userId: ME } });
  const visits = () => app.db.visit.count();

  /** /log → first stop → 实地: the duration question, with its buttons. */
  async function toDuration(): Promise<{ durationQ: Reply[]; modeQ: Reply[]; stopQ: Reply[] }> {
    const stopQ = await send("/log");
    const modeQ = await tap(lastChoices(stopQ)[0]!);
    expect(textOf(modeQ)).toContain("拜访方式");
    const durationQ = await tap(button(modeQ, "实地"));
    expect(textOf(durationQ)).toContain("拜访用了多长时间");
    return { durationQ, modeQ, stopQ };
  }

  it("every form button is a short token naming the stored session, question and option (no bare values)", async () => {
    const { durationQ } = await toDuration();
    const row = (await session())!;
    const state = JSON.parse(row.state) as { rev: number; shown: Choice[] };
    const choices = lastChoices(durationQ);
    expect(choices.length).toBeGreaterThan(1);
    choices.forEach((c, index) => {
      expect(parseFormTap(c.value)).toEqual({ sessionId: row.id, rev: state.rev, index });
      // Far inside Telegram's 64-byte callback_data, so no form button ever depends on memory.
      expect(Buffer.byteLength(c.value)).toBeLessThan(24);
    });
    // The stored options are the values the labels stand for ("15 分钟" is 15).
    expect(state.shown.map((s) => s.label)).toEqual(choices.map((c) => c.label));
    expect(state.shown.every((s) => /^\d+$/.test(s.value))).toBe(true);
  });

  it("a duration button of a finished form, tapped later, is over: no visit logged, no form opened (not read as a stop number)", async () => {
    const { durationQ } = await toDuration();
    const fifteen = button(durationQ, /^15 /);
    const sections = await tap(fifteen);
    const done = await tap(button(sections, "✅ 一切正常，提交"));
    expect(textOf(done)).toContain("已记录");
    const logged = await visits();
    expect(await session()).toBeNull();

    const late = await tap(fifteen);
    expect(textOf(late)).toContain(OVER);
    expect(textOf(late)).toContain("现在没有正在填写的表单");
    expect(lastChoices(late)).toEqual([]);
    expect(await visits()).toBe(logged);
    expect(await session()).toBeNull();

    // A button from before buttons were bound carried the bare value: also over, never "stop 15".
    const legacy = await send("15", true);
    expect(textOf(legacy)).toContain(OVER);
    expect(await session()).toBeNull();
    expect(await visits()).toBe(logged);

    // Typed, the same "2" is a stop number as always.
    const typed = await send("2");
    expect(textOf(typed)).toContain("拜访方式");
    expect(await session()).not.toBeNull();
  });

  it("inside a running form, an earlier step's button is refused and the current question asked again; nothing changes", async () => {
    const { durationQ, modeQ, stopQ } = await toDuration();
    const before = (await session())!;
    const logged = await visits();

    // The mode question's "电话", tapped after it was answered with 实地.
    const stale = await tap(button(modeQ, "电话"));
    expect(textOf(stale)).toContain(OVER);
    expect(textOf(stale)).toContain("当前的问题是");
    expect(textOf(stale)).toContain("拜访用了多长时间");
    const after = (await session())!;
    expect(after.stepId).toBe(before.stepId);
    expect(JSON.parse(after.state).answers).toEqual(JSON.parse(before.state).answers);
    expect(JSON.parse(after.state).answers.mode).toBe("field");
    // The question asked again is the same one: the buttons on screen for it still work, and so do the new ones.
    expect(lastChoices(stale).map((c) => c.value)).toEqual(lastChoices(durationQ).map((c) => c.value));

    // A stop button of the first question: over too.
    expect(textOf(await tap(lastChoices(stopQ)[1]!))).toContain(OVER);
    // A token we never made, and a payload lost in a restart: over, with the current question.
    expect(textOf(await send(LOST_TAP, true))).toContain("拜访用了多长时间");
    expect(textOf(await send(formTapValue({ sessionId: before.id, rev: 999, index: 0 }), true))).toContain(OVER);
    expect(textOf(await send(formTapValue({ sessionId: before.id + 1, rev: JSON.parse(after.state).rev, index: 0 }), true))).toContain(OVER);
    expect(await visits()).toBe(logged);

    // The current button still answers.
    const sections = await tap(button(stale, /^15 /));
    expect(textOf(sections)).toContain("一切正常");
    expect(JSON.parse((await session())!.state).answers.duration).toBe(15);
  });

  it("a double tap counts once: the second tap of the same button is over", async () => {
    const { modeQ } = await toDuration();
    const again = await tap(button(modeQ, "实地"));
    expect(textOf(again)).toContain(OVER);
    expect(textOf(again)).toContain("拜访用了多长时间");
  });

  it("after a restart (new router and database connection on the same file) a stale tap is still refused and a current one still works", async () => {
    const { durationQ, modeQ } = await toDuration();
    const logged = await visits();
    const restartedDb = await openDb(app.testDb.url);
    extraDbs.push(restartedDb);
    const restarted = createAppRouter({ ...app.deps, db: restartedDb });

    const stale = await tap(button(modeQ, "网络"), restarted);
    expect(textOf(stale)).toContain(OVER);
    expect(JSON.parse((await session())!.state).answers.mode).toBe("field");

    const sections = await tap(button(durationQ, /^15 /), restarted);
    expect(textOf(sections)).toContain("一切正常");
    const done = await tap(button(sections, "✅ 一切正常，提交"), restarted);
    expect(textOf(done)).toContain("已记录");
    expect(await visits()).toBe(logged + 1);

    // And once more after another restart: the finished form's buttons are over.
    const third = createAppRouter({ ...app.deps, db: restartedDb });
    expect(textOf(await tap(button(durationQ, /^15 /), third))).toContain(OVER);
    expect(await visits()).toBe(logged + 1);
    expect(await session()).toBeNull();
  });

  it("a replaced form's buttons do not answer the form that replaced it, even at the same step and place", async () => {
    const first = await send("/log");
    const oldStop = lastChoices(first)[0]!;
    const firstId = (await session())!.id;
    // Leave it for a new /log: the new form asks the same first question.
    const ask = await send("/log");
    expect(textOf(ask)).toContain("要先把它填完吗");
    const second = await tap(button(ask, /\/log/));
    const secondRow = (await session())!;
    expect(secondRow.id).not.toBe(firstId);
    expect(textOf(second)).toContain("记录哪家的拜访");
    expect(textOf(await tap(oldStop))).toContain(OVER);
    expect((await session())!.stepId).toBe(secondRow.stepId);
    // Its own first button works.
    expect(textOf(await tap(lastChoices(second)[0]!))).toContain("拜访方式");
  });

  it("command buttons stay commands: tapped later they run as the command they carry", async () => {
    const list = await send("/today", true);
    expect(textOf(list)).toContain("拜访清单");
    const done = await send("/undo keep", true);
    expect(textOf(done)).toContain("记录保留不变");
    expect(textOf(done)).not.toContain(OVER);
    // Also while a form is open: a command button asks to leave the form, as a typed command does.
    await send("/log");
    const ask = await send("/today", true);
    expect(textOf(ask)).toContain("要先把它填完吗");
    expect(textOf(ask)).not.toContain(OVER);
  });

  it("classifyTap reads the stored form without changing it: current, foreign, over, command", async () => {
    const { durationQ, modeQ } = await toDuration();
    const now = app.clock.now();
    const before = (await session())!;
    expect(await classifyTap(app.db, ME, lastChoices(durationQ)[0]!.value, now)).toBe("current");
    expect(await classifyTap(app.db, ME, button(modeQ, "实地").value, now)).toBe("over");
    // Someone else tapping this person's current question (a group chat): not theirs to answer.
    expect(await classifyTap(app.db, { ...ME, userId: "someone-else" }, lastChoices(durationQ)[0]!.value, now)).toBe("foreign");
    expect(await classifyTap(app.db, ME, LOST_TAP, now)).toBe("over");
    expect(await classifyTap(app.db, ME, "15", now)).toBe("over");
    expect(await classifyTap(app.db, ME, "/team M001", now)).toBe("command");
    // Past the form's expiry the question is over too.
    expect(await classifyTap(app.db, ME, lastChoices(durationQ)[0]!.value, new Date(before.expiresAt.getTime() + 1))).toBe("over");
    expect((await session())!.state).toBe(before.state);
  });

  it("a current button of a form left past its expiry: over, and the form's expiry explained (it is dropped, nothing logged)", async () => {
    const { durationQ } = await toDuration();
    const logged = await visits();
    app.clock.set(new Date((await session())!.expiresAt.getTime() + 60_000));
    const late = await tap(button(durationQ, /^15 /));
    expect(textOf(late)).toContain(OVER);
    expect(textOf(late)).toContain("已作废");
    expect(await session()).toBeNull();
    expect(await visits()).toBe(logged);
  });

  it("typed answers still resolve against the question shown: a number, a label, a value", async () => {
    await send("/log");
    expect(textOf(await send("1"))).toContain("拜访方式");
    expect(textOf(await send("实地"))).toContain("拜访用了多长时间");
    const sections = await send("2");
    expect(JSON.parse((await session())!.state).answers.duration).toBe(15);
    expect(textOf(sections)).toContain("一切正常");
  });

  it("in English too", async () => {
    await app.db.staff.update({ where: { code: "M001" }, data: { locale: "en" } });
    const late = await send(LOST_TAP, true);
    expect(textOf(late)).toContain("This question is over");
    expect(textOf(late)).toContain("No form is open");
  });
});

describe("numbered options in the terminal", () => {
  it("a number for a form's options goes on as the bare number (the form resolves it against its stored question); other options resolve here", () => {
    const form = [0, 1, 2].map((index) => ({ label: `o${index}`, value: formTapValue({ sessionId: 3, rev: 5, index }) }));
    expect(resolveConsoleInput(" 2 ", form)).toEqual({ text: "2", isAction: false });
    expect(resolveConsoleInput("4", form)).toEqual({ text: "4", isAction: false });
    const commands = [{ label: "李明 M001", value: "/team M001" }];
    expect(resolveConsoleInput("1", commands)).toEqual({ text: "/team M001", isAction: true });
  });
});
