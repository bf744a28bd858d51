import { type DataFrame, col } from '@quiver/core';
import { kernelModule } from '../base/kernel-module.js';
import { ParamError } from '../param/params.js';
import { toDoubles } from './doubles.js';

/** The worker module of the linear models' partition functions. */
export const LINEAR_KERNELS = kernelModule('./kernels.js', import.meta.url);

/** Training rows in the kernels' layout [features, label as double, weight as double?]. */
export function instances(df: DataFrame, featuresCol: string, labelCol: string, weightCol: string | undefined): DataFrame {
  const asDouble = (name: string, alias: string) => (df.schema.field(name).type.kind === 'float64' ? col(name).alias(alias) : col(name).cast('double').alias(alias));
  const cols = [col(featuresCol).alias('features'), asDouble(labelCol, 'label')];
  if (weightCol) cols.push(asDouble(weightCol, 'weight'));
  return df.select(...cols);
}

/**
 * The rows the optimizer passes read: a select of an already cached DataFrame reads its blocks as they are (only
 * the selected columns are decoded), so only other inputs are cached for the duration of the fit.
 */
export function trainingRows(df: DataFrame, rows: DataFrame): { data: DataFrame; release: () => void } {
  if (df.plan.kind === 'cached') return { data: rows, release: () => {} };
  const data = rows.cache();
  return { data, release: () => { data.unpersist(); } };
}

export interface Summary {
  readonly n: number;
  readonly weightSum: number;
  readonly weightSquareSum: number;
  readonly mean: Float64Array;
  /** Weighted sum of squared deviations per feature. */
  readonly m2: Float64Array;
  readonly labelSum: number;
  readonly labelSquareSum: number;
  /** Weighted count per integer label 0..max; null when some label is not a non-negative integer. */
  readonly classCounts: Float64Array | null;
  readonly maxLabel: number;
}

/** One distributed pass of statistics, merged with Chan's formula; bad rows are clear errors naming the column. */
export async function summarize(data: DataFrame, names: { features: string; label: string; weight?: string }, stage: string): Promise<Summary> {
  const parts = (await data.runPartitions({ module: LINEAR_KERNELS, fn: 'featureSummary' })).map(toDoubles);
  const d = parts[0]![10]!;
  let n = 0, W = 0, W2 = 0, sy = 0, syy = 0, maxLabel = -1;
  const bad = new Float64Array(6);
  const mean = new Float64Array(d), m2 = new Float64Array(d);
  let counts: Float64Array | null = new Float64Array(0);
  for (const p of parts) {
    const pw = p[1]!;
    n += p[0]!;
    for (let k = 0; k < 6; k++) bad[k]! += p[3 + k]!;
    maxLabel = Math.max(maxLabel, p[9]!);
    if (pw > 0) {
      const total = W + pw;
      for (let j = 0; j < d; j++) {
        const pm = p[12 + j]!, delta = pm - mean[j]!;
        m2[j]! += p[12 + d + j]! + (delta * delta * W * pw) / total;
        mean[j]! += (delta * pw) / total;
      }
      W = total;
    }
    W2 += p[2]!; sy += p[12 + 2 * d]!; syy += p[13 + 2 * d]!;
    const pc = p.subarray(14 + 2 * d);
    if (counts && p[8] === 0 && (p[11]! > 0 || p[9]! < 0)) {
      if (pc.length > counts.length) { const c = new Float64Array(pc.length); c.set(counts); counts = c; }
      for (let k = 0; k < pc.length; k++) counts[k]! += pc[k]!;
    } else counts = null;
  }
  const [nullFeat, nanFeat, nullLabel, nanLabel, badWeight, badClass] = bad;
  if (nullFeat) throw new ParamError(`${stage}: featuresCol '${names.features}' has ${nullFeat} null rows; drop them or fill them (Imputer) before fitting`);
  if (nanFeat) throw new ParamError(`${stage}: featuresCol '${names.features}' has ${nanFeat} NaN or infinite values; drop or impute them (Imputer) before fitting`);
  if (nullLabel) throw new ParamError(`${stage}: labelCol '${names.label}' has ${nullLabel} null rows`);
  if (nanLabel) throw new ParamError(`${stage}: labelCol '${names.label}' has ${nanLabel} NaN or infinite values`);
  if (badWeight) throw new ParamError(`${stage}: weightCol '${names.weight}' has ${badWeight} null, negative, NaN or infinite weights`);
  if (!(W > 0)) throw new ParamError(`${stage}: the training set is empty (or all weights are 0)`);
  return { n, weightSum: W, weightSquareSum: W2, mean, m2, labelSum: sy, labelSquareSum: syy, classCounts: badClass ? null : counts, maxLabel };
}

/** Spark's unbiased weighted standard deviation (MultivariateOnlineSummarizer.variance). */
export function sampleStd(s: Summary): Float64Array {
  const denom = s.weightSum - s.weightSquareSum / s.weightSum;
  return Float64Array.from(s.m2, (v) => (denom > 0 ? Math.sqrt(Math.max(0, v / denom)) : 0));
}

/** Adds float64 results of all partitions element-wise. */
export function sumParts(parts: readonly Uint8Array[]): Float64Array {
  const first = toDoubles(parts[0]!);
  const out = Float64Array.from(first);
  for (let p = 1; p < parts.length; p++) { const a = toDoubles(parts[p]!); for (let i = 0; i < out.length; i++) out[i]! += a[i]!; }
  return out;
}
