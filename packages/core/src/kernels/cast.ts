import { AnalysisError } from '../errors.js';
import { type DataType, typeToString, typesEqual } from '../types/data-type.js';
import { type Vec, allocValues, normalizeValidity } from '../types/vec.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from './datetime.js';

const DAY_US = 86_400_000_000;

export function canCast(from: DataType, to: DataType): boolean {
  if (from.kind === 'null' || typesEqual(from, to)) return true;
  if (to.kind === 'list' || from.kind === 'list') return false;
  if (to.kind === 'utf8' || from.kind === 'utf8') return true;
  const numeric = ['boolean', 'int32', 'int64', 'float64', 'decimal'];
  if (numeric.includes(from.kind) && numeric.includes(to.kind)) return true;
  if ((from.kind === 'date' || from.kind === 'timestamp') && (to.kind === 'date' || to.kind === 'timestamp')) return true;
  if (from.kind === 'timestamp' && (to.kind === 'int64' || to.kind === 'float64')) return true;
  return false;
}

export function checkCast(from: DataType, to: DataType, what: string): void {
  if (!canCast(from, to)) throw new AnalysisError(`Cannot cast ${what} from ${typeToString(from)} to ${typeToString(to)}`);
}

/** Spark's number-to-string spelling: doubles keep a fractional part ("1.0"), as in `CAST(1.0 AS STRING)`. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return x.toFixed(1);
  const s = String(x);
  return s.includes('e') ? s.replace('e+', 'E').replace('e-', 'E-') : s;
}

function formatDecimal(x: bigint, scale: number): string {
  if (scale === 0) return x.toString();
  const neg = x < 0n;
  const s = (neg ? -x : x).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

function toStrings(v: Vec): (string | null)[] {
  const out: (string | null)[] = new Array(v.length);
  const t = v.type;
  for (let i = 0; i < v.length; i++) {
    if (t.kind === 'null' || (v.validity && v.validity[i] === 0)) { out[i] = null; continue; }
    const x = v.values[i]!;
    switch (t.kind) {
      case 'boolean': out[i] = x === 1 ? 'true' : 'false'; break;
      case 'int32': case 'int64': out[i] = String(x); break;
      case 'float64': out[i] = formatDouble(x as number); break;
      case 'decimal': out[i] = formatDecimal(x as bigint, t.scale); break;
      case 'date': out[i] = formatDate(x as number); break;
      case 'timestamp': out[i] = formatTimestamp(x as number); break;
      default: out[i] = String(x);
    }
  }
  return out;
}

/** Builds a dictionary-encoded string vector from JS strings (nulls allowed). */
export function stringsToVec(xs: readonly (string | null)[]): Vec {
  const n = xs.length;
  const codes = new Int32Array(n);
  const validity = new Uint8Array(n);
  const dict: string[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = xs[i];
    if (s === null || s === undefined) continue;
    let c = index.get(s);
    if (c === undefined) { c = dict.length; dict.push(s); index.set(s, c); }
    codes[i] = c;
    validity[i] = 1;
  }
  return { type: { kind: 'utf8' }, length: n, values: codes, validity: normalizeValidity(validity), dict };
}

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a dictionary entry once; the result is then gathered by code, so each distinct string is parsed once. */
function parseString(s: string, to: DataType): number | bigint | null {
  const t = s.trim();
  switch (to.kind) {
    case 'boolean': {
      const l = t.toLowerCase();
      if (l === 'true' || l === 't' || l === 'yes' || l === 'y' || l === '1') return 1;
      if (l === 'false' || l === 'f' || l === 'no' || l === 'n' || l === '0') return 0;
      return null;
    }
    case 'int32': {
      if (INT_RE.test(t)) { const x = Number(t); return x >= -2147483648 && x <= 2147483647 ? x : null; }
      if (NUM_RE.test(t)) { const x = Math.trunc(Number(t)); return x >= -2147483648 && x <= 2147483647 ? x : null; }
      return null;
    }
    case 'int64': {
      if (INT_RE.test(t)) { const x = BigInt(t); return x === BigInt.asIntN(64, x) ? x : null; }
      if (NUM_RE.test(t)) { const x = Math.trunc(Number(t)); return Number.isFinite(x) ? BigInt(x) : null; }
      return null;
    }
    case 'float64': {
      if (NUM_RE.test(t)) return Number(t);
      const l = t.toLowerCase();
      if (l === 'nan') return NaN;
      if (l === 'infinity' || l === 'inf' || l === '+infinity') return Infinity;
      if (l === '-infinity' || l === '-inf') return -Infinity;
      return null;
    }
    case 'decimal': {
      if (!NUM_RE.test(t)) return null;
      return decimalFromString(t, to.scale);
    }
    case 'date': return parseDate(t);
    case 'timestamp': return parseTimestamp(t);
    default: return null;
  }
}

