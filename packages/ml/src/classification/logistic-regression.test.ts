import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, SparseVector } from '@quiver/core';
import { LogisticRegression, LogisticRegressionModel, type LogisticRegressionParams } from './logistic-regression.js';
import { Pipeline, PipelineModel } from '../pipeline/pipeline.js';
import { Imputer } from '../feature/imputer.js';
import { VectorAssembler } from '../feature/vector-assembler.js';

// Spark MLlib fits made by python/fixtures/ml_lr.py.
interface Case { name: string; params: Partial<LogisticRegressionParams> & { maxIter: number; tol: number }; coefficientMatrix: number[][]; interceptVector: number[] }
const fixture = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/lr_logistic.json', import.meta.url), 'utf8')) as {
  data: { features: number[][]; weight: number[]; binomialLabel: number[]; multinomialLabel: number[] }; cases: Case[];
};

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.builder().master('local[2]').getOrCreate();
  dir = mkdtempSync(join(tmpdir(), 'quiver-lr-'));
});
afterAll(async () => { await spark.stop(); rmSync(dir, { recursive: true, force: true }); });

function frame(labels: number[], partitions: number): DataFrame {
  const { features, weight } = fixture.data;
  return spark.createDataFrame(features.map((f, i) => ({ features: Float64Array.from(f), label: labels[i]!, weight: weight[i]! }))).repartition(partitions);
}
const labelsOf = (c: Case) => (c.params.family === 'multinomial' ? fixture.data.multinomialLabel : fixture.data.binomialLabel);

