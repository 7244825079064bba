/**
 * Splits a message into pieces a platform accepts. Lines stay whole where they fit; a line longer
 * than the limit is cut between characters (never inside a surrogate pair). `measure` must be
 * additive over characters (UTF-16 length, UTF-8 bytes, JSON-escaped bytes all are).
 */
export function splitText(text: string, max: number, measure: (s: string) => number = (s) => s.length): string[] {
  if (max <= 0) throw new Error("splitText: max must be positive");
  if (measure(text) <= max) return [text];
  const chunks: string[] = [];
  let current = "";
  let currentCost = 0;
  const newline = measure("\n");
  const flush = () => {
    if (current.trim()) chunks.push(current.replace(/\n+$/, ""));
    current = "";
    currentCost = 0;
  };
  for (const line of text.split("\n")) {
    const cost = measure(line);
    if (current && currentCost + newline + cost <= max) {
      current += "\n" + line;
      currentCost += newline + cost;
      continue;
    }
    if (!current && cost <= max) {
      current = line;
      currentCost = cost;
      continue;
    }
    flush();
    if (cost <= max) {
      current = line;
      currentCost = cost;
      continue;
    }
    // One line longer than a whole message: cut it by characters.
    for (const ch of line) {
      const c = measure(ch);
      if (currentCost + c > max) flush();
      current += ch;
      currentCost += c;
    }
  }
  flush();
  return chunks.length ? chunks : [""];
}

/** UTF-8 size of a string once it is JSON-encoded twice (a JSON `content` string inside a JSON body). */
export function doubleJsonBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(s))) - 6;
}
