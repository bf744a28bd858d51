import type { Vec } from '../types/vec.js';
import { int64Halves } from './key-hash.js';

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'cross';

/** Keys of up to this many 32-bit words (an int64 or double key is two) are stored in the hash table's entries. */
const MAX_INLINE_WORDS = 2;

/**
 * Join keys of one side rewritten as 32-bit words per row, column-major, so both sides compare
 * and hash as plain integers. Strings become ids in the build side's id space; `matchable` is 0
 * for rows that can never match (a null key, or a probe string the build side does not contain).
 */
interface KeyWords {
  readonly words: Int32Array[];
  readonly matchable: Uint8Array | null;
}

function markNulls(matchable: Uint8Array | null, key: Vec, numRows: number): Uint8Array | null {
  if (key.type.kind === 'null') return new Uint8Array(numRows);
  if (key.validity === null) return matchable;
  const out = matchable ?? new Uint8Array(numRows).fill(1);
  const valid = key.validity;
  for (let i = 0; i < numRows; i++) out[i] = out[i]! & valid[i]!;
  return out;
}

/** Interns build-side strings: each distinct string gets one id, looked up once per dictionary entry. */
class StringIds {
  private readonly ids = new Map<string, number>();

  buildCodes(dict: readonly string[]): Int32Array {
    const out = new Int32Array(dict.length);
    for (let k = 0; k < dict.length; k++) {
      const s = dict[k]!;
      let id = this.ids.get(s);
      if (id === undefined) { id = this.ids.size; this.ids.set(s, id); }
      out[k] = id;
    }
    return out;
  }

  /** Ids for a probe dictionary; -1 for strings the build side never had. */
  probeCodes(dict: readonly string[]): Int32Array {
    const out = new Int32Array(dict.length);
    for (let k = 0; k < dict.length; k++) out[k] = this.ids.get(dict[k]!) ?? -1;
    return out;
  }
}

function keyWords(keys: readonly Vec[], numRows: number, stringIds: StringIds[], isBuild: boolean): KeyWords {
  const words: Int32Array[] = [];
  let matchable: Uint8Array | null = null;
  keys.forEach((key, column) => {
    matchable = markNulls(matchable, key, numRows);
    switch (key.type.kind) {
      case 'null':
        words.push(new Int32Array(numRows));
        return;
      case 'int32': case 'date':
        words.push(key.values as Int32Array);
        return;
      case 'boolean':
        words.push(Int32Array.from(key.values as Uint8Array));
        return;
      case 'int64': case 'decimal': {
        const halves = int64Halves(key.values as BigInt64Array);
        const low = new Int32Array(numRows);
        const high = new Int32Array(numRows);
        for (let i = 0; i < numRows; i++) { low[i] = halves[2 * i]!; high[i] = halves[2 * i + 1]!; }
        words.push(low, high);
        return;
      }
      case 'float64': case 'timestamp': {
        const v = key.values as Float64Array;
        const low = new Int32Array(numRows);
        const high = new Int32Array(numRows);
        const scratch = new Float64Array(1);
        const bits = new Int32Array(scratch.buffer);
        for (let i = 0; i < numRows; i++) {
          const x = v[i]!;
          // Spark's join keys treat -0.0 as 0.0 and all NaNs as one value (NaN = NaN matches).
          if (x === 0) continue;
          if (x !== x) { high[i] = 0x7ff80000; continue; }
          scratch[0] = x;
          low[i] = bits[0]!;
          high[i] = bits[1]!;
        }
        words.push(low, high);
        return;
      }
      case 'utf8': {
        const ids = stringIds[column] ??= new StringIds();
        const remap = isBuild ? ids.buildCodes(key.dict!) : ids.probeCodes(key.dict!);
        const codes = key.values as Int32Array;
        const out = new Int32Array(numRows);
        let unknown = false;
        for (let i = 0; i < numRows; i++) {
          const id = remap[codes[i]!]!;
          out[i] = id;
          if (id < 0) unknown = true;
        }
        if (unknown) {
          const m: Uint8Array = matchable ?? new Uint8Array(numRows).fill(1);
          for (let i = 0; i < numRows; i++) if (out[i]! < 0) m[i] = 0;
          matchable = m;
        }
        words.push(out);
        return;
      }
      case 'list':
        throw new TypeError('Joining on array keys is not supported');
    }
  });
  return { words, matchable };
}

