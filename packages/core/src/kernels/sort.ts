import { type Vec, concatVecs, isNull } from '../types/vec.js';
import { compareStringsByCodePoint, dictionaryRanks, int64Halves } from './key-hash.js';

export interface SortKey { readonly ascending: boolean; readonly nullsFirst: boolean }

/**
 * Sort keys rewritten as unsigned 32-bit words per row, most significant first, such that
 * comparing the words of two rows as unsigned integers gives the Spark order of their keys
 * (direction, null placement, NaN above all numbers, -0.0 = 0.0, strings by code point).
 * Equal words mean equal keys, which windows use to find partitions and peers.
 */
export function encodeSortWords(keys: readonly Vec[], orders: readonly SortKey[], numRows: number): Uint32Array[] {
  const words: Uint32Array[] = [];
  const push = (w: Uint32Array): void => { const packed = subtractMinimum(w); if (packed !== null) words.push(packed); };
  keys.forEach((key, k) => {
    const order = orders[k]!;
    if (key.type.kind === 'null') return;
    const valid = key.validity;
    if (valid !== null) {
      const nullClass = new Uint32Array(numRows);
      const nullValue = order.nullsFirst ? 0 : 1;
      for (let i = 0; i < numRows; i++) nullClass[i] = valid[i] === 1 ? 1 - nullValue : nullValue;
      push(nullClass);
    }
    const flip = order.ascending ? 0 : 0xffffffff;
    switch (key.type.kind) {
      case 'boolean': case 'int32': case 'date': {
        const v = key.values as Int32Array | Uint8Array;
        const w = new Uint32Array(numRows);
        for (let i = 0; i < numRows; i++) w[i] = isNullAt(valid, i) ? 0 : ((v[i]! ^ 0x80000000) ^ flip) >>> 0;
        push(w);
        break;
      }
      case 'utf8': {
        const { ranks } = dictionaryRanks(key.dict!);
        const codes = key.values as Int32Array;
        const w = new Uint32Array(numRows);
        for (let i = 0; i < numRows; i++) w[i] = isNullAt(valid, i) ? 0 : (ranks[codes[i]!]! ^ flip) >>> 0;
        push(w);
        break;
      }
      case 'int64': case 'decimal': {
        const halves = int64Halves(key.values as BigInt64Array);
        const high = new Uint32Array(numRows);
        const low = new Uint32Array(numRows);
        for (let i = 0; i < numRows; i++) {
          if (isNullAt(valid, i)) continue;
          high[i] = ((halves[2 * i + 1]! ^ 0x80000000) ^ flip) >>> 0;
          low[i] = (halves[2 * i]! ^ flip) >>> 0;
        }
        push(high);
        push(low);
        break;
      }
      case 'float64': case 'timestamp': {
        const v = key.values as Float64Array;
        const scratch = new Float64Array(1);
        const bits = new Int32Array(scratch.buffer);
        const high = new Uint32Array(numRows);
        const low = new Uint32Array(numRows);
        for (let i = 0; i < numRows; i++) {
          if (isNullAt(valid, i)) continue;
          const x = v[i]!;
          scratch[0] = x === 0 ? 0 : x !== x ? NaN : x;
          let h = bits[1]!;
          let l = bits[0]!;
          // IEEE order as unsigned integers: negatives have every bit flipped, positives only the sign.
          if (h < 0) { h = ~h; l = ~l; } else h ^= 0x80000000;
          high[i] = (h ^ flip) >>> 0;
          low[i] = (l ^ flip) >>> 0;
        }
        push(high);
        push(low);
        break;
      }
      case 'list':
        throw new TypeError('Sorting by array columns is not supported');
    }
  });
  return words;
}

const isNullAt = (valid: Uint8Array | null, i: number): boolean => valid !== null && valid[i] === 0;

/** Rebases a word at its minimum so radix passes cover only the bits that vary; null when constant. */
function subtractMinimum(w: Uint32Array): Uint32Array | null {
  if (w.length === 0) return null;
  let min = w[0]!;
  let max = min;
  for (let i = 1; i < w.length; i++) { const x = w[i]!; if (x < min) min = x; else if (x > max) max = x; }
  if (min === max) return null;
  if (min !== 0) for (let i = 0; i < w.length; i++) w[i] = w[i]! - min;
  return w;
}

