import type { DataType } from '../../types/data-type.js';
import { type Vec, allocValues } from '../../types/vec.js';
import { ensureCapacity, validityFromFlags } from './accumulator.js';
import { StringPool } from './string-pool.js';

/**
 * One value per group of a scalar type, in the type's typed array; strings are held as ids into
 * a pool so a group's value outlives the dictionary of the batch it came from.
 */
export class GroupValues {
  values: Float64Array | Int32Array | BigInt64Array | Uint8Array;
  /** 1 where the group holds a non-null value. */
  valid = new Uint8Array(0);
  readonly pool: StringPool | null;

  constructor(readonly type: DataType) {
    this.values = allocValues(type.kind === 'null' ? { kind: 'boolean' } : type, 0) as GroupValues['values'];
    this.pool = type.kind === 'utf8' ? new StringPool() : null;
  }

  grow(numGroups: number): void {
    this.values = ensureCapacity(this.values, numGroups);
    this.valid = ensureCapacity(this.valid, numGroups);
  }

  /** Copies row `row` of v (null included) into group g. */
  setFrom(g: number, v: Vec, row: number): void {
    if (v.type.kind === 'null' || (v.validity !== null && v.validity[row] === 0)) { this.valid[g] = 0; return; }
    this.valid[g] = 1;
    if (this.pool) this.values[g] = this.pool.idOf(v.dict![(v.values as Int32Array)[row]!]!);
    else (this.values as Float64Array)[g] = (v.values as Float64Array)[row]!;
  }

  toVec(numGroups: number): Vec {
    const validity = validityFromFlags(this.valid, numGroups);
    if (this.type.kind === 'null') return { type: this.type, length: numGroups, values: new Uint8Array(0), validity: new Uint8Array(numGroups) };
    const values = this.values.slice(0, numGroups);
    return this.pool
      ? { type: this.type, length: numGroups, values, validity, dict: this.pool.strings }
      : { type: this.type, length: numGroups, values, validity };
  }
}

/**
 * Collects, per batch, one row per touched group (first or last qualifying row) without scanning all groups:
 * touched groups are listed as they are first seen.
 */
export class RowPerGroup {
  private rowOf = new Int32Array(0);
  touched = new Int32Array(0);
  count = 0;

  reset(numGroups: number, numRows: number): void {
    if (this.rowOf.length < numGroups) {
      const grown = new Int32Array(Math.max(numGroups, this.rowOf.length * 2)).fill(-1);
      this.rowOf = grown;
    }
    if (this.touched.length < numRows) this.touched = new Int32Array(numRows);
    this.count = 0;
  }

  rowFor(g: number): number { return this.rowOf[g]!; }

  /** Records row i for group g; `replace` keeps the last row instead of the first. */
  offer(g: number, i: number, replace: boolean): void {
    const current = this.rowOf[g]!;
    if (current < 0) { this.touched[this.count++] = g; this.rowOf[g] = i; } else if (replace) this.rowOf[g] = i;
  }

  /** Forgets the batch's rows (only the touched slots are cleared). */
  clear(): void {
    for (let k = 0; k < this.count; k++) this.rowOf[this.touched[k]!] = -1;
    this.count = 0;
  }
}
