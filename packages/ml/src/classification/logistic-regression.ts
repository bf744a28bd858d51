import { type DataFrame, F, Float64Type, Schema, VectorType, col, field, lit } from '@quiver/core';
import { Estimator, Model, NUMERIC_KINDS, VECTOR_KINDS, checkColumn, checkNewColumn } from '../base/stage.js';
import { minimize } from '../optim/lbfgs.js';
import { toBytes, toDoubles } from '../optim/doubles.js';
import { LINEAR_KERNELS, type Summary, instances, sampleStd, summarize, sumParts, trainingRows } from '../optim/instances.js';
import { ParamError, checks } from '../param/params.js';
import { applyParams, readData, readMetadata, registerLoader, toNumber } from '../persistence/persistence.js';

export interface LogisticRegressionParams {
  featuresCol: string;
  labelCol: string;
  predictionCol: string;
  rawPredictionCol: string;
  probabilityCol: string;
  weightCol: string;
  maxIter: number;
  regParam: number;
  elasticNetParam: number;
  tol: number;
  fitIntercept: boolean;
  standardization: boolean;
  threshold: number;
  thresholds: number[];
  family: 'auto' | 'binomial' | 'multinomial';
}

/** Declares Spark's LogisticRegression params on an estimator or model. */
function declareParams(s: { declareParam: <K extends keyof LogisticRegressionParams>(k: K, doc: string, def?: LogisticRegressionParams[K], c?: (v: LogisticRegressionParams[K]) => string | null) => void }): void {
  s.declareParam('featuresCol', 'features column name (a vector column)', 'features', checks.string);
  s.declareParam('labelCol', 'label column name', 'label', checks.string);
  s.declareParam('predictionCol', 'prediction column name', 'prediction', checks.optionalString);
  s.declareParam('rawPredictionCol', 'raw prediction (confidence) column name', 'rawPrediction', checks.optionalString);
  s.declareParam('probabilityCol', 'column name for predicted class probabilities', 'probability', checks.optionalString);
  s.declareParam('weightCol', 'weight column name; unset or empty = every row weighs 1', undefined, checks.optionalString);
  s.declareParam('maxIter', 'maximum number of iterations (>= 0)', 100, checks.int(0));
  s.declareParam('regParam', 'regularization parameter (>= 0)', 0, checks.gtEq(0));
  s.declareParam('elasticNetParam', 'the ElasticNet mixing parameter in [0, 1]: 0 = L2 penalty, 1 = L1 penalty', 0, checks.inRange(0, 1));
  s.declareParam('tol', 'convergence tolerance of the optimizer (>= 0)', 1e-6, checks.gtEq(0));
  s.declareParam('fitIntercept', 'whether to fit an intercept term', true, checks.boolean);
  s.declareParam('standardization', 'whether to standardize the features before fitting (the model is always in the original scale)', true, checks.boolean);
  s.declareParam('threshold', 'binary classification threshold in [0, 1] on the probability of class 1', 0.5, checks.inRange(0, 1));
  s.declareParam('thresholds', 'per-class thresholds (multiclass): the predicted class maximizes p/t', undefined, (v) => checks.numberArray(v) ?? (v.every((t) => t >= 0) && v.filter((t) => t === 0).length <= 1 ? null : 'must be non-negative with at most one 0'));
  s.declareParam('family', "'auto' (binomial for <= 2 classes), 'binomial' or 'multinomial'", 'auto', checks.oneOf('auto', 'binomial', 'multinomial'));
}

function outputSchema(stage: Estimator<never, LogisticRegressionParams> | LogisticRegressionModel, schema: Schema, numClasses: number): Schema {
  checkColumn(stage, schema, 'featuresCol', VECTOR_KINDS, 'a vector column (assemble numeric columns with VectorAssembler)');
  const fields = [...schema.fields];
  for (const [param, type] of [['rawPredictionCol', VectorType(numClasses)], ['probabilityCol', VectorType(numClasses)], ['predictionCol', Float64Type]] as const) {
    const name = stage.get(param);
    if (!name) continue;
    checkNewColumn(stage, schema, param);
    fields.push(field(name, type));
  }
  return new Schema(fields);
}

/** Spark ML's LogisticRegression: binomial or multinomial, L2 / L1 / elastic-net, trained with distributed L-BFGS / OWL-QN passes. */
export class LogisticRegression extends Estimator<LogisticRegressionModel, LogisticRegressionParams> {
  constructor(params?: Partial<LogisticRegressionParams>) {
    super();
    declareParams({ declareParam: (k, doc, def, c) => this.declare(k, doc, def, c as never) });
    this.setParams(params);
  }

