import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DataFrame, Float64Type, Int32Type, Schema, Session, SparseVector, Utf8Type, VectorType, col, field, typeToString } from '@quiver/core';
import { ParamError } from '../param/params.js';
import { ModelLoadError } from '../persistence/persistence.js';
import { Pipeline, PipelineModel } from '../pipeline/pipeline.js';
import { Bucketizer, QuantileDiscretizer } from './bucketizer.js';
import { Imputer, ImputerModel } from './imputer.js';
import { OneHotEncoder, OneHotEncoderModel } from './one-hot-encoder.js';
import { PolynomialExpansion } from './polynomial-expansion.js';
import { MinMaxScaler, StandardScaler, StandardScalerModel } from './scalers.js';
import { StringIndexer, StringIndexerModel } from './string-indexer.js';
import { VectorAssembler } from './vector-assembler.js';

// Spark's outputs, made by python/fixtures/ml_features.py with pyspark.
const fx = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/features-transformers.json', import.meta.url), 'utf8'));
const num = (x: unknown): number => (x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : (x as number));

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.builder().master('local[2]').getOrCreate();
  dir = mkdtempSync(join(tmpdir(), 'quiver-ml-features-'));
});
afterAll(async () => { await spark.stop(); rmSync(dir, { recursive: true, force: true }); });

/** A DataFrame over 3 partitions, so every fit merges partial statistics. */
const frame = (rows: unknown[][], schema: Schema): DataFrame => spark.createDataFrame(rows, schema).repartition(3);
const column = async (df: DataFrame, name: string): Promise<unknown[]> => (await df.collect()).map((r) => (r as Record<string, unknown>)[name]);
const dense = (x: unknown): number[] => Array.from(x instanceof SparseVector ? x.toDense() : (x as Float64Array));
const closeRows = (got: number[][], want: unknown[][], tol = 1e-12) => {
  expect(got.length).toBe(want.length);
  got.forEach((r, i) => r.forEach((x, j) => {
    const w = num(want[i]![j]);
    if (Number.isNaN(w)) expect(x).toBeNaN(); else expect(Math.abs(x - w)).toBeLessThanOrEqual(tol);
  }));
};
/** Rows come back in partition order; an id column restores the input order. */
const ordered = (df: DataFrame) => df.orderBy('id');

describe('StringIndexer on a DataFrame', () => {
  const schema = new Schema([field('id', Float64Type), field('cat', Utf8Type)]);
  const fitRows = (fx.stringIndexer.fit as (string | null)[]).map((c, i) => [i, c]);
  it('learns Spark\'s labels in one aggregation and maps with keep; persists and loads', async () => {
    const c = fx.stringIndexer.cases['frequencyDesc/keep'];
    const model = await new StringIndexer({ inputCol: 'cat', outputCol: 'idx', handleInvalid: 'keep' }).fit(frame(fitRows, schema));
    expect(model.labels).toEqual(c.labels);
    const test = frame((c.input as (string | null)[]).map((x, i) => [i, x]), schema);
    expect(await column(ordered(await model.transform(test)), 'idx')).toEqual(c.output);
    await model.write().overwrite().save(join(dir, 'indexer'));
    const again = await StringIndexerModel.load(join(dir, 'indexer'));
    expect(again.labels).toEqual(c.labels);
    expect(again.get('handleInvalid')).toBe('keep');
    expect(await column(ordered(await again.transform(test)), 'idx')).toEqual(c.output);
  });
  it('skip drops unseen and null labels; error names the unseen label', async () => {
    const c = fx.stringIndexer.cases['alphabetAsc/skip'];
    const model = await new StringIndexer({ inputCol: 'cat', outputCol: 'idx', handleInvalid: 'skip', stringOrderType: 'alphabetAsc' }).fit(frame(fitRows, schema));
    const test = frame([...(fx.stringIndexer.fit as (string | null)[]), 'a', 'zz', null, 'd'].map((x, i) => [i, x]), schema);
    expect(await column(ordered(await model.transform(test)), 'idx')).toEqual(c.output);
    model.set('handleInvalid', 'error');
    await expect(model.transform(frame([[0, 'a'], [1, 'zz']], schema))).rejects.toThrow(/unseen label 'zz' in column 'cat'/);
    await expect(model.transform(frame([[0, 'a'], [1, null]], schema))).rejects.toThrow(/StringIndexer encountered a null in column 'cat'/);
  });
  it('indexes a numeric column by its string form, as Spark does', async () => {
    const c = fx.stringIndexer.numeric;
    const df = frame((c.input as number[]).map((x, i) => [i, x]), new Schema([field('id', Float64Type), field('x', Float64Type)]));
    const model = await new StringIndexer({ inputCol: 'x', outputCol: 'idx' }).fit(df);
    expect(model.labels).toEqual(c.labels);
    const out = ordered(await model.transform(df));
    expect(await column(out, 'idx')).toEqual(c.output);
    expect(out.schema.names).toEqual(['id', 'x', 'idx']);
  });
  it('a missing or non-string, non-numeric input column fails at fit, naming it, before any task', async () => {
    await expect(new StringIndexer({ inputCol: 'nope', outputCol: 'i' }).fit(frame(fitRows, schema))).rejects.toThrow(ParamError);
    const vec = spark.createDataFrame([[[1, 2]]], new Schema([field('v', VectorType(2))]));
    await expect(new StringIndexer({ inputCol: 'v', outputCol: 'i' }).fit(vec)).rejects.toThrow(/inputCol 'v' must be a string or numeric column, but it is vector<2>/);
  });
});