describe('LogisticRegression matches Spark MLlib', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: coefficients and intercepts within 1e-4`, async () => {
      const model = await new LogisticRegression({ ...c.params, tol: 1e-12, maxIter: 2000 }).fit(frame(labelsOf(c), 2));
      const K = model.interceptVector.length;
      const d = model.numFeatures;
      expect(K).toBe(c.interceptVector.length);
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < d; j++) expect(Math.abs(model.coefficientMatrix[k * d + j]! - c.coefficientMatrix[k]![j]!), `coef[${k}][${j}]`).toBeLessThan(1e-4);
        expect(Math.abs(model.interceptVector[k]! - c.interceptVector[k]!), `intercept[${k}]`).toBeLessThan(1e-4);
      }
    });
  }
});

describe('LogisticRegression is independent of partitioning', () => {
  for (const name of ['binomial elasticnet std=True', 'multinomial l2 std=False']) {
    it(`${name}: 1, 2 and 8 partitions agree to 1e-6`, async () => {
      const c = fixture.cases.find((x) => x.name === name)!;
      const fits = [];
      for (const p of [1, 2, 8]) fits.push(await new LogisticRegression({ ...c.params, tol: 1e-12, maxIter: 2000 }).fit(frame(labelsOf(c), p)));
      // An input the user cached is read in place rather than cached again.
      const cached = frame(labelsOf(c), 2).cache();
      fits.push(await new LogisticRegression({ ...c.params, tol: 1e-12, maxIter: 2000 }).fit(cached));
      cached.unpersist();
      for (const m of fits.slice(1)) {
        for (let i = 0; i < m.coefficientMatrix.length; i++) expect(Math.abs(m.coefficientMatrix[i]! - fits[0]!.coefficientMatrix[i]!)).toBeLessThan(1e-6);
        for (let i = 0; i < m.interceptVector.length; i++) expect(Math.abs(m.interceptVector[i]! - fits[0]!.interceptVector[i]!)).toBeLessThan(1e-6);
      }
    });
  }
});

describe('LogisticRegression on sparse vectors', () => {
  it('fits and predicts the same as on the dense form of the same rows', async () => {
    const { features, binomialLabel, multinomialLabel } = fixture.data;
    // Zero out a third of the entries so the sparse rows really are sparse.
    const dense = features.map((f, i) => f.map((v, j) => ((i + j) % 3 === 0 ? 0 : v)));
    const sparse = dense.map((f) => SparseVector.of(f.length, f.flatMap((v, j) => (v !== 0 ? [j] : [])), f.filter((v) => v !== 0)));
    for (const [labels, params] of [[binomialLabel, { regParam: 0.05, elasticNetParam: 0.5 }], [multinomialLabel, { regParam: 0.1 }]] as const) {
      const fit = (rows: unknown[]) => new LogisticRegression({ ...params, tol: 1e-12, maxIter: 2000 })
        .fit(spark.createDataFrame(rows.map((f, i) => ({ features: f, label: labels[i]! }))).repartition(3));
      const a = await fit(dense.map((f) => Float64Array.from(f)));
      const b = await fit(sparse);
      expect(b.coefficientMatrix.length).toBe(a.coefficientMatrix.length);
      a.coefficientMatrix.forEach((v, i) => expect(Math.abs(b.coefficientMatrix[i]! - v)).toBeLessThan(1e-8));
      a.interceptVector.forEach((v, i) => expect(Math.abs(b.interceptVector[i]! - v)).toBeLessThan(1e-8));
      const df = spark.createDataFrame(sparse.map((f, i) => ({ features: f, label: labels[i]! })));
      const pa = await (await a.transform(df)).select('prediction').collect();
      const pb = await (await b.transform(df)).select('prediction').collect();
      expect(pb).toEqual(pa);
    }
  });
});

describe('LogisticRegressionModel', () => {
  it('transforms on the workers into rawPrediction, probability and prediction; summary has history, ROC, AUC, accuracy', async () => {
    const df = frame(fixture.data.binomialLabel, 3);
    const model = await new LogisticRegression({ regParam: 0.01 }).fit(df);
    const out = await model.transform(df);
    expect(out.columns).toEqual(['features', 'label', 'weight', 'rawPrediction', 'probability', 'prediction']);
    const rows = await out.collect();
    const b = model.intercept, w = model.coefficients;
    for (const r of rows.slice(0, 5)) {
      const x = r.features as Float64Array;
      const m = b + x.reduce((s, v, j) => s + v * w[j]!, 0);
      expect((r.probability as Float64Array)[1]).toBeCloseTo(1 / (1 + Math.exp(-m)), 12);
      expect((r.rawPrediction as Float64Array)[1]).toBeCloseTo(m, 12);
      expect(r.prediction).toBe(m > 0 ? 1 : 0);
    }
    const s = model.summary!;
    expect(s.objectiveHistory.length).toBe(s.totalIterations + 1);
    expect(s.objectiveHistory[s.objectiveHistory.length - 1]).toBeLessThan(s.objectiveHistory[0]!);
    const acc = rows.filter((r) => r.prediction === r.label).length / rows.length;
    expect(await s.accuracy()).toBeCloseTo(acc, 12);
    const auc = await s.areaUnderROC();
    // Mann-Whitney: the fraction of (positive, negative) pairs ranked correctly (ties half).
    const pos = rows.filter((r) => r.label === 1).map((r) => (r.probability as Float64Array)[1]!);
    const neg = rows.filter((r) => r.label === 0).map((r) => (r.probability as Float64Array)[1]!);
    let wins = 0;
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    expect(auc).toBeCloseTo(wins / (pos.length * neg.length), 12);
    const strict = await (await model.copy({ thresholds: [1, 3] }).transform(df)).collect();
    strict.forEach((r) => expect(r.prediction).toBe((r.probability as Float64Array)[1]! > 0.75 ? 1 : 0));
    const roc = await s.roc();
    expect([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  });

  it('multinomial summary accuracy is the weighted share of rows predicted right', async () => {
    const df = frame(fixture.data.multinomialLabel, 2);
    const model = await new LogisticRegression({ regParam: 0.05, weightCol: 'weight', featuresCol: 'features' }).fit(df);
    const rows = await (await model.transform(df)).collect();
    let right = 0, total = 0;
    for (const r of rows) { total += r.weight as number; if (r.prediction === r.label) right += r.weight as number; }
    expect(await model.summary!.accuracy()).toBeCloseTo(right / total, 12);
    expect(model.hasSummary).toBe(true);
  });

  it('saves and loads (alone and in a pipeline), predicting the same', async () => {
    const df = frame(fixture.data.multinomialLabel, 2);
    const model = await new Pipeline({ stages: [new LogisticRegression({ regParam: 0.05, probabilityCol: '' })] }).fit(df);
    await model.write().save(join(dir, 'p'));
    const again = await PipelineModel.load(join(dir, 'p'));
    const lr = again.stages[0] as LogisticRegressionModel;
    expect(lr.isMultinomial).toBe(true);
    expect(lr.get('probabilityCol')).toBe('');
    const a = await (await model.transform(df)).select('prediction').collect();
    const b = await (await again.transform(df)).select('prediction').collect();
    expect(b).toEqual(a);
    expect(JSON.parse(readFileSync(join(dir, 'p', 'stages', '0_' + lr.uid, 'data', 'part-00000.json'), 'utf8')).numClasses).toBe(3);
  });

  it('a corrupt model file is a clear error', async () => {
    const model = await new LogisticRegression().fit(frame(fixture.data.binomialLabel, 1));
    await model.write().save(join(dir, 'c'));
    writeFileSync(join(dir, 'c', 'data', 'part-00000.json'), '{"numClasses": 2, "coefficientMatrix": [1,');
    expect(() => LogisticRegressionModel.load(join(dir, 'c'))).toThrow(/data\/part-00000.json is corrupt/);
  });
});

describe('LogisticRegression bad input', () => {
  it('null or NaN features name the column; no optimizer pass runs', async () => {
    const df = spark.createDataFrame([{ f: Float64Array.of(1, 2), y: 0 }, { f: null, y: 1 }, { f: Float64Array.of(0, 1), y: 1 }]);
    await expect(new LogisticRegression({ featuresCol: 'f', labelCol: 'y' }).fit(df)).rejects.toThrow(/featuresCol 'f' has 1 null rows/);
    const nan = spark.createDataFrame([{ f: Float64Array.of(1, NaN), y: 0 }, { f: Float64Array.of(0, 1), y: 1 }]);
    await expect(new LogisticRegression({ featuresCol: 'f', labelCol: 'y' }).fit(nan)).rejects.toThrow(/featuresCol 'f' has 1 NaN or infinite values/);
  });

  it('binomial needs 0/1 labels; labels must be class indices; a single class is an error', async () => {
    const three = spark.createDataFrame([0, 1, 2].map((y) => ({ features: Float64Array.of(y, 1), label: y })));
    await expect(new LogisticRegression({ family: 'binomial' }).fit(three)).rejects.toThrow(/binomial family needs labels 0 or 1, but labelCol 'label' has label 2/);
    const frac = spark.createDataFrame([0, 0.5, 1].map((y) => ({ features: Float64Array.of(y, 1), label: y })));
    await expect(new LogisticRegression().fit(frac)).rejects.toThrow(/labelCol 'label' must hold class indices/);
    const one = spark.createDataFrame([1, 1, 1].map((y, i) => ({ features: Float64Array.of(i, 1), label: y })));
    await expect(new LogisticRegression().fit(one)).rejects.toThrow(/single class \(every label is 1\)/);
  });

  it('wrong column names and types fail at fit() before any task', async () => {
    const df = frame(fixture.data.binomialLabel, 1);
    await expect(new LogisticRegression({ featuresCol: 'nope' }).fit(df)).rejects.toThrow(/featuresCol 'nope' is not a column/);
    await expect(new LogisticRegression({ featuresCol: 'label' }).fit(df)).rejects.toThrow(/featuresCol 'label' must be a vector column/);
    await expect(new LogisticRegression({ weightCol: 'w8' }).fit(df)).rejects.toThrow(/weightCol 'w8' is not a column/);
    expect(() => new LogisticRegression({ elasticNetParam: 2 })).toThrow(/param 'elasticNetParam' must be a number in \[0, 1\]/);
  });

  it('missing feature values are an error naming the column unless an Imputer in the pipeline fills them', async () => {
    const { features, binomialLabel } = fixture.data;
    // Columns a, b with NaN and null in some rows, assembled into the features vector.
    const rows = features.map((f, i) => ({ a: i % 9 === 0 ? NaN : f[0]!, b: i % 13 === 0 ? null : f[1]!, c: f[2]!, label: binomialLabel[i]! }));
    const df = spark.createDataFrame(rows).repartition(3);
    const assembler = new VectorAssembler({ inputCols: ['a_i', 'b_i', 'c'], outputCol: 'features' });
    const lr = new LogisticRegression({ regParam: 0.05 });
    const imputed = await new Pipeline({ stages: [new Imputer({ inputCols: ['a', 'b'], outputCols: ['a_i', 'b_i'], strategy: 'median' }), assembler, lr] }).fit(df);
    const lrModel = imputed.stages[2] as LogisticRegressionModel;
    expect(Array.from(lrModel.coefficients).every(Number.isFinite)).toBe(true);
    expect((await (await imputed.transform(df)).collect()).length).toBe(rows.length);
    // Without the Imputer the assembler names the column holding the missing value.
    const raw = new VectorAssembler({ inputCols: ['a', 'b', 'c'], outputCol: 'features' });
    await expect(new Pipeline({ stages: [raw, lr] }).fit(df)).rejects.toThrow(/VectorAssembler: (NaN|a null) in column '(a|b)'/);
    // And LogisticRegression itself names its features column when it is handed NaN.
    const kept = new VectorAssembler({ inputCols: ['a', 'c'], outputCol: 'features', handleInvalid: 'keep' });
    await expect(new Pipeline({ stages: [kept, lr] }).fit(df)).rejects.toThrow(/featuresCol 'features' has \d+ NaN or infinite values/);
  });

  it("weightCol '' means unweighted, as in Spark", async () => {
    const df = frame(fixture.data.binomialLabel, 2);
    const a = await new LogisticRegression({ regParam: 0.1 }).fit(df);
    const b = await new LogisticRegression({ regParam: 0.1, weightCol: '' }).fit(df);
    expect(Array.from(b.coefficients)).toEqual(Array.from(a.coefficients));
  });

  it('empty partitions are fine', async () => {
    const rows = [[0.1, 1, 0], [0.9, 0.2, 1], [0.4, 0.5, 0], [0.8, 0.9, 1], [0.3, 0.1, 1], [0.2, 0.7, 0]].map(([a, b, y]) => ({ features: Float64Array.of(a!, b!), label: y! }));
    const one = await new LogisticRegression({ regParam: 0.1 }).fit(spark.createDataFrame(rows).repartition(1));
    const many = await new LogisticRegression({ regParam: 0.1 }).fit(spark.createDataFrame(rows).repartition(8));
    for (let j = 0; j < 2; j++) expect(many.coefficients[j]).toBeCloseTo(one.coefficients[j]!, 6);
    expect(many.intercept).toBeCloseTo(one.intercept, 6);
  });
});