  transformSchema(schema: Schema): Schema {
    checkColumn(this, schema, 'labelCol', NUMERIC_KINDS, 'numeric');
    if (this.getOrUndefined('weightCol')) checkColumn(this, schema, 'weightCol', NUMERIC_KINDS, 'numeric');
    return outputSchema(this as never, schema, 2);
  }

  protected async train(df: DataFrame): Promise<LogisticRegressionModel> {
    const name = 'LogisticRegression';
    const names = { features: this.get('featuresCol'), label: this.get('labelCol'), weight: this.getOrUndefined('weightCol') || undefined };
    const raw = instances(df, names.features, names.label, names.weight);
    const { data, release } = trainingRows(df, raw);
    try {
      const s = await summarize(data, names, name);
      if (!s.classCounts) throw new ParamError(`${name}: labelCol '${names.label}' must hold class indices 0, 1, 2, ... (non-negative integers); index string labels with StringIndexer`);
      const numClasses = s.classCounts.length;
      const family = this.get('family');
      if (family === 'binomial' && numClasses > 2) {
        throw new ParamError(`${name}: the binomial family needs labels 0 or 1, but labelCol '${names.label}' has label ${numClasses - 1}; use family 'multinomial'`);
      }
      const present = Array.from(s.classCounts).filter((c) => c > 0).length;
      if (present < 2) {
        const only = Array.from(s.classCounts).findIndex((c) => c > 0);
        throw new ParamError(`${name}: the training set has a single class (every ${names.label} is ${only}); a classifier needs at least two`);
      }
      const multinomial = family === 'multinomial' || (family === 'auto' && numClasses > 2);
      const K = multinomial ? numClasses : 1;
      const { coef, icpt, history, iterations } = await this.optimize(data, s, K, multinomial);
      const model = new LogisticRegressionModel(coef, icpt, multinomial ? numClasses : 2, multinomial);
      model.uid = this.uid;
      model.copyParamsFrom(this);
      model.parent = this as never;
      model.summary = new LogisticRegressionTrainingSummary(model, raw, history, iterations);
      return model;
    } finally {
      release();
    }
  }

  private async optimize(data: DataFrame, s: Summary, K: number, multinomial: boolean) {
    const d = s.mean.length;
    const std = sampleStd(s);
    const lambda = this.get('regParam'), alpha = this.get('elasticNetParam');
    const l1 = alpha * lambda, l2 = (1 - alpha) * lambda;
    const standardization = this.get('standardization');
    const fitIntercept = this.get('fitIntercept');
    const W = s.weightSum;
    const nc = K * d;
    const dim = nc + (fitIntercept ? K : 0);
    const x0 = new Float64Array(dim);
    const counts = s.classCounts!;
    if (fitIntercept) {
      if (!multinomial) {
        x0[nc] = Math.log(counts[1]! / counts[0]!);
      } else {
        const logs = Array.from({ length: K }, (_, k) => Math.log(Math.max(counts[k] ?? 0, 1e-300)));
        const finite = logs.filter((v) => v > -690);
        const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
        for (let k = 0; k < K; k++) x0[nc + k] = (logs[k]! > -690 ? logs[k]! : -690) - mean;
      }
    }
    // Training runs in the standardized space (coefficient j scaled by std_j), as Spark does; a constant feature keeps 0.
    const args = new Float64Array(3 + nc + K);
    args[0] = K; args[1] = d; args[2] = multinomial ? 1 : 0;
    const evaluate = async (x: Float64Array) => {
      for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) args[3 + c * d + j] = std[j]! > 0 ? x[c * d + j]! / std[j]! : 0;
      for (let c = 0; c < K; c++) args[3 + nc + c] = fitIntercept ? x[nc + c]! : 0;
      const sum = sumParts(await data.runPartitions({ module: LINEAR_KERNELS, fn: 'logisticLossGradient', args: toBytes(args) }));
      let f = sum[0]! / W;
      const g = new Float64Array(dim);
      for (let c = 0; c < K; c++) {
        for (let j = 0; j < d; j++) {
          const i = c * d + j;
          if (!(std[j]! > 0)) continue;
          g[i] = sum[1 + i]! / (W * std[j]!);
          if (l2 > 0) {
            const scale = standardization ? 1 : 1 / (std[j]! * std[j]!);
            f += 0.5 * l2 * x[i]! * x[i]! * scale;
            g[i]! += l2 * x[i]! * scale;
          }
        }
        if (fitIntercept) g[nc + c] = sum[1 + nc + c]! / W;
      }
      return { f, g };
    };
    const l1w = new Float64Array(dim);
    if (l1 > 0) for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) l1w[c * d + j] = std[j]! > 0 ? (standardization ? l1 : l1 / std[j]!) : 0;
    const res = await minimize(evaluate, x0, { maxIter: this.get('maxIter'), tol: this.get('tol'), l1: l1w });
    const coef = new Float64Array(nc);
    for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) coef[c * d + j] = std[j]! > 0 ? res.x[c * d + j]! / std[j]! : 0;
    const icpt = new Float64Array(K);
    if (fitIntercept) for (let c = 0; c < K; c++) icpt[c] = res.x[nc + c]!;
    if (multinomial) {
      // Softmax is unchanged by a shift shared by all classes: Spark reports the centered solution.
      if (fitIntercept) { const m = icpt.reduce((a, b) => a + b, 0) / K; for (let c = 0; c < K; c++) icpt[c]! -= m; }
      if (lambda === 0) {
        for (let j = 0; j < d; j++) {
          let m = 0;
          for (let c = 0; c < K; c++) m += coef[c * d + j]!;
          m /= K;
          for (let c = 0; c < K; c++) coef[c * d + j]! -= m;
        }
      }
    }
    return { coef, icpt, history: res.history, iterations: res.iterations };
  }

  static load(dir: string): LogisticRegression {
    return applyParams(new LogisticRegression(), readMetadata(dir, 'LogisticRegression'), dir);
  }
}

