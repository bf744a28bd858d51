import fs from 'node:fs';
import { AnalysisError, InputError } from '../errors.js';
import { formatDouble } from '../kernels/cast.js';
import { formatDate, formatTimestamp } from '../kernels/datetime.js';
import { type Batch, makeBatch, takeBatch } from '../types/batch.js';
import { type DataType, Float64Type, Int64Type, ListType, NullType, BooleanType, Utf8Type, typeToString } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { type Vec, allocValues, getValue, normalizeValidity, vecFromValues } from '../types/vec.js';
import { SparseVector } from '../types/vector.js';
import { parseMode } from './csv.js';
import { BATCH_ROWS, type FileFormat } from './index.js';
import { convertText } from './text-values.js';

const NL = 10;
/** Integers past 2^53 lose digits in JSON.parse; lines holding such long digit runs are parsed with the source text. */
const LONG_DIGITS = /\d{16,}/;

function readText(file: string): Buffer {
  try { return fs.readFileSync(file); } catch { throw new AnalysisError(`Path does not exist: ${file}`); }
}

function parseLine(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && context?.source && /^-?\d+$/.test(context.source) && !Number.isSafeInteger(value)) {
      const big = BigInt(context.source);
      return big === BigInt.asIntN(64, big) ? big : value;
    }
    return value;
  });
}

/** Yields [lineNumber, object] for each non-blank line; malformed lines yield [lineNumber, null]. */
function* records(file: string): Generator<[number, Record<string, unknown> | null]> {
  const buf = readText(file);
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 0;
  while (start < buf.length) {
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    line++;
    const text = buf.toString('utf8', start, end).trim();
    start = end + 1;
    if (text === '') continue;
    let value: unknown;
    try { value = parseLine(text); } catch { yield [line, null]; continue; }
    yield [line, value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null];
  }
}

/** Spark's JSON inference for one value: integers are bigint (long), other numbers double, objects kept as JSON text. */
function inferValue(x: unknown): DataType {
  if (x === null || x === undefined) return NullType;
  if (typeof x === 'bigint') return Int64Type;
  if (typeof x === 'number') return Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER ? Int64Type : Float64Type;
  if (typeof x === 'boolean') return BooleanType;
  if (Array.isArray(x)) {
    let t: DataType = NullType;
    for (const e of x) t = mergeJson(t, inferValue(e));
    return ListType(t.kind === 'null' ? Utf8Type : t);
  }
  return Utf8Type;
}

function mergeJson(a: DataType, b: DataType): DataType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null' || typeToString(a) === typeToString(b)) return a;
  if ((a.kind === 'int64' && b.kind === 'float64') || (a.kind === 'float64' && b.kind === 'int64')) return Float64Type;
  if (a.kind === 'list' && b.kind === 'list') return ListType(mergeJson(a.element, b.element));
  return Utf8Type;
}

const textOf = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) : String(x));

/**
 * One column's JSON values as a vector of `type`. Values of the wrong JSON kind are flagged in
 * `malformed` (and null), for the read mode to act on.
 */
function valuesToVec(xs: readonly unknown[], type: DataType): { vec: Vec; malformed: Uint8Array | null } {
  const n = xs.length;
  if (type.kind === 'utf8' || type.kind === 'date' || type.kind === 'timestamp' || type.kind === 'decimal') {
    const texts = xs.map((x) => (x === null || x === undefined ? null : textOf(x)));
    const text = vecFromValues(Utf8Type, texts);
    return convertText(text, type);
  }
  if (type.kind === 'list') {
    let malformed: Uint8Array | null = null;
    const lists = xs.map((x, i) => {
      if (x === null || x === undefined || Array.isArray(x)) return x;
      (malformed ??= new Uint8Array(n))[i] = 1;
      return null;
    });
    const offsets = new Int32Array(n + 1);
    const flat: unknown[] = [];
    const validity = new Uint8Array(n);
    lists.forEach((l, i) => { if (Array.isArray(l)) { flat.push(...(l as unknown[])); validity[i] = 1; } offsets[i + 1] = flat.length; });
    const child = valuesToVec(flat, type.element);
    return { vec: { type, length: n, values: new Uint8Array(0), validity: normalizeValidity(validity), offsets, child: child.vec }, malformed: malformed ?? null };
  }
  const values = allocValues(type, n);
  const validity = new Uint8Array(n);
  let malformed: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x === null || x === undefined) continue;
    let ok = true;
    switch (type.kind) {
      case 'boolean': if (typeof x === 'boolean') values[i] = x ? 1 : 0; else ok = false; break;
      case 'int32': if (typeof x === 'number' && Number.isInteger(x) && x >= -2147483648 && x <= 2147483647) values[i] = x; else ok = false; break;
      case 'int64':
        if (typeof x === 'bigint') (values as BigInt64Array)[i] = x;
        else if (typeof x === 'number' && Number.isInteger(x)) (values as BigInt64Array)[i] = BigInt(x);
        else ok = false;
        break;
      case 'float64':
        if (typeof x === 'number' || typeof x === 'bigint') values[i] = Number(x);
        else if (x === 'NaN') values[i] = NaN;
        else if (x === 'Infinity' || x === '+Infinity') values[i] = Infinity;
        else if (x === '-Infinity') values[i] = -Infinity;
        else ok = false;
        break;
      default: ok = false;
    }
    if (ok) validity[i] = 1; else (malformed ??= new Uint8Array(n))[i] = 1;
  }
  return { vec: { type, length: n, values, validity: normalizeValidity(validity) }, malformed };
}

