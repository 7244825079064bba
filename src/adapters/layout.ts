import type { Choice } from "../core/chat.ts";

/** Short labels share a row (3 or 2 per row); long ones get a row each. */
export function keyboardRows<T>(choices: Choice[], toButton: (c: Choice) => T): T[][] {
  const widest = Math.max(...choices.map((c) => displayWidth(c.label)));
  const perRow = widest <= 8 ? 3 : widest <= 16 ? 2 : 1;
  const rows: T[][] = [];
  for (let i = 0; i < choices.length; i += perRow) rows.push(choices.slice(i, i + perRow).map(toButton));
  return rows;
}

/** CJK characters are about twice as wide as Latin ones on a phone screen. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}
