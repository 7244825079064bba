import { describe, expect, it } from "vitest";
import { renderLark, LARK_BODY_LIMIT } from "../../src/adapters/lark/lark.mapper.ts";
import { renderTelegram, TELEGRAM_TEXT_LIMIT } from "../../src/adapters/telegram/telegram.mapper.ts";
import { renderWechat, WECHAT_TEXT_LIMIT } from "../../src/adapters/wechat/wechat.mapper.ts";
import { link, plainText } from "../../src/core/chat.ts";
import { navigationLink } from "../../src/modules/planning/plan.commands.ts";

/** A day's list as /today writes it: one line per stop, the navigation a short link. */
function dayList(stops: number): { text: string; names: string[] } {
  const names = Array.from({ length: stops }, (_, i) => `桐庐县兴旺超市（旧县${i + 1}店）<&>`);
  const lines = names.map(
    (name, i) =>
      `${i + 1}. ${name} · 核心客户 · 旧县街道滨江路${i + 100}号 · 距上一站 874 m · 15–20 分钟 · 需提前一天预约 · ${link("🧭导航", navigationLink({ lat: 29.8 + i / 1000, lng: 119.67, name }), { primary: i === 0 })}`,
  );
  return { text: ["📋 12月2日（周三） 拜访清单：共 " + stops + " 家", ...lines, "已完成 0/" + stops + "。"].join("\n"), names };
}

describe("a day's list on each platform: compact, split only between stops", () => {
  it("Telegram: HTML links with a short label, no piece over 4096 characters, no stop cut in two", () => {
    const { text, names } = dayList(120);
    const { messages } = renderTelegram({ text });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      // Telegram counts the text after parsing: tags and hrefs do not count, labels and entities do.
      const visible = m.text.replace(/<a href="[^"]*">/g, "").replace(/<\/a>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      expect(visible.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(m.text).not.toMatch(/[\uE000-\uE003]/);
    }
    names.forEach((name, i) => {
      const holding = messages.filter((m) => m.text.includes(`${i + 1}. ${name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")} · `));
      expect(holding, `stop ${i + 1}`).toHaveLength(1);
      expect(holding[0]!.text).toMatch(new RegExp(`${i + 1}\\. [^\\n]+<a href="https://uri\\.amap\\.com/marker\\?[^"]+">🧭导航</a>`));
    });
  });

  it("Lark: rich-text links, each piece under the body limit, every stop in one paragraph", () => {
    const { text, names } = dayList(400);
    const pieces = renderLark({ text });
    expect(pieces.length).toBeGreaterThan(1);
    const paragraphs: { tag: string; text: string; href?: string }[][] = [];
    for (const p of pieces) {
      expect(Buffer.byteLength(JSON.stringify({ receive_id: "oc_x", msg_type: p.msg_type, content: p.content }))).toBeLessThan(LARK_BODY_LIMIT);
      paragraphs.push(...(JSON.parse(p.content).zh_cn.content as { tag: string; text: string; href?: string }[][]));
    }
    names.forEach((name, i) => {
      const para = paragraphs.find((els) => els[0]?.text.startsWith(`${i + 1}. ${name} · `));
      expect(para, `stop ${i + 1}`).toBeDefined();
      expect(para!.at(-1)).toMatchObject({ tag: "a", text: "🧭导航" });
      expect(para!.at(-1)!.href).toMatch(/^https:\/\/uri\.amap\.com\/marker\?/);
    });
  });

  it("WeChat: short text, the full address only for the next stop, split between stops", () => {
    const { text, names } = dayList(60);
    const pieces = renderWechat({ text });
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(WECHAT_TEXT_LIMIT);
    const all = pieces.join("\n");
    expect(all.match(/https:\/\//g)).toHaveLength(1);
    // Links it cannot show leave no dangling label behind.
    expect(all.match(/🧭导航/g)).toHaveLength(1);
    expect(all).not.toMatch(/ · \n/);
    expect(all).toContain(`1. ${names[0]} · `);
    names.forEach((name, i) => expect(pieces.filter((p) => p.includes(`${i + 1}. ${name} · `)), `stop ${i + 1}`).toHaveLength(1));
    expect(plainText(text, { urls: "none" })).not.toContain("https://");
  });
});
