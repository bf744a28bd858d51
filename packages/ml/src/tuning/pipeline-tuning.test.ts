import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float64Type, Schema, Session, Utf8Type, field } from '@quiver/core';
import { LogisticRegression } from '../classification/logistic-regression.js';
import { BinaryClassificationEvaluator } from '../evaluation/evaluators.js';
import { OneHotEncoder } from '../feature/one-hot-encoder.js';
import { StandardScaler } from '../feature/scalers.js';
import { StringIndexer } from '../feature/string-indexer.js';
import { VectorAssembler } from '../feature/vector-assembler.js';
import { Pipeline, PipelineModel } from '../pipeline/pipeline.js';
import { CrossValidator, ParamGridBuilder } from './tuning.js';

let spark: Session;
let dir: string;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); dir = mkdtempSync(join(tmpdir(), 'quiver-pipeline-tuning-')); });
afterAll(async () => { await spark.stop(); rmSync(dir, { recursive: true, force: true }); });

// Lateness depends on the carrier and the hour; a fixed LCG makes the rows the same every run.
function rows(n: number): unknown[][] {
  let s = 12345;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const carriers = ['AA', 'DL', 'UA', 'WN', 'B6'];
  return Array.from({ length: n }, () => {
    const c = Math.floor(u() * 5), hour = Math.floor(u() * 24), distance = 200 + u() * 2500;
    const p = 1 / (1 + Math.exp(-(-2 + 0.6 * c + 0.08 * hour)));
    return [carriers[c], distance, hour, u() < p ? 1 : 0];
  });
}

describe('the issue\'s pipeline, tuned', () => {
  it('StringIndexer -> OneHotEncoder -> VectorAssembler -> StandardScaler -> LogisticRegression under a CrossValidator learns, saves and reloads', async () => {
    const schema = new Schema([field('carrier', Utf8Type), field('distance', Float64Type), field('dep_hour', Float64Type), field('label', Float64Type)]);
    const df = spark.createDataFrame(rows(3000), schema).repartition(3);
    const [train, test] = df.randomSplit([0.8, 0.2], 42);
    const lr = new LogisticRegression({ featuresCol: 'features', labelCol: 'label', maxIter: 100 });
    const pipeline = new Pipeline({ stages: [
      new StringIndexer({ inputCol: 'carrier', outputCol: 'carrier_idx' }),
      new OneHotEncoder({ inputCols: ['carrier_idx'], outputCols: ['carrier_vec'] }),
      new VectorAssembler({ inputCols: ['carrier_vec', 'distance', 'dep_hour'], outputCol: 'raw' }),
      new StandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      lr,
    ] });
    const evaluator = new BinaryClassificationEvaluator({ metricName: 'areaUnderROC' });
    const cv = new CrossValidator({ estimator: pipeline, evaluator, numFolds: 2, seed: 3,
      estimatorParamMaps: new ParamGridBuilder().addGrid(lr, 'regParam', [0.01, 10]).build() });
    const cvModel = await cv.fit(train!);
    // regParam 10 shrinks the coefficients hard; on these rows the lightly regularized setting scores higher.
    expect(cvModel.avgMetrics[0]!).toBeGreaterThan(cvModel.avgMetrics[1]!);
    const model = cvModel.bestModel as PipelineModel;
    const predictions = await model.transform(test!);
    const auc = await evaluator.evaluate(predictions);
    expect(auc).toBeGreaterThan(0.7);
    await model.write().overwrite().save(join(dir, 'delay'));
    const again = await PipelineModel.load(join(dir, 'delay'));
    expect(await evaluator.evaluate(await again.transform(test!))).toBe(auc);
  });
});
