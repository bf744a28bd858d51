/** evaluateUdf: argument values as the function sees them, and results checked against the declared type. */
import { describe, expect, it } from 'vitest';
import { type DataType, BooleanType, DateType, Float64Type, Int32Type, Int64Type, ListType, TimestampType, Utf8Type } from '../types/data-type.js';
import { getValue, vecFromValues } from '../types/vec.js';
import { evaluateUdf } from './udf.js';

const values = (v: ReturnType<typeof evaluateUdf>) => Array.from({ length: v.length }, (_, i) => getValue(v, i));
const run = (fn: (...a: unknown[]) => unknown, type: DataType, ...cols: [DataType, unknown[]][]) =>
  evaluateUdf(fn, 'f', cols.map(([t, xs]) => vecFromValues(t, xs)), type, cols[0]?.[1].length ?? 2);

describe('evaluateUdf', () => {
  it('passes null for null slots and each type as collect() shows it', () => {
    const seen: unknown[] = [];
    run((...a) => { seen.push(a); return null; }, Int32Type,
      [Int32Type, [1, null]], [Int64Type, [2n, null]], [Float64Type, [0.5, null]], [Utf8Type, ['x', null]], [BooleanType, [true, null]], [DateType, [new Date(0), null]]);
    expect(seen).toEqual([[1, 2n, 0.5, 'x', true, new Date(0)], [null, null, null, null, null, null]]);
  });

  it('writes each result type, null and undefined as null', () => {
    expect(values(run((x) => (x === 1 ? undefined : (x as number) / 2), Float64Type, [Int32Type, [1, 3]]))).toEqual([null, 1.5]);
    expect(values(run((x) => (x as number) + 1, Int32Type, [Int32Type, [1, 2]]))).toEqual([2, 3]);
    expect(values(run((x) => (x === 1 ? 2n ** 40n : 7), Int64Type, [Int32Type, [1, 2]]))).toEqual([2n ** 40n, 7n]);
    expect(values(run((x) => x === 1, BooleanType, [Int32Type, [1, 2]]))).toEqual([true, false]);
    expect(values(run((s) => `${s}!`, Utf8Type, [Utf8Type, ['a', 'a', 'b']]))).toEqual(['a!', 'a!', 'b!']);
    expect(values(run((x) => new Date(Date.UTC(2020, 0, x as number)), DateType, [Int32Type, [1, 2]]))).toEqual([new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2020, 0, 2))]);
    expect(values(run((x) => new Date(x as number), TimestampType, [Int32Type, [5, 6]]))).toEqual([new Date(5), new Date(6)]);
    expect(values(run((x) => [x, x], ListType(Int32Type), [Int32Type, [1, 2]]))).toEqual([[1, 1], [2, 2]]);
    expect(values(run(() => 1, Int32Type))).toEqual([1, 1]);
  });

  it('refuses a result that does not fit the declared type, naming the udf', () => {
    expect(() => run(() => 0.5, Int32Type, [Int32Type, [1]])).toThrow("udf 'f' returned number 0.5, but its declared type is int");
    expect(() => run(() => 2n ** 64n, Int64Type, [Int32Type, [1]])).toThrow('returned bigint 18446744073709551616');
    expect(() => run(() => 'yes', BooleanType, [Int32Type, [1]])).toThrow('returned the string "yes", but its declared type is boolean');
    expect(() => run(() => Promise.resolve(1), Float64Type, [Int32Type, [1]])).toThrow('returned a Promise (udf functions must be synchronous)');
    expect(() => run(() => 'not a date', DateType, [Int32Type, [1]])).toThrow("udf 'f' returned the string \"not a date\", but its declared type is date");
    expect(() => run(() => 3, ListType(Int32Type), [Int32Type, [1]])).toThrow("udf 'f' returned number 3, but its declared type is array<int>");
    expect(() => run(() => ['x'], ListType(Int32Type), [Int32Type, [1]])).toThrow("udf 'f' returned a value that does not fit its declared type array<int>");
  });
});
