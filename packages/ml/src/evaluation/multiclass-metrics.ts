/**
 * Spark's MulticlassMetrics on typed arrays. The evaluator aggregates a weighted confusion table
 * (label, prediction) -> weight in one distributed group-by and finishes here on the driver.
 * Weighted averages run over the classes that occur as labels, weighted by their label weight,
 * and a 0/0 precision or F-measure counts as 0 (as in Spark and scikit-learn's zero_division=0).
 */

export interface Confusion {
  readonly label: Float64Array;
  readonly prediction: Float64Array;
  readonly weight: Float64Array;
}

export type MulticlassMetricName = 'accuracy' | 'f1' | 'weightedPrecision' | 'weightedRecall';

/** Sums weights per (label, prediction) pair from rows. */
export function confusionFromRows(label: ArrayLike<number>, prediction: ArrayLike<number>, weight?: ArrayLike<number>): Confusion {
  const cells = new Map<number, Map<number, number>>();
  for (let i = 0; i < label.length; i++) {
    let row = cells.get(label[i]!);
    if (!row) cells.set(label[i]!, (row = new Map()));
    row.set(prediction[i]!, (row.get(prediction[i]!) ?? 0) + (weight ? weight[i]! : 1));
  }
  const l: number[] = [], p: number[] = [], w: number[] = [];
  for (const [a, row] of cells) for (const [b, x] of row) { l.push(a); p.push(b); w.push(x); }
  return { label: Float64Array.from(l), prediction: Float64Array.from(p), weight: Float64Array.from(w) };
}

export function multiclassMetric(c: Confusion, metric: MulticlassMetricName, beta = 1): number {
  const labelWeight = new Map<number, number>();
  const predWeight = new Map<number, number>();
  const truePos = new Map<number, number>();
  let total = 0, correct = 0;
  for (let i = 0; i < c.label.length; i++) {
    const l = c.label[i]!, p = c.prediction[i]!, w = c.weight[i]!;
    total += w;
    labelWeight.set(l, (labelWeight.get(l) ?? 0) + w);
    predWeight.set(p, (predWeight.get(p) ?? 0) + w);
    if (l === p) { correct += w; truePos.set(l, (truePos.get(l) ?? 0) + w); }
  }
  if (metric === 'accuracy') return correct / total;
  let sum = 0;
  for (const [l, lw] of labelWeight) {
    const tp = truePos.get(l) ?? 0;
    const predicted = predWeight.get(l) ?? 0;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = tp / lw;
    let value: number;
    if (metric === 'weightedPrecision') value = precision;
    else if (metric === 'weightedRecall') value = recall;
    else {
      const b2 = beta * beta;
      value = precision + recall === 0 ? 0 : (1 + b2) * precision * recall / (b2 * precision + recall);
    }
    sum += value * lw / total;
  }
  return sum;
}

/**
 * Weighted log loss from each row's probability of its true class (Spark clips it below at eps = 1e-15).
 * Returns the partial sums so partitions can be added before dividing.
 */
export function logLossSums(trueClassProbability: ArrayLike<number>, weight?: ArrayLike<number>, eps = 1e-15): { loss: number; weight: number } {
  let loss = 0, total = 0;
  for (let i = 0; i < trueClassProbability.length; i++) {
    const w = weight ? weight[i]! : 1;
    loss -= w * Math.log(Math.max(trueClassProbability[i]!, eps));
    total += w;
  }
  return { loss, weight: total };
}