/** Merges adjacent narrow words into one so radix sorting and comparisons touch fewer arrays. */
function packWords(words: readonly Uint32Array[], numRows: number): Uint32Array[] {
  const widths = words.map((w) => {
    let max = 0;
    for (let i = 0; i < numRows; i++) if (w[i]! > max) max = w[i]!;
    return 32 - Math.clz32(max);
  });
  const packed: Uint32Array[] = [];
  let k = 0;
  while (k < words.length) {
    let end = k + 1;
    let width = widths[k]!;
    while (end < words.length && width + widths[end]! <= 32) width += widths[end++]!;
    if (end === k + 1) { packed.push(words[k]!); k = end; continue; }
    const out = new Uint32Array(numRows);
    for (let j = k; j < end; j++) {
      const w = words[j]!;
      const shift = widths[j]!;
      // Multiplication keeps the 32-bit composite unsigned where << would turn it negative.
      const scale = 2 ** shift;
      for (let i = 0; i < numRows; i++) out[i] = out[i]! * scale + w[i]!;
    }
    packed.push(out);
    k = end;
  }
  return packed;
}

/** Words for sorting or comparing rows: encoded, then narrow words packed together. */
export function sortWords(keys: readonly Vec[], orders: readonly SortKey[], numRows: number): Uint32Array[] {
  return packWords(encodeSortWords(keys, orders, numRows), numRows);
}

export function compareWordRows(words: readonly Uint32Array[], a: number, b: number): number {
  for (let k = 0; k < words.length; k++) {
    const x = words[k]![a]!;
    const y = words[k]![b]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const COMPARISON_SORT_MAX_ROWS = 256;

/** Stable LSD radix sort of row indices by the words, least significant word first. */
function radixSortByWords(words: readonly Uint32Array[], numRows: number): Int32Array {
  let order = new Int32Array(numRows);
  for (let i = 0; i < numRows; i++) order[i] = i;
  if (words.length === 0) return order;
  let spareOrder = new Int32Array(numRows);
  let digits = new Uint32Array(numRows);
  let spareDigits = new Uint32Array(numRows);
  for (let k = words.length - 1; k >= 0; k--) {
    const word = words[k]!;
    let max = 0;
    for (let i = 0; i < numRows; i++) { const x = word[order[i]!]!; digits[i] = x; if (x > max) max = x; }
    const width = 32 - Math.clz32(max);
    const passes = Math.ceil(width / 16);
    const bits = Math.ceil(width / passes);
    const mask = (1 << bits) - 1;
    const counts = new Int32Array(mask + 1);
    for (let shift = 0; shift < width; shift += bits) {
      counts.fill(0);
      for (let i = 0; i < numRows; i++) counts[(digits[i]! >>> shift) & mask]!++;
      if (counts[(digits[0]! >>> shift) & mask] === numRows) continue;
      let total = 0;
      for (let d = 0; d <= mask; d++) { const c = counts[d]!; counts[d] = total; total += c; }
      for (let i = 0; i < numRows; i++) {
        const x = digits[i]!;
        const at = counts[(x >>> shift) & mask]!++;
        spareOrder[at] = order[i]!;
        spareDigits[at] = x;
      }
      [order, spareOrder] = [spareOrder, order];
      [digits, spareDigits] = [spareDigits, digits];
    }
  }
  return order;
}

function comparisonSortByWords(words: readonly Uint32Array[], indices: Int32Array): Int32Array {
  return indices.sort((a, b) => compareWordRows(words, a, b) || a - b);
}

/** The `limit` first rows in order, by a bounded max-heap: one comparison for most rows. */
function topKByWords(words: readonly Uint32Array[], numRows: number, limit: number): Int32Array {
  const heap = new Int32Array(limit);
  // Ties go to the earlier row, so a later row never displaces an equal one (stability).
  const after = (a: number, b: number): boolean => { const c = compareWordRows(words, a, b); return c > 0 || (c === 0 && a > b); };
  const siftDown = (size: number): void => {
    let at = 0;
    const row = heap[0]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && after(heap[child + 1]!, heap[child]!)) child++;
      if (!after(heap[child]!, row)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = row;
  };
  let size = 0;
  for (let row = 0; row < numRows; row++) {
    if (size < limit) {
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!after(row, heap[parent]!)) break;
        heap[at] = heap[parent]!;
        at = parent;
      }
      heap[at] = row;
    } else if (after(heap[0]!, row)) {
      heap[0] = row;
      siftDown(size);
    }
  }
  return comparisonSortByWords(words, heap);
}

