// String columns kept as Arrow's UTF-8 bytes and offsets. A column read from Arrow (Parquet, shuffle and cache
// blocks) stays bytes until a kernel asks for its dictionary codes, so a column that is only carried along
// (a join's payload, a shuffle's rows, a collected answer) is never hashed or decoded into JS strings: it is
// gathered, sliced, concatenated and written back as bytes.
import type { DataType } from './data-type.js';
import type { Vec } from './vec.js';

/** Row i is data[offsets[i], offsets[i + 1]); offsets may start above 0 (after a slice). */
export interface Utf8Bytes {
  readonly data: Uint8Array;
  readonly offsets: Int32Array;
  /** Whether the codes and dictionary have been computed (then kernels on codes cost nothing more). */
  readonly encoded: boolean;
}

/** FNV-1a of bytes[start, end): the hash string columns are compared by while they are bytes. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h;
}

/** Copies src[from, from + len) to dst at `at`: short strings (ids, codes) copy faster in a loop than through a subarray. */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, len: number): void {
  if (len > 32) { dst.set(src.subarray(from, from + len), at); return; }
  for (let k = 0; k < len; k++) dst[at + k] = src[from + k]!;
}

/**
 * Dictionary-encodes strings given as UTF-8 byte ranges [starts[i], ends[i]) of `bytes`: rows are hashed
 * and compared as bytes, and only the first occurrence of each distinct value is decoded into a JS string.
 * Rows whose validity is 0 get code 0.
 */
export function dictionaryEncodeRanges(
  bytes: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, validity: Uint8Array | null,
): { codes: Int32Array; dict: string[] } {
  const codes = new Int32Array(n);
  const dict: string[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let cap = 16;
  while (cap < n * 2) cap <<= 1;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);
  const firstRow: number[] = [];
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) continue;
    const s = starts[i]!, e = ends[i]!;
    const h = hashBytes(bytes, s, e);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const c = slots[slot]!;
      if (c < 0) {
        const code = dict.length;
        slots[slot] = code;
        firstRow.push(i);
        dict.push(buf.toString('utf8', s, e));
        codes[i] = code;
        break;
      }
      const r = firstRow[c]!;
      const rs = starts[r]!, len = ends[r]! - rs;
      if (len === e - s) {
        let k = 0;
        while (k < len && bytes[rs + k] === bytes[s + k]) k++;
        if (k === len) { codes[i] = c; break; }
      }
      slot = (slot + 1) & mask;
    }
  }
  return { codes, dict };
}

/**
 * A utf8 vector over UTF-8 bytes. Its `values` (codes) and `dict` are ordinary enumerable properties that
 * encode the bytes on first read, once, so every kernel written for dictionary codes works on it unchanged.
 * `utf8` is not enumerable: a vector derived by spreading this one (`{ ...v, dict: ... }`) may hold other
 * strings, and must not carry bytes that no longer match its codes.
 */
export function utf8BytesVec(type: DataType, length: number, validity: Uint8Array | null, data: Uint8Array, offsets: Int32Array): Vec {
  let encoded: { codes: Int32Array; dict: string[] } | null = null;
  const encode = () => (encoded ??= dictionaryEncodeRanges(data, offsets.subarray(0, length), offsets.subarray(1, length + 1), length, validity));
  const vec = {
    type, length, validity,
    get values() { return encode().codes; },
    get dict() { return encode().dict; },
  };
  const utf8: Utf8Bytes = { data, offsets, get encoded() { return encoded !== null; } };
  return Object.defineProperty(vec, 'utf8', { value: utf8, enumerable: false });
}

/** The bytes of a vector still worth handling as bytes: read from Arrow and not yet encoded. */
export function pendingUtf8(v: Vec): Utf8Bytes | null {
  return v.utf8 && !v.utf8.encoded ? v.utf8 : null;
}

/** Row i of a bytes vector as a string, without encoding the column. */
export function utf8At(b: Utf8Bytes, i: number): string {
  return Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('utf8', b.offsets[i]!, b.offsets[i + 1]!);
}

/** Gathers rows by index as bytes; an index of -1 gives an empty (null) slot. */
export function takeUtf8Bytes(v: Vec, b: Utf8Bytes, indices: Int32Array, validity: Uint8Array | null): Vec {
  const { data, offsets } = b;
  const n = indices.length;
  const out = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (j >= 0) total += offsets[j + 1]! - offsets[j]!;
    out[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (j < 0) continue;
    copyBytes(bytes, out[i]!, data, offsets[j]!, offsets[j + 1]! - offsets[j]!);
  }
  return utf8BytesVec(v.type, n, validity, bytes, out);
}

/** Rows [s, e) of a bytes vector: views, no copy. */
export function sliceUtf8Bytes(v: Vec, b: Utf8Bytes, s: number, e: number, validity: Uint8Array | null): Vec {
  return utf8BytesVec(v.type, e - s, validity, b.data, b.offsets.subarray(s, e + 1));
}

/** Concatenates bytes vectors (and all-null ones, as empty slots) into one; `validity` is the caller's. */
export function concatUtf8Bytes(type: DataType, vecs: readonly Vec[], n: number, validity: Uint8Array | null): Vec {
  let total = 0;
  for (const v of vecs) if (v.utf8) total += v.utf8.offsets[v.length]! - v.utf8.offsets[0]!;
  const data = new Uint8Array(total);
  const offsets = new Int32Array(n + 1);
  let row = 0, at = 0;
  for (const v of vecs) {
    const b = v.utf8;
    if (!b) {
      offsets.fill(at, row + 1, row + 1 + v.length);
      row += v.length;
      continue;
    }
    const base = b.offsets[0]!, end = b.offsets[v.length]!;
    data.set(b.data.subarray(base, end), at);
    const shift = at - base;
    for (let i = 1; i <= v.length; i++) offsets[row + i] = b.offsets[i]! + shift;
    row += v.length;
    at += end - base;
  }
  return utf8BytesVec(type, n, validity, data, offsets);
}
