import { type DataType, Float64Type, Int64Type, BooleanType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { type Accumulator, allValid, ensureCapacity, toFloat64, validityFromFlags } from './accumulator.js';

/** Counts rows (no arguments: count(*)), rows with every argument non-null, or rows where a boolean is true (count_if). */
export class CountAccumulator implements Accumulator {
  private counts = new Float64Array(0);
  constructor(private readonly onlyTrue: boolean) {}

  grow(numGroups: number): void { this.counts = ensureCapacity(this.counts, numGroups); }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const counts = this.counts;
    const valid = args.length === 0 ? null : allValid(args, numRows);
    const truth = this.onlyTrue ? (args[0]!.values as Uint8Array) : null;
    if (valid === null && truth === null) {
      for (let i = 0; i < numRows; i++) counts[groupIds[i]!]!++;
    } else if (truth === null) {
      for (let i = 0; i < numRows; i++) counts[groupIds[i]!]! += valid![i]!;
    } else {
      for (let i = 0; i < numRows; i++) if (truth[i] === 1 && (valid === null || valid[i] === 1)) counts[groupIds[i]!]!++;
    }
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    const partial = state[0]!.values as BigInt64Array;
    for (let i = 0; i < numRows; i++) this.counts[groupIds[i]!]! += Number(partial[i]!);
  }

  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }

  result(numGroups: number): Vec {
    const values = new BigInt64Array(numGroups);
    for (let g = 0; g < numGroups; g++) values[g] = BigInt(this.counts[g]!);
    return { type: Int64Type, length: numGroups, values, validity: null };
  }
}

/**
 * Exact integer sums without a BigInt per row: int32 values, or the low (unsigned) and high (signed)
 * 32-bit halves of int64 values, are summed in doubles and folded into BigInt totals before a
 * double could round. A group gets at most one addition per row, so counting rows since the last
 * fold bounds every group at once and the per-row loop carries no bookkeeping.
 */
class ExactIntegerSums {
  lows = new Float64Array(0);
  highs = new Float64Array(0);
  totals = new BigInt64Array(0);
  seen = new Uint8Array(0);
  private rowsSinceFold = 0;
  /** 2^22 int32 values, or 2^21 unsigned 32-bit halves, stay below 2^53. */
  static readonly INT32_ROWS = 1 << 22;
  static readonly INT64_ROWS = 1 << 21;

  grow(numGroups: number): void {
    this.lows = ensureCapacity(this.lows, numGroups);
    this.highs = ensureCapacity(this.highs, numGroups);
    this.totals = ensureCapacity(this.totals, numGroups);
    this.seen = ensureCapacity(this.seen, numGroups);
  }

  private foldAll(): void {
    const { lows, highs, totals } = this;
    for (let g = 0; g < lows.length; g++) {
      if (lows[g] === 0 && highs[g] === 0) continue;
      // Spark without ANSI mode wraps a long sum on overflow; asIntN reproduces that.
      totals[g] = BigInt.asIntN(64, totals[g]! + (BigInt(highs[g]!) << 32n) + BigInt(lows[g]!));
      lows[g] = 0;
      highs[g] = 0;
    }
    this.rowsSinceFold = 0;
  }

  add(groupIds: Int32Array, v: Vec, valid: Uint8Array | null, numRows: number): void {
    const wide = v.values instanceof BigInt64Array;
    const limit = wide ? ExactIntegerSums.INT64_ROWS : ExactIntegerSums.INT32_ROWS;
    for (let start = 0; start < numRows;) {
      if (this.rowsSinceFold === limit) this.foldAll();
      const end = Math.min(numRows, start + limit - this.rowsSinceFold);
      if (wide) addInt64Halves(this, groupIds, v.values as BigInt64Array, valid, start, end);
      else addInt32(this, groupIds, v.values as Int32Array, valid, start, end);
      this.rowsSinceFold += end - start;
      start = end;
    }
  }

  finish(numGroups: number): BigInt64Array {
    this.foldAll();
    return this.totals.slice(0, numGroups);
  }
}

// One loop per element type, outside the class, so each stays monomorphic for V8.
function addInt32(sums: ExactIntegerSums, groupIds: Int32Array, values: Int32Array, valid: Uint8Array | null, start: number, end: number): void {
  const { lows, seen } = sums;
  if (valid === null) {
    for (let i = start; i < end; i++) { const g = groupIds[i]!; lows[g]! += values[i]!; seen[g] = 1; }
    return;
  }
  for (let i = start; i < end; i++) {
    if (valid[i] === 0) continue;
    const g = groupIds[i]!;
    lows[g]! += values[i]!;
    seen[g] = 1;
  }
}

function addInt64Halves(sums: ExactIntegerSums, groupIds: Int32Array, values: BigInt64Array, valid: Uint8Array | null, start: number, end: number): void {
  const { lows, highs, seen } = sums;
  const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = start; i < end; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const g = groupIds[i]!;
    lows[g]! += halves[2 * i]! >>> 0;
    highs[g]! += halves[2 * i + 1]!;
    seen[g] = 1;
  }
}

