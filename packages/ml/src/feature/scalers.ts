import { type DataFrame, type Schema, VectorType, field } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { checks, type Params } from '../param/params.js';
import { toNumber } from '../persistence/persistence.js';
import { ByteWriter } from './codec.js';
import { checkOutputFree, columnType, loadAs, mapColumns, partitionStats, registerFeatureLoader, withFields } from './common.js';
import { mergeVectorSummaries, type VectorSummary } from './kernels.js';

type VectorT = { kind: 'vector'; size: number; sparse: boolean };

interface ScalerParams { inputCol: string; outputCol: string }
export interface StandardScalerParams extends ScalerParams { withMean: boolean; withStd: boolean }
export interface MinMaxScalerParams extends ScalerParams { min: number; max: number }

async function summarize(df: DataFrame, col: string): Promise<VectorSummary> {
  const s = mergeVectorSummaries(await partitionStats(df, 'vectorSummary', new ByteWriter().str(col).finish()));
  if (s.count === 0) throw new Error(`Cannot fit a scaler on column '${col}': the data set is empty`);
  return s;
}

function scalerSchema(stage: Params<ScalerParams>, schema: Schema, sparseOut: (inSparse: boolean) => boolean): Schema {
  const t = columnType(stage, schema, 'inputCol', stage.get('inputCol'), ['vector'], 'a vector column') as VectorT;
  checkOutputFree(stage, schema, [stage.get('outputCol')]);
  return withFields(schema, [field(stage.get('outputCol'), VectorType(t.size, sparseOut(t.sparse)))]);
}

/** Spark's StandardScaler: unbiased standard deviation; a constant feature scales to 0. */
export class StandardScaler extends Estimator<StandardScalerModel, StandardScalerParams> {
  constructor(params?: Partial<StandardScalerParams>) {
    super();
    this.declareIO();
    this.setParams(params);
  }
  declareIO(): void {
    this.declare('inputCol', 'input vector column', undefined, checks.string);
    this.declare('outputCol', 'output vector column', undefined, checks.string);
    this.declare('withMean', 'center each feature at its mean (output becomes dense)', false, checks.boolean);
    this.declare('withStd', 'scale each feature to unit standard deviation', true, checks.boolean);
  }
  transformSchema(schema: Schema): Schema { return scalerSchema(this as never, schema, (sp) => sp && !this.get('withMean')); }
  protected async train(df: DataFrame): Promise<StandardScalerModel> {
    const s = await summarize(df, this.get('inputCol'));
    const std = Float64Array.from(s.m2, (m) => (s.count > 1 ? Math.sqrt(m / (s.count - 1)) : 0));
    const model = new StandardScalerModel(undefined, { mean: s.mean, std });
    model.setParams({ inputCol: this.get('inputCol'), outputCol: this.get('outputCol'), withMean: this.get('withMean'), withStd: this.get('withStd') });
    model.parent = this;
    return model;
  }
}

export class StandardScalerModel extends Model<StandardScalerParams> {
  mean: Float64Array;
  std: Float64Array;
  constructor(params?: Partial<StandardScalerParams>, state?: { mean: Float64Array; std: Float64Array }) {
    super();
    StandardScaler.prototype.declareIO.call(this as never); // a model declares its estimator's params
    this.mean = state?.mean ?? new Float64Array(0);
    this.std = state?.std ?? new Float64Array(0);
    this.setParams(params);
  }
  transformSchema(schema: Schema): Schema { return scalerSchema(this as never, schema, (sp) => sp && !this.get('withMean')); }
  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema).field(this.get('outputCol'));
    const scale = Float64Array.from(this.std, (s) => (this.get('withStd') ? (s !== 0 ? 1 / s : 0) : 1));
    const args = new ByteWriter().str(this.get('inputCol')).str(this.get('outputCol')).f64s(this.mean).f64s(scale).bool(this.get('withMean')).finish();
    return mapColumns(df, 'scaleStandard', args, [out]);
  }
  override saveData(): unknown { return { mean: this.mean, std: this.std }; }
  protected override copyState(to: this): void { to.mean = this.mean; to.std = this.std; }
  static load(path: string): Promise<StandardScalerModel> { return loadAs(path, StandardScalerModel); }
}
registerFeatureLoader(StandardScalerModel, (d: { mean: unknown[]; std: unknown[] }) =>
  new StandardScalerModel(undefined, { mean: Float64Array.from(d.mean, toNumber), std: Float64Array.from(d.std, toNumber) }));

/** Spark's MinMaxScaler: each feature to [min, max]; a constant feature to (min + max) / 2. */
export class MinMaxScaler extends Estimator<MinMaxScalerModel, MinMaxScalerParams> {
  constructor(params?: Partial<MinMaxScalerParams>) {
    super();
    this.declareIO();
    this.setParams(params);
  }
  declareIO(): void {
    this.declare('inputCol', 'input vector column', undefined, checks.string);
    this.declare('outputCol', 'output vector column', undefined, checks.string);
    this.declare('min', 'lower bound of the output range', 0, (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number'));
    this.declare('max', 'upper bound of the output range', 1, (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number'));
  }
  transformSchema(schema: Schema): Schema {
    if (this.get('min') >= this.get('max')) throw new Error(`MinMaxScaler: min (${this.get('min')}) must be below max (${this.get('max')})`);
    return scalerSchema(this as never, schema, () => false);
  }
  protected async train(df: DataFrame): Promise<MinMaxScalerModel> {
    const s = await summarize(df, this.get('inputCol'));
    const model = new MinMaxScalerModel(undefined, { originalMin: s.min, originalMax: s.max });
    model.setParams({ inputCol: this.get('inputCol'), outputCol: this.get('outputCol'), min: this.get('min'), max: this.get('max') });
    model.parent = this;
    return model;
  }
}

export class MinMaxScalerModel extends Model<MinMaxScalerParams> {
  originalMin: Float64Array;
  originalMax: Float64Array;
  constructor(params?: Partial<MinMaxScalerParams>, state?: { originalMin: Float64Array; originalMax: Float64Array }) {
    super();
    MinMaxScaler.prototype.declareIO.call(this as never); // a model declares its estimator's params
    this.originalMin = state?.originalMin ?? new Float64Array(0);
    this.originalMax = state?.originalMax ?? new Float64Array(0);
    this.setParams(params);
  }
  transformSchema(schema: Schema): Schema { return scalerSchema(this as never, schema, () => false); }
  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema).field(this.get('outputCol'));
    const args = new ByteWriter().str(this.get('inputCol')).str(this.get('outputCol'))
      .f64s(this.originalMin).f64s(this.originalMax).f64(this.get('min')).f64(this.get('max')).finish();
    return mapColumns(df, 'scaleMinMax', args, [out]);
  }
  override saveData(): unknown { return { originalMin: this.originalMin, originalMax: this.originalMax }; }
  protected override copyState(to: this): void { to.originalMin = this.originalMin; to.originalMax = this.originalMax; }
  static load(path: string): Promise<MinMaxScalerModel> { return loadAs(path, MinMaxScalerModel); }
}
registerFeatureLoader(MinMaxScalerModel, (d: { originalMin: unknown[]; originalMax: unknown[] }) =>
  new MinMaxScalerModel(undefined, { originalMin: Float64Array.from(d.originalMin, toNumber), originalMax: Float64Array.from(d.originalMax, toNumber) }));
