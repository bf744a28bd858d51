import { SparseVector, type Vec, VectorType } from '@quiver/core';

/** Spark's Vectors factory: dense rows are Float64Arrays, sparse rows SparseVectors. */
export const Vectors = {
  dense: (...values: number[] | [ArrayLike<number>]): Float64Array =>
    values.length === 1 && typeof values[0] !== 'number' ? Float64Array.from(values[0] as ArrayLike<number>) : Float64Array.from(values as number[]),
  sparse: (size: number, indices: ArrayLike<number>, values: ArrayLike<number>): SparseVector => SparseVector.of(size, indices, values),
  zeros: (size: number): Float64Array => new Float64Array(size),
};

type VectorT = { kind: 'vector'; size: number; sparse: boolean };

/** A vector column's size (the type carries it). */
export const vectorSize = (v: Vec): number => (v.type as VectorT).size;

/** A dense vector column from rows x size values. */
export function denseColumn(values: Float64Array, size: number, validity: Uint8Array | null = null): Vec {
  return { type: VectorType(size, false), length: size === 0 ? (validity?.length ?? 0) : values.length / size, values, validity };
}

/**
 * Rows x size values of a vector column, row-major: dense columns are returned as they are (no copy),
 * sparse ones expanded. Null rows hold zeros; check `validity`.
 */
export function toDenseMatrix(v: Vec): Float64Array {
  const t = v.type as VectorT;
  if (t.kind !== 'vector') throw new TypeError(`expected a vector column, got ${t.kind}`);
  const n = v.length, d = t.size;
  if (!t.sparse) return (v.values as Float64Array).subarray(0, n * d);
  const out = new Float64Array(n * d);
  const offs = v.offsets!, idx = v.indices!, vals = v.values as Float64Array;
  for (let i = 0; i < n; i++) for (let k = offs[i]!; k < offs[i + 1]!; k++) out[i * d + idx[k]!] = vals[k]!;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm2(a: ArrayLike<number>): number { return Math.sqrt(dot(a, a)); }
