import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DataType, Float64Type, PartitionData, Schema, Utf8Type, VectorType, type Vec, field, getValue, makeBatch, vecFromValues, SparseVector } from '@quiver/core';
import { ByteWriter } from './codec.js';
import {
  assemble, bucketize, impute, indexStrings, labelCounts, maxIndex, mergeLabelCounts, mergeValueCounts, mergeVectorSummaries,
  oneHot, polynomial, scaleMinMax, scaleStandard, valueCounts, vectorSummary, columnSums,
} from './kernels.js';
import { discretizerSplits, modeFromCounts, quantilesFromCounts } from './quantile.js';
import { labelOrder } from './string-order.js';

// Spark's outputs, made by python/fixtures/ml_features.py with pyspark.
const fx = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/features-transformers.json', import.meta.url), 'utf8'));
const num = (x: unknown): number => (x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : (x as number));

function part(cols: Record<string, [DataType, unknown[]]>): PartitionData {
  const names = Object.keys(cols);
  const schema = new Schema(names.map((n) => field(n, cols[n]![0])));
  const vecs = names.map((n) => vecFromValues(cols[n]![0], cols[n]![1]));
  return new PartitionData(schema, [makeBatch(schema, vecs)]);
}
/** Splits rows into partitions of `size` to exercise the merges. */
function parts(cols: Record<string, [DataType, unknown[]]>, size: number): PartitionData[] {
  const n = Object.values(cols)[0]![1].length;
  const out: PartitionData[] = [];
  for (let s = 0; s < n; s += size) out.push(part(Object.fromEntries(Object.entries(cols).map(([k, [t, xs]]) => [k, [t, xs.slice(s, s + size)]]))));
  return out;
}
const rows = (v: Vec): number[][] => Array.from({ length: v.length }, (_, i) => {
  const x = getValue(v, i);
  return Array.from(x instanceof SparseVector ? x.toDense() : (x as Float64Array));
});
const doubles = (v: Vec): number[] => Array.from({ length: v.length }, (_, i) => getValue(v, i) as number);
const expectClose = (got: number[][], want: number[][], tol = 1e-12) => {
  expect(got.length).toBe(want.length);
  got.forEach((r, i) => r.forEach((x, j) => {
    const w = num(want[i]![j]);
    if (Number.isNaN(w)) expect(x).toBeNaN(); else expect(Math.abs(x - w)).toBeLessThanOrEqual(tol);
  }));
};
const str = (s: string) => new ByteWriter().str(s).finish();

describe('StringIndexer counts and order equal Spark (ties broken alphabetically)', () => {
  const fit = fx.stringIndexer.fit as (string | null)[];
  const counts = mergeLabelCounts(parts({ cat: [Utf8Type, fit] }, 4).map((p) => labelCounts(p, new ByteWriter().strs(['cat']).finish())), 1)[0]!;
  for (const [key, c] of Object.entries(fx.stringIndexer.cases as Record<string, { labels: string[]; input: (string | null)[]; output: number[] }>)) {
    const [order, handleInvalid] = key.split('/') as [string, string];
    it(key, () => {
      const labels = labelOrder(counts, order as never);
      expect(labels).toEqual(c.labels);
      // Spark's 'skip' output has the invalid rows dropped already (the stage filters them before the map).
      const args = new ByteWriter().str(handleInvalid === 'skip' ? 'error' : handleInvalid).u32(1).str('cat').str('idx').strs(labels).finish();
      expect(doubles(indexStrings(part({ cat: [Utf8Type, c.input] }), args)[0]!)).toEqual(c.output);
    });
  }
  it('an unseen label with handleInvalid=error names the label and column', () => {
    const args = new ByteWriter().str('error').u32(1).str('cat').str('idx').strs(['a', 'b']).finish();
    expect(() => indexStrings(part({ cat: [Utf8Type, ['a', 'zz']] }), args)).toThrow(/unseen label 'zz' in column 'cat'/);
    expect(() => indexStrings(part({ cat: [Utf8Type, ['a', null]] }), args)).toThrow(/null in column 'cat'/);
  });
});

