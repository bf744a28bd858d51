import * as arrow from 'apache-arrow';
import { InputError } from '../errors.js';
import { type Batch, concatBatches, makeBatch } from './batch.js';
import {
  BooleanType, DateType, DecimalType, Float64Type, Int32Type, Int64Type, ListType, NullType, TimestampType, Utf8Type,
  VectorType, type DataType,
} from './data-type.js';
import { Schema, type Field, field } from './schema.js';
import { type Utf8Bytes, copyBytes, hashBytes, pendingUtf8, utf8BytesVec } from './utf8-bytes.js';
import { type Vec, concatVecs, normalizeValidity } from './vec.js';

/**
 * Conversion between Quiver batches and apache-arrow. Fixed-width columns are shared, not copied,
 * wherever the layouts agree (int32, int64, float64, date); plain strings are read as their UTF-8 bytes
 * (encoded into codes on first use) and dictionary-encoded ones as codes.
 */

const TWO_32 = 4294967296;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Types and schemas

/** The Quiver type an Arrow column is read as (narrow ints widen, every timestamp unit becomes micros). */
export function arrowTypeToType(t: arrow.DataType, columnName: string): DataType {
  switch (t.typeId) {
    case arrow.Type.Null: return NullType;
    case arrow.Type.Bool: return BooleanType;
    case arrow.Type.Int: {
      const it = t as arrow.Int;
      if (it.bitWidth < 32 || (it.bitWidth === 32 && it.isSigned)) return Int32Type;
      return Int64Type;
    }
    case arrow.Type.Float: return Float64Type;
    case arrow.Type.Utf8: case arrow.Type.LargeUtf8: return Utf8Type;
    case arrow.Type.Dictionary: {
      const dt = t as arrow.Dictionary;
      if (dt.dictionary.typeId === arrow.Type.Utf8 || dt.dictionary.typeId === arrow.Type.LargeUtf8) return Utf8Type;
      break;
    }
    case arrow.Type.Decimal: {
      const d = t as arrow.Decimal;
      return d.precision <= 18 ? DecimalType(d.precision, d.scale) : Float64Type;
    }
    case arrow.Type.Date: return DateType;
    case arrow.Type.Timestamp: return TimestampType;
    case arrow.Type.List: case arrow.Type.LargeList: case arrow.Type.FixedSizeList:
      return ListType(arrowTypeToType((t as arrow.List).children[0]!.type, columnName));
  }
  throw new InputError(`Column '${columnName}' has Arrow type ${String(t)}, which Quiver cannot read`);
}

/**
 * Vector columns are marked by field metadata, `quiver.vector` = `dense` (a FixedSizeList<float64> of the
 * vector size) or `sparse:<size>` (a Struct<size: int32, indices: List<int32>, values: List<float64>>, Spark's
 * sparse vector fields); without the mark those Arrow types read as plain lists and structs.
 */
const VECTOR_METADATA_KEY = 'quiver.vector';

function fieldType(f: arrow.Field): DataType {
  const mark = f.metadata.get(VECTOR_METADATA_KEY);
  if (mark === 'dense' && f.type.typeId === arrow.Type.FixedSizeList) return VectorType((f.type as arrow.FixedSizeList).listSize, false);
  if (mark?.startsWith('sparse:') && f.type.typeId === arrow.Type.Struct) return VectorType(Number(mark.slice(7)), true);
  return arrowTypeToType(f.type, f.name);
}

function vectorMetadata(t: DataType): Map<string, string> | undefined {
  if (t.kind !== 'vector') return undefined;
  return new Map([[VECTOR_METADATA_KEY, t.sparse ? `sparse:${t.size}` : 'dense']]);
}

export function arrowSchemaToSchema(s: arrow.Schema): Schema {
  return new Schema(s.fields.map((f) => field(f.name, fieldType(f), f.nullable)));
}

