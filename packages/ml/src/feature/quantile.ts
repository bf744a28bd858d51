/**
 * Quantiles from exact value counts with the rank rule of Spark's QuantileSummaries.query: the value at 1-based
 * rank ceil(p * n), except that p <= relativeError gives the minimum and p >= 1 - relativeError the maximum.
 * Spark's summaries are exact below about 1 / (2 * relativeError) rows per partition, where this equals Spark;
 * above that Spark's answer is approximate and this one is the exact value it approximates.
 */
export function quantilesFromCounts(values: Float64Array, counts: Float64Array, probabilities: readonly number[], relativeError = 0.001): Float64Array {
  const out = new Float64Array(probabilities.length);
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n === 0) return out.fill(NaN);
  probabilities.forEach((p, k) => {
    if (p <= relativeError) { out[k] = values[0]!; return; }
    if (p >= 1 - relativeError) { out[k] = values[values.length - 1]!; return; }
    const rank = Math.ceil(p * n);
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      seen += counts[i]!;
      if (seen >= rank) { out[k] = values[i]!; return; }
    }
    out[k] = values[values.length - 1]!;
  });
  return out;
}

/** QuantileDiscretizer's splits: numBuckets + 1 quantiles, outer ones widened to infinities, duplicates removed. */
export function discretizerSplits(values: Float64Array, counts: Float64Array, numBuckets: number, relativeError = 0.001): Float64Array {
  const probs = Array.from({ length: numBuckets + 1 }, (_, i) => i / numBuckets);
  const q = quantilesFromCounts(values, counts, probs, relativeError);
  q[0] = -Infinity;
  q[q.length - 1] = Infinity;
  const distinct: number[] = [];
  for (const x of q) if (distinct.length === 0 || distinct[distinct.length - 1] !== x) distinct.push(x);
  return Float64Array.from(distinct);
}

/** The most frequent value; ties go to the smallest (Spark's Imputer mode). Values must be sorted ascending. */
export function modeFromCounts(values: Float64Array, counts: Float64Array): number {
  let best = NaN, bestCount = 0;
  for (let i = 0; i < values.length; i++) if (counts[i]! > bestCount) { best = values[i]!; bestCount = counts[i]!; }
  return best;
}
