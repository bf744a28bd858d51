import { type DataFrame, F, Float64Type, Schema, col, field, lit } from '@quiver/core';
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import { Estimator, Model, NUMERIC_KINDS, VECTOR_KINDS, checkColumn, checkNewColumn } from '../base/stage.js';
import { minimize } from '../optim/lbfgs.js';
import { toBytes } from '../optim/doubles.js';
import { LINEAR_KERNELS, instances, sampleStd, summarize, sumParts, trainingRows } from '../optim/instances.js';
import { checks } from '../param/params.js';
import { applyParams, readData, readMetadata, registerLoader, toNumber } from '../persistence/persistence.js';

/** Spark's limit for the normal-equation solver (WeightedLeastSquares.MAX_NUM_FEATURES). */
export const MAX_FEATURES_FOR_NORMAL_SOLVER = 4096;

export interface LinearRegressionParams {
  featuresCol: string;
  labelCol: string;
  predictionCol: string;
  weightCol: string;
  maxIter: number;
  regParam: number;
  elasticNetParam: number;
  tol: number;
  fitIntercept: boolean;
  standardization: boolean;
  solver: 'auto' | 'normal' | 'l-bfgs';
}

type Declarer = <K extends keyof LinearRegressionParams>(k: K, doc: string, def?: LinearRegressionParams[K], c?: (v: LinearRegressionParams[K]) => string | null) => void;

function declareParams(declare: Declarer): void {
  declare('featuresCol', 'features column name (a vector column)', 'features', checks.string);
  declare('labelCol', 'label column name', 'label', checks.string);
  declare('predictionCol', 'prediction column name', 'prediction', checks.string);
  declare('weightCol', 'weight column name; unset or empty = every row weighs 1', undefined, checks.optionalString);
  declare('maxIter', 'maximum number of iterations (>= 0)', 100, checks.int(0));
  declare('regParam', 'regularization parameter (>= 0)', 0, checks.gtEq(0));
  declare('elasticNetParam', 'the ElasticNet mixing parameter in [0, 1]: 0 = L2 penalty, 1 = L1 penalty', 0, checks.inRange(0, 1));
  declare('tol', 'convergence tolerance of the optimizer (>= 0)', 1e-6, checks.gtEq(0));
  declare('fitIntercept', 'whether to fit an intercept term', true, checks.boolean);
  declare('standardization', 'whether to standardize the features before fitting (the model is always in the original scale)', true, checks.boolean);
  declare('solver', "'normal' (normal equations, one pass), 'l-bfgs' (iterative passes), or 'auto' (normal when features <= 4096)", 'auto', checks.oneOf('auto', 'normal', 'l-bfgs'));
}

function outputSchema(stage: LinearRegression | LinearRegressionModel, schema: Schema): Schema {
  checkColumn(stage, schema, 'featuresCol', VECTOR_KINDS, 'a vector column (assemble numeric columns with VectorAssembler)');
  checkNewColumn(stage, schema, 'predictionCol');
  return new Schema([...schema.fields, field(stage.get('predictionCol'), Float64Type)]);
}

/** Spark ML's LinearRegression (squared error) with L2 / L1 / elastic-net penalties and Spark's scaling of them. */
export class LinearRegression extends Estimator<LinearRegressionModel, LinearRegressionParams> {
  constructor(params?: Partial<LinearRegressionParams>) {
    super();
    declareParams((k, doc, def, c) => this.declare(k, doc, def, c as never));
    this.setParams(params);
  }

  transformSchema(schema: Schema): Schema {
    checkColumn(this, schema, 'labelCol', NUMERIC_KINDS, 'numeric');
    if (this.getOrUndefined('weightCol')) checkColumn(this, schema, 'weightCol', NUMERIC_KINDS, 'numeric');
    return outputSchema(this, schema);
  }