/** Arrow type for a Quiver type; `dictionaryStrings` picks Dictionary<Int32, Utf8> over plain Utf8. */
function typeToArrowType(t: DataType, dictionaryStrings: boolean): arrow.DataType {
  switch (t.kind) {
    case 'null': return new arrow.Null();
    case 'boolean': return new arrow.Bool();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'float64': return new arrow.Float64();
    case 'decimal': return new arrow.Decimal(t.scale, t.precision, 128);
    case 'utf8': return dictionaryStrings ? new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()) : new arrow.Utf8();
    case 'date': return new arrow.DateDay();
    // Spark's TimestampType is an instant: Parquet writes it with isAdjustedToUTC = true.
    case 'timestamp': return new arrow.TimestampMicrosecond('UTC');
    case 'list': return new arrow.List(new arrow.Field('element', typeToArrowType(t.element, false), true));
    case 'vector':
      if (!t.sparse) return new arrow.FixedSizeList(t.size, new arrow.Field('element', new arrow.Float64(), false));
      return new arrow.Struct([
        new arrow.Field('size', new arrow.Int32(), false),
        new arrow.Field('indices', new arrow.List(new arrow.Field('element', new arrow.Int32(), false)), false),
        new arrow.Field('values', new arrow.List(new arrow.Field('element', new arrow.Float64(), false)), false),
      ]);
  }
}

/** Arrow schema with plain Utf8 strings; use `batchesToTable` to get dictionary encoding where it pays. */
export function schemaToArrowSchema(schema: Schema, dictionaryColumns?: readonly boolean[]): arrow.Schema {
  return new arrow.Schema(schema.fields.map((f: Field, i) =>
    new arrow.Field(f.name, typeToArrowType(f.type, dictionaryColumns?.[i] ?? false), f.nullable, vectorMetadata(f.type))));
}

/**
 * A string column is worth dictionary-encoding when it has at most one distinct value per two rows. Columns
 * still held as bytes are judged without decoding them, so a mostly distinct one is written as bytes unencoded.
 */
function dictionaryColumns(schema: Schema, batches: readonly Batch[]): boolean[] {
  return schema.fields.map((f, c) => {
    if (f.type.kind !== 'utf8') return false;
    let rows = 0;
    for (const b of batches) rows += b.numRows;
    let distinct = 0;
    for (const b of batches) {
      const v = b.columns[c]!;
      const bytes = pendingUtf8(v);
      distinct += bytes ? distinctUpTo(bytes, v.length, rows / 2 - distinct + 1) : v.dict?.length ?? 0;
      if (distinct * 2 > rows) return false;
    }
    return true;
  });
}

const SAMPLE_ROWS = 512;
/** Every STRIDE-th row is counted first: a mostly distinct column shows itself there, at 1/STRIDE of the cost. */
const STRIDE = 16;
const MOSTLY_DISTINCT = 0.97;

/**
 * Distinct values among the first `n` rows of a bytes column, counted up to `limit` (then it stops). A sample
 * of evenly spaced rows settles repetitive columns at once; otherwise rows are counted by the hash of their
 * bytes (a collision undercounts slightly, which only matters near the threshold). 1e5 distinct ids in 1e6
 * rows look all distinct in any small sample, hence the count; every 16th row first, because a column with at
 * most n/2 distinct values shows at most 94% distinct there (n/2 * (1 - e^(-1/8)) of n/16), and one with more
 * than 97% is taken as distinct without the rest.
 */
