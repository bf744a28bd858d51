import { type DataType, Float64Type, Int32Type, Int64Type, BooleanType, Utf8Type, NullType, typeToString } from './data-type.js';
import { SparseVector } from './vector.js';
import { type Utf8Bytes, concatUtf8Bytes, pendingUtf8, sliceUtf8Bytes, takeUtf8Bytes, utf8At } from './utf8-bytes.js';

export type Values = Float64Array | Int32Array | BigInt64Array | Uint8Array;

/**
 * One column of a batch, held in typed arrays.
 *
 * Physical layout by type:
 * - boolean: Uint8Array of 0/1
 * - int32, date (days since 1970-01-01): Int32Array
 * - int64, decimal (unscaled value): BigInt64Array
 * - float64, timestamp (microseconds since the epoch, exact within ±285 years): Float64Array
 * - utf8: Int32Array codes into `dict`, so grouping, joins and comparisons run on integers; a column read from
 *   Arrow also keeps its UTF-8 bytes in `utf8` and computes codes and dict on first use (see utf8-bytes.ts)
 * - list: `offsets` (length + 1) into the flat `child` vector
 * - null: a zero-length Uint8Array; every slot is null
 * - vector (dense): Float64Array of length * size, row i at [i * size, (i + 1) * size); a null row holds zeros
 * - vector (sparse): row i's entries are [offsets[i], offsets[i + 1]) of `indices` (Int32Array, increasing) and
 *   `values` (Float64Array); offsets may start above 0 after a slice
 * `validity` is null when no slot is null, else one byte per row, 1 = valid.
 */
export interface Vec {
  readonly type: DataType;
  readonly length: number;
  readonly values: Values;
  readonly validity: Uint8Array | null;
  readonly dict?: readonly string[];
  readonly offsets?: Int32Array;
  readonly child?: Vec;
  /** Sparse vectors: the index of each stored value. */
  readonly indices?: Int32Array;
  /** Strings read from Arrow: their bytes (not enumerable; see utf8BytesVec). */
  readonly utf8?: Utf8Bytes;
}

export function allocValues(type: DataType, n: number): Values {
  switch (type.kind) {
    case 'boolean': return new Uint8Array(n);
    case 'int32': case 'date': case 'utf8': return new Int32Array(n);
    case 'int64': case 'decimal': return new BigInt64Array(n);
    case 'float64': case 'timestamp': return new Float64Array(n);
    case 'null': return new Uint8Array(0);
    case 'list': return new Uint8Array(0);
    case 'vector': return new Float64Array(type.sparse ? 0 : n * type.size);
  }
}

export const isNull = (v: Vec, i: number): boolean =>
  v.type.kind === 'null' || (v.validity !== null && v.validity[i] === 0);

export function nullVec(type: DataType, n: number): Vec {
  if (type.kind === 'null') return { type, length: n, values: new Uint8Array(0), validity: new Uint8Array(n) };
  if (type.kind === 'utf8') return { type, length: n, values: new Int32Array(n), validity: new Uint8Array(n), dict: [''] };
  if (type.kind === 'list') {
    return { type, length: n, values: new Uint8Array(0), validity: new Uint8Array(n), offsets: new Int32Array(n + 1), child: nullVec(type.element, 0) };
  }
  if (type.kind === 'vector' && type.sparse) {
    return { type, length: n, values: new Float64Array(0), validity: new Uint8Array(n), offsets: new Int32Array(n + 1), indices: new Int32Array(0) };
  }
  return { type, length: n, values: allocValues(type, n), validity: new Uint8Array(n) };
}

/** Drops an all-ones validity array so kernels can take their no-null fast path. */
export function normalizeValidity(validity: Uint8Array | null): Uint8Array | null {
  if (validity === null) return null;
  for (let i = 0; i < validity.length; i++) if (validity[i] === 0) return validity;
  return null;
}

export function nullCount(v: Vec): number {
  if (v.type.kind === 'null') return v.length;
  if (v.validity === null) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v.validity[i] === 0) n++;
  return n;
}

const EPOCH_DAY_MS = 86_400_000;

