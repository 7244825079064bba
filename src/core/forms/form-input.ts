/**
 * Reading what people type into a form: control words, numbers (also full-width and simple Chinese
 * numerals), yes/no words, lists of option numbers. Pure functions.
 */

export type ControlWord = "back" | "skip" | "cancel" | "continue" | "leave" | "done";

const CONTROL_WORDS: Record<ControlWord, string[]> = {
  back: ["$back", "返回", "上一步", "回上一步", "退回", "back", "/back", "／back"],
  skip: ["$skip", "跳过", "略过", "不填", "skip", "/skip", "／skip"],
  cancel: ["$cancel", "取消", "放弃", "退出", "cancel", "/cancel", "／cancel", "quit"],
  continue: ["$continue", "继续", "继续填写", "continue"],
  leave: ["$leave"],
  done: ["$done", "完成", "好了", "选好了", "done", "ok", "finish"],
};

/** Width-folds full-width ASCII (１２３，ＡＢＣ) and trims. */
export function normalizeInput(text: string): string {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ")
    .trim();
}

/**
 * A time of day as people type it: 14:30, 7:05, ２２：００, 9点, 9点半, 下午2点30 → "HH:MM" (24 h);
 * null when it is no time of day.
 */
export function parseTimeOfDay(text: string): string | null {
  const m = /^(上午|早上|中午|下午|晚上)?(\d{1,2})(?:[:点时](\d{1,2})?(半)?分?)?$/.exec(normalizeInput(text));
  if (!m) return null;
  let h = Number(m[2]);
  const min = m[4] ? 30 : Number(m[3] ?? 0);
  if ((m[1] === "下午" || m[1] === "晚上") && h < 12) h += 12;
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, "0")}:${String(min).padStart(2, "0")}`;
}

function bare(text: string): string {
  return normalizeInput(text)
    .toLowerCase()
    .replace(/[。.!！~～]+$/u, "");
}

export function controlWord(text: string, allowed: ControlWord[] = ["back", "skip", "cancel", "continue", "leave"]): ControlWord | null {
  const s = bare(text);
  for (const w of allowed) if (CONTROL_WORDS[w].includes(s)) return w;
  return null;
}

const YES = ["yes", "y", "是", "是的", "对", "对的", "有", "有的", "好", "好的", "嗯", "已", "已经", "已签", "签了", "行", "可以", "能", "true", "1"];
const NO = ["no", "n", "否", "不", "不是", "没有", "没", "无", "未", "还没", "没签", "不行", "不能", "false", "0"];

export function parseYesNo(text: string): boolean | null {
  const s = bare(text);
  if (s === "$yes" || YES.includes(s)) return true;
  if (s === "$no" || NO.includes(s)) return false;
  return null;
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 0–999 in Chinese numerals: 十五, 二十, 一百二十, 两百, 三十五. */
export function parseChineseNumber(s: string): number | null {
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(s)) return null;
  let total = 0;
  let digit: number | null = null;
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch]!;
    } else if (ch === "十") {
      total += (digit ?? 1) * 10;
      digit = null;
    } else if (ch === "百") {
      if (digit === null) return null;
      total += digit * 100;
      digit = null;
    }
  }
  return total + (digit ?? 0);
}

/**
 * A number, optionally followed by a unit word ("15分钟", "20 条", "3.5元"). Returns null for
 * anything else (so "12 15" or "abc" are bad answers, not silently half-read).
 */
export function parseNumber(text: string): number | null {
  const s = normalizeInput(text).replace(/,/g, "").replace(/^约/, "");
  const m = /^([-+]?\d+(?:\.\d+)?)\s*([^\d\s.]{0,6})$/u.exec(s);
  if (m) return Number(m[1]);
  const cn = /^([零〇一二两三四五六七八九十百]+)\s*([^\d\s]{0,6})$/u.exec(s);
  if (cn) {
    // "一个小时" etc. are left to step parsers; here the unit must not itself be a numeral.
    return parseChineseNumber(cn[1]!);
  }
  return null;
}

/** "1 3 5", "1,3,5", "1、3、5", "1，3" → ["1","3","5"]. */
export function splitTokens(text: string): string[] {
  return normalizeInput(text)
    .split(/[\s,，、;；/|]+/u)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Loose label comparison: case, spaces, a leading check mark or numbering are ignored. */
export function sameLabel(a: string, b: string): boolean {
  const f = (s: string) =>
    normalizeInput(s)
      .toLowerCase()
      .replace(/^(✓|✅|☑️?|✔️?)\s*/u, "")
      .replace(/^\d+[.)、]\s*/, "")
      .replace(/\s+/g, "");
  return f(a) === f(b) && f(a).length > 0;
}
