/**
 * Spark's BinaryClassificationMetrics on typed arrays: one curve point per distinct score (so tied scores move
 * the curve in a single step), optional down-sampling into about numBins points, trapezoidal areas.
 * The evaluator gets the per-score label counts from one distributed aggregation and finishes here on the driver.
 */

/** Weighted positive and negative counts per distinct score, scores in descending order. */
export interface ScoreCounts {
  readonly scores: Float64Array;
  readonly positives: Float64Array;
  readonly negatives: Float64Array;
}

/** Counts per distinct score from unsorted, possibly repeated scores (e.g. partial counts from several partitions). */
export function countsByScore(score: ArrayLike<number>, positives: ArrayLike<number>, negatives: ArrayLike<number>): ScoreCounts {
  const n = score.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Spark sorts by score descending; NaN compares greater than every number there, so it comes first.
  order.sort((a, b) => {
    const x = score[a]!, y = score[b]!;
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
    if (Number.isNaN(y)) return 1;
    return y - x;
  });
  const scores = new Float64Array(n), pos = new Float64Array(n), neg = new Float64Array(n);
  let m = -1;
  for (let k = 0; k < n; k++) {
    const i = order[k]!, s = score[i]!;
    if (m < 0 || !(scores[m] === s || (Number.isNaN(s) && Number.isNaN(scores[m]!)))) { m++; scores[m] = s; }
    pos[m]! += positives[i]!;
    neg[m]! += negatives[i]!;
  }
  return { scores: scores.subarray(0, m + 1), positives: pos.subarray(0, m + 1), negatives: neg.subarray(0, m + 1) };
}

/** Counts per distinct score from rows; a label above 0.5 is positive, as in Spark. */
export function countsFromRows(score: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number>): ScoreCounts {
  const n = score.length;
  const pos = new Float64Array(n), neg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i]! : 1;
    if (label[i]! > 0.5) pos[i] = w; else neg[i] = w;
  }
  return countsByScore(score, pos, neg);
}

/**
 * Spark's down-sampling: with numBins > 0 and at least 2 * numBins distinct scores, consecutive runs of
 * floor(distinct / numBins) scores merge into one point at the run's last (lowest) score.
 */
export function downsample(c: ScoreCounts, numBins: number): ScoreCounts {
  const n = c.scores.length;
  if (numBins <= 0) return c;
  const grouping = Math.floor(n / numBins);
  if (grouping < 2) return c;
  const m = Math.ceil(n / grouping);
  const scores = new Float64Array(m), pos = new Float64Array(m), neg = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const g = Math.floor(i / grouping);
    scores[g] = c.scores[i]!;
    pos[g]! += c.positives[i]!;
    neg[g]! += c.negatives[i]!;
  }
  return { scores, positives: pos, negatives: neg };
}

function trapezoid(xs: Float64Array, ys: Float64Array): number {
  let area = 0;
  for (let i = 1; i < xs.length; i++) area += (xs[i]! - xs[i - 1]!) * (ys[i]! + ys[i - 1]!) / 2;
  return area;
}

function totals(c: ScoreCounts): [number, number] {
  let p = 0, q = 0;
  for (let i = 0; i < c.scores.length; i++) { p += c.positives[i]!; q += c.negatives[i]!; }
  return [p, q];
}

/** ROC points (false positive rate, true positive rate) from (0,0) to (1,1), one per threshold. */
export function rocCurve(counts: ScoreCounts, numBins = 0): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
  const c = downsample(counts, numBins);
  const n = c.scores.length;
  const [totalPos, totalNeg] = totals(c);
  const fpr = new Float64Array(n + 2), tpr = new Float64Array(n + 2);
  let tp = 0, fp = 0;
  for (let i = 0; i < n; i++) {
    tp += c.positives[i]!;
    fp += c.negatives[i]!;
    // Spark: recall is tp / positives (NaN without positives); the false positive rate is 0 without negatives.
    tpr[i + 1] = tp / totalPos;
    fpr[i + 1] = totalNeg === 0 ? 0 : fp / totalNeg;
  }
  fpr[n + 1] = 1;
  tpr[n + 1] = 1;
  return { fpr, tpr, thresholds: Float64Array.from(c.scores) };
}

export function areaUnderROC(counts: ScoreCounts, numBins = 0): number {
  const { fpr, tpr } = rocCurve(counts, numBins);
  return trapezoid(fpr, tpr);
}

/** PR points (recall, precision): Spark starts at (0, precision of the first threshold). */
export function prCurve(counts: ScoreCounts, numBins = 0): { recall: Float64Array; precision: Float64Array } {
  const c = downsample(counts, numBins);
  const n = c.scores.length;
  const [totalPos] = totals(c);
  const recall = new Float64Array(n + 1), precision = new Float64Array(n + 1);
  let tp = 0, fp = 0;
  for (let i = 0; i < n; i++) {
    tp += c.positives[i]!;
    fp += c.negatives[i]!;
    recall[i + 1] = tp / totalPos;
    precision[i + 1] = tp + fp === 0 ? 1 : tp / (tp + fp);
  }
  precision[0] = n > 0 ? precision[1]! : 1;
  return { recall, precision };
}

export function areaUnderPR(counts: ScoreCounts, numBins = 0): number {
  const { recall, precision } = prCurve(counts, numBins);
  return trapezoid(recall, precision);
}