/** A fitted logistic regression: K x d coefficients (K = 1 for binomial) and K intercepts, in the original feature scale. */
export class LogisticRegressionModel extends Model<LogisticRegressionParams> {
  summary: LogisticRegressionTrainingSummary | null = null;
  get hasSummary(): boolean { return this.summary !== null; }

  constructor(
    readonly coefficientMatrix: Float64Array = new Float64Array(0),
    readonly interceptVector: Float64Array = new Float64Array(1),
    readonly numClasses = 2,
    readonly isMultinomial = false,
  ) {
    super();
    declareParams({ declareParam: (k, doc, def, c) => this.declare(k, doc, def, c as never) });
  }

  get numFeatures(): number { return this.coefficientMatrix.length / this.interceptVector.length; }
  /** Binomial models: the coefficient vector. */
  get coefficients(): Float64Array {
    if (this.isMultinomial) throw new ParamError('LogisticRegressionModel: a multinomial model has coefficientMatrix, not coefficients');
    return this.coefficientMatrix;
  }
  get intercept(): number {
    if (this.isMultinomial) throw new ParamError('LogisticRegressionModel: a multinomial model has interceptVector, not intercept');
    return this.interceptVector[0]!;
  }

  copyParamsFrom(est: LogisticRegression): this { return this.copyValuesFrom(est); }

  /** The probability of class 1 above which a binomial model predicts 1: `threshold`, or Spark's 1 / (1 + t0/t1) when `thresholds` is set. */
  binaryThreshold(): number {
    const ts = this.getOrUndefined('thresholds');
    if (!ts) return this.get('threshold');
    if (ts.length !== 2) throw new ParamError(`LogisticRegressionModel: a binomial model needs 2 thresholds, got ${ts.length}`);
    return ts[1] === 0 ? 0 : ts[0] === 0 ? 1 : 1 / (1 + ts[0]! / ts[1]!);
  }

  transformSchema(schema: Schema): Schema { return outputSchema(this, schema, this.numClasses); }

  /** Adds rawPrediction, probability and prediction columns, computed per partition on the workers. */
  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema);
    const added = new Schema(out.fields.slice(df.schema.fields.length));
    const flags = (this.get('rawPredictionCol') ? 1 : 0) | (this.get('probabilityCol') ? 2 : 0) | (this.get('predictionCol') ? 4 : 0);
    if (flags === 0) return df;
    const K = this.interceptVector.length, d = this.numFeatures;
    const thresholds = this.isMultinomial ? (this.getOrUndefined('thresholds') ?? []) : [this.binaryThreshold()];
    if (this.isMultinomial && thresholds.length && thresholds.length !== this.numClasses) {
      throw new ParamError(`LogisticRegressionModel: thresholds has ${thresholds.length} values but the model has ${this.numClasses} classes`);
    }
    const fi = df.schema.resolve(this.get('featuresCol'));
    const args = Float64Array.from([this.isMultinomial ? 1 : 0, K, d, flags, fi, thresholds.length, ...thresholds, ...this.coefficientMatrix, ...this.interceptVector]);
    return df.mapPartitionsWith({ module: LINEAR_KERNELS, fn: 'linearPredict', args: toBytes(args), outputSchema: added });
  }

  override saveData() {
    return { numClasses: this.numClasses, numFeatures: this.numFeatures, interceptVector: this.interceptVector, coefficientMatrix: this.coefficientMatrix, isMultinomial: this.isMultinomial };
  }

  protected override newInstance(): this {
    return new LogisticRegressionModel(this.coefficientMatrix, this.interceptVector, this.numClasses, this.isMultinomial) as this;
  }

  static load(dir: string): LogisticRegressionModel {
    const m = readMetadata(dir, 'LogisticRegressionModel');
    const data = readData<{ numClasses: number; numFeatures: number; interceptVector: unknown[]; coefficientMatrix: unknown[]; isMultinomial: boolean }>(dir);
    const coef = Float64Array.from(data.coefficientMatrix ?? [], toNumber);
    const icpt = Float64Array.from(data.interceptVector ?? [], toNumber);
    if (icpt.length === 0 || coef.length !== icpt.length * data.numFeatures) throw new Error(`data has ${coef.length} coefficients for ${icpt.length} intercepts and ${data.numFeatures} features`);
    return applyParams(new LogisticRegressionModel(coef, icpt, data.numClasses, Boolean(data.isMultinomial)), m, dir);
  }
}

