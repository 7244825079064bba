/**
 * Every code of an import file and the row it first appeared in, for the duplicate check.
 *
 * Why not a Map<string, number>: 300k codes as heap strings plus map entries are ~30 MB the
 * collector has to trace, and V8 grows the heap a few times over what stays live, so that map
 * alone added ~100 MB to a 300k-row import's peak. Here the code units sit in one typed-array
 * arena and an open-addressing table of offsets: ~10 MB outside the traced heap.
 */
export class CodeIndex {
  /** Code units of every code, back to back. */
  private arena = new Uint16Array(1 << 16);
  private used = 0;
  /** Per slot: arena offset + 1 (0 = empty). */
  private slots = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private rows = new Int32Array(1 << 12);
  size = 0;

  private static hash(s: string): number {
    // FNV-1a over UTF-16 code units.
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  private matches(slot: number, s: string): boolean {
    if (this.lengths[slot] !== s.length) return false;
    const at = this.slots[slot]! - 1;
    for (let i = 0; i < s.length; i++) if (this.arena[at + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private find(s: string, h: number): number {
    const mask = this.slots.length - 1;
    let slot = h & mask;
    while (this.slots[slot] !== 0 && !this.matches(slot, s)) slot = (slot + 1) & mask;
    return slot;
  }

  /** The row `code` was first added with, or undefined. */
  get(code: string): number | undefined {
    const slot = this.find(code, CodeIndex.hash(code));
    return this.slots[slot] === 0 ? undefined : this.rows[slot];
  }

  /** Adds `code` first seen in `row`; returns the earlier row when it was already there. */
  addFirst(code: string, row: number): number | undefined {
    const h = CodeIndex.hash(code);
    let slot = this.find(code, h);
    if (this.slots[slot] !== 0) return this.rows[slot];
    if ((this.size + 1) * 2 > this.slots.length) {
      this.grow();
      slot = this.find(code, h);
    }
    while (this.used + code.length > this.arena.length) {
      const bigger = new Uint16Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    for (let i = 0; i < code.length; i++) this.arena[this.used + i] = code.charCodeAt(i);
    this.slots[slot] = this.used + 1;
    this.lengths[slot] = code.length;
    this.rows[slot] = row;
    this.used += code.length;
    this.size++;
    return undefined;
  }

  private grow(): void {
    const { slots, lengths, rows } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.lengths = new Int32Array(slots.length * 2);
    this.rows = new Int32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let old = 0; old < slots.length; old++) {
      if (slots[old] === 0) continue;
      const at = slots[old]! - 1;
      let h = 0x811c9dc5;
      for (let i = 0; i < lengths[old]!; i++) h = Math.imul(h ^ this.arena[at + i]!, 0x01000193);
      let slot = (h >>> 0) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = slots[old]!;
      this.lengths[slot] = lengths[old]!;
      this.rows[slot] = rows[old]!;
    }
  }
}
