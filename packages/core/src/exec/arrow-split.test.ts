import { Type, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { hashPartitionIds, splitByPartition } from '../kernels/partition.js';
import { type Batch, makeBatch, takeBatch } from '../types/batch.js';
import { BooleanType, DateType, DecimalType, Float64Type, Int32Type, Int64Type, TimestampType, Utf8Type, VectorType } from '../types/data-type.js';
import { decodeIpc, encodeIpc } from '../types/arrow.js';
import { Schema, field } from '../types/schema.js';
import { getValue, vecFromValues } from '../types/vec.js';
import { passThroughHashSplit, splitArrowBlocks } from './arrow-split.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

const SCHEMA = new Schema([
  field('i', Int32Type), field('l', Int64Type), field('d', Float64Type), field('few', Utf8Type), field('many', Utf8Type),
  field('b', BooleanType), field('day', DateType), field('ts', TimestampType), field('dec', DecimalType(10, 2)), field('vec', VectorType(3)),
]);

/** A block of `n` rows with nulls in every nullable column: `few` is written as an Arrow dictionary, `many` plain. */
function block(n: number, seed: number): Batch {
  const r = random(seed);
  const maybe = <T>(v: T): T | null => (r() < 0.1 ? null : v);
  const words = ['a', 'b', 'é', '😀', '', 'a longer string value than thirty-two bytes'];
  const columns = [
    vecFromValues(Int32Type, Array.from({ length: n }, () => maybe(Math.floor(r() * 50) - 25))),
    vecFromValues(Int64Type, Array.from({ length: n }, () => maybe(BigInt(Math.floor(r() * 1e6)) * 2n ** 40n - 2n ** 62n))),
    vecFromValues(Float64Type, Array.from({ length: n }, () => maybe([0, -0, NaN, 1.25, r()][Math.floor(r() * 5)]!))),
    vecFromValues(Utf8Type, Array.from({ length: n }, () => maybe(words[Math.floor(r() * words.length)]!))),
    vecFromValues(Utf8Type, Array.from({ length: n }, (_, k) => maybe(`row ${seed}-${k} ${words[k % words.length]}`))),
    vecFromValues(BooleanType, Array.from({ length: n }, () => maybe(r() < 0.5))),
    vecFromValues(DateType, Array.from({ length: n }, () => maybe(new Date(Date.UTC(2020, 0, 1 + Math.floor(r() * 900)))))),
    vecFromValues(TimestampType, Array.from({ length: n }, () => maybe(new Date(1.6e12 + Math.floor(r() * 1e10))))),
    vecFromValues(DecimalType(10, 2), Array.from({ length: n }, () => maybe(Math.round(r() * 1e6) / 100))),
    vecFromValues(VectorType(3), Array.from({ length: n }, () => Float64Array.of(r(), r(), -r()))),
  ];
  return makeBatch(SCHEMA, columns, n);
}

const rows = (bytes: Uint8Array): unknown[][] =>
  decodeIpc(bytes).batches.flatMap((b) => Array.from({ length: b.numRows }, (_, i) => b.columns.map((c) => {
    const v = getValue(c, i);
    return v instanceof Float64Array ? [...v] : v;
  })));

describe('splitArrowBlocks', () => {
  it('puts every row in the partition the vector path hashes it to, with the same values, for every column type', () => {
    const batches = [block(700, 1), block(300, 2)];
    const blocks = batches.map((b) => encodeIpc(SCHEMA, [b]));
    const columns = SCHEMA.fields.map((_, c) => c);
    for (const keys of [[0], [4], [3, 1], [2, 7, 8]]) {
      const got = splitArrowBlocks(blocks, SCHEMA, columns, keys, 5)!;
      expect(got).not.toBeNull();
      const decoded = batches.map((b) => decodeIpc(encodeIpc(SCHEMA, [b])).batches[0]!);
      const want = Array.from({ length: 5 }, (_, p) => decoded.flatMap((b) => {
        const parts = splitByPartition(hashPartitionIds(keys.map((k) => b.columns[k]!), b.numRows, 5), 5);
        return rows(encodeIpc(SCHEMA, [takeBatch(b, parts[p]!)]));
      }));
      got.forEach((part, p) => {
        expect(part.rows).toBe(want[p]!.length);
        expect(rows(part.bytes)).toEqual(want[p]);
      });
    }
  });

  it('writes a dictionary column plain when its dictionary would outweigh the rows of each block', () => {
    const schema = new Schema([field('k', Int32Type), field('s', Utf8Type)]);
    const n = 400;
    const b = makeBatch(schema, [
      vecFromValues(Int32Type, Array.from({ length: n }, (_, i) => i)),
      vecFromValues(Utf8Type, Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `word ${i % 150}`))),
    ], n);
    const bytes = encodeIpc(schema, [b]);
    const got = splitArrowBlocks([bytes], schema, [0, 1], [0], 8)!;
    expect(tableFromIPC(bytes).schema.fields[1]!.type.typeId).toBe(Type.Dictionary);
    expect(tableFromIPC(got[0]!.bytes).schema.fields[1]!.type.typeId).toBe(Type.Utf8);
    const all = got.flatMap((p) => rows(p.bytes)).sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(all).toEqual(Array.from({ length: n }, (_, i) => [i, i % 7 === 0 ? null : `word ${i % 150}`]));
  });

  it('writes the columns a projection keeps, under its names', () => {
    const b = block(200, 3);
    const out = new Schema([field('key', Int32Type), field('name', Utf8Type)]);
    const got = splitArrowBlocks([encodeIpc(SCHEMA, [b])], out, [0, 4], [0], 3)!;
    const all = got.flatMap((p) => rows(p.bytes));
    expect(decodeIpc(got[0]!.bytes).schema.names).toEqual(['key', 'name']);
    expect(all.length).toBe(200);
    expect(new Set(all.map((r) => r[1]))).toEqual(new Set(Array.from({ length: 200 }, (_, i) => getValue(b.columns[4]!, i))));
  });

  it('gives empty partitions, and no input at all, blocks with the schema and no rows', () => {
    const got = splitArrowBlocks([encodeIpc(SCHEMA, [])], SCHEMA, SCHEMA.fields.map((_, c) => c), [0], 4)!;
    expect(got.map((p) => p.rows)).toEqual([0, 0, 0, 0]);
    expect(decodeIpc(got[0]!.bytes).schema.names).toEqual(SCHEMA.names);
  });
});