describe('OneHotEncoder, VectorAssembler and the scalers on a DataFrame', () => {
  it('OneHotEncoder equals Spark with dropLast and keep, and persists', async () => {
    const schema = new Schema([field('id', Float64Type), field('i', Float64Type)]);
    const c = fx.oneHotEncoder.cases['dropLast=True/keep'];
    const model = await new OneHotEncoder({ inputCols: ['i'], outputCols: ['v'], handleInvalid: 'keep' }).fit(frame((fx.oneHotEncoder.fit as number[]).map((x, i) => [i, x]), schema));
    expect(model.categorySizes).toEqual([4]);
    const test = frame((c.input as number[]).map((x, i) => [i, x]), schema);
    closeRows((await column(ordered(await model.transform(test)), 'v')).map(dense), c.output);
    await model.write().overwrite().save(join(dir, 'ohe'));
    expect((await OneHotEncoderModel.load(join(dir, 'ohe'))).categorySizes).toEqual([4]);
  });

  it('StandardScaler and MinMaxScaler statistics and outputs equal Spark; the scaler model round-trips', async () => {
    const schema = new Schema([field('id', Float64Type), field('x', VectorType(3))]);
    const df = frame((fx.scalers.input as number[][]).map((x, i) => [i, x]), schema);
    const c = fx.scalers.standard['withMean=True/withStd=True'];
    const model = await new StandardScaler({ inputCol: 'x', outputCol: 'y', withMean: true }).fit(df);
    closeRows([Array.from(model.mean), Array.from(model.std)], [c.mean, c.std]);
    closeRows((await column(ordered(await model.transform(df)), 'y')).map(dense), c.output);
    await model.write().overwrite().save(join(dir, 'scaler'));
    const again = await StandardScalerModel.load(join(dir, 'scaler'));
    closeRows((await column(ordered(await again.transform(df)), 'y')).map(dense), c.output);
    const mm = await new MinMaxScaler({ inputCol: 'x', outputCol: 'y', min: -1, max: 2 }).fit(df);
    closeRows((await column(ordered(await mm.transform(df)), 'y')).map(dense), fx.scalers.minMax.output);
  });

  it('VectorAssembler with handleInvalid=skip drops rows with NaN or null; error names the column', async () => {
    const schema = new Schema([field('id', Float64Type), field('a', Float64Type), field('b', Float64Type)]);
    const df = frame([[0, 1, 2], [1, NaN, 3], [2, 4, null], [3, 5, 6]], schema);
    const skip = await new VectorAssembler({ inputCols: ['a', 'b'], outputCol: 'f', handleInvalid: 'skip' }).transform(df);
    expect((await column(ordered(skip), 'f')).map(dense)).toEqual([[1, 2], [5, 6]]);
    await expect(new VectorAssembler({ inputCols: ['a', 'b'], outputCol: 'f' }).transform(df)).rejects.toThrow(/VectorAssembler: (NaN|a null) in column '(a|b)'/);
    expect(() => new VectorAssembler({ inputCols: ['a', 'zz'], outputCol: 'f' }).transformSchema(df.schema)).toThrow(/inputCols 'zz' is not a column/);
  });
});

