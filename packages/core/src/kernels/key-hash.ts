import type { Vec } from '../types/vec.js';

/**
 * Key helpers shared by joins, sorts and partitioning: string ordering by code point,
 * dictionary ranks, and Spark's Murmur3 row hash.
 */

/** Maps a UTF-16 code unit so that plain unit comparison gives code point (= UTF-8 byte) order. */
function codePointOrderUnit(c: number): number {
  if (c < 0xd800) return c;
  // Surrogates encode code points above U+FFFF, so they must sort after U+E000..U+FFFF.
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Compares strings in Unicode code point order, the order Spark gets from UTF-8 bytes. */
export function compareStringsByCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

/**
 * Dense rank of each dictionary entry in code point order (equal strings share a rank).
 * Computed once per dictionary entry so row comparisons become integer comparisons.
 */
export function dictionaryRanks(dict: readonly string[]): { ranks: Int32Array; distinct: number } {
  const order = new Int32Array(dict.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((x, y) => compareStringsByCodePoint(dict[x]!, dict[y]!));
  const ranks = new Int32Array(dict.length);
  let rank = -1;
  for (let k = 0; k < order.length; k++) {
    if (k === 0 || dict[order[k]!] !== dict[order[k - 1]!]) rank++;
    ranks[order[k]!] = rank;
  }
  return { ranks, distinct: rank + 1 };
}

const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593 | 0;

function mixK1(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH1(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Murmur3_x86_32.hashInt as in Spark. */
export const murmurHashInt = (value: number, seed: number): number => fmix(mixH1(seed, mixK1(value)), 4);

/** Murmur3_x86_32.hashLong as in Spark, with the long given as its two 32-bit halves. */
export const murmurHashLong = (low: number, high: number, seed: number): number =>
  fmix(mixH1(mixH1(seed, mixK1(low)), mixK1(high)), 8);

/** Spark's Murmur3_x86_32.hashUnsafeBytes: whole little-endian words, then each tail byte sign-extended. */
export function murmurHashBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  const length = end - start;
  const aligned = start + (length - (length & 3));
  let h = seed;
  let i = start;
  for (; i < aligned; i += 4) {
    const word = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = mixH1(h, mixK1(word));
  }
  for (; i < end; i++) h = mixH1(h, mixK1((bytes[i]! << 24) >> 24));
  return fmix(h, length);
}

/** UTF-8 bytes of every dictionary entry, flat, with offsets (length dict.length + 1). */
export function encodeDictionaryUtf8(dict: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  let capacity = 0;
  for (const s of dict) capacity += s.length * 3;
  const bytes = new Uint8Array(capacity);
  const offsets = new Int32Array(dict.length + 1);
  const encoder = new TextEncoder();
  let at = 0;
  for (let k = 0; k < dict.length; k++) {
    at += encoder.encodeInto(dict[k]!, bytes.subarray(at)).written;
    offsets[k + 1] = at;
  }
  return { bytes, offsets };
}

/** The low and high 32-bit halves of each slot of a BigInt64Array, read without BigInt arithmetic. */
export function int64Halves(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

const TWO_POW_32 = 4294967296;

/**
 * Folds one column into running Murmur3 row hashes exactly as Spark's Murmur3Hash expression does:
 * a null leaves the hash unchanged; -0.0 hashes as 0.0 and every NaN as the canonical NaN.
 */
export function foldSparkMurmur3(hashes: Int32Array, key: Vec, numRows: number): void {
  const valid = key.validity;
  switch (key.type.kind) {
    case 'null':
      return;
    case 'boolean': case 'int32': case 'date': {
      const v = key.values as Int32Array | Uint8Array;
      for (let i = 0; i < numRows; i++) if (valid === null || valid[i] === 1) hashes[i] = murmurHashInt(v[i]!, hashes[i]!);
      return;
    }
    case 'int64': case 'decimal': {
      // Spark hashes decimals of precision <= 18 by their unscaled long, which is what the vector stores.
      const halves = int64Halves(key.values as BigInt64Array);
      for (let i = 0; i < numRows; i++) {
        if (valid === null || valid[i] === 1) hashes[i] = murmurHashLong(halves[2 * i]!, halves[2 * i + 1]!, hashes[i]!);
      }
      return;
    }
    case 'timestamp': {
      const v = key.values as Float64Array;
      for (let i = 0; i < numRows; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const micros = v[i]!;
        hashes[i] = murmurHashLong(micros | 0, Math.floor(micros / TWO_POW_32) | 0, hashes[i]!);
      }
      return;
    }
    case 'float64': {
      const v = key.values as Float64Array;
      const scratch = new Float64Array(1);
      const bits = new Int32Array(scratch.buffer);
      for (let i = 0; i < numRows; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const x = v[i]!;
        if (x === 0) { hashes[i] = murmurHashLong(0, 0, hashes[i]!); continue; }
        if (x !== x) { hashes[i] = murmurHashLong(0, 0x7ff80000, hashes[i]!); continue; }
        scratch[0] = x;
        hashes[i] = murmurHashLong(bits[0]!, bits[1]!, hashes[i]!);
      }
      return;
    }
    case 'utf8': {
      const { bytes, offsets } = encodeDictionaryUtf8(key.dict!);
      const codes = key.values as Int32Array;
      for (let i = 0; i < numRows; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const c = codes[i]!;
        hashes[i] = murmurHashBytes(bytes, offsets[c]!, offsets[c + 1]!, hashes[i]!);
      }
      return;
    }
    case 'list':
      throw new TypeError('Hashing array keys is not supported');
  }
}

/** Spark's default hash seed for Murmur3Hash and hash partitioning. */
export const SPARK_HASH_SEED = 42;

/** Spark's `hash(k1, k2, ...)` per row: the value hash partitioning takes modulo the partition count. */
export function sparkMurmur3RowHashes(keys: readonly Vec[], numRows: number): Int32Array {
  const hashes = new Int32Array(numRows).fill(SPARK_HASH_SEED);
  for (const key of keys) foldSparkMurmur3(hashes, key, numRows);
  return hashes;
}
