import { describe, expect, it } from 'vitest';
import { type DataType, BooleanType, DateType, Float64Type, Int32Type, Int64Type, Utf8Type } from '../../types/data-type.js';
import { getValue, vecFromValues } from '../../types/vec.js';
import { GroupTable } from './group-table.js';

/** Reference grouping: first-appearance ids keyed by a printed tuple (fine in a test, never in a kernel). */
function referenceIds(columns: readonly (readonly unknown[])[], numRows: number, seen: Map<string, number>): number[] {
  const ids: number[] = [];
  for (let i = 0; i < numRows; i++) {
    const key = JSON.stringify(columns.map((c) => {
      const x = c[i];
      return typeof x === 'bigint' ? `${x}n` : Object.is(x, -0) ? 0 : Number.isNaN(x) ? 'NaN' : x instanceof Date ? x.getTime() : x;
    }));
    let id = seen.get(key);
    if (id === undefined) { id = seen.size; seen.set(key, id); }
    ids.push(id);
  }
  return ids;
}

function check(types: readonly DataType[], make: (column: number, row: number) => unknown, rows: number, batchCount: number): void {
  const table = new GroupTable(types);
  const seen = new Map<string, number>();
  const batchSize = Math.ceil(rows / batchCount);
  const firstRowOfGroup: unknown[][] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    const columns = types.map((_, c) => Array.from({ length: n }, (_v, i) => make(c, start + i)));
    const ids = table.insert(types.map((t, c) => vecFromValues(t, columns[c]!)), n);
    const expected = referenceIds(columns, n, seen);
    expect(Array.from(ids)).toEqual(expected);
    for (let i = 0; i < n; i++) firstRowOfGroup[expected[i]!] ??= columns.map((c) => c[i]);
  }
  expect(table.numGroups).toBe(seen.size);
  const keys = table.keys();
  for (let g = 0; g < table.numGroups; g++) {
    const actual = keys.map((k) => getValue(k, g));
    const expected = firstRowOfGroup[g]!.map((x, c) => (types[c]!.kind === 'date' && x instanceof Date ? new Date(Math.floor(x.getTime() / 86_400_000) * 86_400_000) : x ?? null));
    expect(actual.map(String)).toEqual(expected.map(String));
  }
}

describe('GroupTable', () => {
  it('gives dense first-appearance ids for one int key, through many table growths', () => {
    check([Int32Type], (_c, i) => (i % 97 === 0 ? null : (i * 7919) % 50_000 - 25_000), 120_000, 4);
  });

  it('groups -0.0 with 0.0 and all NaNs together; keeps int64 values beyond 2^53 apart', () => {
    const floats = [0, -0, NaN, -NaN, 1e300, -1e-300, null];
    check([Float64Type], (_c, i) => floats[i % floats.length], 700, 3);
    check([Int64Type], (_c, i) => (i % 11 === 0 ? null : 2n ** 60n + BigInt(i % 1000)), 20_000, 3);
  });

  it('remaps each batch dictionary of a string key onto one id space', () => {
    check([Utf8Type], (_c, i) => (i % 13 === 0 ? null : `k${(i * 31) % 3000}é`), 30_000, 5);
  });

  it('combines per-column ids for composite keys of two and of four columns', () => {
    const bools = [true, false, null];
    check([Utf8Type, Int32Type], (c, i) => (c === 0 ? `s${i % 17}` : i % 5 === 0 ? null : i % 1009), 60_000, 3);
    check([Int32Type, BooleanType, DateType, Int64Type], (c, i) =>
      c === 0 ? i % 7 : c === 1 ? bools[i % 3] : c === 2 ? new Date(86_400_000 * (i % 11)) : BigInt(i % 13) * 10n ** 15n, 40_000, 4);
  });

  it('has one group for no key columns once rows arrive, and none before', () => {
    const table = new GroupTable([]);
    expect(table.numGroups).toBe(0);
    expect(Array.from(table.insert([], 3))).toEqual([0, 0, 0]);
    expect(table.numGroups).toBe(1);
  });
});
