/**
 * Compares strings in UTF-8 byte order (Spark's and DuckDB's string order), which is code point order.
 * JS `<` compares UTF-16 units and ranks U+E000..U+FFFF above astral characters; this does not.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return (a.codePointAt(i) ?? x) - (b.codePointAt(i) ?? y);
  }
  return a.length - b.length;
}

/** Rank of every dictionary entry in UTF-8 order, so per-row string comparisons become integer comparisons. */
export class DictionaryRanks {
  private lastDict: readonly string[] | null = null;
  private lastRanks = new Int32Array(0);

  of(dict: readonly string[]): Int32Array {
    if (dict === this.lastDict) return this.lastRanks;
    const order = Array.from({ length: dict.length }, (_, i) => i).sort((i, j) => compareUtf8(dict[i]!, dict[j]!));
    const ranks = new Int32Array(dict.length);
    for (let r = 0; r < order.length; r++) ranks[order[r]!] = r;
    this.lastDict = dict;
    this.lastRanks = ranks;
    return ranks;
  }
}
