import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../../src/core/clock.ts";
import { FormEngine } from "../../../src/core/forms/form-engine.ts";
import { parseFormTap } from "../../../src/core/forms/form-tap.ts";
import type { FormDefinition, FormEnv, FormOutcome, SessionKey } from "../../../src/core/forms/form-types.ts";
import { openDb } from "../../../src/db/client.ts";
import { translator } from "../../../src/i18n/i18n.ts";
import { createTestDb, ENGINES, type TestDb } from "../../helpers/db.ts";

// Monday 23 Nov 2026, 08:00 in Shanghai.
const START = "2026-11-23T00:00:00Z";
const KEY: SessionKey = { platform: "console", chatId: "c1", userId: "u1" };

/** One step of every answer type, an optional step and a repeatable group. */
function testForm(version = 1, opts: { failOnComplete?: boolean } = {}): FormDefinition<FormEnv> {
  return {
    id: "test",
    version,
    command: "/test",
    steps: [
      {
        id: "colour",
        type: "choice",
        prompt: () => "Colour?",
        options: () => [
          { value: "red", label: "Red" },
          { value: "blue", label: "Blue", aliases: ["蓝色"] },
        ],
      },
      {
        id: "toppings",
        type: "multi",
        prompt: () => "Toppings?",
        options: () => [
          { value: "cheese", label: "Cheese" },
          { value: "ham", label: "Ham" },
          { value: "olives", label: "Olives" },
        ],
      },
      { id: "deliver", type: "yesno", prompt: () => "Deliver?" },
      { id: "count", type: "number", prompt: () => "How many?", schema: z.number().int().min(1).max(10) },
      { id: "name", type: "text", optional: true, prompt: () => "Name on the box?", schema: z.string().max(12) },
      { id: "day", type: "date", prompt: () => "Which day?" },
      {
        type: "group",
        id: "extras",
        when: (ctx) => ctx.answers.deliver === true,
        repeat: { ask: () => "Another extra?" },
        steps: [
          { id: "what", type: "text", prompt: () => "Which extra?" },
          { id: "qty", type: "number", prompt: (ctx) => `How many ${String(ctx.item.what)}?`, schema: z.number().min(0) },
        ],
        itemNote: (ctx) => `noted ${String(ctx.item.qty)} × ${String(ctx.item.what)}`,
        doneNote: (ctx) => `extras: ${(ctx.item.extras as unknown[]).length}`,
      },
    ],
    async complete({ tx, answers }) {
      await tx.appMeta.create({ data: { key: "test.result", value: JSON.stringify(answers) } });
      if (opts.failOnComplete) throw new Error("boom");
      return { text: "saved" };
    },
  };
}

