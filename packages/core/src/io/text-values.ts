import { type DataType, BooleanType, DateType, Float64Type, Int32Type, Int64Type, TimestampType, Utf8Type } from '../types/data-type.js';
import { type Vec, allocValues, normalizeValidity } from '../types/vec.js';
import { castVec } from '../kernels/cast.js';
import { parseDate, parseTimestamp } from '../kernels/datetime.js';

/**
 * Text fields (CSV cells, JSON strings) to typed values, with the strictness of Spark's CSV parser
 * rather than CAST: "1.5" is not an int and "yes" is not a boolean. Each distinct string is parsed once.
 */

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseDouble(s: string): number | null {
  if (NUM_RE.test(s)) return Number(s);
  switch (s) {
    case 'NaN': return NaN;
    case 'Inf': case 'Infinity': case '+Inf': case '+Infinity': return Infinity;
    case '-Inf': case '-Infinity': return -Infinity;
  }
  return null;
}

function parseText(s: string, type: DataType): number | bigint | null {
  const t = s.trim();
  switch (type.kind) {
    case 'int32': {
      if (!INT_RE.test(t)) return null;
      const x = Number(t);
      return x >= -2147483648 && x <= 2147483647 ? x : null;
    }
    case 'int64': {
      if (!INT_RE.test(t)) return null;
      const x = BigInt(t);
      return x === BigInt.asIntN(64, x) ? x : null;
    }
    case 'float64': return parseDouble(t);
    case 'boolean': {
      const l = t.toLowerCase();
      return l === 'true' ? 1 : l === 'false' ? 0 : null;
    }
    case 'date': return parseDate(t);
    case 'timestamp': return parseTimestamp(t);
    default: return null;
  }
}

/**
 * Converts a dictionary-encoded string vector to `type`. `malformed` flags the rows whose (non-null)
 * text does not parse; they are null in `vec`, and the caller applies the read mode to them.
 */
export function convertText(v: Vec, type: DataType): { vec: Vec; malformed: Uint8Array | null } {
  if (type.kind === 'utf8') return { vec: v, malformed: null };
  const n = v.length;
  const dict = v.dict!;
  const codes = v.values as Int32Array;
  if (type.kind === 'decimal' || type.kind === 'null' || type.kind === 'list') {
    const vec = castVec(v, type.kind === 'list' ? Utf8Type : type);
    return { vec, malformed: flagNewNulls(v, vec) };
  }
  const parsed = dict.map((s) => parseText(s, type));
  const out = allocValues(type, n);
  const validity = v.validity ? v.validity.slice() : new Uint8Array(n).fill(1);
  let malformed: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (validity[i] === 0) continue;
    const p = parsed[codes[i]!]!;
    if (p === null) { validity[i] = 0; (malformed ??= new Uint8Array(n))[i] = 1; } else out[i] = p as number;
  }
  return { vec: { type, length: n, values: out, validity: normalizeValidity(validity) }, malformed };
}

function flagNewNulls(before: Vec, after: Vec): Uint8Array | null {
  if (after.validity === null) return null;
  let malformed: Uint8Array | null = null;
  for (let i = 0; i < before.length; i++) {
    if (after.validity[i] === 0 && (before.validity === null || before.validity[i] === 1)) (malformed ??= new Uint8Array(before.length))[i] = 1;
  }
  return malformed;
}

/** The narrowest type Spark's CSV inference gives one value: int, bigint, double, boolean, date, timestamp, else string. */
export function inferTextType(s: string): DataType {
  const t = s.trim();
  if (INT_RE.test(t)) {
    const x = BigInt(t);
    if (x >= -2147483648n && x <= 2147483647n) return Int32Type;
    return x === BigInt.asIntN(64, x) ? Int64Type : Float64Type;
  }
  if (parseDouble(t) !== null) return Float64Type;
  const l = t.toLowerCase();
  if (l === 'true' || l === 'false') return BooleanType;
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(t) && parseDate(t) !== null) return DateType;
  if (parseTimestamp(t) !== null) return TimestampType;
  return Utf8Type;
}

const NUMERIC_RANK: Record<string, number> = { int32: 1, int64: 2, float64: 3 };

/** Spark's CSV type merge: numbers widen, date + timestamp is timestamp, anything else falls back to string. */
export function mergeInferred(a: DataType, b: DataType): DataType {
  if (a.kind === b.kind) return a;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  const ra = NUMERIC_RANK[a.kind], rb = NUMERIC_RANK[b.kind];
  if (ra !== undefined && rb !== undefined) return ra > rb ? a : b;
  if ((a.kind === 'date' && b.kind === 'timestamp') || (a.kind === 'timestamp' && b.kind === 'date')) return TimestampType;
  return Utf8Type;
}