function hashWords(words: readonly Int32Array[], numRows: number): Int32Array {
  const hashes = new Int32Array(numRows).fill(0x2f1b5c37);
  for (const w of words) {
    for (let i = 0; i < numRows; i++) {
      let k = Math.imul(w[i]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      let h = hashes[i]! ^ k;
      h = (h << 13) | (h >>> 19);
      hashes[i] = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  for (let i = 0; i < numRows; i++) {
    let h = hashes[i]!;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    hashes[i] = h ^ (h >>> 16);
  }
  return hashes;
}

/**
 * Hash table over the build side of an equi-join. Build rows with equal keys form one group
 * (found by open addressing on the key hash), and each group's rows are stored contiguously,
 * so a probe compares keys once per probe row and then copies the group's row indices.
 */
export class JoinHashTable {
  private readonly stringIds: StringIds[] = [];
  private readonly buildWords: Int32Array[];
  private readonly numBuildRows: number;
  /** Open-addressing entries: a group id (-1 = empty), followed by its key words when they are inline. */
  private readonly slots: Int32Array;
  private readonly slotMask: number;
  private readonly inlineKeys: boolean;
  /** Int32s per entry. */
  private readonly stride: number;
  private readonly groupHash: Int32Array;
  /** One build row per group, to compare probe keys against. */
  private readonly groupRepresentative: Int32Array;
  /** Rows of group g are groupRows[groupStart[g] .. groupStart[g + 1]), ascending. */
  private readonly groupStart: Int32Array;
  private readonly groupRows: Int32Array;
  private readonly groupOfRow: Int32Array;
  private readonly groupMatched: Uint8Array;

  constructor(buildKeys: readonly Vec[], numBuildRows: number) {
    this.numBuildRows = numBuildRows;
    const { words, matchable } = keyWords(buildKeys, numBuildRows, this.stringIds, true);
    this.buildWords = words;
    const hashes = hashWords(words, numBuildRows);
    let capacity = 16;
    while (capacity < numBuildRows * 2) capacity *= 2;
    this.slotMask = capacity - 1;
    this.inlineKeys = words.length <= MAX_INLINE_WORDS;
    this.stride = this.inlineKeys ? 1 + words.length : 1;
    this.slots = new Int32Array(capacity * this.stride).fill(-1);
    // Only lookups without inline keys follow a group to its hash and representative row.
    this.groupHash = new Int32Array(this.inlineKeys ? 0 : numBuildRows);
    this.groupRepresentative = new Int32Array(this.inlineKeys ? 0 : numBuildRows);
    const groupOfRow = new Int32Array(numBuildRows);
    let numGroups = 0;
    for (let row = 0; row < numBuildRows; row++) {
      if (matchable !== null && matchable[row] === 0) { groupOfRow[row] = -1; continue; }
      const h = hashes[row]!;
      const pos = this.lookup(words, row, h);
      let group = this.slots[pos]!;
      if (group === -1) {
        group = numGroups++;
        this.slots[pos] = group;
        if (this.inlineKeys) {
          for (let k = 0; k < words.length; k++) this.slots[pos + 1 + k] = words[k]![row]!;
        } else {
          this.groupHash[group] = h;
          this.groupRepresentative[group] = row;
        }
      }
      groupOfRow[row] = group;
    }
    const groupStart = new Int32Array(numGroups + 1);
    for (let row = 0; row < numBuildRows; row++) { const g = groupOfRow[row]!; if (g >= 0) groupStart[g + 1]!++; }
    for (let g = 0; g < numGroups; g++) groupStart[g + 1]! += groupStart[g]!;
    const fill = groupStart.slice(0, numGroups);
    const groupRows = new Int32Array(groupStart[numGroups]!);
    for (let row = 0; row < numBuildRows; row++) { const g = groupOfRow[row]!; if (g >= 0) groupRows[fill[g]!++] = row; }
    this.groupStart = groupStart;
    this.groupRows = groupRows;
    this.groupOfRow = groupOfRow;
    this.groupMatched = new Uint8Array(numGroups);
  }

  /**
   * Index in `slots` of the entry holding the key of `row` (in `words`), or of the free entry where it would
   * go. With inline keys an entry is [group, key words...]: a probe compares the key in the entry it lands on,
   * one cache line, instead of following the group to its hash, representative row and that row's key words
   * (four dependent cache misses per probe row on a large build side).
   */
  private lookup(words: readonly Int32Array[], row: number, h: number): number {
    const slots = this.slots;
    const mask = this.slotMask;
    const numWords = words.length;
    if (this.inlineKeys) {
      const stride = this.stride;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const pos = slot * stride;
        if (slots[pos] === -1) return pos;
        let same = true;
        for (let k = 0; k < numWords; k++) if (slots[pos + 1 + k] !== words[k]![row]) { same = false; break; }
        if (same) return pos;
      }
    }
    const build = this.buildWords;
    for (let pos = h & mask; ; pos = (pos + 1) & mask) {
      const group = slots[pos]!;
      if (group === -1) return pos;
      if (this.groupHash[group] !== h) continue;
      const rep = this.groupRepresentative[group]!;
      let same = true;
      for (let k = 0; k < numWords; k++) if (build[k]![rep] !== words[k]![row]) { same = false; break; }
      if (same) return pos;
    }
  }

  /** Group id of each probe row's key, -1 where it has no match. */
  private findGroups(probeKeys: readonly Vec[], numProbeRows: number): Int32Array {
    const { words, matchable } = keyWords(probeKeys, numProbeRows, this.stringIds, false);
    const hashes = hashWords(words, numProbeRows);
    const found = new Int32Array(numProbeRows);
    for (let row = 0; row < numProbeRows; row++) {
      if (matchable !== null && matchable[row] === 0) { found[row] = -1; continue; }
      found[row] = this.slots[this.lookup(words, row, hashes[row]!)]!;
    }
    return found;
  }

  probe(probeKeys: readonly Vec[], numProbeRows: number, type: JoinType): { probeIdx: Int32Array; buildIdx: Int32Array } {
    if (type === 'cross') return this.crossProduct(numProbeRows);
    const groups = this.findGroups(probeKeys, numProbeRows);
    if (type === 'semi' || type === 'anti') {
      const wantMatch = type === 'semi';
      let count = 0;
      for (let row = 0; row < numProbeRows; row++) if ((groups[row]! >= 0) === wantMatch) count++;
      const probeIdx = new Int32Array(count);
      let at = 0;
      for (let row = 0; row < numProbeRows; row++) if ((groups[row]! >= 0) === wantMatch) probeIdx[at++] = row;
      return { probeIdx, buildIdx: new Int32Array(0) };
    }
    const keepUnmatchedProbe = type === 'left' || type === 'full';
    const start = this.groupStart;
    let count = 0;
    for (let row = 0; row < numProbeRows; row++) {
      const g = groups[row]!;
      if (g >= 0) count += start[g + 1]! - start[g]!;
      else if (keepUnmatchedProbe) count++;
    }
    const probeIdx = new Int32Array(count);
    const buildIdx = new Int32Array(count);
    const rows = this.groupRows;
    const matched = this.groupMatched;
    let at = 0;
    for (let row = 0; row < numProbeRows; row++) {
      const g = groups[row]!;
      if (g < 0) {
        if (keepUnmatchedProbe) { probeIdx[at] = row; buildIdx[at++] = -1; }
        continue;
      }
      matched[g] = 1;
      const end = start[g + 1]!;
      for (let k = start[g]!; k < end; k++) { probeIdx[at] = row; buildIdx[at++] = rows[k]!; }
    }
    return { probeIdx, buildIdx };
  }

  private crossProduct(numProbeRows: number): { probeIdx: Int32Array; buildIdx: Int32Array } {
    const n = this.numBuildRows;
    const total = numProbeRows * n;
    if (total > 0x7fffffff) throw new RangeError(`Cross join batch of ${total} rows is too large; probe with smaller batches`);
    const probeIdx = new Int32Array(total);
    const buildIdx = new Int32Array(total);
    for (let row = 0; row < numProbeRows; row++) {
      const base = row * n;
      probeIdx.fill(row, base, base + n);
      for (let b = 0; b < n; b++) buildIdx[base + b] = b;
    }
    return { probeIdx, buildIdx };
  }

  unmatchedBuildRows(): Int32Array {
    const groupOfRow = this.groupOfRow;
    const matched = this.groupMatched;
    let count = 0;
    for (let row = 0; row < this.numBuildRows; row++) { const g = groupOfRow[row]!; if (g < 0 || matched[g] === 0) count++; }
    const out = new Int32Array(count);
    let at = 0;
    for (let row = 0; row < this.numBuildRows; row++) { const g = groupOfRow[row]!; if (g < 0 || matched[g] === 0) out[at++] = row; }
    return out;
  }
}
