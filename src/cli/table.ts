/** Columns a terminal gives a string: Chinese characters and full-width punctuation take two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6);
    w += wide ? 2 : 1;
  }
  return w;
}

/**
 * The command line's tables: columns two spaces apart, padded to the widest cell as a terminal
 * shows it (Chinese headers and names line up). Cells are left-aligned (the last column not
 * padded), or right-aligned in the columns `rightAligned` names (figures).
 */
export function table(rows: string[][], rightAligned: (column: number) => boolean = () => false): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ""))));
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          const pad = " ".repeat(widths[i]! - displayWidth(c));
          if (rightAligned(i)) return pad + c;
          return i === r.length - 1 ? c : c + pad;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
