import fs from 'node:fs';
import { AnalysisError, InputError } from '../errors.js';
import { formatDouble } from '../kernels/cast.js';
import { formatDate, formatTimestamp } from '../kernels/datetime.js';
import { dictionaryEncodeRanges } from '../types/utf8-bytes.js';
import { type Batch, makeBatch, takeBatch } from '../types/batch.js';
import { type DataType, NullType, Utf8Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { type Vec, getValue, normalizeValidity } from '../types/vec.js';
import { denseVectorString } from '../types/vector.js';
import { BATCH_ROWS, type FileFormat, type PushedFilter, type ReadOptions, type ScanPartition } from './index.js';
import { convertText, inferTextType, mergeInferred } from './text-values.js';

type Mode = 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';

interface CsvConfig {
  readonly sep: number;
  readonly quote: number;
  readonly escape: number;
  readonly comment: number;
  readonly header: boolean;
  readonly nullValue: Uint8Array;
  readonly mode: Mode;
}

const NL = 10, CR = 13;
/** Files above this size are split into byte ranges at line boundaries (unless multiLine). */
const SPLIT_BYTES = 32 * 1024 * 1024;

function singleByte(options: ReadOptions, keys: readonly string[], fallback: string): number {
  let v = fallback;
  for (const k of keys) if (options[k] !== undefined) { v = options[k]!; break; }
  if (v === '\\t') v = '\t';
  const bytes = Buffer.from(v, 'utf8');
  if (bytes.length !== 1) throw new AnalysisError(`CSV option ${keys[0]} must be a single ASCII character, got '${v}'`);
  return bytes[0]!;
}

export function parseMode(options: ReadOptions): Mode {
  const m = (options['mode'] ?? 'PERMISSIVE').toUpperCase();
  if (m !== 'PERMISSIVE' && m !== 'DROPMALFORMED' && m !== 'FAILFAST') throw new AnalysisError(`Unknown read mode '${options['mode']}': use PERMISSIVE, DROPMALFORMED or FAILFAST`);
  return m;
}

function csvConfig(options: ReadOptions): CsvConfig {
  return {
    sep: singleByte(options, ['sep', 'delimiter'], ','),
    quote: singleByte(options, ['quote'], '"'),
    escape: singleByte(options, ['escape'], '\\'),
    comment: options['comment'] ? singleByte(options, ['comment'], '#') : -1,
    header: (options['header'] ?? 'false').toLowerCase() === 'true',
    nullValue: Buffer.from(options['nullvalue'] ?? '', 'utf8'),
    mode: parseMode(options),
  };
}

/**
 * One record at a time from a byte buffer. Quoted fields are unescaped in place (the text only
 * shrinks), so every field is a byte range of the same buffer and no string is made per field.
 */
class CsvTokenizer {
  pos: number;
  line = 1;
  fieldStarts = new Int32Array(64);
  fieldEnds = new Int32Array(64);
  fieldQuoted = new Uint8Array(64);
  fieldCount = 0;
  recordLine = 0;

  constructor(readonly buf: Uint8Array, start: number, readonly end: number, private readonly cfg: CsvConfig, private readonly file: string) {
    this.pos = start;
    if (start === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3;
  }

  /** Reads the next non-blank record starting before `end`; false at the end of the range. */
  next(): boolean {
    const { buf, cfg } = this;
    for (;;) {
      if (this.pos >= this.end) return false;
      this.recordLine = this.line;
      this.fieldCount = 0;
      const first = buf[this.pos];
      if (first === NL || first === CR) { this.skipNewline(); continue; }
      if (first === cfg.comment) { this.skipLine(); continue; }
      this.readRecord();
      return true;
    }
  }

  private skipNewline(): void {
    if (this.buf[this.pos] === CR && this.buf[this.pos + 1] === NL) this.pos++;
    this.pos++;
    this.line++;
  }

  private skipLine(): void {
    const len = this.buf.length;
    while (this.pos < len && this.buf[this.pos] !== NL && this.buf[this.pos] !== CR) this.pos++;
    if (this.pos < len) this.skipNewline();
  }

  private pushField(start: number, end: number, quoted: boolean): void {
    if (this.fieldCount === this.fieldStarts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(a.length * 2); b.set(a); return b; };
      this.fieldStarts = grow(this.fieldStarts);
      this.fieldEnds = grow(this.fieldEnds);
      this.fieldQuoted = grow(this.fieldQuoted);
    }
    this.fieldStarts[this.fieldCount] = start;
    this.fieldEnds[this.fieldCount] = end;
    this.fieldQuoted[this.fieldCount] = quoted ? 1 : 0;
    this.fieldCount++;
  }

  private readRecord(): void {
    const { buf, cfg } = this;
    const len = buf.length;
    const { sep, quote, escape } = cfg;
    let p = this.pos;
    for (;;) {
      if (buf[p] === quote) {
        // Quoted field: copy the unescaped text down over itself.
        p++;
        const start = p;
        let w = p;
        for (;;) {
          if (p >= len) throw new InputError(`Malformed CSV in ${this.file}: quoted field starting at line ${this.recordLine} is never closed`);
          const b = buf[p]!;
          if (b === escape && escape !== quote && (buf[p + 1] === quote || buf[p + 1] === escape)) { buf[w++] = buf[p + 1]!; p += 2; continue; }
          if (b === quote) {
            if (buf[p + 1] === quote) { buf[w++] = quote; p += 2; continue; }
            p++;
            break;
          }
          if (b === NL) this.line++;
          buf[w++] = b;
          p++;
        }
        // Text between the closing quote and the delimiter is kept, as Spark's parser does.
        while (p < len && buf[p] !== sep && buf[p] !== NL && buf[p] !== CR) buf[w++] = buf[p++]!;
        this.pushField(start, w, true);
      } else {
        const start = p;
        while (p < len && buf[p] !== sep && buf[p] !== NL && buf[p] !== CR) p++;
        this.pushField(start, p, false);
      }
      if (p < len && buf[p] === sep) { p++; continue; }
      break;
    }
    this.pos = p;
    if (p < len) this.skipNewline();
  }
}

/** Bytes of one partition: the whole file, or a byte range widened to whole lines. */
function readRange(file: string, part: ScanPartition): { buf: Buffer; begin: number; end: number } {
  let bytes: Buffer;
  try {
    if (part.start === undefined || part.end === undefined) { bytes = fs.readFileSync(file); return { buf: bytes, begin: 0, end: bytes.length }; }
    const fd = fs.openSync(file, 'r');
    try {
      const from = Math.max(0, part.start - 1);
      const chunks: Buffer[] = [];
      const head = Buffer.allocUnsafe(part.end - from);
      const got = fs.readSync(fd, head, 0, head.length, from);
      chunks.push(head.subarray(0, got));
      // Extend past `end` to finish the last line that starts inside the range.
      let at = from + got;
      for (;;) {
        const more = Buffer.allocUnsafe(1 << 20);
        const n = fs.readSync(fd, more, 0, more.length, at);
        if (n === 0) break;
        const nl = more.subarray(0, n).indexOf(NL);
        chunks.push(more.subarray(0, nl >= 0 ? nl + 1 : n));
        if (nl >= 0) break;
        at += n;
      }
      bytes = Buffer.concat(chunks);
      let begin = 0;
      if (part.start > 0) { const nl = bytes.indexOf(NL); begin = nl < 0 ? bytes.length : nl + 1; }
      return { buf: bytes, begin, end: part.end - from };
    } finally { fs.closeSync(fd); }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AnalysisError(`Path does not exist: ${file}`);
    throw e;
  }
}

/** 1-based line of byte `offset` in `file`; only computed for error messages in split files. */
function lineBefore(file: string, offset: number): number {
  if (offset === 0) return 0;
  const prefix = Buffer.alloc(offset);
  const fd = fs.openSync(file, 'r');
  try { fs.readSync(fd, prefix, 0, offset, 0); } finally { fs.closeSync(fd); }
  let lines = 0;
  for (let i = 0; i < offset; i++) if (prefix[i] === NL) lines++;
  return lines;
}

/**
 * Parses a partition into batches of the `columns` of `schema` (field i of a record is column i),
 * applying the read mode to records with the wrong number of fields and to unparsable values.
 */
function* csvBatches(part: ScanPartition, schema: Schema, columns: readonly number[], cfg: CsvConfig): Generator<Batch> {
  const { buf, begin, end } = readRange(part.path, part);
  const tok = new CsvTokenizer(buf, begin, end, cfg, part.path);
  const lineOffset = part.start ? (): number => lineBefore(part.path, Math.max(0, part.start! - 1) + begin) : (): number => 0;
  const width = schema.fields.length;
  const outSchema = new Schema(columns.map((c) => schema.fields[c]!));
  const nv = cfg.nullValue;
  const starts = columns.map(() => new Int32Array(BATCH_ROWS));
  const ends = columns.map(() => new Int32Array(BATCH_ROWS));
  const valid = columns.map(() => new Uint8Array(BATCH_ROWS));
  const lines = new Int32Array(BATCH_ROWS);
  let skipHeader = cfg.header && begin === 0 && !part.start;
  const fail = (line: number, what: string): never => {
    throw new InputError(`Malformed CSV record in ${part.path} at line ${line + lineOffset()}: ${what} (mode FAILFAST)`);
  };

  const flush = (rows: number): Batch => {
    let drop: Uint8Array | null = null;
    const vecs: Vec[] = columns.map((c, j) => {
      const validity = normalizeValidity(valid[j]!.subarray(0, rows));
      const { codes, dict } = dictionaryEncodeRanges(buf, starts[j]!, ends[j]!, rows, validity);
      const text: Vec = { type: Utf8Type, length: rows, values: codes, validity: validity && validity.slice(), dict };
      const { vec, malformed } = convertText(text, schema.fields[c]!.type);
      if (malformed) {
        const row = malformed.indexOf(1);
        if (cfg.mode === 'FAILFAST') fail(lines[row]!, `cannot parse '${dict[codes[row]!]}' as ${schema.fields[c]!.type.kind} for column '${schema.fields[c]!.name}'`);
        if (cfg.mode === 'DROPMALFORMED') { drop ??= new Uint8Array(rows); for (let i = 0; i < rows; i++) drop[i]! |= malformed[i]!; }
      }
      return vec;
    });
    const batch = makeBatch(outSchema, vecs, rows);
    if (drop === null) return batch;
    const keep = new Int32Array(rows);
    let k = 0;
    for (let i = 0; i < rows; i++) if ((drop as Uint8Array)[i] === 0) keep[k++] = i;
    return takeBatch(batch, keep.subarray(0, k));
  };

  let rows = 0;
  while (tok.next()) {
    if (skipHeader) { skipHeader = false; continue; }
    const count = tok.fieldCount;
    if (count !== width && width > 0) {
      if (cfg.mode === 'FAILFAST') {
        // Pending rows are checked first, so the earliest bad line is the one reported.
        if (rows > 0) flush(rows);
        fail(tok.recordLine, `expected ${width} fields, found ${count}`);
      }
      if (cfg.mode === 'DROPMALFORMED') continue;
    }
    for (let j = 0; j < columns.length; j++) {
      const f = columns[j]!;
      if (f >= count) { valid[j]![rows] = 0; continue; }
      const s = tok.fieldStarts[f]!, e = tok.fieldEnds[f]!;
      starts[j]![rows] = s;
      ends[j]![rows] = e;
      let isNull = e - s === nv.length && !(nv.length === 0 && tok.fieldQuoted[f] === 1);
      for (let k = 0; isNull && k < nv.length; k++) if (buf[s + k] !== nv[k]) isNull = false;
      valid[j]![rows] = isNull ? 0 : 1;
    }
    lines[rows] = tok.recordLine;
    if (++rows === BATCH_ROWS) { yield flush(rows); rows = 0; }
  }
  if (rows > 0) yield flush(rows);
}

/** Column names from the first record: the header's cells, or _c0, _c1, ... as Spark names them. */
function firstRecordNames(file: string, cfg: CsvConfig): string[] {
  const { buf } = readRange(file, { path: file });
  const tok = new CsvTokenizer(buf, 0, buf.length, cfg, file);
  if (!tok.next()) return [];
  const names: string[] = [];
  for (let i = 0; i < tok.fieldCount; i++) {
    const name = cfg.header ? buf.toString('utf8', tok.fieldStarts[i], tok.fieldEnds[i]) : '';
    names.push(name === '' ? `_c${i}` : name);
  }
  return names;
}

export const csvFormat: FileFormat = {
  name: 'csv',

  inferSchema(files, options, userSchema) {
    const cfg = csvConfig(options);
    if (userSchema) return userSchema;
    const names = firstRecordNames(files[0]!, cfg);
    if ((options['inferschema'] ?? 'false').toLowerCase() !== 'true') return new Schema(names.map((n) => field(n, Utf8Type)));
    const textSchema = new Schema(names.map((n) => field(n, Utf8Type)));
    const types: DataType[] = names.map(() => NullType);
    const all = names.map((_, i) => i);
    for (const file of files) {
      for (const b of csvBatches({ path: file }, textSchema, all, { ...cfg, mode: 'PERMISSIVE' })) {
        b.columns.forEach((v, i) => { for (const s of v.dict!) types[i] = mergeInferred(types[i]!, inferTextType(s)); });
      }
    }
    return new Schema(names.map((n, i) => field(n, types[i]!.kind === 'null' ? Utf8Type : types[i]!)));
  },

  planPartitions(files, _schema, options, _filters: readonly PushedFilter[], targetPartitions) {
    const splittable = (options['multiline'] ?? 'false').toLowerCase() !== 'true';
    const sizes = files.map((f) => fs.statSync(f).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const target = Math.max(SPLIT_BYTES, Math.ceil(total / Math.max(1, targetPartitions)));
    return files.flatMap((path, i): ScanPartition[] => {
      const size = sizes[i]!;
      if (!splittable || size <= SPLIT_BYTES) return [{ path }];
      const parts: ScanPartition[] = [];
      for (let start = 0; start < size; start += target) parts.push({ path, start, end: Math.min(size, start + target) });
      return parts;
    });
  },

  async *read(part, schema, columns, options) {
    const cfg = csvConfig(options);
    yield* csvBatches(part, schema, columns, cfg);
  },
};

// ---------------------------------------------------------------------------------------------
// Writer

/** Cells of one column as text, null as `null`; strings are escaped once per dictionary entry. */
function formatColumn(v: Vec, quoteText: (s: string) => string): (string | null)[] {
  const n = v.length;
  const out: (string | null)[] = new Array(n);
  const valid = v.validity;
  const t = v.type;
  if (t.kind === 'utf8') {
    const dict = v.dict!.map(quoteText);
    const codes = v.values as Int32Array;
    for (let i = 0; i < n; i++) out[i] = valid && valid[i] === 0 ? null : dict[codes[i]!]!;
    return out;
  }
  for (let i = 0; i < n; i++) {
    if (t.kind === 'null' || (valid && valid[i] === 0)) { out[i] = null; continue; }
    const x = v.values[i]!;
    switch (t.kind) {
      case 'boolean': out[i] = x === 1 ? 'true' : 'false'; break;
      case 'float64': out[i] = formatDouble(x as number); break;
      case 'decimal': { const s = (x as bigint).toString(); out[i] = t.scale === 0 ? s : decimalText(x as bigint, t.scale); break; }
      case 'date': out[i] = formatDate(x as number); break;
      case 'timestamp': out[i] = `${formatTimestamp(x as number).replace(' ', 'T')}Z`; break;
      case 'list': out[i] = quoteText(`[${(valuesOfList(v, i)).join(', ')}]`); break;
      // A vector row is not values[i]: write its text form, as show() prints it.
      case 'vector': { const r = getValue(v, i); out[i] = quoteText(r instanceof Float64Array ? denseVectorString(r) : String(r)); break; }
      default: out[i] = String(x);
    }
  }
  return out;
}

function decimalText(x: bigint, scale: number): string {
  const neg = x < 0n;
  const s = (neg ? -x : x).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

function valuesOfList(v: Vec, i: number): string[] {
  const child = v.child!;
  const cells = formatColumn(child, (s) => s);
  return cells.slice(v.offsets![i]!, v.offsets![i + 1]!).map((c) => c ?? 'null');
}

/** Spark's CSV writer: quotes a value holding the delimiter, a quote or a line break; an empty string is written "" so it stays distinct from null. */
export function encodeCsv(schema: Schema, batches: readonly Batch[], options: ReadOptions): Uint8Array {
  const cfg = csvConfig(options);
  const sep = String.fromCharCode(cfg.sep), quote = String.fromCharCode(cfg.quote), escape = String.fromCharCode(cfg.escape);
  const nullText = options['nullvalue'] ?? '';
  const quoteAll = (options['quoteall'] ?? 'false').toLowerCase() === 'true';
  const needsQuote = (s: string): boolean => quoteAll || s === '' || s.includes(sep) || s.includes(quote) || s.includes('\n') || s.includes('\r');
  const quoteText = (s: string): string => {
    if (!needsQuote(s)) return s;
    let body = escape === quote ? s : s.split(escape).join(escape + escape);
    body = body.split(quote).join(escape + quote);
    return quote + body + quote;
  };
  const lines: string[] = [];
  if (cfg.header) lines.push(schema.names.map(quoteText).join(sep));
  for (const b of batches) {
    const cols = b.columns.map((v) => formatColumn(v, quoteText));
    for (let i = 0; i < b.numRows; i++) {
      let line = '';
      for (let c = 0; c < cols.length; c++) {
        const cell = cols[c]![i];
        line += (c > 0 ? sep : '') + (cell === null ? nullText : cell);
      }
      lines.push(line);
    }
  }
  return Buffer.from(lines.length ? lines.join('\n') + '\n' : '', 'utf8');
}
