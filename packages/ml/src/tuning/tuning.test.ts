import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Float64Type, type Schema, Schema as S, Session, col, field, lit } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { MulticlassClassificationEvaluator } from '../evaluation/evaluators.js';
import { checks } from '../param/params.js';
import { applyParams, registerLoader } from '../persistence/persistence.js';
import { Pipeline, PipelineModel } from '../pipeline/pipeline.js';
import { CrossValidator, CrossValidatorModel, ParamGridBuilder, TrainValidationSplit } from './tuning.js';

// A one-parameter classifier: predicts 1 when x > threshold (fit learns nothing), enough to see tuning pick a value.
interface ThresholdParams { threshold: number }
class ThresholdModel extends Model<ThresholdParams> {
  constructor() { super(); this.declare('threshold', 'cut', 0, checks.inRange(-100, 100)); }
  transformSchema(schema: Schema): Schema { return new S([...schema.fields, field('prediction', Float64Type)]); }
  async transform(df: DataFrame): Promise<DataFrame> { return df.withColumn('prediction', col('x').gt(lit(this.get('threshold'))).cast('double')); }
}
registerLoader('ThresholdModel', (dir, m) => applyParams(new ThresholdModel(), m, dir));
class Threshold extends Estimator<ThresholdModel, ThresholdParams> {
  fits = 0;
  constructor(p?: Partial<ThresholdParams>) { super(); this.declare('threshold', 'cut', 0, checks.inRange(-100, 100)); this.setParams(p); }
  transformSchema(schema: Schema): Schema { return schema; }
  protected async train(): Promise<ThresholdModel> { this.fits++; return new ThresholdModel().setParams({ threshold: this.get('threshold') }); }
}

// Fits that take a while and count how many run at once (copies made per param map share the counter).
const running = { now: 0, max: 0 };
class SlowThreshold extends Threshold {
  protected override async train(): Promise<ThresholdModel> {
    running.now++;
    running.max = Math.max(running.max, running.now);
    try {
      await new Promise((r) => setTimeout(r, 40));
      return await super.train();
    } finally {
      running.now--;
    }
  }
}

let spark: Session;
let dir: string;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); dir = mkdtempSync(join(tmpdir(), 'quiver-tuning-')); });
afterAll(async () => { await spark.stop(); rmSync(dir, { recursive: true, force: true }); });

// Label is 1 exactly when x > 3: threshold 3 is the best cut.
const data = () => spark.createDataFrame(Array.from({ length: 200 }, (_, i) => [(i * 7919) % 100 / 10, (i * 7919) % 100 / 10 > 3 ? 1 : 0]), new S([field('x', Float64Type), field('label', Float64Type)])).repartition(3);

describe('ParamGridBuilder', () => {
  it('builds the cartesian product per stage uid, with baseOn values in every map', () => {
    const a = new Threshold(), b = new Threshold();
    const maps = new ParamGridBuilder().addGrid(a, 'threshold', [1, 2, 3]).addGrid(b, 'threshold', [5, 6]).baseOn(a, 'threshold', 0).build();
    expect(maps.length).toBe(6);
    expect(maps.map((m) => [m.get(a.uid)!.threshold, m.get(b.uid)!.threshold])).toEqual([[1, 5], [1, 6], [2, 5], [2, 6], [3, 5], [3, 6]]);
    expect(() => new ParamGridBuilder().addGrid(a, 'nope' as never, [1])).toThrow(/has no param 'nope'/);
  });
});

