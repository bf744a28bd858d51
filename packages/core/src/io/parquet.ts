import fs from 'node:fs';
import * as arrow from 'apache-arrow';
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { Compression, EnabledStatistics, ParquetFile, Table as WasmTable, WriterPropertiesBuilder, readSchema, writeParquet } from 'parquet-wasm/node';
import { AnalysisError, InputError } from '../errors.js';
import { arrowSchemaToSchema, batchesToTable, recordBatchToBatch } from '../types/arrow.js';
import type { Batch } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import { alignBatch } from './align.js';
import { type FileFormat, type PushedFilter, type ReadOptions, type ScanPartition } from './index.js';

const MAGIC = 0x31524150; // "PAR1"
const ROW_GROUP_ROWS = 1 << 20;
/**
 * Whole row groups (up to our writer's size) per batch: a string column whose dictionary page
 * overflowed gets a fresh dictionary in every batch, and each one costs a decode now and a
 * dictionary merge when the batches are cached, so fewer, larger batches load much faster.
 */
const PARQUET_BATCH_ROWS = ROW_GROUP_ROWS;

function corrupt(file: string, why: string): InputError {
  return new InputError(`Corrupt or truncated Parquet file ${file}: ${why}`);
}

/** The footer bytes (metadata + length + magic), read from the file's tail only. */
function readFooter(file: string): Uint8Array {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { throw new AnalysisError(`Path does not exist: ${file}`); }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 12) throw corrupt(file, `${size} bytes is too short`);
    const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, size - 8);
    if (tail.readUInt32LE(4) !== MAGIC) throw corrupt(file, 'no PAR1 magic at the end');
    const len = tail.readUInt32LE(0);
    if (len + 12 > size) throw corrupt(file, `footer length ${len} exceeds the file size ${size}`);
    const footer = Buffer.alloc(len + 8);
    fs.readSync(fd, footer, 0, len + 8, size - 8 - len);
    return footer;
  } finally { fs.closeSync(fd); }
}

function footerMetadata(file: string): FileMetaData {
  const footer = readFooter(file);
  try { return parquetMetadata(footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.byteLength) as ArrayBuffer); } catch (e) {
    throw corrupt(file, (e as Error).message);
  }
}

function fileSchema(file: string): Schema {
  // parquet-wasm parses only the footer for the schema, so a tiny "PAR1" + footer buffer suffices.
  const footer = readFooter(file);
  const bytes = new Uint8Array(footer.length + 4);
  bytes.set([0x50, 0x41, 0x52, 0x31]);
  bytes.set(footer, 4);
  try {
    return arrowSchemaToSchema(arrow.tableFromIPC(readSchema(bytes).intoIPCStream()).schema);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw corrupt(file, String((e as Error).message ?? e));
  }
}

type Stat = number | bigint | string | boolean | Date;

/** A comparable form of a statistic or literal: dates/timestamps as epoch numbers. */
function comparable(x: Stat | null | undefined): number | bigint | string | boolean | null {
  if (x === null || x === undefined) return null;
  if (x instanceof Date) return x.getTime();
  return x;
}

function compare(a: number | bigint | string | boolean, b: number | bigint | string | boolean): number | null {
  if (typeof a === 'string' || typeof b === 'string') {
    // JS compares UTF-16 units, Parquet unsigned bytes: they agree on ASCII only.
    if (typeof a !== 'string' || typeof b !== 'string' || /[^\x00-\x7f]/.test(a + b)) return null;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    if (typeof a !== 'boolean' || typeof b !== 'boolean') return null;
    return Number(a) - Number(b);
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const ia = typeof a === 'bigint' ? a : Number.isInteger(a) ? BigInt(a) : null;
    const ib = typeof b === 'bigint' ? b : Number.isInteger(b) ? BigInt(b) : null;
    if (ia !== null && ib !== null) return ia < ib ? -1 : ia > ib ? 1 : 0;
    const na = Number(a), nb = Number(b);
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Literal in the units hyparquet reports the statistic in (dates as ms Date, timestamps as ms Date). */
function literalFor(value: PushedFilter['value'], type: Schema['fields'][number]['type']): number | bigint | string | boolean | null {
  if (value === null || value === undefined) return null;
  if (type.kind === 'date' && typeof value === 'number') return value * 86_400_000;
  if (type.kind === 'timestamp' && typeof value === 'number') return value / 1000;
  if (type.kind === 'decimal' && typeof value === 'bigint') return Number(value) / 10 ** type.scale;
  if ((type.kind === 'date' || type.kind === 'timestamp' || type.kind === 'decimal')) return null;
  return value;
}

/** True when the row group's statistics prove that no row satisfies `f`. */
function provesEmpty(f: PushedFilter, stats: { min?: Stat; max?: Stat; nullCount?: bigint; rows: bigint }, schema: Schema): boolean {
  const idx = schema.indexOf(f.column);
  if (idx < 0) return false;
  if (f.op === 'is_null') return stats.nullCount === 0n;
  if (f.op === 'is_not_null') return stats.nullCount === stats.rows;
  if (stats.nullCount === stats.rows) return true; // all null: no comparison is true
  const v = literalFor(f.value, schema.fields[idx]!.type);
  const min = comparable(stats.min), max = comparable(stats.max);
  if (v === null || min === null || max === null) return false;
  const cMin = compare(v, min), cMax = compare(v, max);
  if (cMin === null || cMax === null) return false;
  switch (f.op) {
    case 'eq': return cMin < 0 || cMax > 0;
    case 'neq': return cMin === 0 && cMax === 0;
    case 'lt': return cMin <= 0; // v <= min: no x < v
    case 'le': return cMin < 0;
    case 'gt': return cMax >= 0;
    case 'ge': return cMax > 0;
  }
}

/** Indices of the row groups that `filters` cannot rule out. */
export function selectRowGroups(meta: FileMetaData, schema: Schema, filters: readonly PushedFilter[]): number[] {
  const keep: number[] = [];
  meta.row_groups.forEach((rg, i) => {
    if (rg.num_rows === 0n) return;
    const pruned = filters.some((f) => {
      const chunk = rg.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0]!.toLowerCase() === f.column.toLowerCase());
      const s = chunk?.meta_data?.statistics;
      if (!s) return false;
      return provesEmpty(f, { min: (s.min_value ?? s.min) as Stat | undefined, max: (s.max_value ?? s.max) as Stat | undefined, nullCount: s.null_count, rows: rg.num_rows }, schema);
    });
    if (!pruned) keep.push(i);
  });
  return keep;
}