/** Orders row indices by precomputed words; with `limit`, returns only the first `limit` of them. */
export function sortIndicesByWords(words: readonly Uint32Array[], numRows: number, limit?: number): Int32Array {
  const take = limit === undefined ? numRows : Math.max(0, Math.min(limit, numRows));
  if (take < numRows && take <= numRows >> 4) return topKByWords(words, numRows, take);
  let order: Int32Array;
  if (numRows <= COMPARISON_SORT_MAX_ROWS) {
    order = new Int32Array(numRows);
    for (let i = 0; i < numRows; i++) order[i] = i;
    comparisonSortByWords(words, order);
  } else {
    order = radixSortByWords(words, numRows);
  }
  return take < numRows ? order.slice(0, take) : order;
}

/**
 * Stable permutation that orders rows by the key vectors in Spark order. With `limit`, returns
 * only the first `limit` indices of that permutation (a bounded heap when the limit is small).
 */
export function sortIndices(keys: readonly Vec[], orders: readonly SortKey[], limit?: number): Int32Array {
  const numRows = keys.length ? keys[0]!.length : 0;
  return sortIndicesByWords(sortWords(keys, orders, numRows), numRows, limit);
}

function compareValues(a: Vec, i: number, b: Vec, j: number): number {
  switch (a.type.kind) {
    case 'boolean': case 'int32': case 'date':
      return (a.values[i] as number) - (b.values[j] as number);
    case 'int64': case 'decimal': {
      const x = a.values[i] as bigint;
      const y = b.values[j] as bigint;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float64': case 'timestamp': {
      const x = a.values[i] as number;
      const y = b.values[j] as number;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
      // At least one NaN: NaN sorts above every number and equals itself.
      return (x !== x ? 1 : 0) - (y !== y ? 1 : 0);
    }
    case 'utf8':
      return compareStringsByCodePoint(a.dict![a.values[i] as number]!, b.dict![b.values[j] as number]!);
    case 'null':
      return 0;
    case 'list': case 'vector':
      throw new TypeError('Sorting by array or vector columns is not supported');
  }
}

export function compareRows(a: readonly Vec[], i: number, b: readonly Vec[], j: number, orders: readonly SortKey[]): number {
  for (let k = 0; k < orders.length; k++) {
    const order = orders[k]!;
    const x = a[k]!;
    const y = b[k]!;
    const xNull = isNull(x, i);
    const yNull = isNull(y, j);
    if (xNull || yNull) {
      if (xNull && yNull) continue;
      return xNull === order.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, i, y, j);
    if (c !== 0) return (c < 0) === order.ascending ? -1 : 1;
  }
  return 0;
}

/**
 * Merges runs sorted by the same keys. Keys are encoded once over all runs (string dictionaries
 * unified), then a heap of run cursors compares integer words; ties go to the earlier run.
 */
export function mergeSortedRuns(runKeys: readonly (readonly Vec[])[], orders: readonly SortKey[], limit?: number): { run: Int32Array; row: Int32Array } {
  const numRuns = runKeys.length;
  const runStart = new Int32Array(numRuns + 1);
  for (let r = 0; r < numRuns; r++) runStart[r + 1] = runStart[r]! + (runKeys[r]!.length ? runKeys[r]![0]!.length : 0);
  const totalRows = runStart[numRuns]!;
  const take = limit === undefined ? totalRows : Math.max(0, Math.min(limit, totalRows));
  const run = new Int32Array(take);
  const row = new Int32Array(take);
  if (take === 0) return { run, row };
  const keys = orders.map((_, k) => concatVecs(runKeys.find((r) => r[k]!.type.kind !== 'null')?.[k]!.type ?? runKeys[0]![k]!.type, runKeys.map((r) => r[k]!)));
  const words = sortWords(keys, orders, totalRows);
  const cursor = runStart.slice(0, numRuns);
  const heap = new Int32Array(numRuns);
  // Global row numbers grow with the run index, so comparing them breaks ties towards the earlier run.
  const before = (x: number, y: number): boolean => {
    const a = cursor[x]!;
    const b = cursor[y]!;
    const c = compareWordRows(words, a, b);
    return c < 0 || (c === 0 && a < b);
  };
  let size = 0;
  const siftDown = (): void => {
    let at = 0;
    const top = heap[0]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, top)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = top;
  };
  for (let r = 0; r < numRuns; r++) {
    if (runStart[r + 1]! === runStart[r]!) continue;
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(r, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = r;
  }
  for (let out = 0; out < take; out++) {
    const r = heap[0]!;
    run[out] = r;
    row[out] = cursor[r]! - runStart[r]!;
    cursor[r]!++;
    if (cursor[r] === runStart[r + 1]) heap[0] = heap[--size]!;
    siftDown();
  }
  return { run, row };
}
