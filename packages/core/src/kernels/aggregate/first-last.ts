import { BooleanType, type DataType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { type Accumulator, ensureCapacity } from './accumulator.js';
import { GroupValues, RowPerGroup } from './group-values.js';

/**
 * first / last value seen per group. Nulls count as values unless ignoreNulls (Spark's default is to keep them).
 * State is the value plus a "value set" flag, as in Spark, so a kept null is told apart from no row at all.
 */
export class FirstLastAccumulator implements Accumulator {
  private readonly chosen: GroupValues;
  private isSet = new Uint8Array(0);
  private readonly rows = new RowPerGroup();

  constructor(type: DataType, private readonly isLast: boolean, private readonly ignoreNulls: boolean) {
    this.chosen = new GroupValues(type);
  }

  grow(numGroups: number): void {
    this.chosen.grow(numGroups);
    this.isSet = ensureCapacity(this.isSet, numGroups);
  }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    this.take(groupIds, args[0]!, null, numRows);
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    this.take(groupIds, state[0]!, state[1]!.values as Uint8Array, numRows);
  }

  /** `rowIsSet` marks the state rows that carry a value (merge); raw rows always do. */
  private take(groupIds: Int32Array, v: Vec, rowIsSet: Uint8Array | null, numRows: number): void {
    const rows = this.rows;
    rows.reset(this.isSet.length, numRows);
    const validity = v.type.kind === 'null' ? new Uint8Array(numRows) : v.validity;
    const skipNulls = this.ignoreNulls && validity !== null;
    for (let i = 0; i < numRows; i++) {
      if (rowIsSet !== null && rowIsSet[i] === 0) continue;
      if (skipNulls && validity[i] === 0) continue;
      const g = groupIds[i]!;
      if (!this.isLast && this.isSet[g] === 1) continue;
      rows.offer(g, i, this.isLast);
    }
    for (let k = 0; k < rows.count; k++) {
      const g = rows.touched[k]!;
      this.chosen.setFrom(g, v, rows.rowFor(g));
      this.isSet[g] = 1;
    }
    rows.clear();
  }

  state(numGroups: number): Vec[] {
    return [this.chosen.toVec(numGroups), { type: BooleanType, length: numGroups, values: this.isSet.slice(0, numGroups), validity: null }];
  }

  result(numGroups: number): Vec { return this.chosen.toVec(numGroups); }
}