describe('OneHotEncoder equals Spark (dropLast, keep)', () => {
  const fit = fx.oneHotEncoder.fit as number[];
  const max = new Float64Array(maxIndex(part({ i: [Float64Type, fit] }), new ByteWriter().strs(['i']).finish()).buffer.slice(4));
  for (const [key, c] of Object.entries(fx.oneHotEncoder.cases as Record<string, { input: number[]; size: number; output: number[][] }>)) {
    it(key, () => {
      const dropLast = key.includes('dropLast=True'), keep = key.endsWith('keep');
      const args = new ByteWriter().bool(dropLast).bool(keep).u32(1).str('i').str('v').u32(max[0]! + 1).finish();
      const out = oneHot(part({ i: [Float64Type, c.input] }), args)[0]!;
      expect((out.type as { size: number }).size).toBe(c.size);
      expectClose(rows(out), c.output);
    });
  }
  it('an index beyond the fitted categories with handleInvalid=error is a clear error', () => {
    const args = new ByteWriter().bool(true).bool(false).u32(1).str('i').str('v').u32(4).finish();
    expect(() => oneHot(part({ i: [Float64Type, [0, 4]] }), args)).toThrow(/unseen category index 4 in column 'i'/);
    expect(() => maxIndex(part({ i: [Float64Type, [0, 1.5]] }), new ByteWriter().strs(['i']).finish())).toThrow(/1.5, not a category index/);
  });
});

describe('scalers equal Spark', () => {
  const input = fx.scalers.input as number[][];
  const type = VectorType(3);
  const summary = mergeVectorSummaries(parts({ x: [type, input] }, 5).map((p) => vectorSummary(p, str('x'))));
  const std = Array.from(summary.m2, (m) => Math.sqrt(m / (summary.count - 1)));
  for (const [key, c] of Object.entries(fx.scalers.standard as Record<string, { mean: number[]; std: number[]; output: number[][] }>)) {
    it(`StandardScaler ${key}`, () => {
      expectClose([Array.from(summary.mean), std], [c.mean, c.std]);
      const withMean = key.includes('withMean=True'), withStd = key.endsWith('withStd=True');
      const scale = std.map((s) => (withStd ? (s !== 0 ? 1 / s : 0) : 1));
      const args = new ByteWriter().str('x').str('y').f64s(summary.mean).f64s(scale).bool(withMean).finish();
      expectClose(rows(scaleStandard(part({ x: [type, input] }), args)[0]!), c.output);
    });
  }
  it('MinMaxScaler', () => {
    const m = fx.scalers.minMax;
    expectClose([Array.from(summary.min), Array.from(summary.max)], [m.originalMin, m.originalMax]);
    const args = new ByteWriter().str('x').str('y').f64s(summary.min).f64s(summary.max).f64(m.min).f64(m.max).finish();
    expectClose(rows(scaleMinMax(part({ x: [type, input] }), args)[0]!), m.output);
  });
  it('sparse input gives the same statistics as dense', () => {
    const sparse = input.map((r) => SparseVector.of(3, [0, 1, 2].filter((j) => r[j] !== 0), r.filter((x) => x !== 0)));
    const s = mergeVectorSummaries(parts({ x: [VectorType(3, true), sparse] }, 5).map((p) => vectorSummary(p, str('x'))));
    expectClose([Array.from(s.mean), Array.from(s.m2)], [Array.from(summary.mean), Array.from(summary.m2)], 1e-9);
  });
});

describe('Imputer equals Spark (mean, median, mode; null and NaN are missing)', () => {
  const im = fx.imputer;
  const a = (im.a as (number | null)[]).map((x, i) => (im.aNaN[i] ? NaN : x));
  const b = (im.b as (number | null)[]).map((x, i) => (im.bNaN[i] ? NaN : x));
  const data = { a: [Float64Type, a], b: [Float64Type, b] } as Record<string, [DataType, unknown[]]>;
  const surrogates = (strategy: string, missing: number, cols: string[]): number[] => {
    const args = new ByteWriter().f64(missing).strs(cols).finish();
    if (strategy === 'mean') {
      const partial = parts(data, 4).map((p) => columnSums(p, args));
      return cols.map((_, c) => {
        let n = 0, s = 0;
        for (const bytes of partial) { const dv = new DataView(bytes.buffer, bytes.byteOffset); const k = dv.getUint32(0, true); n += dv.getFloat64(4 + 8 * c, true); s += dv.getFloat64(8 + 8 * k + 8 * c, true); }
        return s / n;
      });
    }
    const vc = mergeValueCounts(parts(data, 4).map((p) => valueCounts(p, args)), cols.length);
    return vc.map(({ values, counts }) => (strategy === 'median' ? quantilesFromCounts(values, counts, [0.5])[0]! : modeFromCounts(values, counts)));
  };
  // The cases over columns a and b (the int-column case is pinned in stages.test.ts).
  for (const [key, c] of Object.entries(im.cases as Record<string, { surrogates: number[]; a_out: unknown[]; b_out?: unknown[] }>).filter(([, c]) => c.a_out)) {
    it(key, () => {
      const strategy = key.startsWith('missingValue') ? 'mean' : key;
      const missing = key.startsWith('missingValue') ? 4 : NaN;
      const cols = c.b_out ? ['a', 'b'] : ['a'];
      const sur = surrogates(strategy, missing, cols);
      sur.forEach((s, i) => expect(Math.abs(s - c.surrogates[i]!)).toBeLessThanOrEqual(1e-12));
      const w = new ByteWriter().f64(missing).u32(cols.length);
      cols.forEach((col, i) => w.str(col).str(`${col}_out`).f64(sur[i]!));
      const out = impute(part(data), w.finish());
      expectClose([doubles(out[0]!)], [c.a_out as number[]]);
      if (c.b_out) expectClose([doubles(out[1]!)], [c.b_out as number[]]);
    });
  }
});

