import type { Schema } from '../types/schema.js';
import { type Batch, makeBatch } from '../types/batch.js';
import { valuesToVec } from '../kernels/udf.js';
import { type Vec, getValue } from '../types/vec.js';

/**
 * The shape mapPartitions and foreachPartition functions see and return: the partition column by column, as
 * `{ name: column }`. A column is its typed array where that is exact (int, bigint and double columns without
 * nulls: Int32Array, BigInt64Array, Float64Array), else an array of values as collect() shows them (null for null).
 */
export type PartitionColumns = Record<string, ArrayLike<unknown>>;

export function toPartitionColumns(schema: Schema, batch: Batch): PartitionColumns {
  const out: PartitionColumns = {};
  schema.fields.forEach((f, c) => { out[f.name] = columnValues(batch.columns[c]!, batch.numRows); });
  return out;
}

function columnValues(v: Vec, n: number): ArrayLike<unknown> {
  const k = v.type.kind;
  if (v.validity === null && (k === 'int32' || k === 'int64' || k === 'float64')) return v.values.subarray(0, n);
  return Array.from({ length: n }, (_, i) => getValue(v, i));
}

const EXACT: Partial<Record<string, new (n: number) => ArrayLike<unknown>>> = { int32: Int32Array, int64: BigInt64Array, float64: Float64Array };

/** A function's `{ name: column }` result as a batch of `schema`; every column present and of one length. */
export function fromPartitionColumns(result: unknown, schema: Schema, what: string): Batch {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new TypeError(`${what} must return an object of columns { ${schema.names.join(', ')} }, got ${Array.isArray(result) ? 'an array' : String(result)}`);
  }
  const cols = result as Record<string, unknown>;
  let n = -1;
  const vecs = schema.fields.map((f) => {
    const values = cols[f.name] as ArrayLike<unknown> | undefined;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new TypeError(`${what} returned no column '${f.name}' (an array or typed array)`);
    }
    if (n >= 0 && values.length !== n) throw new TypeError(`${what} returned columns of different lengths (${n} and ${values.length} for '${f.name}')`);
    n = values.length;
    const exact = EXACT[f.type.kind];
    // Copied, so a buffer the function keeps or reuses cannot change the written block.
    if (exact && values instanceof exact) return { type: f.type, length: n, values: (values as unknown as Int32Array).slice(), validity: null } as Vec;
    return valuesToVec(f.type, values, `${what} returned in column '${f.name}'`);
  });
  return makeBatch(schema, vecs, Math.max(0, n));
}