  protected async train(df: DataFrame): Promise<LinearRegressionModel> {
    const names = { features: this.get('featuresCol'), label: this.get('labelCol'), weight: this.getOrUndefined('weightCol') || undefined };
    const { data, release } = trainingRows(df, instances(df, names.features, names.label, names.weight));
    try {
      const s = await summarize(data, names, 'LinearRegression');
      const d = s.mean.length;
      const solver = this.get('solver');
      const normal = solver === 'normal' || (solver === 'auto' && d <= MAX_FEATURES_FOR_NORMAL_SOLVER);
      const { coef, intercept, history } = normal ? await this.normalEquations(data, d) : await this.lbfgs(data, s);
      const model = new LinearRegressionModel(coef, intercept);
      model.uid = this.uid;
      model.copyParamsFrom(this);
      model.parent = this as never;
      model.summary = new LinearRegressionTrainingSummary(model, instances(df, names.features, names.label, names.weight), history);
      return model;
    } finally {
      release();
    }
  }

  /**
   * Spark's WeightedLeastSquares: one pass for X'WX, then on the driver minimize
   * 1/(2W) Σ w (β·x + c − y)² + (1−α)λ/(2δ) Σ (s_j β_j)² + αλ Σ |s_j β_j|, δ and s_j = σ_j (standardization) the
   * population standard deviations of the label and features: Cholesky without L1, OWL-QN with it.
   */
  private async normalEquations(data: DataFrame, d: number) {
    const g = sumParts(await data.runPartitions({ module: LINEAR_KERNELS, fn: 'gramian' }));
    const W = g[d * d + 2 * d]!, sy = g[d * d + 2 * d + 1]!, syy = g[d * d + 2 * d + 2]!;
    const fitIntercept = this.get('fitIntercept');
    const xbar = Float64Array.from({ length: d }, (_, j) => g[d * d + d + j]! / W);
    const ybar = sy / W;
    const A = new Float64Array(d * d), b = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      for (let k = j; k < d; k++) {
        const v = g[j * d + k]! / W - (fitIntercept ? xbar[j]! * xbar[k]! : 0);
        A[j * d + k] = v; A[k * d + j] = v;
      }
      b[j] = g[d * d + j]! / W - (fitIntercept ? xbar[j]! * ybar : 0);
    }
    const sigma = Float64Array.from({ length: d }, (_, j) => Math.sqrt(Math.max(0, g[j * d + j]! / W - xbar[j]! * xbar[j]!)));
    const delta = Math.sqrt(Math.max(0, syy / W - ybar * ybar));
    const coef = new Float64Array(d);
    if (delta === 0 && fitIntercept) return { coef, intercept: ybar, history: [0] };
    const lambda = this.get('regParam'), alpha = this.get('elasticNetParam');
    const scale = (j: number) => (this.get('standardization') ? sigma[j]! : 1);
    // Spark penalizes in the standardized space (label scaled by δ too): back in the original space the L2 term keeps
    // a 1/δ and the L1 term does not.
    const l2 = delta > 0 ? ((1 - alpha) * lambda) / delta : 0, l1 = alpha * lambda;
    // Constant features get coefficient 0, as in Spark.
    const active = Array.from({ length: d }, (_, j) => j).filter((j) => sigma[j]! > 0 || !fitIntercept && A[j * d + j]! > 0);
    const m = active.length;
    const H = new Matrix(m, m), r = new Matrix(m, 1);
    active.forEach((j, p) => {
      r.set(p, 0, b[j]!);
      active.forEach((k, q) => H.set(p, q, A[j * d + k]! + (p === q ? l2 * scale(j) * scale(j) : 0)));
    });
    const objective = (x: ArrayLike<number>) => {
      let f = 0.5 * (syy / W - (fitIntercept ? ybar * ybar : 0));
      for (let p = 0; p < m; p++) {
        f -= r.get(p, 0) * x[p]!;
        for (let q = 0; q < m; q++) f += 0.5 * x[p]! * H.get(p, q) * x[q]!;
        f += l1 * scale(active[p]!) * Math.abs(x[p]!);
      }
      return f;
    };
    let x: Float64Array;
    let history: number[];
    if (l1 === 0) {
      const chol = new CholeskyDecomposition(H);
      x = Float64Array.from((chol.isPositiveDefinite() ? chol.solve(r) : solve(H, r, true)).getColumn(0));
      history = [objective(x)];
    } else {
      const l1w = Float64Array.from(active, (j) => l1 * scale(j));
      const res = await minimize(async (v) => {
        const grad = new Float64Array(m);
        let f = 0;
        for (let p = 0; p < m; p++) {
          let hv = 0;
          for (let q = 0; q < m; q++) hv += H.get(p, q) * v[q]!;
          grad[p] = hv - r.get(p, 0);
          f += 0.5 * v[p]! * hv - r.get(p, 0) * v[p]!;
        }
        return { f, g: grad };
      }, new Float64Array(m), { maxIter: Math.max(this.get('maxIter'), 1) * 10, tol: Math.min(this.get('tol'), 1e-12), l1: l1w });
      x = res.x;
      history = res.history;
    }
    active.forEach((j, p) => { coef[j] = x[p]!; });
    let intercept = 0;
    if (fitIntercept) { intercept = ybar; for (let j = 0; j < d; j++) intercept -= coef[j]! * xbar[j]!; }
    return { coef, intercept, history };
  }

  /** Spark's L-BFGS / OWL-QN path: standardized features and label (sample standard deviations), one pass per evaluation. */
  private async lbfgs(data: DataFrame, s: Awaited<ReturnType<typeof summarize>>) {
    const d = s.mean.length;
    const W = s.weightSum;
    const std = sampleStd(s);
    const ybar = s.labelSum / W;
    const yVarDenom = W - s.weightSquareSum / W;
    const rawYStd = yVarDenom > 0 ? Math.sqrt(Math.max(0, (s.labelSquareSum - W * ybar * ybar) / yVarDenom)) : 0;
    const fitIntercept = this.get('fitIntercept');
    if (rawYStd === 0 && (fitIntercept || ybar === 0)) return { coef: new Float64Array(d), intercept: fitIntercept ? ybar : 0, history: [0] };
    const yStd = rawYStd > 0 ? rawYStd : Math.abs(ybar);
    const lambda = this.get('regParam') / yStd, alpha = this.get('elasticNetParam');
    const l1 = alpha * lambda, l2 = (1 - alpha) * lambda;
    const standardization = this.get('standardization');
    const mean = s.mean;
    const args = new Float64Array(d + 3);
    args[0] = d;
    args[d + 2] = 1 / yStd;
    const evaluate = async (x: Float64Array) => {
      let off = fitIntercept ? ybar / yStd : 0;
      for (let j = 0; j < d; j++) {
        const a = std[j]! > 0 ? x[j]! / std[j]! : 0;
        args[1 + j] = a;
        if (fitIntercept) off -= a * mean[j]!;
      }
      args[d + 1] = off;
      const sum = sumParts(await data.runPartitions({ module: LINEAR_KERNELS, fn: 'leastSquaresLossGradient', args: toBytes(args) }));
      let f = sum[0]! / W;
      const g = new Float64Array(d);
      const ge = sum[d + 1]!;
      for (let j = 0; j < d; j++) {
        if (!(std[j]! > 0)) continue;
        g[j] = (sum[1 + j]! - (fitIntercept ? mean[j]! * ge : 0)) / (W * std[j]!);
        if (l2 > 0) {
          const sc = standardization ? 1 : 1 / (std[j]! * std[j]!);
          f += 0.5 * l2 * x[j]! * x[j]! * sc;
          g[j]! += l2 * x[j]! * sc;
        }
      }
      return { f, g };
    };
    const l1w = Float64Array.from({ length: d }, (_, j) => (l1 > 0 && std[j]! > 0 ? (standardization ? l1 : l1 / std[j]!) : 0));
    const res = await minimize(evaluate, new Float64Array(d), { maxIter: this.get('maxIter'), tol: this.get('tol'), l1: l1w });
    const coef = Float64Array.from({ length: d }, (_, j) => (std[j]! > 0 ? (res.x[j]! * yStd) / std[j]! : 0));
    let intercept = 0;
    if (fitIntercept) { intercept = ybar; for (let j = 0; j < d; j++) intercept -= coef[j]! * mean[j]!; }
    return { coef, intercept, history: res.history };
  }

  static load(dir: string): LinearRegression {
    return applyParams(new LinearRegression(), readMetadata(dir, 'LinearRegression'), dir);
  }
}