describe.each(ENGINES)("form engine (%s)", (dbEngine) => {
  let t: TestDb;
  let clock: FakeClock;
  let engine: FormEngine<FormEnv>;
  const env = (): FormEnv => ({ t: translator("en"), now: clock.now(), today: "2026-11-23" });
  const say = async (text: string, e: FormEngine<FormEnv> = engine): Promise<FormOutcome> => {
    const out = await e.handle(KEY, text, env());
    if (!out) throw new Error(`no open form for "${text}"`);
    return out;
  };
  const last = (o: FormOutcome) => o.replies[o.replies.length - 1]!;
  const result = async () => {
    const row = await t.db.appMeta.findUnique({ where: { key: "test.result" } });
    return row ? (JSON.parse(row.value) as Record<string, unknown>) : null;
  };
  const session = () => t.db.formSession.findUnique({ where: { platform_chatId_userId: KEY } });
  /** What a reply's buttons stand for: each is a tap token naming an option the session stored. */
  const optionValues = async (r: { choices?: { value: string }[] }) => {
    const row = (await session())!;
    const state = JSON.parse(row.state) as { shown: { value: string }[]; rev: number };
    return (r.choices ?? []).map((c) => {
      const tap = parseFormTap(c.value);
      if (!tap || tap === "lost" || tap.sessionId !== row.id || tap.rev !== state.rev) throw new Error(`not a button of the current question: ${JSON.stringify(c.value)}`);
      return state.shown[tap.index]!.value;
    });
  };

  beforeEach(async () => {
    t = await createTestDb({ engine: dbEngine });
    clock = new FakeClock(START);
    engine = new FormEngine({ db: t.db, forms: [testForm()] });
  });
  afterEach(async () => t.close());

  it("asks every answer type in order and completes once, with side effects in one transaction", async () => {
    const [first] = await engine.start(KEY, testForm(), env());
    expect(first!.text).toContain("Colour?");
    expect(first!.choices!.map((c) => c.label)).toEqual(["Red", "Blue"]);
    expect(await optionValues(first!)).toEqual(["red", "blue"]);
    // A tapped button sends the value.
    expect(last(await say("blue")).text).toContain("Toppings?");
    // Several numbers in one message answer a multi-choice at once.
    expect(last(await say("1 3")).text).toContain("Deliver?");
    expect(last(await say("yes")).text).toContain("How many?");
    expect(last(await say("3")).text).toContain("Name on the box?");
    expect(last(await say("李明（店主）")).text).toContain("Which day?");
    const afterDay = last(await say("tomorrow"));
    expect(afterDay.text).toContain("Which extra?");
    expect(last(await say("napkins")).text).toContain("How many napkins?");
    const more = last(await say("4"));
    expect(more.text).toContain("noted 4 × napkins");
    expect(more.text).toContain("Another extra?");
    expect(await optionValues(more)).toEqual(["$yes", "$no"]);
    expect(last(await say("1")).text).toContain("Which extra?");
    await say("forks");
    await say("2");
    expect(await result()).toBeNull();
    const done = await say("no");
    expect(done.completed).toBe(true);
    expect(last(done).text).toContain("saved");
    expect(last(done).text).toContain("extras: 2");
    expect(await result()).toEqual({
      colour: "blue",
      toppings: ["cheese", "olives"],
      deliver: true,
      count: 3,
      name: "李明（店主）",
      day: "2026-11-24",
      extras: [
        { what: "napkins", qty: 4 },
        { what: "forks", qty: 2 },
      ],
    });
    expect(await session()).toBeNull();
    expect(await engine.handle(KEY, "hello", env())).toBeNull();
  });

  it("maps typed numbers and labels to the options shown (platforms without buttons)", async () => {
    await engine.start(KEY, testForm(), env());
    await say("2"); // Blue
    // One option at a time toggles a checklist, "Done" finishes it.
    const toggled = last(await say("2"));
    expect(toggled.text).toContain("Toppings?");
    expect(toggled.choices?.map((c) => c.label)).toEqual(["Cheese", "✓ Ham", "Olives", "Done"]);
    await say("Olives");
    expect(last(await say("4")).text).toContain("Deliver?");
    expect(last(await say("否")).text).toContain("How many?");
    await say("２"); // full-width digit
    await say("跳过");
    const done = await say("x"); // not a date → re-asked
    expect(last(done).text).toContain("⚠️");
    expect((await say("12月1日")).completed).toBe(true);
    expect(await result()).toEqual({ colour: "blue", toppings: ["ham", "olives"], deliver: false, count: 2, name: null, day: "2026-12-01" });
  });

  it("re-asks a bad answer with a specific hint and keeps the form", async () => {
    await engine.start(KEY, testForm(), env());
    const bad = last(await say("green"));
    expect(bad.text).toContain("⚠️ Please reply with a number from 1 to 2");
    expect(bad.text).toContain("Colour?");
    await say("蓝色"); // alias
    await say("1 2");
    await say("y");
    expect(last(await say("0")).text).toContain("It cannot be less than 1.");
    expect(last(await say("2.5")).text).toContain("Please give a whole number.");
    expect(last(await say("lots")).text).toContain("Please reply with a number");
    expect((await session())!.stepId).toBe("count");
  });

  it("back returns to the previous question showing the earlier answer; a correction jumps back to where the user was", async () => {
    await engine.start(KEY, testForm(), env());
    expect(last(await say("back")).text).toContain("This is the first question already.");
    await say("red");
    await say("1");
    await say("$done");
    await say("yes");
    await say("2");
    await say("skip");
    await say("tomorrow");
    await say("cups");
    const extra = last(await say("返回"));
    expect(extra.text).toContain("Which extra?");
    expect(extra.text).toContain("Your answer was: cups");
    expect(last(await say("back")).text).toContain("Which day?");
    expect(last(await say("$back")).text).toContain("Your answer was: (skipped)");
    const count = last(await say("back"));
    expect(count.text).toContain("How many?");
    expect(count.text).toContain("Your answer was: 2");
    // Correcting the count goes straight back to the open question; nothing typed is lost.
    expect(last(await say("3")).text).toContain("How many cups?");
    expect((await session())!.stepId).toBe("extras#0/qty");
    await say("6");
    expect((await say("no")).completed).toBe(true);
    expect(await result()).toEqual({ colour: "red", toppings: ["cheese"], deliver: true, count: 3, name: null, day: "2026-11-24", extras: [{ what: "cups", qty: 6 }] });
  });

  it("changing course drops the answers that no longer apply; the form never completes without a direct last answer", async () => {
    await engine.start(KEY, testForm(), env());
    for (const a of ["red", "1 2", "yes", "2", "skip", "tomorrow", "cups", "6"]) await say(a);
    for (let i = 0; i < 5; i++) await say("back");
    const deliver = last(await say("back"));
    expect(deliver.text).toContain("Deliver?");
    expect(deliver.text).toContain("Your answer was: Yes");
    // No extras any more: everything else is answered, so the last question is asked again.
    const day = last(await say("no"));
    expect(day.text).toContain("Which day?");
    expect(day.text).toContain("Your answer was: 2026-11-24");
    expect(await result()).toBeNull();
    expect((await say("today")).completed).toBe(true);
    expect(await result()).toEqual({ colour: "red", toppings: ["cheese", "ham"], deliver: false, count: 2, name: null, day: "2026-11-23" });
  });

  it("skip works only on optional steps", async () => {
    await engine.start(KEY, testForm(), env());
    expect(last(await say("跳过")).text).toContain("This question cannot be skipped.");
    expect((await session())!.stepId).toBe("colour");
  });

  it("cancel (取消) drops the form without side effects", async () => {
    await engine.start(KEY, testForm(), env());
    await say("red");
    const out = await say("取消");
    expect(last(out).text).toContain("Cancelled");
    expect(await session()).toBeNull();
    expect(await result()).toBeNull();
  });

  it("after three bad answers offers to cancel; continue keeps going, cancel ends it", async () => {
    await engine.start(KEY, testForm(), env());
    await say("a");
    await say("b");
    const offer = last(await say("c"));
    expect(offer.text).toContain("That didn't work three times");
    expect(await optionValues(offer)).toEqual(["$continue", "$cancel"]);
    const again = last(await say("1"));
    expect(again.text).toContain("Colour?");
    expect(await optionValues(again)).toEqual(["red", "blue"]);
    await say("d");
    await say("e");
    expect(await optionValues(last(await say("f")))).toEqual(["$continue", "$cancel"]);
    expect(last(await say("2")).text).toContain("Cancelled");
    expect(await session()).toBeNull();
  });

  it("an answer given instead of replying to the cancel offer is taken as the step's answer", async () => {
    await engine.start(KEY, testForm(), env());
    await say("a");
    await say("b");
    await say("c");
    expect(last(await say("Red")).text).toContain("Toppings?");
  });

  it("discards a form left unanswered past its expiry, politely, without applying the late answer", async () => {
    await engine.start(KEY, testForm(), env());
    await say("red");
    clock.advance(2 * 60 * 60 * 1000 - 1000);
    expect(last(await say("1 2")).text).toContain("Deliver?"); // still alive: expiry counts from the last answer
    clock.advance(2 * 60 * 60 * 1000 + 1000);
    const out = await say("yes");
    expect(last(out).text).toContain("had no reply for 2 hours");
    expect(last(out).text).toContain("/test");
    expect(await session()).toBeNull();
    expect(await engine.handle(KEY, "yes", env())).toBeNull();
  });

  it("discards a stored form whose version changed, and one with unreadable state, without crashing", async () => {
    await engine.start(KEY, testForm(1), env());
    await say("red");
    const v2 = new FormEngine({ db: t.db, forms: [testForm(2)] });
    const out = await v2.handle(KEY, "1", env());
    expect(out!.replies[0]!.text).toContain("has changed");
    expect(await session()).toBeNull();

    await engine.start(KEY, testForm(1), env());
    await t.db.formSession.update({ where: { platform_chatId_userId: KEY }, data: { state: "{not json" } });
    expect((await engine.handle(KEY, "red", env()))!.replies[0]!.text).toContain("has changed");
    expect(await session()).toBeNull();
  });

  it("a restart mid-form resumes at the same step (new connection, same database)", async () => {
    await engine.start(KEY, testForm(), env());
    await say("red");
    await say("1 2");
    const db2 = await openDb(t.url);
    try {
      const restarted = new FormEngine({ db: db2, forms: [testForm()] });
      const prompt = await restarted.resumePrompt(KEY, env());
      expect(prompt![0]!.text).toContain("Continuing where you left off");
      expect(prompt![0]!.text).toContain("Deliver?");
      // A typed "2" still means the second option shown before the restart.
      expect(last(await say("2", restarted)).text).toContain("How many?");
      await say("1", restarted);
      await say("skip", restarted);
      expect((await say("today", restarted)).completed).toBe(true);
    } finally {
      await db2.$disconnect();
    }
    expect(await result()).toMatchObject({ colour: "red", toppings: ["cheese", "ham"], deliver: false, count: 1 });
  });

  it("a failing completion rolls everything back and keeps the form at its last question", async () => {
    const failing = new FormEngine({ db: t.db, forms: [testForm(1, { failOnComplete: true })] });
    await failing.start(KEY, testForm(1, { failOnComplete: true }), env());
    for (const a of ["red", "1", "$done", "no", "1", "skip"]) await say(a, failing);
    await expect(failing.handle(KEY, "today", env())).rejects.toThrow("boom");
    expect(await result()).toBeNull();
    expect((await session())!.stepId).toBe("day");
  });

  it("a double submit completes once", async () => {
    await engine.start(KEY, testForm(), env());
    for (const a of ["red", "1", "$done", "no", "1", "skip"]) await say(a);
    const outs = await Promise.all([engine.handle(KEY, "today", env()), engine.handle(KEY, "today", env())]);
    expect(outs.filter((o) => o?.completed).length).toBe(1);
    expect(await t.db.appMeta.count({ where: { key: "test.result" } })).toBe(1);
  });

  it("asks whether to leave the form for another command", async () => {
    expect(await engine.askLeave(KEY, "/today", env())).toBeNull();
    await engine.start(KEY, testForm(), env());
    await say("red");
    const q = (await engine.askLeave(KEY, "/today", env()))!;
    expect(await optionValues(q[0]!)).toEqual(["$continue", "$leave"]);
    expect(q[0]!.choices?.[1]!.label).toContain("/today");
    // "continue" shows the question again.
    expect(last(await say("1")).text).toContain("Toppings?");
    await engine.askLeave(KEY, "/today", env());
    const left = await say("2");
    expect(left.run).toBe("/today");
    expect(await session()).toBeNull();
  });

  it("prefilled answers are not asked again; a fully answered form re-asks its last step", async () => {
    const replies = await engine.start(KEY, testForm(), env(), { answers: { colour: "red", toppings: ["ham"] } });
    expect(replies[0]!.text).toContain("Deliver?");
    await engine.discard(KEY);
    const full = { colour: "red", toppings: ["ham"], deliver: true, count: 1, name: null, day: "2026-11-23", extras: [{ what: "a", qty: 1 }, { what: "b", qty: 2 }] };
    const again = await engine.start(KEY, testForm(), env(), { answers: full });
    expect(again[0]!.text).toContain("Another extra?");
    expect((await say("no")).completed).toBe(true);
    expect(await result()).toEqual(full);
  });
});