/** Training summary: the objective per iteration, and (binomial) ROC, AUC and accuracy over the training rows, computed when asked. */
export class LogisticRegressionTrainingSummary {
  constructor(private readonly model: LogisticRegressionModel, private readonly data: DataFrame, readonly objectiveHistory: number[], readonly totalIterations: number) {}

  private scored: Promise<{ score: Float64Array; label: Float64Array; weight: Float64Array }> | null = null;

  private scores() {
    if (this.model.isMultinomial) throw new ParamError('LogisticRegressionTrainingSummary: ROC and AUC are defined for binomial models');
    this.scored ??= (async () => {
      const d = this.model.numFeatures;
      const args = Float64Array.from([d, ...this.model.coefficientMatrix, this.model.interceptVector[0]!]);
      const parts = (await this.data.runPartitions({ module: LINEAR_KERNELS, fn: 'binaryScores', args: toBytes(args) })).map(toDoubles);
      const n = parts.reduce((a, p) => a + p[0]!, 0);
      const all = new Float64Array(3 * n);
      let o = 0;
      for (const p of parts) { all.set(p.subarray(1), o); o += p.length - 1; }
      const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => all[3 * b]! - all[3 * a]!);
      const score = new Float64Array(n), label = new Float64Array(n), weight = new Float64Array(n);
      order.forEach((i, k) => { score[k] = all[3 * i]!; label[k] = all[3 * i + 1]!; weight[k] = all[3 * i + 2]!; });
      return { score, label, weight };
    })();
    return this.scored;
  }

  /** (FPR, TPR) points at every distinct score, from (0, 0) to (1, 1), as Spark's BinaryClassificationMetrics.roc. */
  async roc(): Promise<{ fpr: number[]; tpr: number[] }> {
    const { score, label, weight } = await this.scores();
    let P = 0, N = 0;
    for (let i = 0; i < label.length; i++) { if (label[i] === 1) P += weight[i]!; else N += weight[i]!; }
    const fpr = [0], tpr = [0];
    let tp = 0, fp = 0;
    for (let i = 0; i < score.length; i++) {
      if (label[i] === 1) tp += weight[i]!; else fp += weight[i]!;
      if (i === score.length - 1 || score[i + 1] !== score[i]) { fpr.push(N ? fp / N : 0); tpr.push(P ? tp / P : 0); }
    }
    if (fpr[fpr.length - 1] !== 1 || tpr[tpr.length - 1] !== 1) { fpr.push(1); tpr.push(1); }
    return { fpr, tpr };
  }

  /** Area under the ROC curve (trapezoids over distinct scores). */
  async areaUnderROC(): Promise<number> {
    const { fpr, tpr } = await this.roc();
    let auc = 0;
    for (let i = 1; i < fpr.length; i++) auc += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
    return auc;
  }

  /** Weighted fraction of training rows predicted correctly (at the model's threshold or thresholds). */
  async accuracy(): Promise<number> {
    if (this.model.isMultinomial) {
      // The training rows are laid out as [features, label, weight?]; one transform and one aggregation.
      const scored = await this.model.copy({ featuresCol: 'features', predictionCol: 'prediction', rawPredictionCol: '', probabilityCol: '' }).transform(this.data);
      const w = this.data.columns.includes('weight') ? col('weight') : lit(1);
      const [r] = await scored.agg(F.sum(F.when(col('prediction').eq(col('label')), w).otherwise(0)).alias('right'), F.sum(w).alias('total')).collect();
      return Number(r!.right) / Number(r!.total);
    }
    const { score, label, weight } = await this.scores();
    const t = this.model.binaryThreshold();
    let right = 0, total = 0;
    for (let i = 0; i < score.length; i++) { total += weight[i]!; if ((score[i]! > t ? 1 : 0) === label[i]) right += weight[i]!; }
    return right / total;
  }
}

registerLoader('LogisticRegression', (dir) => LogisticRegression.load(dir));
registerLoader('LogisticRegressionModel', (dir) => LogisticRegressionModel.load(dir));
