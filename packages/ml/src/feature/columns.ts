import { type DataType, type Vec, VectorType, typeToString } from '@quiver/core';

/** Column types a feature stage reads as doubles (Spark casts these to double). */
export function isNumeric(t: DataType): boolean {
  return t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'boolean';
}

export function describeType(t: DataType): string { return typeToString(t); }

/** A numeric column's values as doubles, a column at a time; null slots hold 0 (check `validity`). */
export function asFloat64(v: Vec): Float64Array {
  const vals = v.values;
  if (vals instanceof Float64Array) return vals.length === v.length ? vals : vals.subarray(0, v.length);
  const out = new Float64Array(v.length);
  if (vals instanceof BigInt64Array) for (let i = 0; i < v.length; i++) out[i] = Number(vals[i]!);
  else for (let i = 0; i < v.length; i++) out[i] = vals[i]!;
  return out;
}

export const isValid = (v: Vec, i: number): boolean => v.validity === null || v.validity[i] === 1;

export function denseVectorVec(size: number, values: Float64Array, n: number, validity: Uint8Array | null = null): Vec {
  return { type: VectorType(size, false), length: n, values, validity };
}

export function sparseVectorVec(size: number, offsets: Int32Array, indices: Int32Array, values: Float64Array, n: number): Vec {
  return { type: VectorType(size, true), length: n, values, validity: null, offsets, indices };
}

export function doubleVec(values: Float64Array, validity: Uint8Array | null = null): Vec {
  return { type: { kind: 'float64' }, length: values.length, values, validity };
}

/** Calls f(index, value) for each stored entry of vector row i (every entry of a dense row). */
export function forEachEntry(v: Vec, i: number, f: (index: number, value: number) => void): void {
  const t = v.type as Extract<DataType, { kind: 'vector' }>;
  const vals = v.values as Float64Array;
  if (!t.sparse) {
    const base = i * t.size;
    for (let j = 0; j < t.size; j++) f(j, vals[base + j]!);
  } else {
    for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) f(v.indices![k]!, vals[k]!);
  }
}