function distinctUpTo(b: Utf8Bytes, n: number, limit: number): number {
  if (n === 0) return 0;
  const { data, offsets } = b;
  const hashOf = (i: number) => hashBytes(data, offsets[i]!, offsets[i + 1]!);
  const step = Math.max(1, Math.floor(n / SAMPLE_ROWS));
  const sample = new Set<number>();
  let sampled = 0;
  for (let i = 0; i < n; i += step, sampled++) sample.add(hashOf(i));
  if (sample.size * 2 <= sampled) return Math.ceil((sample.size / sampled) * n);
  /** Distinct hashes among rows 0, stride, 2 * stride, ..., stopping at `most`. */
  const count = (stride: number, most: number) => {
    let cap = 16;
    while (cap < Math.min(Math.ceil(n / stride), most) * 2) cap <<= 1;
    const mask = cap - 1;
    // Hashes with the low bit set, so that 0 marks a free slot.
    const slots = new Int32Array(cap);
    let distinct = 0;
    for (let i = 0; i < n && distinct < most; i += stride) {
      const h = hashOf(i) | 1;
      for (let slot = (h ^ (h >>> 15)) & mask; ; slot = (slot + 1) & mask) {
        const s = slots[slot]!;
        if (s === 0) { slots[slot] = h; distinct++; break; }
        if (s === h) break;
      }
    }
    return distinct;
  };
  const strided = Math.ceil(n / STRIDE);
  if (strided >= SAMPLE_ROWS && count(STRIDE, strided) > MOSTLY_DISTINCT * strided) return n;
  return count(1, limit);
}

// ---------------------------------------------------------------------------------------------
// Quiver -> Arrow

function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bytes[i] !== 0) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

function nullsOf(v: Vec): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (v.validity === null) return { nullBitmap: undefined, nullCount: 0 };
  let nulls = 0;
  for (let i = 0; i < v.length; i++) nulls += 1 - v.validity[i]!;
  return nulls === 0 ? { nullBitmap: undefined, nullCount: 0 } : { nullBitmap: packBits(v.validity, v.length), nullCount: nulls };
}

/** UTF-8 bytes of every dictionary entry, encoded once, with their offsets. */
function encodeDictionary(dict: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(dict.length + 1);
  let total = 0;
  for (let k = 0; k < dict.length; k++) { total += Buffer.byteLength(dict[k]!, 'utf8'); offsets[k + 1] = total; }
  const bytes = Buffer.allocUnsafe(total);
  for (let k = 0; k < dict.length; k++) bytes.write(dict[k]!, offsets[k]!, 'utf8');
  return { bytes, offsets };
}

