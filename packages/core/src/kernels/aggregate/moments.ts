import { Float64Type } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { type Accumulator, allValid, ensureCapacity, toFloat64 } from './accumulator.js';

const f64 = (values: Float64Array, n: number): Vec => ({ type: Float64Type, length: n, values: values.slice(0, n), validity: null });

function resultVec(values: Float64Array, validity: Uint8Array, n: number): Vec {
  let allSet = true;
  for (let g = 0; g < n; g++) if (validity[g] === 0) { allSet = false; break; }
  return { type: Float64Type, length: n, values, validity: allSet ? null : validity };
}

export type VarianceKind = 'var_samp' | 'var_pop' | 'stddev_samp' | 'stddev_pop';

/** Variance and standard deviation: Welford's update per row, Chan's pairwise formula to merge partial states. */
export class VarianceAccumulator implements Accumulator {
  private n = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  constructor(private readonly kind: VarianceKind) {}

  grow(numGroups: number): void {
    this.n = ensureCapacity(this.n, numGroups);
    this.mean = ensureCapacity(this.mean, numGroups);
    this.m2 = ensureCapacity(this.m2, numGroups);
  }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const values = toFloat64(args[0]!, numRows);
    const valid = allValid(args, numRows);
    const { n, mean, m2 } = this;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      const x = values[i]!;
      const count = ++n[g]!;
      const delta = x - mean[g]!;
      const updated = mean[g]! + delta / count;
      mean[g] = updated;
      m2[g]! += delta * (x - updated);
    }
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    const nB = state[0]!.values as Float64Array;
    const meanB = state[1]!.values as Float64Array;
    const m2B = state[2]!.values as Float64Array;
    const { n, mean, m2 } = this;
    for (let i = 0; i < numRows; i++) {
      const b = nB[i]!;
      if (b === 0) continue;
      const g = groupIds[i]!;
      const a = n[g]!;
      const total = a + b;
      const delta = meanB[i]! - mean[g]!;
      const deltaN = delta / total;
      mean[g]! += deltaN * b;
      m2[g]! += m2B[i]! + delta * deltaN * a * b;
      n[g] = total;
    }
  }

  state(numGroups: number): Vec[] {
    return [f64(this.n, numGroups), f64(this.mean, numGroups), f64(this.m2, numGroups)];
  }

  result(numGroups: number): Vec {
    const sample = this.kind === 'var_samp' || this.kind === 'stddev_samp';
    const root = this.kind === 'stddev_samp' || this.kind === 'stddev_pop';
    const values = new Float64Array(numGroups);
    const validity = new Uint8Array(numGroups);
    for (let g = 0; g < numGroups; g++) {
      const count = this.n[g]!;
      // Spark 3 returns null rather than NaN when a sample statistic divides by zero.
      if (count === 0 || (sample && count === 1)) continue;
      const variance = this.m2[g]! / (sample ? count - 1 : count);
      values[g] = root ? Math.sqrt(variance) : variance;
      validity[g] = 1;
    }
    return resultVec(values, validity, numGroups);
  }
}

export type CovarianceKind = 'covar_samp' | 'covar_pop' | 'corr';

/** covar_samp, covar_pop and corr over rows where both x and y are non-null, with Spark's co-moment updates. */
export class CovarianceAccumulator implements Accumulator {
  private n = new Float64Array(0);
  private xAvg = new Float64Array(0);
  private yAvg = new Float64Array(0);
  private ck = new Float64Array(0);
  private xMk = new Float64Array(0);
  private yMk = new Float64Array(0);
  constructor(private readonly kind: CovarianceKind) {}

  grow(numGroups: number): void {
    this.n = ensureCapacity(this.n, numGroups);
    this.xAvg = ensureCapacity(this.xAvg, numGroups);
    this.yAvg = ensureCapacity(this.yAvg, numGroups);
    this.ck = ensureCapacity(this.ck, numGroups);
    this.xMk = ensureCapacity(this.xMk, numGroups);
    this.yMk = ensureCapacity(this.yMk, numGroups);
  }

  update(groupIds: Int32Array, args: readonly Vec[], numRows: number): void {
    const xs = toFloat64(args[0]!, numRows);
    const ys = toFloat64(args[1]!, numRows);
    const valid = allValid(args, numRows);
    const { n, xAvg, yAvg, ck, xMk, yMk } = this;
    for (let i = 0; i < numRows; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = groupIds[i]!;
      const x = xs[i]!;
      const y = ys[i]!;
      const count = ++n[g]!;
      const dx = x - xAvg[g]!;
      const dy = y - yAvg[g]!;
      const newX = xAvg[g]! + dx / count;
      const newY = yAvg[g]! + dy / count;
      xAvg[g] = newX;
      yAvg[g] = newY;
      ck[g]! += dx * (y - newY);
      xMk[g]! += dx * (x - newX);
      yMk[g]! += dy * (y - newY);
    }
  }

  merge(groupIds: Int32Array, state: readonly Vec[], numRows: number): void {
    const [nB, xAvgB, yAvgB, ckB, xMkB, yMkB] = state.map((v) => v.values as Float64Array);
    const { n, xAvg, yAvg, ck, xMk, yMk } = this;
    const withMk = xMkB !== undefined;
    for (let i = 0; i < numRows; i++) {
      const b = nB![i]!;
      if (b === 0) continue;
      const g = groupIds[i]!;
      const a = n[g]!;
      const total = a + b;
      const dx = xAvgB![i]! - xAvg[g]!;
      const dy = yAvgB![i]! - yAvg[g]!;
      const dxN = dx / total;
      const dyN = dy / total;
      xAvg[g]! += dxN * b;
      yAvg[g]! += dyN * b;
      ck[g]! += ckB![i]! + dx * dyN * a * b;
      if (withMk) {
        xMk[g]! += xMkB[i]! + dx * dxN * a * b;
        yMk[g]! += yMkB![i]! + dy * dyN * a * b;
      }
      n[g] = total;
    }
  }

  state(numGroups: number): Vec[] {
    const common = [f64(this.n, numGroups), f64(this.xAvg, numGroups), f64(this.yAvg, numGroups), f64(this.ck, numGroups)];
    return this.kind === 'corr' ? [...common, f64(this.xMk, numGroups), f64(this.yMk, numGroups)] : common;
  }

  result(numGroups: number): Vec {
    const values = new Float64Array(numGroups);
    const validity = new Uint8Array(numGroups);
    for (let g = 0; g < numGroups; g++) {
      const count = this.n[g]!;
      if (count === 0 || (this.kind !== 'covar_pop' && count === 1)) continue;
      validity[g] = 1;
      if (this.kind === 'covar_pop') values[g] = this.ck[g]! / count;
      else if (this.kind === 'covar_samp') values[g] = this.ck[g]! / (count - 1);
      else values[g] = this.ck[g]! / Math.sqrt(this.xMk[g]! * this.yMk[g]!);
    }
    return resultVec(values, validity, numGroups);
  }
}
