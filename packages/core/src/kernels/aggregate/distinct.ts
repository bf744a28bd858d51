import { type DataType, Int32Type, ListType } from '../../types/data-type.js';
import { type Vec, sliceVec, takeVec } from '../../types/vec.js';
import { type Accumulator, allValid } from './accumulator.js';
import { GroupTable } from './group-table.js';

/**
 * DISTINCT aggregates (count(distinct x), sum(distinct x), collect_set, ...): a table of (group, value...)
 * pairs lets each distinct value through to the wrapped accumulator once. The partial state is the
 * group's distinct values as lists, one list column per argument.
 */
export class DistinctAccumulator implements Accumulator {
  private readonly seen: GroupTable;

  /** `inner` is null for a partial aggregation, which only ships the distinct values on. */
  constructor(private readonly argTypes: readonly DataType[], private readonly inner: Accumulator | null) {
    this.seen = new GroupTable([Int32Type, ...argTypes]);
  }

  grow(numGroups: number): void { this.inner?.grow(numGroups); }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const valid = allValid(args, numRows);
    let groups = groupIds.subarray(0, numRows);
    let values = args;
    if (valid !== null) {
      let kept = 0;
      for (let i = 0; i < numRows; i++) kept += valid[i]!;
      const rows = new Int32Array(kept);
      for (let i = 0, k = 0; i < numRows; i++) if (valid[i] === 1) rows[k++] = i;
      groups = new Int32Array(kept);
      for (let k = 0; k < kept; k++) groups[k] = groupIds[rows[k]!]!;
      values = args.map((a) => takeVec(a, rows));
    }
    this.addDistinct(groups, values, groups.length);
  }

  private addDistinct(groups: Int32Array, values: readonly Vec[], numRows: number): void {
    const before = this.seen.numGroups;
    const pairIds = this.seen.insert([{ type: Int32Type, length: numRows, values: groups, validity: null }, ...values], numRows);
    if (this.inner === null) return;
    // Pair ids are handed out densely in row order, so a row is a first occurrence exactly when it takes the next id.
    let fresh = 0;
    for (let i = 0, next = before; i < numRows; i++) if (pairIds[i] === next) { fresh++; next++; }
    if (fresh === 0) return;
    const rows = new Int32Array(fresh);
    for (let i = 0, next = before, k = 0; i < numRows; i++) if (pairIds[i] === next) { rows[k++] = i; next++; }
    const freshGroups = new Int32Array(fresh);
    for (let k = 0; k < fresh; k++) freshGroups[k] = groups[rows[k]!]!;
    this.inner.update(freshGroups, values.map((v) => takeVec(v, rows)), fresh);
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    if (numRows === 0) return;
    const offsets = state[0]!.offsets!;
    const start = offsets[0]!;
    const end = offsets[numRows]!;
    const groups = new Int32Array(end - start);
    for (let i = 0; i < numRows; i++) groups.fill(groupIds[i]!, offsets[i]! - start, offsets[i + 1]! - start);
    this.addDistinct(groups, state.map((lists) => sliceVec(lists.child!, start, end)), groups.length);
  }

  state(numGroups: number): Vec[] {
    const [groupVec, ...valueVecs] = this.seen.keys();
    const groups = groupVec!.values as Int32Array;
    const offsets = new Int32Array(numGroups + 1);
    for (let k = 0; k < groups.length; k++) offsets[groups[k]! + 1]!++;
    for (let g = 0; g < numGroups; g++) offsets[g + 1]! += offsets[g]!;
    const next = offsets.slice(0, numGroups);
    const order = new Int32Array(groups.length);
    for (let k = 0; k < groups.length; k++) order[next[groups[k]!]!++] = k;
    return valueVecs.map((v, j) => ({
      type: ListType(this.argTypes[j]!), length: numGroups, values: new Uint8Array(0), validity: null, offsets, child: takeVec(v, order),
    }));
  }

  result(numGroups: number): Vec {
    this.inner!.grow(numGroups);
    return this.inner!.result(numGroups);
  }
}
