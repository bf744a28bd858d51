import { Int32Type, Int64Type, ListType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { AnalysisError } from '../../errors.js';
import { type Accumulator, allValid } from './accumulator.js';
import { mix32 } from './key-encoders.js';

/** Register-count exponent for a relative standard deviation, as Spark's HyperLogLogPlusPlus picks it. */
export function hllPrecision(relativeSD: number): number {
  const p = Math.ceil((2 * Math.log(1.106 / relativeSD)) / Math.log(2));
  if (!(p >= 4)) throw new AnalysisError(`approx_count_distinct: relative standard deviation ${relativeSD} is too large (it must be at most 0.39)`);
  if (p > 18) throw new AnalysisError(`approx_count_distinct: relative standard deviation ${relativeSD} is too small`);
  return p;
}

/** Below these estimates (per precision, from 4) linear counting beats the raw HLL estimate (HLL++ paper). */
const LINEAR_COUNTING_THRESHOLDS = [10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000];

/**
 * approx_count_distinct: HyperLogLog++ registers per group (6-bit ranks kept one per byte), a 64-bit hash
 * made of two 32-bit mixes of the typed key, linear counting for small cardinalities. The state is the
 * register vector of each group as a fixed-size list<int>.
 */
export class HyperLogLogAccumulator implements Accumulator {
  private readonly p: number;
  private readonly m: number;
  private registers = new Uint8Array(0);
  private hashLow = new Int32Array(0);
  private hashHigh = new Int32Array(0);
  private scratch = new Float64Array(0);
  private lastDict: readonly string[] | null = null;
  private dictLow = new Int32Array(0);
  private dictHigh = new Int32Array(0);

  constructor(relativeSD: number) {
    this.p = hllPrecision(relativeSD);
    this.m = 1 << this.p;
  }

  grow(numGroups: number): void {
    if (this.registers.length >= numGroups * this.m) return;
    const grown = new Uint8Array(Math.max(numGroups, (this.registers.length / this.m) * 2, 4) * this.m);
    grown.set(this.registers);
    this.registers = grown;
  }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const v = args[0]!;
    if (v.type.kind === 'null') return;
    this.hashRows(v, numRows);
    const valid = allValid(args, numRows);
    const { p, m, registers, hashLow, hashHigh } = this;
    const maxRank = 64 - p + 1;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const h1 = hashLow[i]!;
      const index = h1 >>> (32 - p);
      const rest = h1 << p;
      const rank = rest !== 0 ? Math.clz32(rest) + 1 : Math.min(maxRank, 32 - p + Math.clz32(hashHigh[i]!) + 1);
      const slot = groupIds[i]! * m + index;
      if (rank > registers[slot]!) registers[slot] = rank;
    }
  }

  /** Fills hashLow/hashHigh with a 64-bit hash of each row's value, from its typed representation. */
  private hashRows(v: Vec, numRows: number): void {
    if (this.hashLow.length < numRows) {
      this.hashLow = new Int32Array(numRows);
      this.hashHigh = new Int32Array(numRows);
    }
    const { hashLow, hashHigh } = this;
    const src = v.values;
    if (v.type.kind === 'utf8') {
      this.hashDictionary(v.dict!);
      const codes = src as Int32Array;
      for (let i = 0; i < numRows; i++) { hashLow[i] = this.dictLow[codes[i]!]!; hashHigh[i] = this.dictHigh[codes[i]!]!; }
    } else if (src instanceof Float64Array || src instanceof BigInt64Array) {
      let halves: Int32Array;
      if (src instanceof Float64Array) {
        // -0.0 and 0.0, and all NaNs, are one value, as in grouping.
        if (this.scratch.length < numRows) this.scratch = new Float64Array(numRows);
        for (let i = 0; i < numRows; i++) { const x = src[i]! + 0; this.scratch[i] = x === x ? x : NaN; }
        halves = new Int32Array(this.scratch.buffer, 0, numRows * 2);
      } else {
        halves = new Int32Array(src.buffer, src.byteOffset, numRows * 2);
      }
      for (let i = 0; i < numRows; i++) {
        const lo = halves[2 * i]!;
        const hi = halves[2 * i + 1]!;
        hashLow[i] = mix32(lo ^ mix32(hi ^ 0x27d4eb2f));
        hashHigh[i] = mix32(hi ^ mix32(lo ^ 0x165667b1));
      }
    } else {
      const ints = src as Int32Array;
      for (let i = 0; i < numRows; i++) {
        const x = ints[i]!;
        hashLow[i] = mix32(x ^ 0x27d4eb2f);
        hashHigh[i] = mix32(Math.imul(x, 0x9e3779b1) ^ 0x165667b1);
      }
    }
  }

  /** Hashes each dictionary entry once (FNV-1a over UTF-16 units with two seeds, then mixed). */
  private hashDictionary(dict: readonly string[]): void {
    if (dict === this.lastDict) return;
    this.lastDict = dict;
    this.dictLow = new Int32Array(dict.length);
    this.dictHigh = new Int32Array(dict.length);
    for (let c = 0; c < dict.length; c++) {
      const s = dict[c]!;
      let a = 0x811c9dc5;
      let b = 0x9747b28c;
      for (let k = 0; k < s.length; k++) {
        const unit = s.charCodeAt(k);
        a = Math.imul(a ^ unit, 0x01000193);
        b = Math.imul(b ^ unit, 0x5bd1e995);
      }
      this.dictLow[c] = mix32(a ^ s.length);
      this.dictHigh[c] = mix32(b ^ mix32(a));
    }
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    const lists = state[0]!;
    const incoming = lists.child!.values as Int32Array;
    const offsets = lists.offsets!;
    const { m, registers } = this;
    for (let i = 0; i < numRows; i++) {
      const from = offsets[i]!;
      const base = groupIds[i]! * m;
      for (let r = 0; r < m; r++) {
        const rank = incoming[from + r]!;
        if (rank > registers[base + r]!) registers[base + r] = rank;
      }
    }
  }

  state(numGroups: number): Vec[] {
    const m = this.m;
    const offsets = new Int32Array(numGroups + 1);
    for (let g = 0; g <= numGroups; g++) offsets[g] = g * m;
    const child: Vec = { type: Int32Type, length: numGroups * m, values: Int32Array.from(this.registers.subarray(0, numGroups * m)), validity: null };
    return [{ type: ListType(Int32Type), length: numGroups, values: new Uint8Array(0), validity: null, offsets, child }];
  }

  result(numGroups: number): Vec {
    const { m, p, registers } = this;
    const alpha = p === 4 ? 0.673 : p === 5 ? 0.697 : p === 6 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const out = new BigInt64Array(numGroups);
    for (let g = 0; g < numGroups; g++) {
      let inverseSum = 0;
      let zeros = 0;
      for (let r = g * m; r < (g + 1) * m; r++) {
        const rank = registers[r]!;
        inverseSum += 2 ** -rank;
        if (rank === 0) zeros++;
      }
      let estimate = (alpha * m * m) / inverseSum;
      if (zeros > 0) {
        const linear = m * Math.log(m / zeros);
        // Without HLL++'s empirical bias tables the raw estimate is biased up to 2.5m, where classic HLL switches.
        if (linear <= LINEAR_COUNTING_THRESHOLDS[p - 4]! || estimate <= 2.5 * m) estimate = linear;
      }
      out[g] = BigInt(Math.round(estimate));
    }
    return { type: Int64Type, length: numGroups, values: out, validity: null };
  }
}