/** Reads slot i as a plain JS value (the API edge only: collect, show, tests). */
export function getValue(v: Vec, i: number): unknown {
  if (isNull(v, i)) return null;
  switch (v.type.kind) {
    case 'boolean': return v.values[i] === 1;
    case 'int32': case 'float64': return v.values[i] as number;
    case 'int64': return v.values[i] as bigint;
    case 'decimal': return Number(v.values[i] as bigint) / 10 ** v.type.scale;
    case 'utf8': {
      const bytes = pendingUtf8(v);
      return bytes ? utf8At(bytes, i) : v.dict![v.values[i] as number];
    }
    case 'date': return new Date((v.values[i] as number) * EPOCH_DAY_MS);
    case 'timestamp': return new Date(Math.floor((v.values[i] as number) / 1000));
    case 'list': {
      const out: unknown[] = [];
      for (let j = v.offsets![i]!; j < v.offsets![i + 1]!; j++) out.push(getValue(v.child!, j));
      return out;
    }
    case 'vector': {
      if (!v.type.sparse) return (v.values as Float64Array).slice(i * v.type.size, (i + 1) * v.type.size);
      const a = v.offsets![i]!, b = v.offsets![i + 1]!;
      return new SparseVector(v.type.size, v.indices!.slice(a, b), (v.values as Float64Array).slice(a, b));
    }
    case 'null': return null;
  }
}

/** Infers a type from JS values, as createDataFrame does for rows. */
export function inferType(values: readonly unknown[]): DataType {
  let t: DataType = NullType;
  for (const x of values) {
    if (x === null || x === undefined) continue;
    let xt: DataType;
    if (typeof x === 'boolean') xt = BooleanType;
    else if (typeof x === 'bigint') xt = Int64Type;
    else if (typeof x === 'number') xt = Number.isInteger(x) && Math.abs(x) <= 2147483647 ? Int32Type : Float64Type;
    else if (typeof x === 'string') xt = Utf8Type;
    else if (x instanceof Date) xt = { kind: 'timestamp' };
    else if (x instanceof Float64Array) xt = { kind: 'vector', size: x.length, sparse: false };
    else if (x instanceof SparseVector) xt = { kind: 'vector', size: x.size, sparse: true };
    else if (Array.isArray(x)) xt = { kind: 'list', element: inferType(x) };
    else throw new TypeError(`Cannot infer a column type for value ${String(x)}`);
    if (t.kind === 'null') t = xt;
    else if (t.kind === 'vector' && xt.kind === 'vector') {
      if (t.size !== xt.size) throw new TypeError(`Vectors of sizes ${t.size} and ${xt.size} in one column`);
      if (xt.sparse !== t.sparse) t = { kind: 'vector', size: t.size, sparse: true };
    } else if (t.kind !== xt.kind) {
      const nums = new Set([t.kind, xt.kind]);
      if ([...nums].every((k) => k === 'int32' || k === 'float64' || k === 'int64')) {
        t = nums.has('float64') ? Float64Type : Int64Type;
      } else {
        throw new TypeError(`Mixed value types ${typeToString(t)} and ${typeToString(xt)} in one column`);
      }
    }
  }
  return t;
}

/** Builds a vector from JS values (the API edge only: createDataFrame, literals). */
export function vecFromValues(type: DataType, xs: readonly unknown[]): Vec {
  const n = xs.length;
  const validity = new Uint8Array(n);
  if (type.kind === 'null') return { type, length: n, values: new Uint8Array(0), validity };
  if (type.kind === 'utf8') {
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (x === null || x === undefined) continue;
      const s = String(x);
      let c = index.get(s);
      if (c === undefined) { c = dict.length; dict.push(s); index.set(s, c); }
      codes[i] = c;
      validity[i] = 1;
    }
    return { type, length: n, values: codes, validity: normalizeValidity(validity), dict };
  }
  if (type.kind === 'list') {
    const offsets = new Int32Array(n + 1);
    const flat: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (Array.isArray(x)) { flat.push(...x); validity[i] = 1; }
      offsets[i + 1] = flat.length;
    }
    return { type, length: n, values: new Uint8Array(0), validity: normalizeValidity(validity), offsets, child: vecFromValues(type.element, flat) };
  }
  if (type.kind === 'vector') return vectorVecFromValues(type, xs);
  const values = allocValues(type, n);
  const numeric = type.kind === 'int32' || type.kind === 'int64' || type.kind === 'float64' || type.kind === 'decimal';
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x === null || x === undefined) continue;
    if (numeric && typeof x !== 'number' && typeof x !== 'bigint') {
      throw new TypeError(`value ${JSON.stringify(String(x))} (row ${i + 1}) is not a number, but the column type is ${typeToString(type)}`);
    }
    if (type.kind === 'int32' && (typeof x !== 'number' || !Number.isInteger(x) || x > 2147483647 || x < -2147483648)) {
      throw new TypeError(`value ${String(x)} (row ${i + 1}) does not fit the column type int`);
    }
    validity[i] = 1;
    switch (type.kind) {
      case 'boolean': values[i] = x ? 1 : 0; break;
      case 'int32': values[i] = Number(x) | 0; break;
      case 'float64': values[i] = Number(x); break;
      case 'int64': (values as BigInt64Array)[i] = BigInt(x as number | bigint); break;
      case 'decimal': (values as BigInt64Array)[i] = BigInt(Math.round(Number(x) * 10 ** type.scale)); break;
      case 'date': values[i] = x instanceof Date ? Math.floor(x.getTime() / EPOCH_DAY_MS) : Number(x); break;
      case 'timestamp': values[i] = x instanceof Date ? x.getTime() * 1000 : Number(x); break;
    }
  }
  return { type, length: n, values, validity: normalizeValidity(validity) };
}

