import type { SortOrder } from '../logical/plan.js';
import type { DataType } from '../types/data-type.js';
import type { Vec } from '../types/vec.js';

/** Window functions whose `fn <= k` filter lets each partition drop rows before the shuffle. */
export type RankLike = 'row_number' | 'rank' | 'dense_rank';

/** Order keys the limiter can score: numbers, dates and timestamps, whose order a float preserves. */
export const scorableOrderType = (t: DataType): boolean =>
  t.kind === 'int32' || t.kind === 'int64' || t.kind === 'decimal' || t.kind === 'float64' ||
  t.kind === 'date' || t.kind === 'timestamp' || t.kind === 'boolean';

/**
 * Maps an order key to a float "score" where a higher score comes earlier in the window order.
 * The map only has to be monotone, not strictly: values it merges (int64 beyond 2^53, NaN with
 * +Infinity, nulls with an infinity) become ties, and ties only make the limiter keep more rows,
 * never fewer, so the exact window and filter after the shuffle still see every row they need.
 */
export function orderScores(key: Vec, order: SortOrder): Float64Array {
  const n = key.length;
  const out = new Float64Array(n);
  const v = key.values;
  const sign = order.ascending ? -1 : 1;
  // Spark orders NaN above every number.
  if (v instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = sign * Number(v[i]!);
  else for (let i = 0; i < n; i++) { const x = v[i]!; out[i] = x !== x ? sign * Infinity : sign * x; }
  const valid = key.validity;
  if (valid) {
    const nullScore = order.nullsFirst ? Infinity : -Infinity;
    for (let i = 0; i < n; i++) if (valid[i] === 0) out[i] = nullScore;
  }
  return out;
}

/**
 * Spark's WindowGroupLimit, map side: keeps, per group, the rows whose rank-like value within the
 * rows seen so far is at most k. A row's rank among a subset of its group's rows is never higher
 * than its rank among all of them, so every row the final `fn <= k` filter keeps survives.
 *
 * Per group it holds the k best scores seen (with repeats for row_number and rank, distinct for
 * dense_rank); a row survives when its score reaches the k-th of them. Thresholds only rise as
 * batches arrive, so a batch is filtered with the thresholds known after adding it.
 */
export class GroupLimiter {
  /** k slots per group, best first; -Infinity fills a group's unused slots. */
  private best = new Float64Array(0);
  private numGroups = 0;
  private readonly distinct: boolean;

  constructor(private readonly k: number, fn: RankLike) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`group limit must be a positive integer, got ${k}`);
    this.distinct = fn === 'dense_rank';
  }

  /** Adds one batch's rows (group ids from a GroupTable, scores from orderScores) and returns the indices of the survivors. */
  add(groups: Int32Array, scores: Float64Array, numGroups: number): Int32Array {
    this.reserve(numGroups);
    const { k, best, distinct } = this;
    const n = groups.length;
    // A score of -Infinity never enters the slots: while fewer than k better scores are known the
    // threshold stays -Infinity and keeps it anyway, and once k are known it ranks below them.
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      const base = groups[i]! * k;
      if (s <= best[base + k - 1]!) continue;
      let j = base + k - 1;
      while (j > base && best[j - 1]! < s) j--;
      if (distinct && j > base && best[j - 1] === s) continue;
      for (let m = base + k - 1; m > j; m--) best[m] = best[m - 1]!;
      best[j] = s;
    }
    const keep = new Int32Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) if (scores[i]! >= best[groups[i]! * k + k - 1]!) keep[kept++] = i;
    return keep.subarray(0, kept);
  }

  private reserve(numGroups: number): void {
    if (numGroups <= this.numGroups) return;
    const size = Math.max(numGroups, this.numGroups * 2);
    const best = new Float64Array(size * this.k).fill(-Infinity);
    best.set(this.best);
    this.best = best;
    this.numGroups = size;
  }
}
