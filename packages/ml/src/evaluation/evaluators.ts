import type { DataFrame, DataType, Schema } from '@quiver/core';
import { kernelModule } from '../base/kernel-module.js';
import { checks, ParamError, Params } from '../param/params.js';
import { ByteReader, ByteWriter } from '../feature/codec.js';
import { columnType, NUMBER_KINDS } from '../feature/common.js';
import { areaUnderPR, areaUnderROC, countsByScore } from './binary-metrics.js';
import { multiclassMetric, type MulticlassMetricName } from './multiclass-metrics.js';
import { regressionMetric, type RegressionMetricName, type RegressionSums } from './regression-metrics.js';

const KERNELS = kernelModule('./kernels.js', import.meta.url);

/** Spark's Evaluator: one metric of a transformed DataFrame, computed by one distributed aggregation. */
export abstract class Evaluator<P extends object = object> extends Params<P> {
  abstract evaluate(df: DataFrame, extra?: Partial<P>): Promise<number>;
  /** Whether a larger metric is a better model (tuning maximizes or minimizes accordingly). */
  abstract isLargerBetter(): boolean;
}

function checkColumns(stage: object, schema: Schema, cols: [string, string, readonly DataType['kind'][]][]): void {
  for (const [param, name, kinds] of cols) if (name) columnType(stage, schema, param, name, kinds, kinds.includes('vector') && kinds.length === 1 ? 'a vector column' : 'a numeric column');
}

export interface BinaryClassificationEvaluatorParams {
  rawPredictionCol: string; labelCol: string; weightCol: string;
  metricName: 'areaUnderROC' | 'areaUnderPR'; numBins: number;
}

function concatFloat64(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) { out.set(x, at); at += x.length; }
  return out;
}

/** Spark's BinaryClassificationEvaluator: the score is rawPrediction[1] (or the column itself when numeric). */
export class BinaryClassificationEvaluator extends Evaluator<BinaryClassificationEvaluatorParams> {
  constructor(params?: Partial<BinaryClassificationEvaluatorParams>) {
    super();
    this.declare('rawPredictionCol', 'score column: a vector (element 1 is the score) or a number', 'rawPrediction', checks.string);
    this.declare('labelCol', 'label column (> 0.5 is positive)', 'label', checks.string);
    this.declare('weightCol', "row weight column ('' for none)", '', checks.optionalString);
    this.declare('metricName', 'areaUnderROC or areaUnderPR', 'areaUnderROC', checks.oneOf('areaUnderROC', 'areaUnderPR'));
    this.declare('numBins', 'down-sample the curves to about this many points (0: exact)', 1000, checks.int(0));
    this.setParams(params);
  }
  isLargerBetter(): boolean { return true; }
  async evaluate(df: DataFrame, extra?: Partial<BinaryClassificationEvaluatorParams>): Promise<number> {
    if (extra) return this.copy(extra).evaluate(df);
    checkColumns(this, df.schema, [['rawPredictionCol', this.get('rawPredictionCol'), [...NUMBER_KINDS, 'vector']],
      ['labelCol', this.get('labelCol'), NUMBER_KINDS], ['weightCol', this.get('weightCol'), NUMBER_KINDS]]);
    const args = new ByteWriter().str(this.get('rawPredictionCol')).str(this.get('labelCol')).str(this.get('weightCol')).finish();
    const s: Float64Array[] = [], p: Float64Array[] = [], n: Float64Array[] = [];
    for (const b of await df.runPartitions({ module: KERNELS, fn: 'binaryCounts', args })) {
      const r = new ByteReader(b);
      s.push(r.f64s()); p.push(r.f64s()); n.push(r.f64s());
    }
    // Concatenated, not spread into push(): a partition has about as many distinct scores as rows, and spreading
    // 200k of them (1e7 rows in 50 partitions) overflows the call stack.
    const scores = concatFloat64(s);
    if (scores.length === 0) throw new Error('BinaryClassificationEvaluator: the data set is empty');
    const counts = countsByScore(scores, concatFloat64(p), concatFloat64(n));
    return this.get('metricName') === 'areaUnderROC' ? areaUnderROC(counts, this.get('numBins')) : areaUnderPR(counts, this.get('numBins'));
  }
}

export interface MulticlassClassificationEvaluatorParams {
  predictionCol: string; labelCol: string; weightCol: string; probabilityCol: string;
  metricName: MulticlassMetricName | 'logLoss'; eps: number;
}

