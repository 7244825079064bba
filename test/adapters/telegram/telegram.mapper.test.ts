import { describe, expect, it } from "vitest";
import { splitText } from "../../../src/adapters/split.ts";
import { formTapValue, LOST_TAP } from "../../../src/core/forms/form-tap.ts";
import { addressedText, decodeCallbackData, encodeCallbackData, escapeHtml, renderAnswered, renderTelegram, TELEGRAM_TEXT_LIMIT } from "../../../src/adapters/telegram/telegram.mapper.ts";

describe("Telegram mapper", () => {
  it("escapes names for parse_mode HTML", () => {
    expect(escapeHtml("<b>烟&酒</b> *_[x](y)`")).toBe("&lt;b&gt;烟&amp;酒&lt;/b&gt; *_[x](y)`");
    const { messages } = renderTelegram({ text: "客户：<惠民> & 张三_李四*", choices: [{ label: "A&B <店>", value: "p:1" }] });
    expect(messages).toEqual([
      { text: "客户：&lt;惠民&gt; &amp; 张三_李四*", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "A&B <店>", callback_data: "v:p:1" }]] } },
    ]);
    expect(renderAnswered("选 <哪个>?", "A&B")).toBe("选 &lt;哪个&gt;?\n\n✅ <b>A&amp;B</b>");
  });

  it("lays out short labels three to a row and long ones alone", () => {
    const short = renderTelegram({ text: "?", choices: ["实地", "网络", "电话", "其他"].map((l) => ({ label: l, value: l })) }).messages[0]!;
    expect(short.reply_markup!.inline_keyboard.map((r) => r.length)).toEqual([3, 1]);
    const long = renderTelegram({ text: "?", choices: [{ label: "华润24小时便利店（瑶琳6店）", value: "p:6" }, { label: "联华便民店", value: "p:2" }] }).messages[0]!;
    expect(long.reply_markup!.inline_keyboard.map((r) => r.length)).toEqual([1, 1]);
  });

  it("a form button's callback_data is its tap token's printable part, decoded back to the token", () => {
    const token = formTapValue({ sessionId: 123456, rev: 78, index: 3 });
    const { data, overflow } = encodeCallbackData(token);
    expect(data).toBe("f:123456.78.3");
    expect(overflow).toBeUndefined();
    expect(decodeCallbackData(data, () => undefined)).toBe(token);
    expect(decodeCallbackData("f:12;drop", () => undefined)).toBe(LOST_TAP);
  });

  it("keeps callback_data within 64 bytes; longer values go by hash", () => {
    const value = "/log 华润24小时便利店（瑶琳6店）迎春南路 123 号";
    const { data, overflow } = encodeCallbackData(value);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(overflow).toEqual({ key: data.slice(2), value });
    expect(decodeCallbackData(data, (k) => (k === overflow!.key ? value : undefined))).toBe(value);
    // A hash forgotten in a restart is a lost tap: answered as over, never acted on.
    expect(decodeCallbackData(data, () => undefined)).toBe(LOST_TAP);
    expect(decodeCallbackData("x:whatever", () => undefined)).toBe(LOST_TAP);
    expect(decodeCallbackData("v:$yes", () => undefined)).toBe("$yes");
    expect(renderTelegram({ text: "?", choices: [{ label: "x", value }] }).overflow).toHaveLength(1);
  });

  it("splits at 4096 characters between lines, cutting only lines longer than a message", () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${i}. ${"店".repeat(20)}`);
    const text = lines.join("\n");
    const parts = renderTelegram({ text }).messages;
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(parts.map((p) => p.text).join("\n")).toBe(text);
    const huge = "😀".repeat(3000);
    const cut = splitText(huge, TELEGRAM_TEXT_LIMIT);
    expect(cut.join("")).toBe(huge);
    for (const c of cut) expect(c.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(cut.every((c) => !/[\ud800-\udbff]$/.test(c))).toBe(true);
  });

  it("in groups only takes commands for this bot, mentions and replies", () => {
    const g = (text: string, replyToBot = false) => addressedText({ text, chatType: "group", botUsername: "visitmate_bot", replyToBot });
    expect(addressedText({ text: "随便说说", chatType: "private", botUsername: "visitmate_bot", replyToBot: false })).toBe("随便说说");
    expect(g("随便说说")).toBeNull();
    expect(g("/today")).toBe("/today");
    expect(g("/today@VisitMate_Bot")).toBe("/today@VisitMate_Bot");
    expect(g("/today@other_bot")).toBeNull();
    expect(g("@visitmate_bot /whoami")).toBe("/whoami");
    expect(g("3", true)).toBe("3");
  });
});