/** sum over int32/int64/decimal: exact, as int64 (or the decimal's unscaled int64). */
export class IntegerSumAccumulator implements Accumulator {
  private readonly sums = new ExactIntegerSums();
  constructor(private readonly resultType: DataType) {}

  grow(numGroups: number): void { this.sums.grow(numGroups); }
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    this.sums.add(groupIds, args[0]!, allValid(args, numRows), numRows);
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    this.sums.add(groupIds, state[0]!, allValid(state, numRows), numRows);
  }
  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }
  result(numGroups: number): Vec {
    const values = this.sums.finish(numGroups);
    return { type: this.resultType, length: numGroups, values, validity: validityFromFlags(this.sums.seen, numGroups) };
  }
}

/** sum over doubles. */
export class FloatSumAccumulator implements Accumulator {
  private sums = new Float64Array(0);
  private seen = new Uint8Array(0);

  grow(numGroups: number): void {
    this.sums = ensureCapacity(this.sums, numGroups);
    this.seen = ensureCapacity(this.seen, numGroups);
  }
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const values = toFloat64(args[0]!, numRows);
    const valid = allValid(args, numRows);
    const { sums, seen } = this;
    if (valid === null) {
      for (let i = 0; i < numRows; i++) { const g = groupIds[i]!; sums[g]! += values[i]!; seen[g] = 1; }
    } else {
      for (let i = 0; i < numRows; i++) {
        if (valid[i] === 0) continue;
        const g = groupIds[i]!;
        sums[g]! += values[i]!;
        seen[g] = 1;
      }
    }
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void { this.update(groupIds, state, numRows); }
  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }
  result(numGroups: number): Vec {
    return { type: Float64Type, length: numGroups, values: this.sums.slice(0, numGroups), validity: validityFromFlags(this.seen, numGroups) };
  }
}

/** avg: integer arguments keep an exact sum so large int64 values do not lose precision before the division. */
export class AverageAccumulator implements Accumulator {
  private readonly exactSums: ExactIntegerSums | null;
  private readonly floatSums: FloatSumAccumulator | null;
  private readonly counts = new CountAccumulator(false);

  constructor(argType: DataType) {
    const integral = argType.kind === 'int32' || argType.kind === 'int64';
    this.exactSums = integral ? new ExactIntegerSums() : null;
    this.floatSums = integral ? null : new FloatSumAccumulator();
  }

  grow(numGroups: number): void {
    this.exactSums?.grow(numGroups);
    this.floatSums?.grow(numGroups);
    this.counts.grow(numGroups);
  }
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    if (this.exactSums) this.exactSums.add(groupIds, args[0]!, allValid(args, numRows), numRows);
    else this.floatSums!.update(groupIds, args, numRows);
    this.counts.update(groupIds, args, numRows);
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    const sum = state[0]!;
    if (this.exactSums) this.exactSums.add(groupIds, sum, allValid([sum], numRows), numRows);
    else this.floatSums!.update(groupIds, [sum], numRows);
    this.counts.merge(groupIds, [state[1]!], numRows);
  }
  state(numGroups: number): Vec[] {
    const sum: Vec = this.exactSums
      ? { type: Int64Type, length: numGroups, values: this.exactSums.finish(numGroups), validity: validityFromFlags(this.exactSums.seen, numGroups) }
      : this.floatSums!.result(numGroups);
    return [sum, this.counts.result(numGroups)];
  }
  result(numGroups: number): Vec {
    const [sum, count] = this.state(numGroups);
    const counts = count!.values as BigInt64Array;
    const values = new Float64Array(numGroups);
    const validity = new Uint8Array(numGroups);
    const sums = sum!.values;
    for (let g = 0; g < numGroups; g++) {
      const n = Number(counts[g]!);
      if (n === 0) continue;
      validity[g] = 1;
      values[g] = Number(sums[g]!) / n;
    }
    return { type: Float64Type, length: numGroups, values, validity: validityFromFlags(validity, numGroups) };
  }
}

/** bool_and / bool_or over non-null booleans; null when a group has none. */
export class BooleanFoldAccumulator implements Accumulator {
  private values = new Uint8Array(0);
  private seen = new Uint8Array(0);
  constructor(private readonly isAnd: boolean) {}

  grow(numGroups: number): void {
    const before = this.values.length;
    this.values = ensureCapacity(this.values, numGroups);
    if (this.isAnd) this.values.fill(1, before);
    this.seen = ensureCapacity(this.seen, numGroups);
  }
  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const input = args[0]!.values as Uint8Array;
    const valid = allValid(args, numRows);
    const { values, seen } = this;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      seen[g] = 1;
      values[g] = this.isAnd ? values[g]! & input[i]! : values[g]! | input[i]!;
    }
  }
  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void { this.update(groupIds, state, numRows); }
  state(numGroups: number): Vec[] { return [this.result(numGroups)]; }
  result(numGroups: number): Vec {
    return { type: BooleanType, length: numGroups, values: this.values.slice(0, numGroups), validity: validityFromFlags(this.seen, numGroups) };
  }
}
