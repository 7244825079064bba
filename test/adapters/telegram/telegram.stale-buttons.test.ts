import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TelegramAdapter } from "../../../src/adapters/telegram/telegram.adapter.ts";
import { createAppRouter } from "../../../src/app.ts";
import type { AppDeps } from "../../../src/core/router.ts";
import { openDb, type Db } from "../../../src/db/client.ts";
import { FakeTelegram, type ApiCall, type FakeUser } from "../../helpers/fake-telegram.ts";
import { createPlatformApp, type PlatformApp } from "../../helpers/platform-app.ts";

const TOKEN = "123456789:AAEhBP0av28qJ3mXxVqAbCdEfGhIjKlMnOp";
const LI_MING: FakeUser = { id: 4242, first_name: "Ming", username: "liming" };
const OVER = "这个问题已经结束";

describe("Telegram: buttons are bound to their question (grammY against a fake Bot API)", () => {
  let app: PlatformApp;
  let tg: FakeTelegram;
  let adapter: TelegramAdapter | null;
  let running: Promise<void> | null;
  const extraDbs: Db[] = [];

  beforeEach(async () => {
    app = await createPlatformApp();
    tg = new FakeTelegram(TOKEN);
    await tg.start();
    adapter = null;
    running = null;
  });
  afterEach(async () => {
    await stopAdapter();
    await tg.close();
    for (const d of extraDbs.splice(0)) await d.$disconnect();
    await app.close();
  });

  function startPolling(deps: AppDeps = app.deps): TelegramAdapter {
    adapter = new TelegramAdapter({ token: TOKEN, apiRoot: tg.url, router: deps === app.deps ? app.router : createAppRouter(deps), deps, pollTimeoutSeconds: 1 });
    running = adapter.run();
    return adapter;
  }
  async function stopAdapter(): Promise<void> {
    await adapter?.stop();
    await running?.catch(() => undefined);
    adapter = null;
    running = null;
  }
  /** A new process: new adapter (its memory of answered keyboards and long values gone), new router, new connection. */
  async function restart(): Promise<void> {
    await stopAdapter();
    const db = await openDb(app.testDb.url);
    extraDbs.push(db);
    startPolling({ ...app.deps, db });
  }
  const keyboard = (m: ApiCall) => (m.payload.reply_markup?.inline_keyboard as { text: string; callback_data: string }[][] | undefined)?.flat() ?? [];
  const answers = () => tg.calls.filter((c) => c.method === "answerCallbackQuery");
  const session = () => app.db.formSession.findUnique({ where: { platform_chatId_userId: { platform: "telegram", chatId: String(LI_MING.id), userId: String(LI_MING.id) } } });

  async function bindAndOpenLog(): Promise<{ stops: ApiCall; cursor: number }> {
    startPolling();
    const code = await app.bindCode("M001");
    tg.message(LI_MING, `/bind ${code}`);
    let { cursor } = await tg.next(LI_MING.id, 0, (t) => t.includes("绑定成功"));
    tg.message(LI_MING, "/log");
    const found = await tg.next(LI_MING.id, cursor, (_, c) => Boolean(c.payload.reply_markup));
    cursor = found.cursor;
    return { stops: found.call, cursor };
  }

  it("a button of a finished form, tapped after a restart: '这个问题已经结束', keyboard removed without a ✅, no visit, no form", async () => {
    let { stops, cursor } = await bindAndOpenLog();
    // Every form button carries a short token, never the option's value.
    for (const b of keyboard(stops)) expect(b.callback_data).toMatch(/^f:\d+\.\d+\.\d+$/);
    tg.tap(LI_MING, stops, keyboard(stops)[0]!.text);
    let m: ApiCall;
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访方式")));
    tg.tap(LI_MING, m, "实地");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访用了多长时间")));
    const durationMessage = m;
    const fifteen = keyboard(durationMessage).find((b) => b.text.startsWith("15 "))!;
    tg.tap(LI_MING, durationMessage, fifteen.text);
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (_, c) => keyboard(c).some((b) => b.text === "✅ 一切正常，提交")));
    tg.tap(LI_MING, m, "✅ 一切正常，提交");
    ({ cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("已记录")));
    const visits = await app.db.visit.count();
    expect(await session()).toBeNull();

    // The process restarts: nothing in memory says this keyboard was answered.
    await restart();
    const answered = answers().length;
    const editsBefore = tg.calls.filter((c) => c.method === "editMessageText").length;
    tg.tapData(LI_MING, durationMessage, fifteen.callback_data);
    let reply: ApiCall;
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor));
    expect(reply.payload.text).toContain(OVER);
    expect(reply.payload.text).toContain("现在没有正在填写的表单");
    expect(reply.payload.reply_markup).toBeUndefined();
    expect(answers().length).toBe(answered + 1);
    expect(answers().at(-1)!.payload.text).toContain(OVER);
    // Not marked as chosen: its buttons just go.
    expect(tg.calls.filter((c) => c.method === "editMessageText").length).toBe(editsBefore);
    const removed = tg.calls.filter((c) => c.method === "editMessageReplyMarkup").at(-1)!;
    expect(removed.payload).toMatchObject({ message_id: durationMessage.payload.__message_id, reply_markup: { inline_keyboard: [] } });
    expect(await app.db.visit.count()).toBe(visits);
    expect(await session()).toBeNull();
  }, 180_000);

  it("an earlier step's button inside a running form is refused with the current question asked again; a restart changes nothing; the current one works", async () => {
    let { stops, cursor } = await bindAndOpenLog();
    tg.tap(LI_MING, stops, keyboard(stops)[0]!.text);
    let m: ApiCall;
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访方式")));
    const modeMessage = m;
    // Answered by typing: the mode keyboard stays on screen.
    tg.message(LI_MING, "实地");
    ({ call: m, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访用了多长时间")));
    const durationMessage = m;

    tg.tap(LI_MING, modeMessage, "电话");
    let reply: ApiCall;
    // Skips the location button's message that follows the duration question (a field visit offers check-in).
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes(OVER)));
    expect(reply.payload.__plain).toContain(OVER);
    expect(reply.payload.__plain).toContain("拜访用了多长时间");
    expect(keyboard(reply).map((b) => b.text)).toEqual(keyboard(durationMessage).map((b) => b.text));
    expect(answers().at(-1)!.payload.text).toContain(OVER);
    expect(tg.calls.some((c) => c.method === "editMessageText" && c.payload.message_id === modeMessage.payload.__message_id && String(c.payload.text).includes("电话"))).toBe(false);
    expect(JSON.parse((await session())!.state).answers.mode).toBe("field");

    // After a restart the same stale keyboard is still refused (another of its buttons).
    await restart();
    tg.tap(LI_MING, modeMessage, "网络");
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes(OVER)));
    expect(reply.payload.__plain).toContain(OVER);
    expect(JSON.parse((await session())!.state).answers.mode).toBe("field");

    // The duration question's own buttons, shown before the restart, still answer it, marked ✅.
    const fifteen = keyboard(durationMessage).find((b) => b.text.startsWith("15 "))!;
    tg.tap(LI_MING, durationMessage, fifteen.text);
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("一切正常")));
    expect(reply.payload.__plain).toContain("一切正常");
    expect(JSON.parse((await session())!.state).answers.duration).toBe(15);
    const edit = tg.calls.filter((c) => c.method === "editMessageText").at(-1)!;
    expect(edit.payload).toMatchObject({ message_id: durationMessage.payload.__message_id });
    expect(edit.payload.text).toContain(`✅ <b>${fifteen.text}</b>`);
  }, 180_000);

  // Forms run only in private chats (a group sees "请私聊我"), and in a group only the person a
  // keyboard asks may tap it. What is left for the token to guard: a form token of someone else's
  // question arriving on another keyboard (forged callback data) answers and changes nothing.
  it("in a group no form opens; someone else's form token, forged onto another person's keyboard, changes nothing and the asker's tap still works", async () => {
    let { stops, cursor } = await bindAndOpenLog();
    const asked = (await session())!;
    const group = { id: -100777, type: "supergroup", title: "片区群" };
    tg.message(LI_MING, "/log", group);
    const { call: refusal } = await tg.next(group.id, 0);
    expect(refusal.payload.text).toContain("请私聊我");
    expect(refusal.payload.reply_markup).toBeUndefined();
    expect(await app.db.formSession.count({ where: { chatId: String(group.id) } })).toBe(0);

    const OTHER: FakeUser = { id: 6161, first_name: "Wang" };
    const code = await app.bindCode("M002");
    tg.message(OTHER, `/bind ${code}`);
    let { cursor: otherCursor } = await tg.next(OTHER.id, 0, (t) => t.includes("绑定成功"));
    await adapter!.send({ platform: "telegram", chatId: String(OTHER.id) }, { text: "选一个", choices: [{ label: "帮助", value: "/help" }] });
    const { call: otherKeyboard, cursor: c2 } = await tg.next(OTHER.id, otherCursor, (t) => t === "选一个");
    otherCursor = c2;
    const edits = () => tg.calls.filter((c) => c.method.startsWith("editMessage")).length;
    const editsBefore = edits();
    const answered = answers().length;

    tg.tapData(OTHER, otherKeyboard, keyboard(stops)[0]!.callback_data);
    const { call: reply } = await tg.next(OTHER.id, otherCursor);
    expect(reply.payload.text).toContain(OVER);
    expect(answers().length).toBe(answered + 1);
    expect(answers().at(-1)!.payload.text).toContain(OVER);
    // Someone else's current question: no keyboard is touched, the asker's form is as it was.
    expect(edits()).toBe(editsBefore);
    expect((await app.db.formSession.findUnique({ where: { id: asked.id } }))!.state).toBe(asked.state);
    await adapter!.idle();
    expect(tg.sent(LI_MING.id)).toHaveLength(cursor);

    tg.tap(LI_MING, stops, keyboard(stops)[0]!.text);
    let mode: ApiCall;
    ({ call: mode, cursor } = await tg.next(LI_MING.id, cursor, (t) => t.includes("拜访方式")));
    expect(mode.payload.reply_markup).toBeDefined();
    expect(tg.calls.filter((c) => c.method === "editMessageText").at(-1)!.payload.text).toContain(`✅ <b>${keyboard(stops)[0]!.text}</b>`);
  }, 180_000);

  it("a long command value lost in a restart, or data we never made, is answered '这个问题已经结束' and runs nothing", async () => {
    let { cursor } = await bindAndOpenLog();
    const long = `/reassign 1 ${"M".repeat(80)}`;
    await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, { text: "选一个", choices: [{ label: "长命令", value: long }] });
    const { call: sent } = await tg.next(LI_MING.id, cursor, (t) => t === "选一个");
    cursor = tg.sent(LI_MING.id).length;
    expect(keyboard(sent)[0]!.callback_data).toMatch(/^h:/);
    await restart();
    const stateBefore = (await session())!.state;
    tg.tap(LI_MING, sent, "长命令");
    let reply: ApiCall;
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor));
    expect(reply.payload.__plain).toContain(OVER);
    // The open form is what is current: its question comes again, unchanged.
    expect(reply.payload.__plain).toContain("记录哪家的拜访");
    expect(answers().at(-1)!.payload.text).toContain(OVER);

    // (Another message: a second tap on the same keyboard gets "already answered" in this process.)
    await adapter!.send({ platform: "telegram", chatId: String(LI_MING.id) }, { text: "再选一个", choices: [{ label: "x", value: "/help" }] });
    const { call: other } = await tg.next(LI_MING.id, cursor, (t) => t === "再选一个");
    cursor = tg.sent(LI_MING.id).length;
    tg.tapData(LI_MING, other, "zz:garbage");
    ({ call: reply, cursor } = await tg.next(LI_MING.id, cursor));
    expect(reply.payload.__plain).toContain(OVER);
    expect(JSON.parse((await session())!.state).answers).toEqual(JSON.parse(stateBefore).answers);
  }, 180_000);

  it("in a group, a keyboard sent before a restart still answers only the person it asks", async () => {
    await bindAndOpenLog();
    const group = { id: -100888, type: "supergroup", title: "片区群" };
    const OTHER: FakeUser = { id: 7171, first_name: "Zhao" };
    await adapter!.send({ platform: "telegram", chatId: String(group.id) }, { text: "帮助在这里", choices: [{ label: "帮助", value: "/help" }] }, { address: { askedTo: String(LI_MING.id), chatType: "group" } });
    const { call: sent, cursor: groupCursor } = await tg.next(group.id, 0, (t) => t === "帮助在这里");
    // Stored with whom it asks: the memory of it goes with the process.
    expect(await app.db.sentCard.count({ where: { platform: "telegram", messageId: `${group.id}:${sent.payload.__message_id}`, askedTo: String(LI_MING.id) } })).toBe(1);
    await restart();

    const before = answers().length;
    tg.tap(OTHER, sent, "帮助");
    await waitFor(() => answers().length > before);
    expect(answers().at(-1)!.payload.text).toBe("这是问别人的问题，只有被问的人可以回答。");
    tg.tap(LI_MING, sent, "帮助");
    const { call: help } = await tg.next(group.id, groupCursor);
    expect(help.payload.__plain ?? help.payload.text).toContain("/today");
  }, 180_000);
});

async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const start = Date.now(); !cond(); ) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
