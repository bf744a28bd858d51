import * as arrow from 'apache-arrow';
import { hashPartitionIds, splitByPartition } from '../kernels/partition.js';
import type { PhysicalPlan, Partitioning } from '../physical/plan.js';
import { arrowColumnToVec, arrowSchemaToSchema, encodeIpc, tableToSharedIpc } from '../types/arrow.js';
import type { Schema } from '../types/schema.js';
import { copyBytes } from '../types/utf8-bytes.js';

/**
 * A map task that only moves rows (a block scan, perhaps narrowed or renamed by a projection of plain column
 * references, into a hash exchange on some of those columns) is split as Arrow data: only the key columns become
 * Quiver vectors, to be hashed exactly as every other map task hashes them, and each output block gathers its
 * rows straight from the input's Arrow buffers. A string column of mostly distinct values would otherwise be
 * turned into a JS string per row on decoding and back into bytes on encoding, which is most of the cost of
 * shuffling a wide table for a join.
 */

/** The block scan's column each output column is, and the hash keys as output columns; null when the task computes anything. */
export function passThroughHashSplit(plan: PhysicalPlan, output: Partitioning): { scan: Extract<PhysicalPlan, { kind: 'block_scan' }>; columns: number[]; keys: number[] } | null {
  if (output.kind !== 'hash') return null;
  let columns: number[];
  let scan: PhysicalPlan = plan;
  if (plan.kind === 'project') {
    if (!plan.exprs.every((e) => e.op === 'ref')) return null;
    columns = plan.exprs.map((e) => (e as { index: number }).index);
    scan = plan.input;
  } else columns = plan.schema.fields.map((_, i) => i);
  if (scan.kind !== 'block_scan') return null;
  const scanColumns = scan.columns;
  const keys = output.keys.map((k) => (k.op === 'ref' ? k.index : -1));
  if (keys.some((k) => k < 0)) return null;
  return { scan, columns: columns.map((c) => (scanColumns ? scanColumns[c]! : c)), keys };
}

/** The task's output blocks, one per reduce partition; null when an input column has a layout this does not gather. */
export function splitArrowBlocks(blocks: readonly Uint8Array[], schema: Schema, columns: readonly number[], keys: readonly number[], numPartitions: number): { bytes: Uint8Array; rows: number }[] | null {
  const segments: { batch: arrow.RecordBatch; rows: Int32Array[] }[] = [];
  for (const bytes of blocks) {
    const table = arrow.tableFromIPC(bytes);
    const types = arrowSchemaToSchema(table.schema);
    for (const batch of table.batches) {
      if (batch.numRows === 0) continue;
      const keyVecs = keys.map((k) => arrowColumnToVec(batch.data.children[columns[k]!]!, types.fields[columns[k]!]!.type));
      segments.push({ batch, rows: splitByPartition(hashPartitionIds(keyVecs, batch.numRows, numPartitions), numPartitions) });
    }
  }
  const first = segments[0];
  if (!first) return Array.from({ length: numPartitions }, () => ({ bytes: encodeIpc(schema, []), rows: 0 }));
  const out: { bytes: Uint8Array; rows: number }[] = [];
  for (let r = 0; r < numPartitions; r++) {
    const parts = segments.filter((s) => s.rows[r]!.length > 0);
    if (parts.length === 0) { out.push({ bytes: encodeIpc(schema, []), rows: 0 }); continue; }
    const length = parts.reduce((n, s) => n + s.rows[r]!.length, 0);
    const fields: arrow.Field[] = [];
    const children: arrow.Data[] = [];
    for (let c = 0; c < columns.length; c++) {
      const sources = parts.map((s) => ({ data: s.batch.data.children[columns[c]!]!, rows: s.rows[r]! }));
      const data = takeData(sources, length, numPartitions);
      if (!data) return null;
      const source = first.batch.schema.fields[columns[c]!]!;
      fields.push(new arrow.Field(schema.fields[c]!.name, data.type, source.nullable, source.metadata));
      children.push(data);
    }
    const arrowSchema = new arrow.Schema(fields);
    const batch = new arrow.RecordBatch(arrowSchema, arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }));
    out.push({ bytes: tableToSharedIpc(new arrow.Table(arrowSchema, [batch])), rows: length });
  }
  return out;
}

interface Source { readonly data: arrow.Data; readonly rows: Int32Array }

