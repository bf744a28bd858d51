import { type DataType, Float64Type, ListType } from '../../types/data-type.js';
import { type Vec, allocValues, concatVecs, nullVec, sliceVec, takeVec } from '../../types/vec.js';
import { type Accumulator, allValid } from './accumulator.js';

/**
 * Keeps every non-null value with its group id, batch by batch, and regroups them once at the end with a
 * counting sort, so adding rows is a gather per batch rather than a per-group list per row.
 */
export class ValueCollector {
  private readonly groupChunks: Int32Array[] = [];
  private readonly valueChunks: Vec[] = [];
  constructor(readonly type: DataType) {}

  add(groupIds: Int32Array, v: Vec, valid: Uint8Array | null, numRows: number): void {
    if (v.type.kind === 'null') return;
    if (valid === null) {
      this.groupChunks.push(groupIds.slice(0, numRows));
      this.valueChunks.push(sliceVec(v, 0, numRows));
      return;
    }
    let kept = 0;
    for (let i = 0; i < numRows; i++) kept += valid[i]!;
    const rows = new Int32Array(kept);
    const groups = new Int32Array(kept);
    for (let i = 0, k = 0; i < numRows; i++) {
      if (valid[i] === 0) continue;
      rows[k] = i;
      groups[k++] = groupIds[i]!;
    }
    this.groupChunks.push(groups);
    this.valueChunks.push(takeVec(v, rows));
  }

  /** Adds the elements of list-typed state rows, each under its row's group. */
  addLists(groupIds: Int32Array, lists: Vec, numRows: number): void {
    if (lists.type.kind === 'null' || numRows === 0) return;
    const offsets = lists.offsets!;
    const start = offsets[0]!;
    const end = offsets[numRows]!;
    const groups = new Int32Array(end - start);
    for (let i = 0; i < numRows; i++) groups.fill(groupIds[i]!, offsets[i]! - start, offsets[i + 1]! - start);
    this.groupChunks.push(groups);
    this.valueChunks.push(sliceVec(lists.child!, start, end));
  }

  /** All values ordered by group (arrival order within a group) and each group's range in `offsets`. */
  grouped(numGroups: number): { values: Vec; offsets: Int32Array } {
    const offsets = new Int32Array(numGroups + 1);
    for (const groups of this.groupChunks) for (let i = 0; i < groups.length; i++) offsets[groups[i]! + 1]!++;
    for (let g = 0; g < numGroups; g++) offsets[g + 1]! += offsets[g]!;
    const next = offsets.slice(0, numGroups);
    const order = new Int32Array(offsets[numGroups]!);
    let base = 0;
    for (const groups of this.groupChunks) {
      for (let i = 0; i < groups.length; i++) order[next[groups[i]!]!++] = base + i;
      base += groups.length;
    }
    const all = this.valueChunks.length === 0 ? nullVec(this.type, 0) : concatVecs(this.type, this.valueChunks);
    return { values: this.valueChunks.length === 0 ? all : takeVec(all, order), offsets };
  }
}

/** collect_list: the non-null values of each group (an empty list when there are none, as Spark). */
export class CollectListAccumulator implements Accumulator {
  private readonly collector: ValueCollector;
  constructor(private readonly elementType: DataType) {
    this.collector = new ValueCollector(elementType);
  }
  grow(): void {}
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    this.collector.add(groupIds, args[0]!, allValid(args, numRows), numRows);
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    this.collector.addLists(groupIds, state[0]!, numRows);
  }
  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }
  result(numGroups: number): Vec {
    const { values, offsets } = this.collector.grouped(numGroups);
    return { type: ListType(this.elementType), length: numGroups, values: new Uint8Array(0), validity: null, offsets, child: values };
  }
}

/** Sorts each group's slice of the grouped values in place (typed-array sort: numeric, NaN last). */
function sortWithinGroups(values: Vec, offsets: Int32Array, numGroups: number): void {
  const data = values.values as Float64Array;
  for (let g = 0; g < numGroups; g++) {
    if (offsets[g + 1]! - offsets[g]! > 1) data.subarray(offsets[g]!, offsets[g + 1]!).sort();
  }
}

/**
 * percentile_approx(col, p, accuracy), computed exactly: Spark's answer on data its sketch holds exactly,
 * the smallest value whose 1-based rank in sorted order is at least ceil(p * n). State is the value list.
 */
export class PercentileAccumulator implements Accumulator {
  private readonly collector: ValueCollector;
  constructor(private readonly type: DataType, private readonly percentage: number, private readonly accuracy: number) {
    this.collector = new ValueCollector(type);
  }
  grow(): void {}
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    this.collector.add(groupIds, args[0]!, allValid(args, numRows), numRows);
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    this.collector.addLists(groupIds, state[0]!, numRows);
  }
  state(numGroups: number): Vec[] {
    const { values, offsets } = this.collector.grouped(numGroups);
    return [{ type: ListType(this.type), length: numGroups, values: new Uint8Array(0), validity: null, offsets, child: values }];
  }
  result(numGroups: number): Vec {
    const { values, offsets } = this.collector.grouped(numGroups);
    sortWithinGroups(values, offsets, numGroups);
    const out = allocValues(this.type, numGroups) as Float64Array;
    const validity = new Uint8Array(numGroups);
    const data = values.values as Float64Array;
    const relativeError = 1 / this.accuracy;
    let allSet = true;
    for (let g = 0; g < numGroups; g++) {
      const n = offsets[g + 1]! - offsets[g]!;
      if (n === 0) { allSet = false; continue; }
      // Spark's QuantileSummaries.query answers the extremes directly within the relative error.
      const p = this.percentage;
      const rank = p <= relativeError ? 1 : p >= 1 - relativeError ? n : Math.max(1, Math.ceil(p * n));
      out[g] = data[offsets[g]! + rank - 1]!;
      validity[g] = 1;
    }
    return { type: this.type, length: numGroups, values: out, validity: allSet ? null : validity };
  }
}

/** median: exact, interpolating between the two middle values of an even count (Spark 3.4, DuckDB). */
export class MedianAccumulator implements Accumulator {
  private readonly collector: ValueCollector;
  constructor(private readonly type: DataType) {
    this.collector = new ValueCollector(type);
  }
  grow(): void {}
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    this.collector.add(groupIds, args[0]!, allValid(args, numRows), numRows);
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    this.collector.addLists(groupIds, state[0]!, numRows);
  }
  state(numGroups: number): Vec[] {
    const { values, offsets } = this.collector.grouped(numGroups);
    return [{ type: ListType(this.type), length: numGroups, values: new Uint8Array(0), validity: null, offsets, child: values }];
  }
  result(numGroups: number): Vec {
    const { values, offsets } = this.collector.grouped(numGroups);
    sortWithinGroups(values, offsets, numGroups);
    const data = values.values;
    const scale = this.type.kind === 'decimal' ? 10 ** this.type.scale : 1;
    const out = new Float64Array(numGroups);
    const validity = new Uint8Array(numGroups);
    let allSet = true;
    for (let g = 0; g < numGroups; g++) {
      const n = offsets[g + 1]! - offsets[g]!;
      if (n === 0) { allSet = false; continue; }
      const position = (n - 1) / 2;
      const below = Math.floor(position);
      const lower = Number(data[offsets[g]! + below]!) / scale;
      const upper = Number(data[offsets[g]! + Math.ceil(position)]!) / scale;
      out[g] = lower + (upper - lower) * (position - below);
      validity[g] = 1;
    }
    return { type: Float64Type, length: numGroups, values: out, validity: allSet ? null : validity };
  }
}
