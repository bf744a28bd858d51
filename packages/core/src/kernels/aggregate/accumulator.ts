import type { Vec } from '../../types/vec.js';

/**
 * Per-group state of one aggregate, held in typed arrays indexed by group id.
 * `update` consumes raw argument rows, `merge` consumes the state columns another accumulator's
 * `state` produced (the partial -> final hand-over across a shuffle).
 */
export interface Accumulator {
  /** Makes room for group ids below numGroups. */
  grow(numGroups: number): void;
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void;
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void;
  state(numGroups: number): Vec[];
  result(numGroups: number): Vec;
}

type GrowableArray = Float64Array | Int32Array | Uint8Array | BigInt64Array;

/** Returns `a` when it already holds n slots, else a copy with doubled capacity (new slots = 0). */
export function ensureCapacity<T extends GrowableArray>(a: T, n: number): T {
  if (a.length >= n) return a;
  const grown = new (a.constructor as new (n: number) => T)(Math.max(n, a.length * 2, 16));
  grown.set(a as never);
  return grown;
}

/** Validity for per-group results: null when every group has a value. */
export function validityFromFlags(flags: Uint8Array, n: number): Uint8Array | null {
  for (let g = 0; g < n; g++) if (flags[g] === 0) return flags.slice(0, n);
  return null;
}

/** 1 where every argument is non-null (SQL aggregates skip a row when any argument is null). */
export function allValid(args: readonly Vec[], numRows: number): Uint8Array | null {
  let combined: Uint8Array | null = null;
  for (const a of args) {
    if (a.type.kind === 'null') return new Uint8Array(numRows);
    if (a.validity === null) continue;
    if (combined === null) combined = a.validity.slice(0, numRows);
    else for (let i = 0; i < numRows; i++) combined[i]! &= a.validity[i]!;
  }
  return combined;
}

/** Reads numeric values (int32, int64, float64, decimal with its scale) as doubles, one batch at a time. */
export function toFloat64(v: Vec, numRows: number): Float64Array {
  const src = v.values;
  if (src instanceof Float64Array) return src;
  const out = new Float64Array(numRows);
  if (src instanceof BigInt64Array) {
    const scale = v.type.kind === 'decimal' ? 10 ** v.type.scale : 1;
    for (let i = 0; i < numRows; i++) out[i] = Number(src[i]!) / scale;
  } else {
    for (let i = 0; i < numRows; i++) out[i] = src[i]!;
  }
  return out;
}