async function* jsonBatches(file: string, schema: Schema, columns: readonly number[], modeOption: string | undefined): AsyncGenerator<Batch> {
  const mode = parseMode({ mode: modeOption ?? 'PERMISSIVE' });
  const outSchema = new Schema(columns.map((c) => schema.fields[c]!));
  const names = columns.map((c) => schema.fields[c]!.name);
  let cells: unknown[][] = names.map(() => []);
  let lines: number[] = [];
  const flush = (): Batch => {
    const rows = lines.length;
    let drop: Uint8Array | null = null;
    const vecs = columns.map((c, j) => {
      const { vec, malformed } = valuesToVec(cells[j]!, schema.fields[c]!.type);
      if (malformed) {
        const row = malformed.indexOf(1);
        if (mode === 'FAILFAST') {
          throw new InputError(`Malformed JSON record in ${file} at line ${lines[row]}: value ${textOf(cells[j]![row])} of column '${names[j]}' is not a ${typeToString(schema.fields[c]!.type)} (mode FAILFAST)`);
        }
        if (mode === 'DROPMALFORMED') { drop ??= new Uint8Array(rows); for (let i = 0; i < rows; i++) drop[i]! |= malformed[i]!; }
      }
      return vec;
    });
    cells = names.map(() => []);
    lines = [];
    const batch = makeBatch(outSchema, vecs, rows);
    if (drop === null) return batch;
    const keep: number[] = [];
    for (let i = 0; i < rows; i++) if ((drop as Uint8Array)[i] === 0) keep.push(i);
    return takeBatch(batch, Int32Array.from(keep));
  };
  for (const [line, obj] of records(file)) {
    if (obj === null) {
      if (mode === 'FAILFAST') {
        // Pending rows are checked first, so the earliest bad line is the one reported.
        if (lines.length > 0) flush();
        throw new InputError(`Malformed JSON record in ${file} at line ${line}: not a JSON object (mode FAILFAST)`);
      }
      if (mode === 'DROPMALFORMED') continue;
    }
    for (let j = 0; j < names.length; j++) cells[j]!.push(obj === null ? null : obj[names[j]!] ?? null);
    lines.push(line);
    if (lines.length === BATCH_ROWS) yield flush();
  }
  if (lines.length > 0) yield flush();
}

export const jsonFormat: FileFormat = {
  name: 'json',

  inferSchema(files, options, userSchema) {
    parseMode(options);
    if (userSchema) return userSchema;
    const types = new Map<string, DataType>();
    for (const file of files) {
      for (const [, obj] of records(file)) {
        if (obj === null) continue;
        for (const key of Object.keys(obj)) types.set(key, mergeJson(types.get(key) ?? NullType, inferValue(obj[key])));
      }
    }
    const names = [...types.keys()].sort();
    return new Schema(names.map((n) => { const t = types.get(n)!; return field(n, t.kind === 'null' ? Utf8Type : t); }));
  },

  planPartitions(files) {
    return files.map((path) => ({ path }));
  },

  read(part, schema, columns, options) {
    return jsonBatches(part.path, schema, columns, options['mode']);
  },
};

// ---------------------------------------------------------------------------------------------
// Writer

function jsonCell(v: Vec, i: number): string | null {
  if (v.type.kind === 'null' || (v.validity !== null && v.validity[i] === 0)) return null;
  const x = v.values[i];
  switch (v.type.kind) {
    case 'boolean': return x === 1 ? 'true' : 'false';
    case 'int32': case 'int64': return String(x);
    case 'float64': return Number.isFinite(x as number) ? formatDouble(x as number) : JSON.stringify(formatDouble(x as number));
    case 'decimal': {
      const scale = v.type.scale;
      const b = x as bigint;
      if (scale === 0) return b.toString();
      const neg = b < 0n;
      const s = (neg ? -b : b).toString().padStart(scale + 1, '0');
      return `${neg ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
    }
    case 'utf8': return JSON.stringify(v.dict![x as number]);
    case 'date': return `"${formatDate(x as number)}"`;
    case 'timestamp': return `"${formatTimestamp(x as number).replace(' ', 'T')}Z"`;
    case 'list': {
      const parts: string[] = [];
      for (let j = v.offsets![i]!; j < v.offsets![i + 1]!; j++) parts.push(jsonCell(v.child!, j) ?? 'null');
      return `[${parts.join(',')}]`;
    }
    // Spark's VectorUDT JSON: type 0 = sparse, 1 = dense.
    case 'vector': {
      const row = getValue(v, i) as Float64Array | SparseVector;
      if (row instanceof SparseVector) return JSON.stringify({ type: 0, size: row.size, indices: Array.from(row.indices), values: Array.from(row.values) });
      return JSON.stringify({ type: 1, values: Array.from(row) });
    }
  }
}

/** JSON lines as Spark writes them: one object per row, null fields left out. */
export function encodeJson(schema: Schema, batches: readonly Batch[]): Uint8Array {
  const keys = schema.names.map((n) => `${JSON.stringify(n)}:`);
  const lines: string[] = [];
  for (const b of batches) {
    if (b.numRows === 0) continue;
    const cols = b.columns;
    // Strings are quoted once per dictionary entry rather than per row.
    const quoted = cols.map((v) => (v.type.kind === 'utf8' ? v.dict!.map((s) => JSON.stringify(s)) : null));
    for (let i = 0; i < b.numRows; i++) {
      let line = '{';
      let first = true;
      for (let c = 0; c < cols.length; c++) {
        const v = cols[c]!;
        const q = quoted[c];
        const cell = q ? (v.validity !== null && v.validity[i] === 0 ? null : q[(v.values as Int32Array)[i]!]!) : jsonCell(v, i);
        if (cell === null) continue;
        line += (first ? '' : ',') + keys[c] + cell;
        first = false;
      }
      lines.push(line + '}');
    }
  }
  return Buffer.from(lines.length ? lines.join('\n') + '\n' : '', 'utf8');
}