describe('Bucketizer and QuantileDiscretizer equal Spark', () => {
  it('Bucketizer with handleInvalid=keep puts NaN in the extra bucket', () => {
    const bz = fx.bucketizer;
    const args = new ByteWriter().bool(true).u32(1).str('x').str('b').f64s(bz.splits.map(num)).finish();
    expect(doubles(bucketize(part({ x: [Float64Type, bz.input.map(num)] }), args)[0]!)).toEqual(bz.keep);
  });
  it('Bucketizer: NaN with handleInvalid=error and a value outside the splits are clear errors', () => {
    const args = new ByteWriter().bool(false).u32(1).str('x').str('b').f64s([0, 1, 2]).finish();
    expect(() => bucketize(part({ x: [Float64Type, [NaN]] }), args)).toThrow(/NaN in column 'x'/);
    expect(() => bucketize(part({ x: [Float64Type, [3]] }), args)).toThrow(/outside the splits/);
  });
  for (const [key, c] of Object.entries(fx.quantileDiscretizer as Record<string, { input: number[]; numBuckets: number; splits: unknown[]; output: number[] }>)) {
    it(`QuantileDiscretizer ${key}`, () => {
      const [vc] = mergeValueCounts(parts({ x: [Float64Type, c.input] }, 64).map((p) => valueCounts(p, new ByteWriter().f64(NaN).strs(['x']).finish())), 1);
      const splits = discretizerSplits(vc!.values, vc!.counts, c.numBuckets);
      expect(Array.from(splits)).toEqual(c.splits.map(num));
      const args = new ByteWriter().bool(false).u32(1).str('x').str('b').f64s(splits).finish();
      expect(doubles(bucketize(part({ x: [Float64Type, c.input] }), args)[0]!)).toEqual(c.output);
    });
  }
});

describe('PolynomialExpansion and VectorAssembler equal Spark', () => {
  for (const [key, c] of Object.entries(fx.polynomialExpansion as Record<string, { input: number[]; degree: number; output: number[] }>)) {
    it(`PolynomialExpansion ${key}`, () => {
      const args = new ByteWriter().str('x').str('p').u32(c.degree).finish();
      expectClose(rows(polynomial(part({ x: [VectorType(c.input.length), [c.input]] }), args)[0]!), [c.output], 1e-12);
    });
  }
  it('VectorAssembler over a number, a dense/sparse vector column and a number', () => {
    const p = part({ a: [Float64Type, [1, 0]], v: [VectorType(2, true), [SparseVector.of(2, [0, 1], [2, 3]), SparseVector.of(2, [1], [5])]], b: [Float64Type, [4, -1]] });
    const args = new ByteWriter().str('error').str('f').strs(['a', 'v', 'b']).finish();
    expectClose(rows(assemble(p, args)[0]!), fx.vectorAssembler.output);
    const d = part({ a: [Float64Type, [1, 0]], v: [VectorType(2), [[2, 3], [0, 5]]], b: [Float64Type, [4, -1]] });
    expectClose(rows(assemble(d, args)[0]!), fx.vectorAssembler.output);
  });
  it('VectorAssembler: NaN or null with handleInvalid=error names the column; keep gives NaN', () => {
    const p = part({ a: [Float64Type, [1, NaN]], b: [Float64Type, [null, 2]] });
    expect(() => assemble(p, new ByteWriter().str('error').str('f').strs(['a']).finish())).toThrow(/NaN in column 'a'/);
    expect(() => assemble(p, new ByteWriter().str('error').str('f').strs(['b']).finish())).toThrow(/a null in column 'b'/);
    const kept = rows(assemble(p, new ByteWriter().str('keep').str('f').strs(['a', 'b']).finish())[0]!);
    expect(kept[0]![1]).toBeNaN();
    expect(kept[1]![0]).toBeNaN();
  });
});
