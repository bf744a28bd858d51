import { type Vec, VectorType } from '@quiver/core';

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
