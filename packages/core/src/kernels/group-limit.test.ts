import { describe, expect, it } from 'vitest';
import { Float64Type, Int64Type } from '../types/data-type.js';
import type { Vec } from '../types/vec.js';
import { GroupLimiter, orderScores } from './group-limit.js';

const desc = { ascending: false, nullsFirst: false };
const asc = { ascending: true, nullsFirst: true };

/** Survivors as [group, score] pairs, for readable expectations. */
function survivors(fn: 'row_number' | 'rank' | 'dense_rank', k: number, groups: number[], scores: number[]): number[][] {
  const keep = new GroupLimiter(k, fn).add(Int32Array.from(groups), Float64Array.from(scores), Math.max(...groups) + 1);
  return [...keep].map((i) => [groups[i]!, scores[i]!]);
}

describe('GroupLimiter', () => {
  it('keeps the k best scores of each group for row_number', () => {
    expect(survivors('row_number', 2, [0, 1, 0, 0, 1, 1], [1, 5, 3, 2, 4, 6])).toEqual([[1, 5], [0, 3], [0, 2], [1, 6]]);
  });

  it('keeps every row tied with the k-th score, as rank needs', () => {
    expect(survivors('rank', 2, [0, 0, 0, 0], [9, 5, 5, 1])).toEqual([[0, 9], [0, 5], [0, 5]]);
  });

  it('counts distinct scores for dense_rank', () => {
    expect(survivors('dense_rank', 2, [0, 0, 0, 0, 0], [9, 9, 5, 5, 1])).toEqual([[0, 9], [0, 9], [0, 5], [0, 5]]);
  });

  it('keeps all rows of a group smaller than k, -Infinity scores included', () => {
    expect(survivors('row_number', 3, [0, 0], [-Infinity, 1])).toEqual([[0, -Infinity], [0, 1]]);
  });

  it('drops -Infinity scores once k better ones are known', () => {
    expect(survivors('row_number', 1, [0, 0], [2, -Infinity])).toEqual([[0, 2]]);
  });

  it('filters a later batch by thresholds that only rise', () => {
    const limiter = new GroupLimiter(1, 'row_number');
    expect([...limiter.add(Int32Array.of(0, 0), Float64Array.of(1, 2), 1)]).toEqual([1]);
    expect([...limiter.add(Int32Array.of(0, 1), Float64Array.of(1.5, 0), 2)]).toEqual([1]);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new GroupLimiter(0, 'rank')).toThrow(/positive integer/);
  });
});

describe('orderScores', () => {
  it('puts NaN first in descending order and nulls where the order says', () => {
    const v: Vec = { type: Float64Type, length: 4, values: Float64Array.of(1, NaN, -2, 0), validity: Uint8Array.of(1, 1, 1, 0) };
    expect([...orderScores(v, desc)]).toEqual([1, Infinity, -2, -Infinity]);
    expect([...orderScores(v, asc)]).toEqual([-1, -Infinity, 2, Infinity]);
  });

  it('maps int64 monotonically even beyond 2^53', () => {
    const v: Vec = { type: Int64Type, length: 2, values: BigInt64Array.of(2n ** 60n, 2n ** 60n + 1n), validity: null };
    const [a, b] = orderScores(v, desc);
    expect(a! <= b!).toBe(true);
  });
});
