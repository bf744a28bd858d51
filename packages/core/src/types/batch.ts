import { Schema } from './schema.js';
import { type Vec, concatVecs, sliceVec, takeVec } from './vec.js';

/** A horizontal slice of a table: equal-length column vectors under one schema. */
export interface Batch {
  readonly schema: Schema;
  readonly columns: readonly Vec[];
  readonly numRows: number;
}

export const makeBatch = (schema: Schema, columns: readonly Vec[], numRows?: number): Batch => ({
  schema,
  columns,
  numRows: numRows ?? (columns.length ? columns[0]!.length : 0),
});

export const emptyBatch = (schema: Schema): Batch =>
  makeBatch(schema, schema.fields.map((f) => concatVecs(f.type, [])), 0);

export function takeBatch(b: Batch, indices: Int32Array): Batch {
  return makeBatch(b.schema, b.columns.map((c) => takeVec(c, indices)), indices.length);
}

export function sliceBatch(b: Batch, start: number, end: number): Batch {
  const e = Math.min(end, b.numRows);
  return makeBatch(b.schema, b.columns.map((c) => sliceVec(c, start, e)), Math.max(0, e - Math.min(start, e)));
}

export function concatBatches(schema: Schema, batches: readonly Batch[]): Batch {
  const nonEmpty = batches.filter((b) => b.numRows > 0);
  if (nonEmpty.length === 0) return emptyBatch(schema);
  if (nonEmpty.length === 1) return makeBatch(schema, nonEmpty[0]!.columns, nonEmpty[0]!.numRows);
  const cols = schema.fields.map((f, i) => concatVecs(f.type, nonEmpty.map((b) => b.columns[i]!)));
  return makeBatch(schema, cols);
}

/** Indices of the rows where mask is 1 (a selection vector). */
export function maskToIndices(mask: Uint8Array, validity: Uint8Array | null): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && (validity === null || validity[i] === 1)) n++;
  const idx = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && (validity === null || validity[i] === 1)) idx[k++] = i;
  return idx;
}