function utf8Data(dict: readonly string[]): arrow.Data<arrow.Utf8> {
  const { bytes, offsets } = encodeDictionary(dict);
  return arrow.makeData({ type: new arrow.Utf8(), length: dict.length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

/** Plain Utf8: the vector's own bytes where it has them, else each row's bytes copied from the once-encoded dictionary entry. */
function plainUtf8Data(v: Vec, type: arrow.Utf8): arrow.Data<arrow.Utf8> {
  if (v.utf8) {
    const { data, offsets } = v.utf8;
    const n = v.length, base = offsets[0]!;
    const valueOffsets = base === 0 ? offsets.subarray(0, n + 1) : Int32Array.from(offsets.subarray(0, n + 1), (o) => o - base);
    return arrow.makeData({ type, length: n, ...nullsOf(v), valueOffsets, data: data.subarray(base, offsets[n]!) });
  }
  const { bytes: dictBytes, offsets: dictOffsets } = encodeDictionary(v.dict ?? []);
  const codes = v.values as Int32Array;
  const validity = v.validity;
  const n = v.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (validity === null || validity[i] === 1) { const c = codes[i]!; total += dictOffsets[c + 1]! - dictOffsets[c]!; }
    offsets[i + 1] = total;
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const len = offsets[i + 1]! - offsets[i]!;
    if (len > 0) copyBytes(out, offsets[i]!, dictBytes, dictOffsets[codes[i]!]!, len);
  }
  return arrow.makeData({ type, length: n, ...nullsOf(v), valueOffsets: offsets, data: out });
}

function vecToData(v: Vec, type: arrow.DataType): arrow.Data {
  const n = v.length;
  switch (v.type.kind) {
    case 'null': return arrow.makeData({ type: type as arrow.Null, length: n, nullCount: n });
    case 'boolean':
      return arrow.makeData({ type: type as arrow.Bool, length: n, ...nullsOf(v), data: packBits(v.values as Uint8Array, n) });
    case 'int32': case 'date': case 'int64': case 'float64':
      return arrow.makeData({ type: type as arrow.Int32, length: n, ...nullsOf(v), data: v.values as Int32Array });
    case 'decimal': {
      // Decimal128 little-endian: the unscaled int64 then its sign extension.
      const src = v.values as BigInt64Array;
      const wide = new BigInt64Array(n * 2);
      for (let i = 0; i < n; i++) { const x = src[i]!; wide[2 * i] = x; wide[2 * i + 1] = x < 0n ? -1n : 0n; }
      return arrow.makeData({ type: type as arrow.Decimal, length: n, ...nullsOf(v), data: new Uint32Array(wide.buffer) });
    }
    case 'timestamp': {
      // Split each (integral) microsecond count into 32-bit halves: no BigInt per row.
      const src = v.values as Float64Array;
      const words = new Int32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const x = Math.floor(src[i]!);
        const hi = Math.floor(x / TWO_32);
        words[2 * i] = (x - hi * TWO_32) | 0;
        words[2 * i + 1] = hi | 0;
      }
      return arrow.makeData({ type: type as arrow.TimestampMicrosecond, length: n, ...nullsOf(v), data: new BigInt64Array(words.buffer) });
    }
    case 'utf8': {
      if (type.typeId !== arrow.Type.Dictionary) return plainUtf8Data(v, type as arrow.Utf8);
      // Null slots may carry any code; an empty dictionary would make them dangle.
      const dict = v.dict && v.dict.length > 0 ? v.dict : [''];
      const dictionary = arrow.makeVector(utf8Data(dict));
      return arrow.makeData({ type: type as arrow.Dictionary<arrow.Utf8, arrow.Int32>, length: n, ...nullsOf(v), data: v.values as Int32Array, dictionary });
    }
    case 'list': {
      const lt = type as arrow.List;
      const offsets = v.offsets!;
      const child = vecToData(v.child!, lt.children[0]!.type);
      // Arrow offsets index the child from its start; Quiver's may start further in (after a slice).
      let valueOffsets = offsets;
      const base = offsets[0]!;
      if (base !== 0) { valueOffsets = new Int32Array(n + 1); for (let i = 0; i <= n; i++) valueOffsets[i] = offsets[i]! - base; }
      const childData = base === 0 && offsets[n] === v.child!.length ? child : child.slice(base, offsets[n]! - base);
      return arrow.makeData({ type: lt, length: n, ...nullsOf(v), valueOffsets, child: childData });
    }
    case 'vector': {
      if (!v.type.sparse) {
        const ft = type as arrow.FixedSizeList<arrow.Float64>;
        const data = (v.values as Float64Array).subarray(0, n * v.type.size);
        const child = arrow.makeData({ type: ft.children[0]!.type, length: data.length, nullCount: 0, data });
        return arrow.makeData({ type: ft, length: n, ...nullsOf(v), child });
      }
      const st = type as arrow.Struct;
      const offs = v.offsets!, base = offs[0]!, nnz = offs[n]! - base;
      const valueOffsets = base === 0 ? offs.subarray(0, n + 1) : Int32Array.from(offs.subarray(0, n + 1), (o) => o - base);
      // Each list gets its own offsets array: the IPC writer mislays a buffer that appears twice in a batch.
      const list = (i: number, data: Int32Array | Float64Array) => arrow.makeData({
        type: st.children[i]!.type as arrow.List, length: n, nullCount: 0, valueOffsets: i === 1 ? valueOffsets : valueOffsets.slice(),
        child: arrow.makeData({ type: (st.children[i]!.type as arrow.List).children[0]!.type, length: nnz, nullCount: 0, data: data.subarray(base, base + nnz) }),
      });
      const sizes = arrow.makeData({ type: st.children[0]!.type as arrow.Int32, length: n, nullCount: 0, data: new Int32Array(n).fill(v.type.size) });
      return arrow.makeData({ type: st, length: n, ...nullsOf(v), children: [sizes, list(1, v.indices!), list(2, v.values as Float64Array)] });
    }
  }
}

function toRecordBatch(b: Batch, arrowSchema: arrow.Schema): arrow.RecordBatch {
  const children = b.columns.map((v, i) => vecToData(v, arrowSchema.fields[i]!.type));
  const data = arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: b.numRows, nullCount: 0, children });
  return new arrow.RecordBatch(arrowSchema, data);
}