export interface RegressionSummaryMetrics {
  readonly meanSquaredError: number;
  readonly rootMeanSquaredError: number;
  readonly meanAbsoluteError: number;
  /** Through the origin (uncentered total sum of squares) when the model has no intercept, as Spark. */
  readonly r2: number;
  readonly numInstances: number;
}

/** The objective per iteration, and error metrics over the training rows (weighted), computed when asked. */
export class LinearRegressionTrainingSummary {
  constructor(private readonly model: LinearRegressionModel, private readonly data: DataFrame, readonly objectiveHistory: number[]) {}

  get totalIterations(): number { return Math.max(0, this.objectiveHistory.length - 1); }

  private computed: Promise<RegressionSummaryMetrics> | null = null;

  metrics(): Promise<RegressionSummaryMetrics> {
    this.computed ??= (async () => {
      const scored = await this.model.copy({ featuresCol: 'features', predictionCol: 'prediction' }).transform(this.data);
      const w = this.data.columns.includes('weight') ? col('weight') : lit(1);
      const e = col('label').minus(col('prediction'));
      const [r] = await scored.agg(
        F.sum(w).alias('W'), F.count('*').alias('n'), F.sum(w.multiply(e).multiply(e)).alias('sse'), F.sum(w.multiply(F.abs(e))).alias('sae'),
        F.sum(w.multiply(col('label'))).alias('sy'), F.sum(w.multiply(col('label')).multiply(col('label'))).alias('syy'),
      ).collect();
      const W = Number(r!.W), sse = Number(r!.sse), sy = Number(r!.sy), syy = Number(r!.syy);
      const sst = this.model.get('fitIntercept') ? syy - (sy * sy) / W : syy;
      const mse = sse / W;
      return { meanSquaredError: mse, rootMeanSquaredError: Math.sqrt(mse), meanAbsoluteError: Number(r!.sae) / W, r2: 1 - sse / sst, numInstances: Number(r!.n) };
    })();
    return this.computed;
  }
}