describe('Imputer, QuantileDiscretizer, Bucketizer, PolynomialExpansion on a DataFrame', () => {
  it('Imputer median equals Spark and its model round-trips (NaN missingValue included)', async () => {
    const im = fx.imputer;
    const schema = new Schema([field('id', Float64Type), field('a', Float64Type), field('b', Float64Type)]);
    const rows = (im.a as (number | null)[]).map((a, i) => [i, im.aNaN[i] ? NaN : a, im.bNaN[i] ? NaN : im.b[i]]);
    const model = await new Imputer({ inputCols: ['a', 'b'], outputCols: ['a_out', 'b_out'], strategy: 'median' }).fit(frame(rows, schema));
    expect(model.surrogates).toEqual(im.cases.median.surrogates);
    await model.write().overwrite().save(join(dir, 'imputer'));
    const again = await ImputerModel.load(join(dir, 'imputer'));
    expect(again.get('missingValue')).toBeNaN();
    const out = await again.transform(frame(rows, schema));
    expect(await column(ordered(out), 'a_out')).toEqual(im.cases.median.a_out);
  });
  it('Imputer casts an int column\'s output back to int, as Spark does', async () => {
    const c = fx.imputer.cases['int column (mean, cast back)'];
    const df = frame((c.input as (number | null)[]).map((x, i) => [i, x]), new Schema([field('id', Float64Type), field('i', Int32Type)]));
    const model = await new Imputer({ inputCols: ['i'], outputCols: ['o'] }).fit(df);
    expect(model.surrogates).toEqual(c.surrogates);
    const out = ordered(await model.transform(df));
    expect(typeToString(out.schema.field('o').type)).toBe(c.outputType);
    expect(await column(out, 'o')).toEqual(c.output);
  });
  it('Imputer on an all-missing column is a clear error', async () => {
    const schema = new Schema([field('a', Float64Type)]);
    await expect(new Imputer({ inputCols: ['a'], outputCols: ['o'] }).fit(frame([[NaN], [null]], schema))).rejects.toThrow(/surrogate for column 'a' cannot be computed/);
  });
  it('QuantileDiscretizer splits equal Spark; its Bucketizer persists infinite splits', async () => {
    const c = fx.quantileDiscretizer['n=500/numBuckets=7'];
    const schema = new Schema([field('id', Float64Type), field('x', Float64Type)]);
    const df = frame((c.input as number[]).map((x, i) => [i, x]), schema);
    const b = await new QuantileDiscretizer({ inputCol: 'x', outputCol: 'b', numBuckets: 7 }).fit(df);
    expect(b.get('splits')).toEqual(c.splits.map(num));
    expect(await column(ordered(await b.transform(df)), 'b')).toEqual(c.output);
    await b.write().overwrite().save(join(dir, 'bucketizer'));
    expect((await Bucketizer.load(join(dir, 'bucketizer'))).get('splits')).toEqual(c.splits.map(num));
  });
  it('PolynomialExpansion equals Spark', async () => {
    const c = fx.polynomialExpansion['3 features/degree 3'];
    const df = spark.createDataFrame([[c.input]], new Schema([field('x', VectorType(3))]));
    closeRows((await column(await new PolynomialExpansion({ inputCol: 'x', outputCol: 'p', degree: 3 }).transform(df), 'p')).map(dense), [c.output]);
  });
});