export function batchToArrow(b: Batch): arrow.RecordBatch {
  return toRecordBatch(b, schemaToArrowSchema(b.schema, dictionaryColumns(b.schema, [b])));
}

export function batchesToTable(schema: Schema, batches: readonly Batch[]): arrow.Table {
  const arrowSchema = schemaToArrowSchema(schema, dictionaryColumns(schema, batches));
  return new arrow.Table(arrowSchema, batches.filter((b) => b.numRows > 0).map((b) => toRecordBatch(b, arrowSchema)));
}

// ---------------------------------------------------------------------------------------------
// Arrow -> Quiver

function unpackBits(bits: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) { const j = i + offset; out[i] = (bits[j >> 3]! >> (j & 7)) & 1; }
  return out;
}

function validityOf(d: arrow.Data): Uint8Array | null {
  if (!d.nullBitmap || d.nullBitmap.length === 0 || d.nullCount === 0) return null;
  return normalizeValidity(unpackBits(d.nullBitmap, d.offset, d.length));
}

/** Reads `n` int64 values as doubles through 32-bit halves (exact below 2^53), avoiding a BigInt per row. */
function int64ToDoubles(values: BigInt64Array | BigUint64Array, n: number, unsigned: boolean): Float64Array {
  const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = unsigned ? words[2 * i + 1]! >>> 0 : words[2 * i + 1]!;
    out[i] = hi * TWO_32 + (words[2 * i]! >>> 0);
  }
  return out;
}

/** Byte ranges [starts[i], ends[i]) of a (Large)Utf8 column, relative to its value buffer. */
function utf8Ranges(d: arrow.Data): { bytes: Uint8Array; start: (i: number) => number; end: (i: number) => number } {
  const offs = d.valueOffsets as Int32Array | BigInt64Array;
  const bytes = d.values as Uint8Array;
  if (offs instanceof BigInt64Array) return { bytes, start: (i) => Number(offs[i]!), end: (i) => Number(offs[i + 1]!) };
  return { bytes, start: (i) => offs[i]!, end: (i) => offs[i + 1]! };
}

/** Decoded dictionaries, shared by the batches of one IPC stream that reuse a dictionary. */
const decodedDictionaries = new WeakMap<arrow.Vector, string[]>();

function decodeDictionaryValues(dictionary: arrow.Vector): string[] {
  let out = decodedDictionaries.get(dictionary);
  if (out) return out;
  out = [];
  for (const chunk of dictionary.data) {
    const { bytes, start, end } = utf8Ranges(chunk);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < chunk.length; i++) out.push(buf.toString('utf8', start(i), end(i)));
  }
  decodedDictionaries.set(dictionary, out);
  return out;
}