/** The given rows of the sources, in order, as one column; null for a layout not handled here (the task then decodes). */
function takeData(sources: readonly Source[], length: number, numPartitions: number): arrow.Data | null {
  const type = sources[0]!.data.type;
  if (sources.some((s) => s.data.type.typeId !== type.typeId)) return null;
  const nulls = takeValidity(sources, length);
  switch (type.typeId) {
    case arrow.Type.Int: case arrow.Type.Float: case arrow.Type.Date: case arrow.Type.Timestamp: case arrow.Type.Decimal: {
      const stride = type.typeId === arrow.Type.Decimal ? (type as arrow.Decimal).bitWidth / 32 : 1;
      // Int32Array, Float64Array, BigInt64Array...: indexing is the same for all of them.
      const proto = sources[0]!.data.values as Int32Array;
      const values = new (proto.constructor as new (n: number) => Int32Array)(length * stride);
      let o = 0;
      for (const { data, rows } of sources) {
        const src = data.values as Int32Array;
        if (stride === 1) for (let i = 0; i < rows.length; i++) values[o++] = src[rows[i]!]!;
        else for (let i = 0; i < rows.length; i++) { const at = rows[i]! * stride; for (let k = 0; k < stride; k++) values[o++] = src[at + k]!; }
      }
      return arrow.makeData({ type: type as arrow.Int32, length, ...nulls, data: values });
    }
    case arrow.Type.Bool: {
      const bits = new Uint8Array((length + 7) >> 3);
      let o = 0;
      for (const { data, rows } of sources) {
        const src = data.values as Uint8Array;
        for (let i = 0; i < rows.length; i++, o++) {
          const at = data.offset + rows[i]!;
          if (src[at >> 3]! & (1 << (at & 7))) bits[o >> 3]! |= 1 << (o & 7);
        }
      }
      return arrow.makeData({ type: type as arrow.Bool, length, ...nulls, data: bits });
    }
    case arrow.Type.Utf8:
      return takeUtf8(sources.map(({ data, rows }) => ({ bytes: data.values as Uint8Array, offsets: data.valueOffsets as Int32Array, rows, codes: null })), length, nulls);
    case arrow.Type.Dictionary: {
      const dictionary = sources[0]!.data.dictionary;
      const sameDictionary = sources.every((s) => s.data.dictionary === dictionary);
      const dictType = (type as arrow.Dictionary).dictionary;
      if (!dictionary || dictType.typeId !== arrow.Type.Utf8) return null;
      // One dictionary shared by every output block would be written into each of them: past a share of the
      // rows it outweighs the rows themselves, and the rows are written plain instead.
      if (sameDictionary && dictionary.length * numPartitions <= length * 2) {
        const indices = new Int32Array(length);
        let o = 0;
        for (const { data, rows } of sources) {
          const src = data.values as ArrayLike<number>;
          for (let i = 0; i < rows.length; i++) indices[o++] = src[rows[i]!]!;
        }
        const keys = new arrow.Int32();
        return arrow.makeData({ type: new arrow.Dictionary(dictType, keys, (type as arrow.Dictionary).id), length, ...nulls, data: indices, dictionary });
      }
      const plain: Utf8Source[] = [];
      for (const { data, rows } of sources) {
        const chunks = data.dictionary!.data;
        if (chunks.length !== 1) return null;
        const codes = data.values as ArrayLike<number>;
        plain.push({ bytes: chunks[0]!.values as Uint8Array, offsets: chunks[0]!.valueOffsets as Int32Array, rows, codes });
      }
      return takeUtf8(plain, length, nulls);
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const child = sources[0]!.data.children[0]!;
      if (child.type.typeId !== arrow.Type.Float || sources.some((s) => s.data.children[0]!.nullCount > 0)) return null;
      const values = new Float64Array(length * size);
      let o = 0;
      for (const { data, rows } of sources) {
        const src = data.children[0]!.values as Float64Array;
        const base = data.offset * size;
        for (let i = 0; i < rows.length; i++, o += size) values.set(src.subarray(base + rows[i]! * size, base + (rows[i]! + 1) * size), o);
      }
      const childData = arrow.makeData({ type: child.type as arrow.Float64, length: length * size, nullCount: 0, data: values });
      return arrow.makeData({ type: type as arrow.FixedSizeList, length, ...nulls, child: childData });
    }
    default:
      return null;
  }
}

/** Gathers strings as bytes: row `rows[i]` of a source (or dictionary entry `codes[rows[i]]`), never decoded. */
interface Utf8Source { readonly bytes: Uint8Array; readonly offsets: Int32Array; readonly rows: Int32Array; readonly codes: ArrayLike<number> | null }

function takeUtf8(sources: readonly Utf8Source[], length: number, nulls: { nullCount: number; nullBitmap: Uint8Array | undefined }): arrow.Data<arrow.Utf8> {
  const valueOffsets = new Int32Array(length + 1);
  let total = 0, o = 0;
  for (const { offsets, rows, codes } of sources) {
    for (let i = 0; i < rows.length; i++) {
      const at = codes ? codes[rows[i]!]! : rows[i]!;
      if (!nulls.nullBitmap || nulls.nullBitmap[(o + i) >> 3]! & (1 << ((o + i) & 7))) total += offsets[at + 1]! - offsets[at]!;
      valueOffsets[o + i + 1] = total;
    }
    o += rows.length;
  }
  const data = new Uint8Array(total);
  o = 0;
  for (const { bytes, offsets, rows, codes } of sources) {
    for (let i = 0; i < rows.length; i++, o++) {
      const len = valueOffsets[o + 1]! - valueOffsets[o]!;
      if (len === 0) continue;
      const at = codes ? codes[rows[i]!]! : rows[i]!;
      copyBytes(data, valueOffsets[o]!, bytes, offsets[at]!, len);
    }
  }
  return arrow.makeData({ type: new arrow.Utf8(), length, ...nulls, valueOffsets, data });
}

/** The rows' validity as an Arrow bitmap, or none when every row is valid. */
function takeValidity(sources: readonly Source[], length: number): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  if (sources.every((s) => s.data.nullCount === 0 || !s.data.nullBitmap)) return { nullCount: 0, nullBitmap: undefined };
  const bits = new Uint8Array((length + 7) >> 3);
  let o = 0, nullCount = 0;
  for (const { data, rows } of sources) {
    const src = data.nullCount > 0 ? data.nullBitmap : null;
    for (let i = 0; i < rows.length; i++, o++) {
      const at = data.offset + rows[i]!;
      if (!src || src[at >> 3]! & (1 << (at & 7))) bits[o >> 3]! |= 1 << (o & 7);
      else nullCount++;
    }
  }
  return nullCount === 0 ? { nullCount: 0, nullBitmap: undefined } : { nullCount, nullBitmap: bits };
}