export function constantVec(type: DataType, value: unknown, n: number): Vec {
  if (value === null || value === undefined) return nullVec(type, n);
  if (type.kind === 'utf8') return { type, length: n, values: new Int32Array(n), validity: null, dict: [String(value)] };
  const one = vecFromValues(type, [value]);
  if (type.kind === 'list' || type.kind === 'vector') {
    return takeVec(one, new Int32Array(n));
  }
  const values = allocValues(type, n);
  (values as { fill(v: unknown): unknown }).fill(one.values[0]);
  return { type, length: n, values, validity: null };
}

/**
 * Gathers rows by index; an index of -1 yields null (outer-join padding).
 */
export function takeVec(v: Vec, indices: Int32Array): Vec {
  const n = indices.length;
  let validity: Uint8Array | null = null;
  let hasNeg = false;
  for (let i = 0; i < n; i++) if (indices[i]! < 0) { hasNeg = true; break; }
  if (v.validity !== null || hasNeg || v.type.kind === 'null') {
    validity = new Uint8Array(n);
    const src = v.validity;
    if (v.type.kind !== 'null') {
      for (let i = 0; i < n; i++) {
        const j = indices[i]!;
        validity[i] = j < 0 ? 0 : src === null ? 1 : src[j]!;
      }
    }
  }
  if (v.type.kind === 'null') return { type: v.type, length: n, values: v.values, validity };
  if (v.type.kind === 'vector') return takeVector(v, indices, normalizeValidity(validity));
  const bytes = pendingUtf8(v);
  if (bytes) return takeUtf8Bytes(v, bytes, indices, normalizeValidity(validity));
  if (v.type.kind === 'list') {
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      if (j >= 0) total += v.offsets![j + 1]! - v.offsets![j]!;
      offsets[i + 1] = total;
    }
    const childIdx = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const j = indices[i]!;
      if (j < 0) continue;
      for (let c = v.offsets![j]!; c < v.offsets![j + 1]!; c++) childIdx[k++] = c;
    }
    return { type: v.type, length: n, values: v.values, validity: normalizeValidity(validity), offsets, child: takeVec(v.child!, childIdx) };
  }
  const src = v.values;
  const out = allocValues(v.type, n);
  if (hasNeg) {
    for (let i = 0; i < n; i++) { const j = indices[i]!; if (j >= 0) out[i] = src[j]!; }
  } else if (src instanceof BigInt64Array) {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) o[i] = src[indices[i]!]!;
  } else {
    const o = out as Float64Array;
    const s = src as Float64Array;
    for (let i = 0; i < n; i++) o[i] = s[indices[i]!]!;
  }
  return { type: v.type, length: n, values: out, validity: normalizeValidity(validity), dict: v.dict };
}