describe('params', () => {
  it('copy(extra) keeps a model\'s learned state and applies the extra params; explainParams lists every param', () => {
    const m = new StringIndexerModel({ inputCol: 'c', outputCol: 'i' }, [['x', 'y']]);
    const c = m.copy({ handleInvalid: 'keep' });
    expect([c.uid, c.labels, c.get('handleInvalid'), m.get('handleInvalid')]).toEqual([m.uid, ['x', 'y'], 'keep', 'error']);
    expect(new OneHotEncoder().explainParams().split('\n').map((l) => l.split(':')[0])).toEqual(['dropLast', 'handleInvalid', 'inputCol', 'inputCols', 'outputCol', 'outputCols']);
    expect(() => new StandardScaler({ withMean: 'yes' as never })).toThrow(/param 'withMean' must be true or false/);
    expect(() => new Bucketizer({ splits: [0, 2, 1] })).toThrow(/splits' must be strictly increasing/);
  });
});

describe('empty partitions', () => {
  it('fit and transform with more partitions than rows give the same result as one partition', async () => {
    const schema = new Schema([field('id', Float64Type), field('carrier', Utf8Type), field('x', VectorType(2))]);
    const rows = [[0, 'b', [1, 2]], [1, 'a', [3, 5]], [2, 'b', [4, 9]]];
    const run = async (df: DataFrame) => {
      const idx = await new StringIndexer({ inputCol: 'carrier', outputCol: 'ci' }).fit(df);
      const sc = await new StandardScaler({ inputCol: 'x', outputCol: 'y', withMean: true }).fit(df);
      const out = await sc.transform(await idx.transform(df));
      return { labels: idx.labels, std: Array.from(sc.std), y: (await column(ordered(out), 'y')).map(dense), ci: await column(ordered(out), 'ci') };
    };
    const wide = spark.createDataFrame(rows, schema).repartition(8);
    const [a, b] = [await run(wide), await run(spark.createDataFrame(rows, schema).coalesce(1))];
    expect([a.labels, a.ci]).toEqual([b.labels, b.ci]);
    // Partial statistics merge in a different order: equal to rounding.
    closeRows([a.std, ...a.y], [b.std, ...b.y], 1e-14);
  });
});

describe('feature stages in a Pipeline', () => {
  it('StringIndexer -> OneHotEncoder -> VectorAssembler -> StandardScaler fits, saves and reloads with equal output', async () => {
    const schema = new Schema([field('id', Float64Type), field('carrier', Utf8Type), field('distance', Float64Type)]);
    const rows = Array.from({ length: 60 }, (_, i) => [i, ['AA', 'DL', 'UA', 'WN'][i % 4]!, 100 + ((i * 37) % 900)]);
    const df = frame(rows, schema);
    const pipeline = new Pipeline({ stages: [
      new StringIndexer({ inputCol: 'carrier', outputCol: 'carrier_idx' }),
      new OneHotEncoder({ inputCols: ['carrier_idx'], outputCols: ['carrier_vec'] }),
      new VectorAssembler({ inputCols: ['carrier_vec', 'distance'], outputCol: 'raw' }),
      new StandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    ] });
    const model = await pipeline.fit(df);
    const out = (await column(ordered(await model.transform(df)), 'features')).map(dense);
    expect(out[0]!.length).toBe(4);
    await model.write().overwrite().save(join(dir, 'pipeline'));
    const again = await PipelineModel.load(join(dir, 'pipeline'));
    expect((await column(ordered(await again.transform(df)), 'features')).map(dense)).toEqual(out);
    await expect(PipelineModel.load(join(dir, 'missing'))).rejects.toThrow(ModelLoadError);
  });
  it('a wrong column anywhere in the pipeline fails at fit before any stage runs', async () => {
    const df = frame([[0, 'a', 1]], new Schema([field('id', Float64Type), field('carrier', Utf8Type), field('distance', Float64Type)]));
    const p = new Pipeline({ stages: [new StringIndexer({ inputCol: 'carrier', outputCol: 'ci' }), new VectorAssembler({ inputCols: ['ci', 'distanc'], outputCol: 'f' })] });
    await expect(p.fit(df)).rejects.toThrow(/inputCols 'distanc' is not a column/);
  });
});

describe('statistics are one distributed aggregation per fit', () => {
  it('every estimator\'s fit runs exactly one job, a partition function whose partial results the driver merges; no rows are collected', async () => {
    const schema = new Schema([field('id', Float64Type), field('cat', Utf8Type), field('a', Float64Type), field('b', Float64Type), field('v', VectorType(3))]);
    const rows = Array.from({ length: 90 }, (_, i) => [i, ['x', 'y', 'z'][i % 3]!, i % 7 === 0 ? NaN : (i * 13) % 17, i % 5 === 0 ? null : i / 3, [i % 4, (i * 7) % 11, -i]]);
    const df = frame(rows, schema).withColumn('ci', col('id').mod(4));
    const executor = (spark as unknown as { executor: { runJob: (...a: unknown[]) => unknown } }).executor;
    const estimators: [string, { fit(d: DataFrame): Promise<unknown> }][] = [
      ['StringIndexer', new StringIndexer({ inputCol: 'cat', outputCol: 'o' })],
      ['OneHotEncoder', new OneHotEncoder({ inputCols: ['ci'], outputCols: ['o'] })],
      ['StandardScaler', new StandardScaler({ inputCol: 'v', outputCol: 'o', withMean: true })],
      ['MinMaxScaler', new MinMaxScaler({ inputCol: 'v', outputCol: 'o' })],
      ...(['mean', 'median', 'mode'] as const).map((strategy): [string, Imputer] => [`Imputer ${strategy}`, new Imputer({ inputCols: ['a', 'b'], outputCols: ['ao', 'bo'], strategy })]),
      ['QuantileDiscretizer', new QuantileDiscretizer({ inputCol: 'b', outputCol: 'o', numBuckets: 4, handleInvalid: 'skip' })],
    ];
    for (const [name, est] of estimators) {
      const spy = vi.spyOn(executor, 'runJob');
      try {
        await est.fit(df);
        const jobs = spy.mock.calls.map((c) => (c[1] as { mode?: string } | undefined)?.mode ?? 'collect');
        expect(jobs, name).toEqual(['result']);
      } finally {
        spy.mockRestore();
      }
    }
  });
});

describe('sparse and dense vectors', () => {
  it('StandardScaler, MinMaxScaler and PolynomialExpansion fit and transform sparse rows as their dense form', async () => {
    const values = Array.from({ length: 40 }, (_, i) => [i % 3 === 0 ? 0 : (i * 7) % 13 - 4, i % 2 === 0 ? 0 : i / 5, (i * 11) % 5 === 0 ? 0 : -i]);
    const denseDf = frame(values.map((v, i) => [i, v]), new Schema([field('id', Float64Type), field('x', VectorType(3))]));
    const sparseDf = frame(values.map((v, i) => [i, SparseVector.of(3, [0, 1, 2].filter((j) => v[j] !== 0), v.filter((x) => x !== 0))]),
      new Schema([field('id', Float64Type), field('x', VectorType(3, true))]));
    expect(typeToString(sparseDf.schema.fields[1]!.type)).not.toBe(typeToString(denseDf.schema.fields[1]!.type));
    const stages = [
      () => new StandardScaler({ inputCol: 'x', outputCol: 'y', withMean: true }),
      () => new StandardScaler({ inputCol: 'x', outputCol: 'y' }),
      () => new MinMaxScaler({ inputCol: 'x', outputCol: 'y' }),
      () => new PolynomialExpansion({ inputCol: 'x', outputCol: 'y', degree: 2 }),
    ];
    for (const make of stages) {
      const apply = async (df: DataFrame) => {
        const st = make();
        const model = 'fit' in st ? await (st as StandardScaler).fit(df) : st;
        return (await column(ordered(await model.transform(df)), 'y')).map(dense);
      };
      const [a, b] = [await apply(denseDf), await apply(sparseDf)];
      expect(b.length, make().constructor.name).toBe(values.length);
      closeRows(b, a, 1e-12);
    }
  });
});

