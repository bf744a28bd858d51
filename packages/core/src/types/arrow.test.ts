import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowTableToBatches, batchToArrow, batchesToTable, decodeIpc, encodeIpc } from './arrow.js';
import { type Batch, makeBatch, sliceBatch } from './batch.js';
import { BooleanType, DateType, DecimalType, Float64Type, Int32Type, Int64Type, ListType, NullType, TimestampType, Utf8Type } from './data-type.js';
import { Schema, field } from './schema.js';
import { getValue, vecFromValues } from './vec.js';

const rowsOf = (batches: readonly Batch[]): unknown[][] => {
  const out: unknown[][] = [];
  for (const b of batches) for (let i = 0; i < b.numRows; i++) out.push(b.columns.map((c) => getValue(c, i)));
  return out;
};

const schema = new Schema([
  field('b', BooleanType), field('i', Int32Type), field('l', Int64Type), field('d', Float64Type),
  field('dec', DecimalType(10, 2)), field('s', Utf8Type), field('dt', DateType), field('ts', TimestampType),
  field('arr', ListType(Utf8Type)), field('n', NullType),
]);

const columns = [
  [true, null, false],
  [1, -2147483648, null],
  [9007199254740993n, null, -9223372036854775808n],
  [1.5, NaN, null],
  [12.34, -0.01, null],
  ['héllo 世界', null, ''],
  [new Date('2024-02-29T00:00:00Z'), null, new Date('1969-12-31T00:00:00Z')],
  [new Date('2024-01-02T03:04:05.678Z'), new Date('1900-01-01T00:00:00Z'), null],
  [['a', null], null, []],
  [null, null, null],
];
const sample = makeBatch(schema, schema.fields.map((f, i) => vecFromValues(f.type, columns[i]!)));

describe('arrow conversion', () => {
  it('round-trips every type, nulls included, through IPC', () => {
    const { schema: s, batches } = decodeIpc(encodeIpc(schema, [sample, sample]));
    expect(s.fields.map((f) => [f.name, f.type])).toEqual(schema.fields.map((f) => [f.name, f.type]));
    expect(rowsOf(batches)).toEqual([...rowsOf([sample]), ...rowsOf([sample])]);
  });

  it('keeps microseconds and int64 beyond 2^53 exactly', () => {
    const ts = vecFromValues(TimestampType, [1_700_000_000_123_456, -1]);
    const l = vecFromValues(Int64Type, [2n ** 62n + 1n, -(2n ** 62n) - 3n]);
    const s = new Schema([field('ts', TimestampType), field('l', Int64Type)]);
    const [back] = decodeIpc(encodeIpc(s, [makeBatch(s, [ts, l])])).batches;
    expect(Array.from(back!.columns[0]!.values as Float64Array)).toEqual([1_700_000_000_123_456, -1]);
    expect(Array.from(back!.columns[1]!.values as BigInt64Array)).toEqual([2n ** 62n + 1n, -(2n ** 62n) - 3n]);
  });

  it('writes repetitive strings as Dictionary<Int32, Utf8> and unique ones as plain Utf8', () => {
    const s = new Schema([field('rep', Utf8Type), field('uniq', Utf8Type)]);
    const n = 100;
    const rep = vecFromValues(Utf8Type, Array.from({ length: n }, (_, i) => `k${i % 3}`));
    const uniq = vecFromValues(Utf8Type, Array.from({ length: n }, (_, i) => `u${i}`));
    const t = batchesToTable(s, [makeBatch(s, [rep, uniq])]);
    expect(t.schema.fields[0]!.type.typeId).toBe(arrow.Type.Dictionary);
    expect(t.schema.fields[1]!.type.typeId).toBe(arrow.Type.Utf8);
    const [back] = arrowTableToBatches(t);
    expect(back!.columns[0]!.dict).toEqual(['k0', 'k1', 'k2']);
    expect(rowsOf([back!])).toEqual(rowsOf([makeBatch(s, [rep, uniq])]));
  });

  it('dictionary-encodes plain Utf8 input, one entry per distinct value', () => {
    const t = arrow.tableFromArrays({ s: arrow.vectorFromArray(['x', 'yé', 'x', null, 'yé', ''], new arrow.Utf8()) });
    const [b] = arrowTableToBatches(t);
    const v = b!.columns[0]!;
    expect(v.dict).toEqual(['x', 'yé', '']);
    expect(rowsOf([b!]).map((r) => r[0])).toEqual(['x', 'yé', 'x', null, 'yé', '']);
  });

  it('widens narrow Arrow types: ints, float32, date64, timestamp units, wide decimals', () => {
    const t = new arrow.Table({
      i8: arrow.vectorFromArray([-1, 2], new arrow.Int8()),
      u32: arrow.vectorFromArray([4294967295, 0], new arrow.Uint32()),
      f32: arrow.vectorFromArray([0.5, -2], new arrow.Float32()),
      d64: arrow.vectorFromArray([new Date('2020-01-02T00:00:00Z'), new Date('1960-01-01T00:00:00Z')], new arrow.DateMillisecond()),
      tsS: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampSecond(), length: 2, nullCount: 0, data: new BigInt64Array([1n, -1n]) })),
      tsNs: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampNanosecond(), length: 2, nullCount: 0, data: new BigInt64Array([1_000_000_001_000n, 5000n]) })),
    });
    const [b] = arrowTableToBatches(t);
    expect(b!.schema.fields.map((f) => f.type.kind)).toEqual(['int32', 'int64', 'float64', 'date', 'timestamp', 'timestamp']);
    expect(Array.from(b!.columns[0]!.values as Int32Array)).toEqual([-1, 2]);
    expect(Array.from(b!.columns[1]!.values as BigInt64Array)).toEqual([4294967295n, 0n]);
    expect(Array.from(b!.columns[2]!.values as Float64Array)).toEqual([0.5, -2]);
    expect(Array.from(b!.columns[3]!.values as Int32Array)).toEqual([18263, -3653]);
    expect(Array.from(b!.columns[4]!.values as Float64Array)).toEqual([1_000_000, -1_000_000]);
    expect(Array.from(b!.columns[5]!.values as Float64Array)).toEqual([1_000_000_001, 5]);
  });

  it('reads decimals wider than 18 digits as doubles', () => {
    const words = new Uint32Array(8);
    new BigInt64Array(words.buffer).set([12345n, 0n, -250n, -1n]);
    const data = arrow.makeData({ type: new arrow.Decimal(2, 30, 128), length: 2, nullCount: 0, data: words });
    const [b] = arrowTableToBatches(new arrow.Table({ x: arrow.makeVector(data) }));
    expect(b!.schema.fields[0]!.type).toEqual(Float64Type);
    expect(Array.from(b!.columns[0]!.values as Float64Array)).toEqual([123.45, -2.5]);
  });

  it('converts sliced batches, including list columns whose offsets do not start at zero', () => {
    const sliced = sliceBatch(sample, 1, 3);
    const rb = batchToArrow(sliced);
    expect(rb.numRows).toBe(2);
    const back = arrowTableToBatches(new arrow.Table([rb]));
    expect(rowsOf(back)).toEqual(rowsOf([sliced]));
  });

  it('encodes an empty result as a schema-only stream', () => {
    const { schema: s, batches } = decodeIpc(encodeIpc(schema, []));
    expect(s.names).toEqual(schema.names);
    expect(batches).toEqual([]);
  });
});
