import type { DataType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { type Accumulator, allValid } from './accumulator.js';
import { GroupValues, RowPerGroup } from './group-values.js';
import { DictionaryRanks, compareUtf8 } from './utf8-order.js';

/**
 * min / max over numbers, booleans, dates, timestamps and strings. NaN sorts above every number (Spark),
 * so max returns NaN when any value is NaN and min returns NaN only when every value is.
 */
export class MinMaxAccumulator implements Accumulator {
  private readonly best: GroupValues;
  private readonly ranks = new DictionaryRanks();
  private readonly rows = new RowPerGroup();

  constructor(type: DataType, private readonly isMax: boolean) {
    this.best = new GroupValues(type);
  }

  grow(numGroups: number): void { this.best.grow(numGroups); }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const v = args[0]!;
    if (v.type.kind === 'null') return;
    const valid = allValid(args, numRows);
    if (v.type.kind === 'utf8') this.updateStrings(groupIds, v, valid, numRows);
    else if (v.values instanceof BigInt64Array) this.updateInt64(groupIds, v.values, valid, numRows);
    else this.updateNumbers(groupIds, v.values as Float64Array, valid, numRows);
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void { this.update(groupIds, state, numRows); }

  private updateNumbers(groupIds: Int32Array, values: Float64Array, valid: Uint8Array | null, numRows: number): void {
    const best = this.best.values as Float64Array;
    const seen = this.best.valid;
    const isMax = this.isMax;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      const x = values[i]!;
      if (seen[g] === 0) { seen[g] = 1; best[g] = x; continue; }
      const current = best[g]!;
      const better = isMax ? x > current || (x !== x && current === current) : x < current || (current !== current && x === x);
      if (better) best[g] = x;
    }
  }

  /** Compares high halves as signed and low halves as unsigned, so no BigInt is made per row. */
  private updateInt64(groupIds: Int32Array, values: BigInt64Array, valid: Uint8Array | null, numRows: number): void {
    const halves = new Int32Array(values.buffer, values.byteOffset, numRows * 2);
    const store = this.best.values as BigInt64Array;
    const best = new Int32Array(store.buffer, store.byteOffset, store.length * 2);
    const seen = this.best.valid;
    const sign = this.isMax ? 1 : -1;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      const lo = halves[2 * i]!;
      const hi = halves[2 * i + 1]!;
      if (seen[g] === 0) { seen[g] = 1; best[2 * g] = lo; best[2 * g + 1] = hi; continue; }
      const bestHi = best[2 * g + 1]!;
      const diff = hi !== bestHi ? hi - bestHi : (lo >>> 0) - (best[2 * g]! >>> 0);
      if (diff * sign > 0) { best[2 * g] = lo; best[2 * g + 1] = hi; }
    }
  }

  /** Picks each touched group's best row of the batch by dictionary rank, then compares once with the stored string. */
  private updateStrings(groupIds: Int32Array, v: Vec, valid: Uint8Array | null, numRows: number): void {
    const codes = v.values as Int32Array;
    const dict = v.dict!;
    const ranks = this.ranks.of(dict);
    const rows = this.rows;
    rows.reset(this.best.valid.length, numRows);
    const sign = this.isMax ? 1 : -1;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      const current = rows.rowFor(g);
      if (current < 0 || (ranks[codes[i]!]! - ranks[codes[current]!]!) * sign > 0) rows.offer(g, i, true);
    }
    const pool = this.best.pool!;
    const ids = this.best.values as Int32Array;
    const seen = this.best.valid;
    for (let k = 0; k < rows.count; k++) {
      const g = rows.touched[k]!;
      const candidate = dict[codes[rows.rowFor(g)]!]!;
      if (seen[g] === 0 || compareUtf8(candidate, pool.strings[ids[g]!]!) * sign > 0) {
        ids[g] = pool.idOf(candidate);
        seen[g] = 1;
      }
    }
    rows.clear();
  }

  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }
  result(numGroups: number): Vec { return this.best.toVec(numGroups); }
}