function decimalFromString(t: string, scale: number): bigint | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m) return BigInt(Math.round(Number(t) * 10 ** scale));
  const frac = (m[3] ?? '').padEnd(scale + 1, '0');
  let unscaled = BigInt((m[2] || '0') + frac.slice(0, scale));
  if (Number(frac[scale]) >= 5) unscaled += 1n;
  return m[1] === '-' ? -unscaled : unscaled;
}

export function castVec(v: Vec, to: DataType): Vec {
  const from = v.type;
  if (typesEqual(from, to)) return v;
  const n = v.length;
  if (from.kind === 'null') {
    if (to.kind === 'utf8') return { type: to, length: n, values: new Int32Array(n), validity: new Uint8Array(n), dict: [] };
    return { type: to, length: n, values: allocValues(to, n), validity: new Uint8Array(n) };
  }
  checkCast(from, to, 'value');
  if (to.kind === 'utf8') {
    if (from.kind === 'utf8') return v;
    return stringsToVec(toStrings(v));
  }
  const out = allocValues(to, n);
  const validity = v.validity ? v.validity.slice() : new Uint8Array(n).fill(1);
  if (from.kind === 'utf8') {
    const parsed = v.dict!.map((s) => parseString(s, to));
    const codes = v.values as Int32Array;
    for (let i = 0; i < n; i++) {
      if (validity[i] === 0) continue;
      const p = parsed[codes[i]!]!;
      if (p === null) validity[i] = 0;
      else (out as Float64Array)[i] = p as number;
    }
    return { type: to, length: n, values: out, validity: normalizeValidity(validity) };
  }
  const src = v.values;
  const scaleOf = (t: DataType): number => (t.kind === 'decimal' ? t.scale : 0);
  for (let i = 0; i < n; i++) {
    if (validity[i] === 0) continue;
    const x = src[i]!;
    let num: number;
    switch (from.kind) {
      case 'int64': num = Number(x); break;
      case 'decimal': num = Number(x as bigint) / 10 ** scaleOf(from); break;
      case 'date': num = (x as number) * DAY_US; break;
      default: num = x as number;
    }
    switch (to.kind) {
      case 'boolean': out[i] = from.kind === 'int64' || from.kind === 'decimal' ? ((x as bigint) !== 0n ? 1 : 0) : num !== 0 ? 1 : 0; break;
      case 'int32':
        // Spark (non-ANSI) casts as Java does: truncate toward zero, saturate at the bounds, NaN becomes 0.
        if (from.kind === 'timestamp') num = Math.floor(num / 1e6);
        out[i] = num !== num ? 0 : num >= 2147483647 ? 2147483647 : num <= -2147483648 ? -2147483648 : Math.trunc(num);
        break;
      case 'int64':
        if (from.kind === 'timestamp') { (out as BigInt64Array)[i] = BigInt(Math.floor(num / 1e6)); break; }
        if (from.kind === 'decimal') { (out as BigInt64Array)[i] = (x as bigint) / 10n ** BigInt(scaleOf(from)); break; }
        (out as BigInt64Array)[i] = from.kind === 'int64' ? (x as bigint)
          : num !== num ? 0n : num >= 9223372036854775807 ? 9223372036854775807n : num <= -9223372036854775808 ? -9223372036854775808n : BigInt(Math.trunc(num));
        break;
      case 'float64': out[i] = from.kind === 'timestamp' ? num / 1e6 : num; break;
      case 'decimal': {
        if (from.kind === 'int64' || from.kind === 'int32') { (out as BigInt64Array)[i] = BigInt(x) * 10n ** BigInt(to.scale); break; }
        if (!Number.isFinite(num)) { validity[i] = 0; break; }
        (out as BigInt64Array)[i] = BigInt(Math.round(num * 10 ** to.scale));
        break;
      }
      case 'date': out[i] = Math.floor(num / DAY_US); break;
      case 'timestamp': out[i] = num; break;
    }
  }
  return { type: to, length: n, values: out, validity: normalizeValidity(validity) };
}
