import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float64Type, Schema, Session, SparseVector, VectorType, field } from '@quiver/core';
import { BinaryClassificationEvaluator, MulticlassClassificationEvaluator, RegressionEvaluator } from './evaluators.js';

// scikit-learn's metrics, made by python/fixtures/ml_features.py.
const fixtures = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/features-evaluators.json', import.meta.url), 'utf8'));
const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9);

let spark: Session;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); });
afterAll(async () => { await spark.stop(); });

describe('evaluators over a partitioned DataFrame equal scikit-learn', () => {
  it('BinaryClassificationEvaluator on a rawPrediction vector and on a numeric score, weighted, with ties', async () => {
    const c = fixtures.binary.find((b: { name: string }) => b.name === 'weighted with ties');
    const schema = new Schema([field('rawPrediction', VectorType(2)), field('score', Float64Type), field('label', Float64Type), field('w', Float64Type)]);
    const rows = (c.score as number[]).map((s, i) => [[-s, s], s, c.label[i], c.weight[i]]);
    const df = spark.createDataFrame(rows, schema).repartition(4);
    for (const metricName of ['areaUnderROC', 'areaUnderPR'] as const) {
      close(await new BinaryClassificationEvaluator({ metricName, weightCol: 'w', numBins: 0 }).evaluate(df), c[metricName]);
      close(await new BinaryClassificationEvaluator({ metricName, weightCol: 'w', rawPredictionCol: 'score' }).evaluate(df), c[metricName]);
    }
  });
  it('BinaryClassificationEvaluator with more distinct scores in a partition than a call can take as arguments', async () => {
    // 300k distinct scores in one partition: spread into push() they overflowed the stack. Score i/n with the label
    // positive on odd i: every positive outranks the negative just below it, so the exact AUC is (n/2 + 1) / n.
    const n = 300_000;
    const schema = new Schema([field('score', Float64Type), field('label', Float64Type)]);
    const df = spark.createDataFrame(Array.from({ length: n }, (_, i) => [i / n, i % 2]), schema).repartition(1);
    close(await new BinaryClassificationEvaluator({ rawPredictionCol: 'score', numBins: 0 }).evaluate(df), (n / 2 + 1) / n);
  });
  it('MulticlassClassificationEvaluator, every metric, weighted', async () => {
    const c = fixtures.multiclass.find((m: { name: string }) => m.name === 'four classes weighted');
    const schema = new Schema([field('prediction', Float64Type), field('label', Float64Type), field('w', Float64Type), field('probability', VectorType(4))]);
    const df = spark.createDataFrame((c.label as number[]).map((y, i) => [c.prediction[i], y, c.weight[i], c.probability[i]]), schema).repartition(3);
    for (const metricName of ['accuracy', 'f1', 'weightedPrecision', 'weightedRecall', 'logLoss'] as const) {
      close(await new MulticlassClassificationEvaluator({ metricName, weightCol: 'w' }).evaluate(df), c[metricName]);
    }
    expect(new MulticlassClassificationEvaluator({ metricName: 'logLoss' }).isLargerBetter()).toBe(false);
  });
  it('RegressionEvaluator, every metric, weighted', async () => {
    const c = fixtures.regression.find((m: { name: string }) => m.name === 'weighted');
    const schema = new Schema([field('prediction', Float64Type), field('label', Float64Type), field('w', Float64Type)]);
    const df = spark.createDataFrame((c.label as number[]).map((y, i) => [c.prediction[i], y, c.weight[i]]), schema).repartition(3);
    for (const metricName of ['rmse', 'mse', 'mae', 'r2'] as const) close(await new RegressionEvaluator({ metricName, weightCol: 'w' }).evaluate(df), c[metricName]);
  });
  it('sparse rawPrediction and probability vectors give the same metrics as dense ones', async () => {
    const c = fixtures.multiclass.find((m: { name: string }) => m.name === 'four classes weighted');
    const b = fixtures.binary.find((x: { name: string }) => x.name === 'weighted with ties');
    const n = Math.min(c.label.length, b.label.length);
    const sparse = (v: number[]) => SparseVector.of(v.length, v.flatMap((x, j) => (x !== 0 ? [j] : [])), v.filter((x) => x !== 0));
    const make = (sp: boolean) => spark.createDataFrame(Array.from({ length: n }, (_, i) => {
      const raw = [-b.score[i], b.score[i]], prob = c.probability[i] as number[];
      return [sp ? sparse(raw) : raw, b.label[i], sp ? sparse(prob) : prob, c.prediction[i], c.label[i]];
    }), new Schema([field('rawPrediction', VectorType(2, sp)), field('blabel', Float64Type), field('probability', VectorType(4, sp)),
      field('prediction', Float64Type), field('label', Float64Type)])).repartition(3);
    const [dense, sp] = [make(false), make(true)];
    for (const metricName of ['areaUnderROC', 'areaUnderPR'] as const) {
      const e = new BinaryClassificationEvaluator({ metricName, labelCol: 'blabel', numBins: 0 });
      expect(await e.evaluate(sp)).toBe(await e.evaluate(dense));
    }
    for (const metricName of ['accuracy', 'logLoss'] as const) {
      const e = new MulticlassClassificationEvaluator({ metricName });
      expect(await e.evaluate(sp)).toBe(await e.evaluate(dense));
    }
  });

  it('a missing label column is a clear error before any task', async () => {
    const df = spark.createDataFrame([[0.5, 1]], new Schema([field('score', Float64Type), field('y', Float64Type)]));
    await expect(new BinaryClassificationEvaluator({ rawPredictionCol: 'score' }).evaluate(df)).rejects.toThrow(/labelCol 'label' is not a column/);
  });
});