function compression(options: ReadOptions): Compression {
  const c = (options['compression'] ?? 'snappy').toLowerCase();
  switch (c) {
    case 'snappy': return Compression.SNAPPY;
    case 'zstd': return Compression.ZSTD;
    case 'gzip': return Compression.GZIP;
    case 'none': case 'uncompressed': return Compression.UNCOMPRESSED;
    case 'lz4': return Compression.LZ4_RAW;
  }
  throw new AnalysisError(`Unsupported Parquet compression '${c}': use snappy, zstd, gzip, lz4 or none`);
}

export function encodeParquet(schema: Schema, batches: readonly Batch[], options: ReadOptions): Uint8Array {
  const ipc = arrow.tableToIPC(batchesToTable(schema, batches), 'stream');
  const props = new WriterPropertiesBuilder()
    .setCompression(compression(options))
    .setMaxRowGroupSize(Number(options['rowgroupsize'] ?? ROW_GROUP_ROWS))
    .setStatisticsEnabled(EnabledStatistics.Chunk)
    .build();
  return writeParquet(WasmTable.fromIPCStream(ipc), props);
}

export const parquetFormat: FileFormat = {
  name: 'parquet',

  inferSchema(files, _options, userSchema) {
    const schema = fileSchema(files[0]!);
    return userSchema ?? schema;
  },

  planPartitions(files, schema, _options, filters, targetPartitions) {
    const perFile = files.map((path) => {
      const meta = footerMetadata(path);
      return { path, groups: filters.length ? selectRowGroups(meta, schema, filters) : meta.row_groups.flatMap((rg, i) => (rg.num_rows > 0n ? [i] : [])) };
    });
    const totalGroups = perFile.reduce((n, f) => n + f.groups.length, 0);
    const groupsPerPartition = Math.max(1, Math.ceil(totalGroups / Math.max(1, targetPartitions)));
    const parts: ScanPartition[] = [];
    for (const { path, groups } of perFile) {
      for (let i = 0; i < groups.length; i += groupsPerPartition) parts.push({ path, rowGroups: groups.slice(i, i + groupsPerPartition) });
    }
    return parts;
  },

  async *read(part, schema, columns) {
    let blob: Blob;
    try { blob = await fs.openAsBlob(part.path); } catch { throw new AnalysisError(`Path does not exist: ${part.path}`); }
    const present = fileSchema(part.path);
    const wanted = columns.map((c) => schema.fields[c]!.name).flatMap((n) => { const i = present.indexOf(n); return i < 0 ? [] : [present.fields[i]!.name]; });
    let file: ParquetFile;
    try { file = await ParquetFile.fromFile(blob); } catch (e) { throw corrupt(part.path, String((e as Error).message ?? e)); }
    try {
      // One row group per read: only its column chunks come off the disk, and wasm's memory (which never shrinks) holds
      // one group's pages and rows, not the whole file and a partition's rows: G1 at 5e7 rows (0.9 GB, 24 groups per
      // partition) read whole passed 14 GB of RSS.
      const groups = part.rowGroups ?? Array.from({ length: file.metadata().numRowGroups() }, (_, i) => i);
      for (const group of groups) {
        let table: arrow.Table;
        try {
          const wasm = await file.read({ columns: wanted, batchSize: PARQUET_BATCH_ROWS, rowGroups: [group] });
          table = arrow.tableFromIPC(wasm.intoIPCStream());
        } catch (e) {
          throw corrupt(part.path, String((e as Error).message ?? e));
        }
        const readSchema = arrowSchemaToSchema(table.schema);
        for (const rb of table.batches) {
          if (rb.numRows > 0) yield alignBatch(recordBatchToBatch(rb, readSchema), schema, columns, part.path);
        }
      }
    } finally {
      file.free();
    }
  },
};
