import { describe, expect, it } from "vitest";
import { answeredCard, inboundText, LARK_BODY_LIMIT, larkTappedAskedTo, larkTappedValue, receiveIdType, renderLark } from "../../../src/adapters/lark/lark.mapper.ts";
import { formTapValue, LOST_TAP } from "../../../src/core/forms/form-tap.ts";

describe("Lark mapper", () => {
  it("form buttons carry their tap token's printable part; a tap gives the token back, a forged one is lost", () => {
    const token = formTapValue({ sessionId: 12, rev: 4, index: 1 });
    const [card] = renderLark({ text: "?", choices: [{ label: "实地", value: token }, { label: "帮助", value: "/help" }] });
    expect(card!.content).not.toContain("\\u0001");
    const values = JSON.parse(card!.content).elements[1].actions.map((a: { value: unknown }) => a.value);
    expect(values).toEqual([{ f: "12.4.1" }, { v: "/help" }]);
    expect(larkTappedValue(values[0])).toBe(token);
    expect(larkTappedValue(values[1])).toBe("/help");
    expect(larkTappedValue({ f: "12.4" })).toBe(LOST_TAP);
    expect(larkTappedValue({ f: 7 })).toBe(LOST_TAP);
    expect(larkTappedValue({})).toBeUndefined();
  });

  it("on a group card every button also names whom it asks (`u`), form buttons and others alike", () => {
    const token = formTapValue({ sessionId: 12, rev: 4, index: 0 });
    const [card] = renderLark({ text: "?", choices: [{ label: "实地", value: token }, { label: "帮助", value: "/help" }] }, { askedTo: "ou_asked" });
    const values = JSON.parse(card!.content).elements[1].actions.map((a: { value: unknown }) => a.value);
    expect(values).toEqual([{ f: "12.4.0", u: "ou_asked" }, { v: "/help", u: "ou_asked" }]);
    expect(values.map(larkTappedValue)).toEqual([token, "/help"]);
    expect(values.map(larkTappedAskedTo)).toEqual(["ou_asked", "ou_asked"]);
    expect(larkTappedAskedTo({ f: "12.4.0" })).toBeUndefined();
    expect(larkTappedAskedTo("/help")).toBeUndefined();
  });

  it("plain replies are rich-text posts whose text elements are literal", () => {
    const [post] = renderLark({ text: '第一行 <at user_id="all"></at>\n**第二行**' });
    expect(post!.msg_type).toBe("post");
    expect(JSON.parse(post!.content)).toEqual({ zh_cn: { content: [[{ tag: "text", text: '第一行 <at user_id="all"></at>' }], [{ tag: "text", text: "**第二行**" }]] } });
  });

  it("choices make an interactive card with buttons carrying the value", () => {
    const [card] = renderLark({ text: "拜访方式？", choices: [{ label: "实地", value: "field" }, { label: "网络", value: "online" }, { label: "电话", value: "phone" }] });
    expect(card!.msg_type).toBe("interactive");
    const json = JSON.parse(card!.content);
    expect(json.elements[0]).toEqual({ tag: "div", text: { tag: "plain_text", content: "拜访方式？" } });
    expect(json.elements[1]).toEqual({
      tag: "action",
      layout: "trisection",
      actions: ["field", "online", "phone"].map((v, i) => ({ tag: "button", text: { tag: "plain_text", content: ["实地", "网络", "电话"][i] }, type: "default", value: { v } })),
    });
    expect(answeredCard("拜访方式？", "实地").elements).toEqual([
      { tag: "div", text: { tag: "plain_text", content: "拜访方式？" } },
      { tag: "note", elements: [{ tag: "plain_text", content: "✅ 实地" }] },
    ]);
  });

  it("keeps every message body under 30 KB, even for text full of characters JSON escapes", () => {
    const text = Array.from({ length: 3000 }, (_, i) => `${i}\t"引号"\\反斜杠\\ <店>`).join("\n");
    const parts = renderLark({ text, choices: [{ label: "好", value: "ok" }] });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify({ receive_id: "oc_x", msg_type: p.msg_type, content: p.content }))).toBeLessThan(LARK_BODY_LIMIT);
  });

  it("reads text and post messages; in groups only when the bot is mentioned", () => {
    const base = { message_id: "om_1", chat_id: "oc_1", message_type: "text" };
    expect(inboundText({ ...base, chat_type: "p2p", content: JSON.stringify({ text: " /today " }) }, "ou_bot")).toBe("/today");
    const mentions = [{ key: "@_user_1", id: { open_id: "ou_bot" }, name: "VisitMate" }, { key: "@_user_2", id: { open_id: "ou_w" }, name: "王五" }];
    expect(inboundText({ ...base, chat_type: "group", content: JSON.stringify({ text: "@_user_1 告诉 @_user_2 /today" }), mentions }, "ou_bot")).toBe("告诉 @王五 /today");
    expect(inboundText({ ...base, chat_type: "group", content: JSON.stringify({ text: "@_user_2 你好" }), mentions: [mentions[1]!] }, "ou_bot")).toBeNull();
    expect(inboundText({ ...base, chat_type: "group", content: JSON.stringify({ text: "没人被提到" }) }, "ou_bot")).toBeNull();
    const post = { ...base, chat_type: "p2p", message_type: "post", content: JSON.stringify({ title: "", content: [[{ tag: "text", text: "/log " }, { tag: "text", text: "惠民" }]] }) };
    expect(inboundText(post, "ou_bot")).toBe("/log 惠民");
    expect(inboundText({ ...base, chat_type: "p2p", message_type: "image", content: "{}" }, "ou_bot")).toBeNull();
  });

  it("picks the receive_id_type from the id", () => {
    expect(receiveIdType("ou_123")).toBe("open_id");
    expect(receiveIdType("oc_123")).toBe("chat_id");
    expect(receiveIdType("on_123")).toBe("union_id");
  });
});