describe('passThroughHashSplit', () => {
  const scan = { kind: 'block_scan', schema: SCHEMA, partitions: [['b0']], columns: null } as const;
  const hashOn = (index: number) => ({ kind: 'hash', keys: [{ op: 'ref', index, type: Int32Type }], numPartitions: 4 }) as never;

  it('takes a block scan, or a projection of its columns, into a hash exchange on columns', () => {
    expect(passThroughHashSplit(scan, hashOn(0))).toMatchObject({ columns: SCHEMA.fields.map((_, c) => c), keys: [0] });
    const narrowed = { ...scan, schema: new Schema([SCHEMA.fields[4]!, SCHEMA.fields[0]!]), columns: [4, 0] };
    const project = { kind: 'project', schema: new Schema([field('k', Int32Type)]), input: narrowed, exprs: [{ op: 'ref', index: 1, type: Int32Type }] } as never;
    expect(passThroughHashSplit(project, hashOn(0))).toMatchObject({ columns: [0], keys: [0] });
  });

  it('leaves anything that computes to the vector path', () => {
    const computed = { kind: 'project', schema: SCHEMA, input: scan, exprs: [{ op: 'call', fn: 'negate', args: [{ op: 'ref', index: 0, type: Int32Type }], type: Int32Type }] } as never;
    expect(passThroughHashSplit(computed, hashOn(0))).toBeNull();
    expect(passThroughHashSplit(scan, { kind: 'round_robin', numPartitions: 4 } as never)).toBeNull();
    expect(passThroughHashSplit(scan, { kind: 'hash', keys: [{ op: 'call', fn: 'negate', args: [], type: Int32Type }], numPartitions: 4 } as never)).toBeNull();
  });
});
