import { describe, expect, it } from 'vitest';
import { DateType, Float64Type, Int32Type, Int64Type, TimestampType, Utf8Type } from '../types/data-type.js';
import { type Vec, sliceVec, vecFromValues } from '../types/vec.js';
import { hashPartitionIds, rangePartitionIds, splitByPartition } from './partition.js';
import { type SortKey, compareRows, sortIndices } from './sort.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

const STRINGS = ['a', 'b', 'é', '😀', '', 'longer string value', null];

describe('hashPartitionIds', () => {
  it("reproduces Spark's Murmur3 hash: hash('Spark', array(123), 2) = -1321691492 and hash(1) = -559580957", () => {
    // Spark folds array elements into the running hash, so array(123) hashes like a 123 column.
    const keys = [vecFromValues(Utf8Type, ['Spark']), vecFromValues(Int32Type, [123]), vecFromValues(Int32Type, [2])];
    const expected = ((-1321691492 % 7) + 7) % 7;
    expect(Array.from(hashPartitionIds(keys, 1, 7))).toEqual([expected]);
    expect(Array.from(hashPartitionIds([vecFromValues(Int32Type, [1])], 1, 1000))).toEqual([((-559580957 % 1000) + 1000) % 1000]);
  });

  it('depends only on values, not on dictionaries or batch boundaries', () => {
    const r = random(3);
    const n = 500;
    const strings = Array.from({ length: n }, () => STRINGS[Math.floor(r() * STRINGS.length)]!);
    const longs = Array.from({ length: n }, () => (r() < 0.1 ? null : BigInt(Math.floor(r() * 1e6)) * 2n ** 40n - 2n ** 62n));
    const doubles = Array.from({ length: n }, () => [0, -0, NaN, 1.25, null, r()][Math.floor(r() * 6)]!);
    const whole = hashPartitionIds([vecFromValues(Utf8Type, strings), vecFromValues(Int64Type, longs), vecFromValues(Float64Type, doubles)], n, 13);
    for (const batchSize of [1, 17, 200]) {
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        // Rebuilt batches get fresh dictionaries with different codes for the same strings.
        const batch = [vecFromValues(Utf8Type, strings.slice(start, end).reverse()), vecFromValues(Int64Type, longs.slice(start, end).reverse()), vecFromValues(Float64Type, doubles.slice(start, end).reverse())];
        const ids = hashPartitionIds(batch, end - start, 13);
        expect(Array.from(ids).reverse()).toEqual(Array.from(whole.subarray(start, end)));
      }
    }
    let minId = Infinity;
    let maxId = -Infinity;
    for (const id of whole) { minId = Math.min(minId, id); maxId = Math.max(maxId, id); }
    expect(minId).toBeGreaterThanOrEqual(0);
    expect(maxId).toBeLessThan(13);
  });

  it('hashes -0.0 like 0.0 and every NaN alike, and spreads distinct keys', () => {
    const nanBits = new Float64Array(new BigInt64Array([0x7ff0000000000001n]).buffer)[0]!;
    const ids = hashPartitionIds([vecFromValues(Float64Type, [0, -0, NaN, nanBits])], 4, 1 << 20);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    const days = Array.from({ length: 4000 }, (_, i) => i);
    const counts = new Int32Array(8);
    for (const id of hashPartitionIds([vecFromValues(DateType, days)], days.length, 8)) counts[id]!++;
    for (const c of counts) expect(c).toBeGreaterThan(400);
  });

  it('hashes timestamps by their microseconds as Spark longs', () => {
    const micros = [-1, 0, 2 ** 40 + 3, -(2 ** 50)];
    const asTimestamp = hashPartitionIds([vecFromValues(TimestampType, micros)], 4, 1 << 30);
    const asLong = hashPartitionIds([vecFromValues(Int64Type, micros.map(BigInt))], 4, 1 << 30);
    expect(Array.from(asTimestamp)).toEqual(Array.from(asLong));
  });
});

describe('rangePartitionIds', () => {
  it('counts the boundaries each row sorts after, by compareRows order', () => {
    const r = random(8);
    const n = 400;
    const strings = Array.from({ length: n }, () => STRINGS[Math.floor(r() * STRINGS.length)]!);
    const ints = Array.from({ length: n }, () => (r() < 0.1 ? null : Math.floor(r() * 10)));
    const keys = [vecFromValues(Utf8Type, strings), vecFromValues(Int32Type, ints)];
    const orders: SortKey[] = [{ ascending: false, nullsFirst: false }, { ascending: true, nullsFirst: true }];
    const sorted = sortIndices(keys, orders);
    const boundaryRows = [50, 120, 121, 300].map((k) => sorted[k]!);
    const boundaries: Vec[] = [
      vecFromValues(Utf8Type, boundaryRows.map((i) => strings[i]!)),
      vecFromValues(Int32Type, boundaryRows.map((i) => ints[i]!)),
    ];
    const ids = rangePartitionIds(keys, n, boundaries, orders);
    for (let i = 0; i < n; i++) {
      let expected = 0;
      for (let b = 0; b < boundaryRows.length; b++) if (compareRows(keys, i, boundaries, b, orders) > 0) expected++;
      expect(ids[i]).toBe(expected);
    }
    const again = rangePartitionIds(keys.map((v) => sliceVec(v, 100, 200)), 100, boundaries, orders);
    expect(Array.from(again)).toEqual(Array.from(ids.subarray(100, 200)));
  });

  it('puts every row in partition 0 without boundaries', () => {
    const keys = [vecFromValues(Int32Type, [3, 1, 2])];
    expect(Array.from(rangePartitionIds(keys, 3, [vecFromValues(Int32Type, [])], [{ ascending: true, nullsFirst: true }]))).toEqual([0, 0, 0]);
  });
});

describe('splitByPartition', () => {
  it('lists each partition’s rows in row order', () => {
    const parts = splitByPartition(new Int32Array([2, 0, 2, 1, 0, 2]), 4);
    expect(parts.map((p) => Array.from(p))).toEqual([[1, 4], [3], [0, 2, 5], []]);
  });
});