function toInt32Codes(values: ArrayLike<number | bigint>, n: number): Int32Array {
  if (values instanceof Int32Array) return values.length === n ? values : values.subarray(0, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  return out;
}

/** One Arrow column (a batch's child data) as a Quiver vector of `type`. */
export function arrowColumnToVec(d: arrow.Data, type: DataType): Vec {
  const n = d.length;
  const validity = validityOf(d);
  const t = d.type;
  switch (type.kind) {
    case 'null': return { type, length: n, values: new Uint8Array(0), validity: new Uint8Array(n) };
    case 'boolean': return { type, length: n, values: unpackBits(d.values as Uint8Array, d.offset, n), validity };
    case 'int32': {
      const src = d.values as Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array;
      if (src instanceof Int32Array) return { type, length: n, values: src.subarray(0, n), validity };
      return { type, length: n, values: Int32Array.from(src.subarray(0, n)), validity };
    }
    case 'int64': {
      const src = d.values as BigInt64Array | BigUint64Array | Uint32Array;
      if (src instanceof BigInt64Array) return { type, length: n, values: src.subarray(0, n), validity };
      if (src instanceof BigUint64Array) return { type, length: n, values: new BigInt64Array(src.buffer, src.byteOffset, n), validity };
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!);
      return { type, length: n, values: out, validity };
    }
    case 'float64': {
      if (t.typeId === arrow.Type.Decimal) return { type, length: n, values: wideDecimalToDoubles(d), validity };
      const src = d.values as Float64Array | Float32Array | Uint16Array;
      if (src instanceof Float64Array) return { type, length: n, values: src.subarray(0, n), validity };
      if (src instanceof Float32Array) return { type, length: n, values: Float64Array.from(src.subarray(0, n)), validity };
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = arrow.util.uint16ToFloat64(src[i]!);
      return { type, length: n, values: out, validity };
    }
    case 'decimal': {
      const words = d.values as Uint32Array;
      const stride = (t as arrow.Decimal).bitWidth / 32;
      const wide = new BigInt64Array(words.buffer, words.byteOffset, (n * stride) / 2);
      const out = new BigInt64Array(n);
      const step = stride / 2;
      for (let i = 0; i < n; i++) out[i] = wide[i * step]!;
      return { type, length: n, values: out, validity };
    }
    case 'date': {
      const src = d.values as Int32Array | BigInt64Array | Float64Array;
      if ((t as arrow.Date_).unit === arrow.DateUnit.DAY) return { type, length: n, values: (src as Int32Array).subarray(0, n), validity };
      const ms = src instanceof BigInt64Array ? int64ToDoubles(src, n, false) : (src as Float64Array);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(ms[i]! / DAY_MS);
      return { type, length: n, values: out, validity };
    }
    case 'timestamp': {
      const raw = d.values as BigInt64Array;
      const unit = (t as arrow.Timestamp).unit;
      if (unit === arrow.TimeUnit.NANOSECOND) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = Number(raw[i]! / 1000n);
        return { type, length: n, values: out, validity };
      }
      const out = int64ToDoubles(raw, n, false);
      const scale = unit === arrow.TimeUnit.SECOND ? 1_000_000 : unit === arrow.TimeUnit.MILLISECOND ? 1000 : 1;
      if (scale !== 1) for (let i = 0; i < n; i++) out[i] = out[i]! * scale;
      return { type, length: n, values: out, validity };
    }
    case 'utf8': {
      if (t.typeId === arrow.Type.Dictionary) {
        const dict = decodeDictionaryValues(d.dictionary!);
        return { type, length: n, values: toInt32Codes(d.values as Int32Array, n), validity, dict };
      }
      const raw = d.valueOffsets as Int32Array | BigInt64Array;
      const offsets = raw instanceof Int32Array ? raw.subarray(0, n + 1) : Int32Array.from(raw.subarray(0, n + 1), Number);
      return utf8BytesVec(type, n, validity, d.values as Uint8Array, offsets);
    }
    case 'list': {
      const childData = d.children[0]!;
      let offsets: Int32Array;
      if (t.typeId === arrow.Type.FixedSizeList) {
        const size = (t as arrow.FixedSizeList).listSize;
        offsets = new Int32Array(n + 1);
        for (let i = 0; i <= n; i++) offsets[i] = (d.offset + i) * size;
      } else {
        const raw = d.valueOffsets as Int32Array | BigInt64Array;
        offsets = raw instanceof Int32Array ? raw.subarray(0, n + 1) : Int32Array.from(raw.subarray(0, n + 1), Number);
      }
      return { type, length: n, values: new Uint8Array(0), validity, offsets, child: arrowColumnToVec(childData, type.element) };
    }
    case 'vector': {
      if (!type.sparse) {
        const child = d.children[0]!;
        const size = type.size;
        const values = (child.values as Float64Array).subarray(0, n * size);
        return { type, length: n, values, validity };
      }
      const [, idx, vals] = d.children as arrow.Data[];
      const raw = idx!.valueOffsets as Int32Array;
      const offsets = raw.subarray(0, n + 1);
      return { type, length: n, values: vals!.children[0]!.values as Float64Array, validity, offsets, indices: idx!.children[0]!.values as Int32Array };
    }
  }
}