describe('CrossValidator', () => {
  it('averages each param map over the folds, picks the best and refits it on all rows; the model round-trips', async () => {
    const t = new Threshold();
    const evaluator = new MulticlassClassificationEvaluator({ metricName: 'accuracy' });
    const maps = new ParamGridBuilder().addGrid(t, 'threshold', [1, 3, 6]).build();
    const cv = new CrossValidator({ estimator: new Pipeline({ stages: [t] }), estimatorParamMaps: maps, evaluator, numFolds: 3, seed: 7, parallelism: 2 });
    const seen: string[] = [];
    cv.onProgress = (p) => seen.push(`${p.split}/${p.paramMap}`);
    const df = data();
    const model = await cv.fit(df);
    expect(seen.length).toBe(9);
    // The folds are randomSplit(1,1,1) with the seed: recompute the metric of each map by hand.
    const folds = df.randomSplit([1, 1, 1], 7);
    for (const [j, thr] of [1, 3, 6].entries()) {
      let sum = 0;
      for (const f of folds) sum += await evaluator.evaluate(await new ThresholdModel().setParams({ threshold: thr }).transform(f));
      expect(model.avgMetrics[j]).toBeCloseTo(sum / 3, 12);
    }
    expect(model.avgMetrics[1]).toBe(1);
    const best = model.bestModel as PipelineModel;
    expect(best.stages[0]!.get('threshold' as never)).toBe(3);
    await model.write().overwrite().save(join(dir, 'cv'));
    const again = await CrossValidatorModel.load(join(dir, 'cv'));
    expect(again.avgMetrics).toEqual(model.avgMetrics);
    expect(await evaluator.evaluate(await again.transform(df))).toBe(1);
  });
  it('parallelism bounds the fits running at once and changes no metric; the seed fixes the folds', async () => {
    const t = new SlowThreshold();
    const maps = new ParamGridBuilder().addGrid(t, 'threshold', [1, 2, 3, 5, 6]).build();
    const evaluator = new MulticlassClassificationEvaluator({ metricName: 'accuracy' });
    const df = data();
    const run = async (parallelism: number, seed: number) => {
      running.max = 0;
      const model = await new CrossValidator({ estimator: t, estimatorParamMaps: maps, evaluator, numFolds: 3, seed, parallelism }).fit(df);
      return { max: running.max, avg: model.avgMetrics };
    };
    const [one, two, four, again, other] = [await run(1, 7), await run(2, 7), await run(4, 7), await run(4, 7), await run(4, 8)];
    expect([one.max, two.max, four.max]).toEqual([1, 2, 4]);
    expect(two.avg).toEqual(one.avg);
    expect(four.avg).toEqual(one.avg);
    expect(again.avg).toEqual(four.avg);
    expect(other.avg).not.toEqual(four.avg);
  });

  it('numFolds below 2 is rejected when set, naming the param', async () => {
    const t = new Threshold();
    const cv = new CrossValidator({ estimator: t, estimatorParamMaps: new ParamGridBuilder().addGrid(t, 'threshold', [1]).build(), evaluator: new MulticlassClassificationEvaluator() });
    expect(() => cv.set('numFolds', 1)).toThrow(/numFolds' must be an integer >= 2/);
  });
});

describe('TrainValidationSplit', () => {
  it('scores each param map on one seeded split and refits the best', async () => {
    const t = new Threshold();
    const tvs = new TrainValidationSplit({ estimator: t, estimatorParamMaps: new ParamGridBuilder().addGrid(t, 'threshold', [0, 3]).build(),
      evaluator: new MulticlassClassificationEvaluator({ metricName: 'accuracy' }), trainRatio: 0.8, seed: 1 });
    const df = data();
    const model = await tvs.fit(df);
    expect(model.validationMetrics.length).toBe(2);
    expect(model.validationMetrics[1]).toBe(1);
    expect(model.bestModel.get('threshold' as never)).toBe(3);
    // The split is randomSplit([0.8, 0.2], seed): threshold 0's metric recomputed on that validation part.
    const [, validation] = df.randomSplit([0.8, 0.2], 1);
    const byHand = await new MulticlassClassificationEvaluator({ metricName: 'accuracy' }).evaluate(await new ThresholdModel().setParams({ threshold: 0 }).transform(validation));
    expect(model.validationMetrics[0]).toBeCloseTo(byHand, 12);
    expect(byHand).toBeLessThan(1);
  });
});