export function sliceVec(v: Vec, start: number, end: number): Vec {
  const e = Math.min(end, v.length);
  const s = Math.min(start, e);
  if (s === 0 && e === v.length) return v;
  if (v.type.kind === 'vector') {
    const validity = v.validity === null ? null : normalizeValidity(v.validity.subarray(s, e));
    if (v.type.sparse) return { type: v.type, length: e - s, values: v.values, validity, offsets: v.offsets!.subarray(s, e + 1), indices: v.indices };
    return { type: v.type, length: e - s, values: v.values.subarray(s * v.type.size, e * v.type.size), validity };
  }
  const bytes = pendingUtf8(v);
  if (bytes) return sliceUtf8Bytes(v, bytes, s, e, v.validity === null ? null : normalizeValidity(v.validity.subarray(s, e)));
  if (v.type.kind === 'list') {
    const idx = new Int32Array(e - s);
    for (let i = 0; i < idx.length; i++) idx[i] = s + i;
    return takeVec(v, idx);
  }
  return {
    type: v.type,
    length: e - s,
    values: v.type.kind === 'null' ? v.values : v.values.subarray(s, e),
    validity: v.validity === null ? null : normalizeValidity(v.validity.subarray(s, e)),
    dict: v.dict,
  };
}

/** Concatenates vectors of one type; string dictionaries are unified and codes remapped. */
export function concatVecs(type: DataType, vecs: readonly Vec[]): Vec {
  if (vecs.length === 1) return vecs[0]!;
  let n = 0;
  let anyNull = false;
  for (const v of vecs) { n += v.length; if (v.validity !== null || v.type.kind === 'null') anyNull = true; }
  let validity: Uint8Array | null = null;
  if (anyNull) {
    validity = new Uint8Array(n);
    let o = 0;
    for (const v of vecs) {
      if (v.type.kind === 'null') { /* stays 0 */ } else if (v.validity === null) validity.fill(1, o, o + v.length);
      else validity.set(v.validity, o);
      o += v.length;
    }
  }
  if (type.kind === 'null') return { type, length: n, values: new Uint8Array(0), validity: validity ?? new Uint8Array(n) };
  if (type.kind === 'vector') return concatVectors(type, vecs, n, normalizeValidity(validity));
  if (type.kind === 'list') {
    const offsets = new Int32Array(n + 1);
    let o = 0;
    let base = 0;
    const children: Vec[] = [];
    for (const v of vecs) {
      if (v.type.kind === 'null') { for (let i = 0; i < v.length; i++) offsets[++o] = base; continue; }
      for (let i = 0; i < v.length; i++) offsets[o + i + 1] = base + v.offsets![i + 1]! - v.offsets![0]!;
      o += v.length;
      base = offsets[o]!;
      children.push(sliceVec(v.child!, v.offsets![0]!, v.offsets![v.length]!));
    }
    const child = children.length ? concatVecs(type.element, children) : nullVec(type.element, 0);
    return { type, length: n, values: new Uint8Array(0), validity: normalizeValidity(validity), offsets, child };
  }
  if (type.kind === 'utf8') {
    if (vecs.every((v) => v.type.kind === 'null' || pendingUtf8(v))) return concatUtf8Bytes(type, vecs, n, normalizeValidity(validity));
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const index = new Map<string, number>();
    let o = 0;
    for (const v of vecs) {
      if (v.type.kind === 'null') { o += v.length; continue; }
      const d = v.dict!;
      const remap = new Int32Array(d.length);
      for (let k = 0; k < d.length; k++) {
        const s = d[k]!;
        let c = index.get(s);
        if (c === undefined) { c = dict.length; dict.push(s); index.set(s, c); }
        remap[k] = c;
      }
      const src = v.values as Int32Array;
      for (let i = 0; i < v.length; i++) codes[o + i] = remap[src[i]!]!;
      o += v.length;
    }
    return { type, length: n, values: codes, validity: normalizeValidity(validity), dict };
  }
  const values = allocValues(type, n);
  let o = 0;
  for (const v of vecs) {
    if (v.type.kind !== 'null') (values as Float64Array).set(v.values as Float64Array, o);
    o += v.length;
  }
  return { type, length: n, values, validity: normalizeValidity(validity) };
}

/** Re-encodes a string vector so its dictionary holds only the strings it uses (after filters shrink it). */
export function compactDict(v: Vec): Vec {
  if (v.type.kind !== 'utf8' || v.dict!.length <= v.length) return v;
  const remap = new Int32Array(v.dict!.length).fill(-1);
  const dict: string[] = [];
  const codes = new Int32Array(v.length);
  const src = v.values as Int32Array;
  for (let i = 0; i < v.length; i++) {
    const c = src[i]!;
    let r = remap[c]!;
    if (r < 0) { r = dict.length; dict.push(v.dict![c]!); remap[c] = r; }
    codes[i] = r;
  }
  return { ...v, values: codes, dict };
}