/** Decimal128/256 wider than 18 digits, read as doubles (two's complement, little-endian words). */
function wideDecimalToDoubles(d: arrow.Data): Float64Array {
  const dt = d.type as arrow.Decimal;
  const stride = dt.bitWidth / 32;
  const words = d.values as Uint32Array;
  const n = d.length;
  const out = new Float64Array(n);
  const scale = 10 ** dt.scale;
  for (let i = 0; i < n; i++) {
    const base = i * stride;
    const negative = (words[base + stride - 1]! & 0x80000000) !== 0;
    // Negative values: magnitude = ~x + 1, summed word by word in doubles.
    let x = 0;
    for (let w = stride - 1; w >= 0; w--) x = x * TWO_32 + (negative ? ~words[base + w]! >>> 0 : words[base + w]!);
    out[i] = (negative ? -(x + 1) : x) / scale;
  }
  return out;
}

export function recordBatchToBatch(rb: arrow.RecordBatch, schema: Schema = arrowSchemaToSchema(rb.schema)): Batch {
  const cols = rb.data.children.map((d, i) => arrowColumnToVec(d, schema.fields[i]!.type));
  return makeBatch(schema, cols, rb.numRows);
}

export function arrowTableToBatches(t: arrow.Table): Batch[] {
  const schema = arrowSchemaToSchema(t.schema);
  return t.batches.filter((b) => b.numRows > 0).map((b) => recordBatchToBatch(b, schema));
}

// ---------------------------------------------------------------------------------------------
// IPC

/** Arrow IPC stream bytes for shuffle blocks and results crossing threads or processes. */
/**
 * A block is written as one record batch: its string columns then carry one dictionary, which
 * readers map once per block rather than once per batch (per-batch dictionaries arrive as
 * growing delta dictionaries, and mapping them batch by batch costs O(batches x distinct values)).
 */
export function encodeIpc(schema: Schema, batches: readonly Batch[]): Uint8Array {
  const whole = concatForIpc(schema, batches);
  const parts = whole.numRows > 0 ? [makeBatch(schema, distinctColumns(whole.columns), whole.numRows)] : [];
  return tableToSharedIpc(batchesToTable(schema, parts));
}

/**
 * IPC stream bytes in a SharedArrayBuffer, the form block stores keep so that task threads read blocks without
 * a copy. The writer's chunks are joined straight into shared memory: tableToIPC joins them into an ordinary
 * buffer that would then be copied again (the two copies were ~8% of a large join's CPU).
 */
export function tableToSharedIpc(table: arrow.Table): Uint8Array {
  const writer = arrow.RecordBatchStreamWriter.writeAll(table);
  // The writer's sink keeps the chunks it was given; `_values` is not public API, hence the fallback.
  const chunks = (writer as unknown as { _sink?: { _values?: unknown } })._sink?._values;
  if (!Array.isArray(chunks) || !chunks.every((c) => c instanceof Uint8Array)) return toShared(writer.toUint8Array(true));
  let total = 0;
  for (const c of chunks as Uint8Array[]) total += c.byteLength;
  const out = new Uint8Array(new SharedArrayBuffer(total));
  let at = 0;
  for (const c of chunks as Uint8Array[]) { out.set(c, at); at += c.byteLength; }
  return out;
}

