// XGBoostClassifier / XGBoostRegressor as pipeline stages, against python/fixtures/xgb_fixtures.py (Python
// XGBoost with the same data and parameters) and the venv's Python reading the saved model.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, Session, SparseVector, col } from '@quiver/core';
import { areaUnderROC, countsFromRows } from '../evaluation/binary-metrics.js';
import { loadStage } from '../persistence/persistence.js';
import { Pipeline, PipelineModel } from '../pipeline/pipeline.js';
import { XGBoostClassificationModel, XGBoostClassifier, XGBoostRegressionModel, XGBoostRegressor } from './estimator.js';
import { packArgs, unpackArgs } from './kernels.js';
import { kernelModule } from '../base/kernel-module.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/xgb');

interface Fixture { rows: number; cols: number; x_f32_base64: string; y: number[]; params: Record<string, number | string>; rounds: number; predictions: Record<string, string> }

function f32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function fixture(name: string) {
  const f = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
  return { ...f, x: f32(f.x_f32_base64) };
}

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.builder().master('local[3]').getOrCreate();
  dir = mkdtempSync(join(tmpdir(), 'quiver-xgb-est-'));
});
afterAll(async () => {
  await spark.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** id, features (the fixture's float32 rows as vectors), label, and a validation flag on every 4th row. */
function frame(f: ReturnType<typeof fixture>): DataFrame {
  const rows = Array.from({ length: f.rows }, (_, i) => ({
    id: i,
    features: Float64Array.from(f.x.subarray(i * f.cols, (i + 1) * f.cols)),
    label: f.y[i]!,
    isVal: i % 4 === 0,
  }));
  return spark.createDataFrame(rows).repartition(3);
}

async function column(df: DataFrame, name: string): Promise<number[][]> {
  const rows = await df.orderBy('id').collect();
  return rows.map((r) => {
    const v = r[name];
    return v instanceof Float64Array ? Array.from(v) : [v as number];
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const sameParams = (f: Fixture) => ({
  numRound: f.rounds, maxDepth: 4, eta: 0.3, maxBin: 64, seed: 0, nthread: 1,
});

describe('one worker trains what Python XGBoost trains (within 1e-6)', () => {
  it('binary classifier: probability, rawPrediction and prediction', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier({ ...sameParams(f), evalMetric: 'auc' }).fit(frame(f));
    const out = await model.transform(frame(f));
    const prob = (await column(out, 'probability')).map((p) => p[1]!);
    expect(maxDiff(prob, f32(f.predictions.value))).toBeLessThanOrEqual(1e-6);
    const raw = (await column(out, 'rawPrediction')).map((p) => p[1]!);
    expect(maxDiff(raw, f32(f.predictions.margin))).toBeLessThanOrEqual(1e-6);
    expect((await column(out, 'prediction')).flat()).toEqual(prob.map((p) => (p > 0.5 ? 1 : 0)));
    expect(model.numClasses).toBe(2);
  });

  it('multiclass classifier: softmax probabilities', async () => {
    const f = fixture('multiclass');
    const model = await new XGBoostClassifier(sameParams(f)).fit(frame(f));
    expect(model.numClasses).toBe(3);
    const prob = (await column(await model.transform(frame(f)), 'probability')).flat();
    expect(maxDiff(prob, f32(f.predictions.value))).toBeLessThanOrEqual(1e-6);
  });

  it('regressor', async () => {
    const f = fixture('regression');
    const model = await new XGBoostRegressor(sameParams(f)).fit(frame(f));
    const pred = (await column(await model.transform(frame(f)), 'prediction')).flat();
    expect(maxDiff(pred, f32(f.predictions.value))).toBeLessThanOrEqual(1e-6);
  });

  it('every parameter away from its default, weightCol and a missing value other than NaN reach XGBoost', async () => {
    // Row subsampling draws from the rows in their order, so the rows stay in Python's order (one worker
    // coalesces the partitions in order); a dropped or misnamed parameter changes the predictions.
    const f = fixture('binary_params') as ReturnType<typeof fixture> & { weight: number[]; missing: number };
    const p = f.params as Record<string, number>;
    const rows = Array.from({ length: f.rows }, (_, i) => ({
      id: i, features: Float64Array.from(f.x.subarray(i * f.cols, (i + 1) * f.cols)), label: f.y[i]!, w: f.weight[i]!,
    }));
    const df = spark.createDataFrame(rows);
    const est = new XGBoostClassifier({
      numRound: f.rounds, eta: p.eta, maxDepth: p.max_depth, minChildWeight: p.min_child_weight, subsample: p.subsample,
      colsampleByTree: p.colsample_bytree, lambda: p.lambda, alpha: p.alpha, treeMethod: 'hist', maxBin: p.max_bin, seed: p.seed,
      evalMetric: 'logloss', weightCol: 'w', missing: f.missing, nthread: 1,
    });
    const model = await est.fit(df);
    const out = await model.transform(df);
    const prob = (await column(out, 'probability')).map((r) => r[1]!);
    expect(maxDiff(prob, f32(f.predictions.value))).toBeLessThanOrEqual(1e-6);
    expect(maxDiff((await column(out, 'rawPrediction')).map((r) => r[1]!), f32(f.predictions.margin))).toBeLessThanOrEqual(1e-6);
    // Without the weights, or with NaN as the only missing value, the model is a different one.
    for (const extra of [{ weightCol: '' }, { missing: NaN }, { subsample: 1 }, { alpha: 0 }]) {
      const other = await est.copy(extra).fit(df);
      expect(maxDiff((await column(await other.transform(df), 'probability')).map((r) => r[1]!), prob), JSON.stringify(extra)).toBeGreaterThan(1e-4);
    }
  });
});

describe('distributed training: one barrier task per worker', () => {
  it('three workers joined by the tracker train a model as good as one worker', async () => {
    const f = fixture('binary');
    const auc = async (numWorkers: number) => {
      const model = await new XGBoostClassifier({ ...sameParams(f), numWorkers }).fit(frame(f));
      const rows = await (await model.transform(frame(f))).orderBy('id').collect();
      return areaUnderROC(countsFromRows(rows.map((r) => (r.probability as Float64Array)[1]!), f.y), 0);
    };
    const [one, three] = [await auc(1), await auc(3)];
    expect(three).toBeGreaterThan(0.9);
    expect(Math.abs(three - one)).toBeLessThan(0.01);
  });

  it('one worker failing fails the others, whose group it never joins: the job rejects with its message, no hang', async () => {
    const f = fixture('binary');
    // Weights are read only by the training tasks: one of the three fails before joining the collective.
    const df = frame(f).withColumn('w', F.when(col('id').equalTo(7), null).otherwise(1.0));
    await expect(new XGBoostClassifier({ ...sameParams(f), numWorkers: 3, weightCol: 'w', timeout: 30 }).fit(df)).rejects.toThrow(
      /weightCol 'w' is null in row \d+ of partition \d/,
    );
  });

  it('a worker whose partition is empty joins the group and the others train the model', async () => {
    const f = fixture('binary');
    const part = (from: number, to: number) => spark.createDataFrame(Array.from({ length: to - from }, (_, k) => ({
      id: from + k, features: Float64Array.from(f.x.subarray((from + k) * f.cols, (from + k + 1) * f.cols)), label: f.y[from + k]!,
    })));
    const df = part(0, 150).union(part(150, 300).filter(col('id').lt(0))).union(part(150, 300));
    const counts = (await df.runPartitions({ module: kernelModule('./kernels.js', import.meta.url), fn: 'xgbLabelStats',
      args: packArgs({ labelCol: 'label', featuresCol: 'features', missing: null, validationIndicatorCol: null }) })).map((b) => unpackArgs<{ rows: number }>(b).header.rows);
    expect(counts).toEqual([150, 0, 150]);
    const three = await new XGBoostClassifier({ ...sameParams(f), numWorkers: 3, timeout: 60 }).fit(df);
    const rows = await (await three.transform(frame(f))).orderBy('id').collect();
    expect(areaUnderROC(countsFromRows(rows.map((r) => (r.probability as Float64Array)[1]!), f.y), 0)).toBeGreaterThan(0.9);
  });

  it('more workers than task slots is a clear error before anything trains', async () => {
    const f = fixture('binary');
    await expect(new XGBoostClassifier({ ...sameParams(f), numWorkers: 4 }).fit(frame(f))).rejects.toThrow(
      /barrier partition function needs all 4 partitions to run at once, but this session has 3 task slots/,
    );
  });
});

describe('model surface', () => {
  it('early stopping on the validation rows keeps the best round', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier({
      numRound: 200, eta: 0.8, maxDepth: 6, nthread: 1, evalMetric: 'logloss', validationIndicatorCol: 'isVal', earlyStoppingRounds: 5,
    }).fit(frame(f));
    expect(model.evalLog.length).toBeLessThan(200);
    expect(model.evalLog.length - 1 - model.bestIteration).toBe(5);
    expect(model.evalLog[0]).toMatch(/^\[0\]\tvalidation-logloss:/);
  });

  it('early stopping on a metric to maximize (auc) keeps the round of the highest AUC and predicts with the rounds up to it', async () => {
    const f = fixture('binary');
    const params = { eta: 0.8, maxDepth: 6, nthread: 1, evalMetric: 'auc', validationIndicatorCol: 'isVal' };
    const model = await new XGBoostClassifier({ ...params, numRound: 200, earlyStoppingRounds: 4 }).fit(frame(f));
    const aucs = model.evalLog.map((l) => Number(/validation-auc:([\d.]+)/.exec(l)![1]));
    expect(aucs.length).toBeLessThan(200);
    expect(aucs.length - 1 - model.bestIteration).toBe(4);
    expect(aucs[model.bestIteration]).toBe(Math.max(...aucs));
    // The same training rows for exactly bestIteration + 1 rounds predict what the early-stopped model predicts.
    const cut = await new XGBoostClassifier({ ...params, numRound: model.bestIteration + 1 }).fit(frame(f));
    expect(await column(await model.transform(frame(f)), 'probability')).toEqual(await column(await cut.transform(frame(f)), 'probability'));
  });

  it('sparse feature vectors train and predict as their dense form (implicit zeros are zeros, NaN is missing)', async () => {
    const f = fixture('binary');
    const rows = Array.from({ length: f.rows }, (_, i) => {
      const x = Array.from(f.x.subarray(i * f.cols, (i + 1) * f.cols), (v, j) => ((i + j) % 3 === 0 ? 0 : v));
      return { id: i, x, label: f.y[i]! };
    });
    const denseDf = spark.createDataFrame(rows.map((r) => ({ id: r.id, features: Float64Array.from(r.x), label: r.label }))).repartition(3);
    const sparseDf = spark.createDataFrame(rows.map((r) => ({
      id: r.id, label: r.label,
      features: SparseVector.of(f.cols, r.x.flatMap((v, j) => (v !== 0 ? [j] : [])), r.x.filter((v) => v !== 0)),
    }))).repartition(3);
    const a = await new XGBoostClassifier(sameParams(f)).fit(denseDf);
    const b = await new XGBoostClassifier(sameParams(f)).fit(sparseDf);
    const pa = (await column(await a.transform(denseDf), 'probability')).flat();
    expect(maxDiff((await column(await b.transform(sparseDf), 'probability')).flat(), pa)).toBeLessThanOrEqual(1e-6);
    expect(maxDiff((await column(await a.transform(sparseDf), 'probability')).flat(), pa)).toBe(0);
  });

  it('featureImportances: one per feature, normalized', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier(sameParams(f)).fit(frame(f));
    const imp = await model.featureImportances();
    expect(imp.length).toBe(f.cols);
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('save/load in a pipeline; Python loads the saved booster and predicts the same', async () => {
    const f = fixture('regression');
    const pipe = await new Pipeline({ stages: [new XGBoostRegressor(sameParams(f))] }).fit(frame(f));
    const path = join(dir, 'reg');
    await pipe.write().save(path);
    const again = await PipelineModel.load(path);
    expect(again.stages[0]).toBeInstanceOf(XGBoostRegressionModel);
    const ours = (await column(await pipe.transform(frame(f)), 'prediction')).flat();
    expect((await column(await again.transform(frame(f)), 'prediction')).flat()).toEqual(ours);
    const stageDir = join(path, 'stages', (await import('node:fs')).readdirSync(join(path, 'stages'))[0]!);
    const theirs = JSON.parse(execFileSync(join(ROOT, '.venv/bin/python'), [
      join(ROOT, 'python/fixtures/xgb_fixtures.py'), 'predict', join(stageDir, 'model', 'xgboost.json'), join(FIXTURES, 'regression.json'),
    ], { encoding: 'utf8' })) as Record<string, string>;
    expect(maxDiff(f32(theirs.value), ours)).toBe(0);
    expect(await loadStage(stageDir)).toBeInstanceOf(XGBoostRegressionModel);
  });

  it('a classification model loads on its own', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier(sameParams(f)).fit(frame(f));
    await model.write().save(join(dir, 'cls'));
    const again = await XGBoostClassificationModel.load(join(dir, 'cls'));
    expect(await column(await again.transform(frame(f)), 'probability')).toEqual(await column(await model.transform(frame(f)), 'probability'));
  });
});

describe('persistence errors', () => {
  it('a missing or corrupt booster file is a clear error at load, naming the file', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier(sameParams(f)).fit(frame(f));
    const path = join(dir, 'broken');
    await model.write().overwrite().save(path);
    const file = join(path, 'model', 'xgboost.json');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length >> 1));
    await expect(XGBoostClassificationModel.load(path)).rejects.toThrow(/model\/xgboost\.json is not an XGBoost model: XGBoosterLoadModelFromBuffer: /);
    unlinkSync(file);
    await expect(XGBoostClassificationModel.load(path)).rejects.toThrow(/broken is incomplete: .*xgboost\.json/);
    await expect(XGBoostClassificationModel.load(join(dir, 'nothing-here'))).rejects.toThrow(/No model at .*nothing-here/);
  });
});

describe('bad input', () => {
  it('class labels that are not 0 .. k-1', async () => {
    const f = fixture('binary');
    const df = frame(f).withColumn('label', col('label').minus(1));
    await expect(new XGBoostClassifier(sameParams(f)).fit(df)).rejects.toThrow(/labelCol 'label' must hold class indices 0, 1, \.\.\., but it holds -1/);
  });

  it('a features column that is not a vector, and early stopping without validation rows', async () => {
    const f = fixture('binary');
    await expect(new XGBoostRegressor({ featuresCol: 'label' }).fit(frame(f))).rejects.toThrow(/featuresCol 'label' must be a vector column, but it is/);
    await expect(new XGBoostRegressor({ earlyStoppingRounds: 3 }).fit(frame(f))).rejects.toThrow(/earlyStoppingRounds needs validationIndicatorCol/);
  });

  it('labels outside the objective\'s range surface XGBoost\'s message', async () => {
    const f = fixture('binary');
    const df = frame(f).withColumn('label', F.when(col('id').equalTo(17), 2).otherwise(col('label')));
    await expect(new XGBoostRegressor({ ...sameParams(f), objective: 'reg:logistic' }).fit(df)).rejects.toThrow(
      /XGBoosterUpdateOneIter: .*label must be in \(0, 1\) for logistic regression/s,
    );
  });

  it('all-missing features: a clear error on the driver before training; one worker\'s all-missing rows are fine', async () => {
    const f = fixture('binary');
    const allMissing = spark.createDataFrame(Array.from({ length: 30 }, (_, i) => ({ features: new Float64Array(4).fill(NaN), label: i % 2 })));
    for (const numWorkers of [1, 3]) {
      await expect(new XGBoostClassifier({ ...sameParams(f), numWorkers }).fit(allMissing.repartition(numWorkers))).rejects.toThrow(
        "XGBoostClassifier: every value of featuresCol 'features' in the training rows is missing (30 rows × 4 features)",
      );
    }
    // The last of three workers holds only missing values; the others hold the data: that is a data set XGBoost trains on.
    const half = (from: number, to: number) => spark.createDataFrame(Array.from({ length: to - from }, (_, k) => ({
      features: Float64Array.from(f.x.subarray((from + k) * f.cols, (from + k + 1) * f.cols)), label: f.y[from + k]!,
    })));
    const missingPart = spark.createDataFrame(Array.from({ length: 20 }, (_, i) => ({ features: new Float64Array(f.cols).fill(NaN), label: i % 2 })));
    const df = half(0, 150).union(half(150, 300)).union(missingPart);
    const model = await new XGBoostClassifier({ ...sameParams(f), numWorkers: 3, timeout: 60 }).fit(df);
    expect(model.numFeatures).toBe(f.cols);
  });

  it('a features vector size at transform other than the model\'s is a clear error before any task', async () => {
    const f = fixture('binary');
    const model = await new XGBoostClassifier(sameParams(f)).fit(frame(f));
    const narrow = spark.createDataFrame([{ features: Float64Array.of(1, 2, 3), label: 0 }]);
    await expect(model.transform(narrow)).rejects.toThrow(
      `XGBoostClassificationModel: featuresCol 'features' has vectors of 3 features, the model was trained on ${f.cols}`,
    );
  });

  it('an unknown parameter name is refused, naming it and the known ones', () => {
    expect(() => new XGBoostClassifier({ max_dpeth: 3 } as never)).toThrow(/XGBoostClassifier has no param 'max_dpeth'; its params are .*maxDepth/);
  });

  it('an unknown XGBoost objective surfaces XGBoost\'s message', async () => {
    const f = fixture('regression');
    await expect(new XGBoostRegressor({ ...sameParams(f), objective: 'reg:nonsense' }).fit(frame(f))).rejects.toThrow(/Unknown objective function: `reg:nonsense`/);
  });
});