export { Float64Type };

type VectorType = Extract<DataType, { kind: 'vector' }>;

function vectorVecFromValues(type: VectorType, xs: readonly unknown[]): Vec {
  const n = xs.length;
  const validity = new Uint8Array(n);
  const rows: (SparseVector | Float64Array | null)[] = xs.map((x, i) => {
    if (x === null || x === undefined) return null;
    validity[i] = 1;
    let row: SparseVector | Float64Array;
    if (x instanceof SparseVector) row = x;
    else if (x instanceof Float64Array) row = x;
    else if (Array.isArray(x) && x.every((e) => typeof e === 'number')) row = Float64Array.from(x as number[]);
    else throw new TypeError(`value ${String(x)} (row ${i + 1}) is not a vector (a Float64Array, number[] or SparseVector)`);
    const size = row instanceof SparseVector ? row.size : row.length;
    if (size !== type.size) throw new TypeError(`vector of size ${size} (row ${i + 1}) in a column of ${typeToString(type)}`);
    return row;
  });
  if (!type.sparse) {
    const values = new Float64Array(n * type.size);
    rows.forEach((r, i) => { if (r) values.set(r instanceof SparseVector ? r.toDense() : r, i * type.size); });
    return { type, length: n, values, validity: normalizeValidity(validity) };
  }
  const offsets = new Int32Array(n + 1);
  const idx: number[] = [];
  const vals: number[] = [];
  rows.forEach((r, i) => {
    if (r instanceof SparseVector) { for (let k = 0; k < r.indices.length; k++) { idx.push(r.indices[k]!); vals.push(r.values[k]!); } }
    else if (r) { for (let k = 0; k < r.length; k++) if (r[k] !== 0) { idx.push(k); vals.push(r[k]!); } }
    offsets[i + 1] = idx.length;
  });
  return { type, length: n, values: Float64Array.from(vals), validity: normalizeValidity(validity), offsets, indices: Int32Array.from(idx) };
}

function takeVector(v: Vec, rows: Int32Array, validity: Uint8Array | null): Vec {
  const type = v.type as VectorType;
  const n = rows.length;
  const src = v.values as Float64Array;
  if (!type.sparse) {
    const size = type.size;
    const out = new Float64Array(n * size);
    for (let i = 0; i < n; i++) {
      const j = rows[i]!;
      if (j < 0) continue;
      for (let k = 0; k < size; k++) out[i * size + k] = src[j * size + k]!;
    }
    return { type, length: n, values: out, validity };
  }
  const offs = v.offsets!;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) { const j = rows[i]!; offsets[i + 1] = offsets[i]! + (j < 0 ? 0 : offs[j + 1]! - offs[j]!); }
  const indices = new Int32Array(offsets[n]!);
  const values = new Float64Array(offsets[n]!);
  for (let i = 0; i < n; i++) {
    const j = rows[i]!;
    if (j < 0) continue;
    const a = offs[j]!, len = offs[j + 1]! - a;
    indices.set(v.indices!.subarray(a, a + len), offsets[i]!);
    values.set(src.subarray(a, a + len), offsets[i]!);
  }
  return { type, length: n, values, validity, offsets, indices };
}

function concatVectors(type: VectorType, vecs: readonly Vec[], n: number, validity: Uint8Array | null): Vec {
  if (!type.sparse) {
    const values = new Float64Array(n * type.size);
    let o = 0;
    for (const v of vecs) {
      if (v.type.kind !== 'null') values.set((v.values as Float64Array).subarray(0, v.length * type.size), o * type.size);
      o += v.length;
    }
    return { type, length: n, values, validity };
  }
  let nnz = 0;
  for (const v of vecs) if (v.type.kind !== 'null') nnz += v.offsets![v.length]! - v.offsets![0]!;
  const offsets = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let o = 0, base = 0;
  for (const v of vecs) {
    if (v.type.kind === 'null') { for (let i = 0; i < v.length; i++) offsets[++o] = base; continue; }
    const offs = v.offsets!, a = offs[0]!, len = offs[v.length]! - a;
    indices.set(v.indices!.subarray(a, a + len), base);
    values.set((v.values as Float64Array).subarray(a, a + len), base);
    for (let i = 0; i < v.length; i++) offsets[o + i + 1] = base + offs[i + 1]! - a;
    o += v.length;
    base += len;
  }
  return { type, length: n, values, validity, offsets, indices };
}