/**
 * The bytes in shared memory (as they are when already there), so handing a block to another thread shares
 * it instead of cloning it: tasks on a piscina pool read the same cached or shuffled data without copies.
 */
export function toShared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

/**
 * concatBatches, except that a string column written plain (more distinct values than half its rows) keeps
 * its parts' dictionaries side by side, duplicates and all: merging them would hash every string of a mostly
 * distinct column only for plainUtf8Data to spell each row out again.
 */
function concatForIpc(schema: Schema, batches: readonly Batch[]): Batch {
  const parts = batches.filter((b) => b.numRows > 0);
  if (parts.length <= 1) return concatBatches(schema, parts);
  const rows = parts.reduce((n, b) => n + b.numRows, 0);
  return makeBatch(schema, schema.fields.map((f, c) => {
    const vecs = parts.map((b) => b.columns[c]!);
    if (f.type.kind !== 'utf8' || vecs.every((v) => pendingUtf8(v))) return concatVecs(f.type, vecs);
    const dicts = new Set(vecs.map((v) => v.dict).filter((d) => d !== undefined));
    let entries = 0;
    for (const d of dicts) entries += d.length;
    return entries * 2 <= rows ? concatVecs(f.type, vecs) : appendDictionaries(f.type, vecs, rows);
  }), rows);
}

function appendDictionaries(type: DataType, vecs: readonly Vec[], n: number): Vec {
  const codes = new Int32Array(n);
  const validity = new Uint8Array(n);
  const dict: string[] = [];
  const base = new Map<readonly string[], number>();
  let o = 0;
  for (const v of vecs) {
    if (v.type.kind !== 'null') {
      let b = base.get(v.dict!);
      if (b === undefined) { b = dict.length; base.set(v.dict!, b); for (const s of v.dict!) dict.push(s); }
      const src = v.values as Int32Array;
      for (let i = 0; i < v.length; i++) codes[o + i] = src[i]! + b;
      if (v.validity === null) validity.fill(1, o, o + v.length); else validity.set(v.validity.subarray(0, v.length), o);
    }
    o += v.length;
  }
  return { type, length: n, values: codes, validity: normalizeValidity(validity), dict };
}

/** The IPC writer lays out buffers wrongly when one vector appears twice in a batch (select('a', 'a')): give repeats their own arrays. */
function distinctColumns(columns: readonly Vec[]): Vec[] {
  const seen = new Set<Vec>();
  return columns.map((c) => {
    if (!seen.has(c)) { seen.add(c); return c; }
    const bytes = pendingUtf8(c);
    if (bytes) return utf8BytesVec(c.type, c.length, c.validity ? c.validity.slice() : null, bytes.data.slice(), bytes.offsets.slice());
    return { ...c, values: c.values.slice(), validity: c.validity ? c.validity.slice() : null, ...(c.offsets ? { offsets: c.offsets.slice() } : {}), ...(c.indices ? { indices: c.indices.slice() } : {}) };
  });
}

/** With `columns`, only those columns are converted: a scan of cached data pays only for what the query reads. */
export function decodeIpc(bytes: Uint8Array, columns?: readonly number[]): { schema: Schema; batches: Batch[] } {
  const table = arrow.tableFromIPC(bytes);
  const full = arrowSchemaToSchema(table.schema);
  if (!columns) return { schema: full, batches: table.batches.filter((b) => b.numRows > 0).map((b) => recordBatchToBatch(b, full)) };
  const schema = new Schema(columns.map((c) => full.fields[c]!));
  const batches = table.batches
    .filter((b) => b.numRows > 0)
    .map((b) => makeBatch(schema, columns.map((c) => arrowColumnToVec(b.data.children[c]!, full.fields[c]!.type)), b.numRows));
  return { schema, batches };
}