export class LinearRegressionModel extends Model<LinearRegressionParams> {
  summary: LinearRegressionTrainingSummary | null = null;
  get hasSummary(): boolean { return this.summary !== null; }

  constructor(readonly coefficients: Float64Array = new Float64Array(0), readonly intercept = 0) {
    super();
    declareParams((k, doc, def, c) => this.declare(k, doc, def, c as never));
  }

  get numFeatures(): number { return this.coefficients.length; }

  copyParamsFrom(est: LinearRegression): this { return this.copyValuesFrom(est); }

  transformSchema(schema: Schema): Schema { return outputSchema(this, schema); }

  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema);
    const fi = df.schema.resolve(this.get('featuresCol'));
    const args = Float64Array.from([2, 1, this.numFeatures, 4, fi, 0, ...this.coefficients, this.intercept]);
    return df.mapPartitionsWith({ module: LINEAR_KERNELS, fn: 'linearPredict', args: toBytes(args), outputSchema: new Schema(out.fields.slice(df.schema.fields.length)) });
  }

  override saveData() { return { intercept: this.intercept, coefficients: this.coefficients, scale: 1 }; }

  protected override newInstance(): this { return new LinearRegressionModel(this.coefficients, this.intercept) as this; }

  static load(dir: string): LinearRegressionModel {
    const m = readMetadata(dir, 'LinearRegressionModel');
    const data = readData<{ intercept: unknown; coefficients: unknown[] }>(dir);
    return applyParams(new LinearRegressionModel(Float64Array.from(data.coefficients ?? [], toNumber), toNumber(data.intercept)), m, dir);
  }
}

registerLoader('LinearRegression', (dir) => LinearRegression.load(dir));
registerLoader('LinearRegressionModel', (dir) => LinearRegressionModel.load(dir));