/** Spark's MulticlassClassificationEvaluator (accuracy, f1, weightedPrecision, weightedRecall, logLoss). */
export class MulticlassClassificationEvaluator extends Evaluator<MulticlassClassificationEvaluatorParams> {
  constructor(params?: Partial<MulticlassClassificationEvaluatorParams>) {
    super();
    this.declare('predictionCol', 'predicted class column', 'prediction', checks.string);
    this.declare('labelCol', 'true class column', 'label', checks.string);
    this.declare('weightCol', "row weight column ('' for none)", '', checks.optionalString);
    this.declare('probabilityCol', 'class probability vector column (for logLoss)', 'probability', checks.string);
    this.declare('metricName', 'accuracy, f1, weightedPrecision, weightedRecall or logLoss', 'f1',
      checks.oneOf('accuracy', 'f1', 'weightedPrecision', 'weightedRecall', 'logLoss'));
    this.declare('eps', 'log loss clips probabilities below at eps', 1e-15, checks.inRange(0, 0.5));
    this.setParams(params);
  }
  isLargerBetter(): boolean { return this.get('metricName') !== 'logLoss'; }
  async evaluate(df: DataFrame, extra?: Partial<MulticlassClassificationEvaluatorParams>): Promise<number> {
    if (extra) return this.copy(extra).evaluate(df);
    const metric = this.get('metricName');
    const prob = metric === 'logLoss' ? this.get('probabilityCol') : '';
    checkColumns(this, df.schema, [['predictionCol', this.get('predictionCol'), NUMBER_KINDS], ['labelCol', this.get('labelCol'), NUMBER_KINDS],
      ['weightCol', this.get('weightCol'), NUMBER_KINDS], ['probabilityCol', prob, ['vector']]]);
    const args = new ByteWriter().str(this.get('labelCol')).str(this.get('predictionCol')).str(this.get('weightCol')).str(prob).f64(this.get('eps')).finish();
    const l: Float64Array[] = [], p: Float64Array[] = [], w: Float64Array[] = [];
    let loss = 0;
    for (const b of await df.runPartitions({ module: KERNELS, fn: 'confusionCells', args })) {
      const r = new ByteReader(b);
      l.push(r.f64s()); p.push(r.f64s()); w.push(r.f64s());
      loss += r.f64();
    }
    // Concatenated like the binary evaluator's counts: a partition holds up to classes² cells.
    const confusion = { label: concatFloat64(l), prediction: concatFloat64(p), weight: concatFloat64(w) };
    if (confusion.label.length === 0) throw new Error('MulticlassClassificationEvaluator: the data set is empty');
    if (metric === 'logLoss') return loss / confusion.weight.reduce((a, b) => a + b, 0);
    return multiclassMetric(confusion, metric);
  }
}

export interface RegressionEvaluatorParams {
  predictionCol: string; labelCol: string; weightCol: string; metricName: RegressionMetricName;
}

/** Spark's RegressionEvaluator (rmse, mse, mae, r2). */
export class RegressionEvaluator extends Evaluator<RegressionEvaluatorParams> {
  constructor(params?: Partial<RegressionEvaluatorParams>) {
    super();
    this.declare('predictionCol', 'prediction column', 'prediction', checks.string);
    this.declare('labelCol', 'label column', 'label', checks.string);
    this.declare('weightCol', "row weight column ('' for none)", '', checks.optionalString);
    this.declare('metricName', 'rmse, mse, mae or r2', 'rmse', checks.oneOf('rmse', 'mse', 'mae', 'r2'));
    this.setParams(params);
  }
  isLargerBetter(): boolean { return this.get('metricName') === 'r2'; }
  async evaluate(df: DataFrame, extra?: Partial<RegressionEvaluatorParams>): Promise<number> {
    if (extra) return this.copy(extra).evaluate(df);
    checkColumns(this, df.schema, [['predictionCol', this.get('predictionCol'), NUMBER_KINDS], ['labelCol', this.get('labelCol'), NUMBER_KINDS],
      ['weightCol', this.get('weightCol'), NUMBER_KINDS]]);
    const args = new ByteWriter().str(this.get('labelCol')).str(this.get('predictionCol')).str(this.get('weightCol')).finish();
    const t = new Float64Array(5);
    for (const b of await df.runPartitions({ module: KERNELS, fn: 'regressionPartials', args })) new ByteReader(b).f64s().forEach((x, i) => { t[i]! += x; });
    if (t[0] === 0) throw new ParamError('RegressionEvaluator: the data set is empty (or every weight is 0)');
    const sums: RegressionSums = { weight: t[0]!, label: t[1]!, labelSquared: t[2]!, squaredError: t[3]!, absError: t[4]! };
    return regressionMetric(sums, this.get('metricName'));
  }
}
