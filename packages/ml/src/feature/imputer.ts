import { type DataFrame, type Schema, col, field } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { checks } from '../param/params.js';
import { toNumber } from '../persistence/persistence.js';
import { ByteReader, ByteWriter } from './codec.js';
import { checkOutputFree, columnPairs, inputParam, columnType, doubleField, loadAs, mapColumns, NUMBER_KINDS, partitionStats, registerFeatureLoader, withFields } from './common.js';
import { mergeValueCounts } from './kernels.js';
import { modeFromCounts, quantilesFromCounts } from './quantile.js';

export interface ImputerParams {
  inputCol: string; outputCol: string; inputCols: string[]; outputCols: string[];
  strategy: 'mean' | 'median' | 'mode';
  missingValue: number;
  relativeError: number;
}

/**
 * Spark's Imputer: nulls and missingValue (NaN by default) replaced by each column's mean, median or mode of the
 * other values; the median follows Spark's approxQuantile rank rule on exact counts (see quantile.ts).
 */
export class Imputer extends Estimator<ImputerModel, ImputerParams> {
  constructor(params?: Partial<ImputerParams>) {
    super();
    this.declareAll();
    this.setParams(params);
  }
  declareAll(): void {
    this.declare('inputCol', 'input numeric column', undefined, checks.string);
    this.declare('outputCol', 'output column', undefined, checks.string);
    this.declare('inputCols', 'input numeric columns', undefined, checks.stringArray);
    this.declare('outputCols', 'output columns', undefined, checks.stringArray);
    this.declare('strategy', 'surrogate: mean, median or mode of the non-missing values', 'mean', checks.oneOf('mean', 'median', 'mode'));
    this.declare('missingValue', 'the value (besides null) that counts as missing', NaN, (v) => (typeof v === 'number' ? null : 'must be a number'));
    this.declare('relativeError', 'relative error of the median', 0.001, checks.inRange(0, 1));
  }
  transformSchema(schema: Schema): Schema { return imputerSchema(this, schema); }
  override paramMapJson() { return nanAsText(super.paramMapJson()); }
  protected async train(df: DataFrame): Promise<ImputerModel> {
    const pairs = columnPairs(this as never);
    const inputs = pairs.map(([i]) => i);
    const args = new ByteWriter().f64(this.get('missingValue')).strs(inputs).finish();
    const strategy = this.get('strategy');
    let surrogates: number[];
    if (strategy === 'mean') {
      const counts = new Float64Array(inputs.length), sums = new Float64Array(inputs.length);
      for (const b of await partitionStats(df, 'columnSums', args)) {
        const r = new ByteReader(b);
        r.f64s().forEach((x, i) => { counts[i]! += x; });
        r.f64s().forEach((x, i) => { sums[i]! += x; });
      }
      surrogates = Array.from(sums, (s, i) => (counts[i]! > 0 ? s / counts[i]! : NaN));
    } else {
      const vc = mergeValueCounts(await partitionStats(df, 'valueCounts', args), inputs.length);
      surrogates = vc.map(({ values, counts }) => (values.length === 0 ? NaN
        : strategy === 'median' ? quantilesFromCounts(values, counts, [0.5], this.get('relativeError'))[0]! : modeFromCounts(values, counts)));
    }
    surrogates.forEach((s, i) => {
      if (Number.isNaN(s)) throw new Error(`Imputer: surrogate for column '${inputs[i]}' cannot be computed: all its values are null, NaN or missingValue`);
    });
    const model = new ImputerModel(undefined, surrogates);
    for (const p of ['inputCol', 'outputCol', 'inputCols', 'outputCols', 'strategy', 'missingValue', 'relativeError'] as const) {
      if (this.isSet(p)) model.set(p, this.get(p) as never);
    }
    model.parent = this;
    return model;
  }
}

/** missingValue NaN is written as the string 'NaN' (JSON has no NaN). */
function nanAsText(m: { paramMap: Record<string, unknown>; defaultParamMap: Record<string, unknown> }) {
  for (const map of [m.paramMap, m.defaultParamMap]) if (typeof map.missingValue === 'number' && !Number.isFinite(map.missingValue)) map.missingValue = String(map.missingValue);
  return m;
}

function imputerSchema(stage: Imputer | ImputerModel, schema: Schema): Schema {
  const pairs = columnPairs(stage as never);
  for (const [i] of pairs) columnType(stage, schema, inputParam(stage as never), i, NUMBER_KINDS, 'a numeric column');
  checkOutputFree(stage, schema, pairs.map(([, o]) => o).filter((o) => !pairs.some(([i]) => i === o)));
  // Spark casts each output back to its input's type (an int column gets a truncated surrogate).
  return withFields(schema, pairs.map(([i, o]) => field(o, schema.field(i).type)));
}

export class ImputerModel extends Model<ImputerParams> {
  surrogates: number[];
  constructor(params?: Partial<ImputerParams>, surrogates?: number[]) {
    super();
    Imputer.prototype.declareAll.call(this as never); // a model declares its estimator's params
    this.surrogates = surrogates ?? [];
    this.setParams(params);
  }
  transformSchema(schema: Schema): Schema { return imputerSchema(this, schema); }
  override paramMapJson() { return nanAsText(super.paramMapJson()); }
  override set<K extends keyof ImputerParams & string>(name: K, value: ImputerParams[K]): this {
    return super.set(name, (name === 'missingValue' && typeof value === 'string' ? toNumber(value) : value) as never);
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    const pairs = columnPairs(this as never);
    const fields = pairs.map(([, o]) => doubleField(o));
    const schema = this.transformSchema(df.schema);
    const w = new ByteWriter().f64(this.get('missingValue')).u32(pairs.length);
    pairs.forEach(([i, o], k) => w.str(i).str(o).f64(this.surrogates[k]!));
    let out = await mapColumns(df, 'impute', w.finish(), fields);
    for (const [i, o] of pairs) {
      const t = df.schema.field(i).type;
      if (t.kind !== 'float64') out = out.withColumn(o, col(o).cast(t));
    }
    return out.select(...schema.names.map((n) => col(n)));
  }
  override saveData(): unknown { return { surrogates: this.surrogates }; }
  protected override copyState(to: this): void { to.surrogates = this.surrogates; }
  static load(path: string): Promise<ImputerModel> { return loadAs(path, ImputerModel); }
}
registerFeatureLoader(ImputerModel, (d: { surrogates: unknown[] }) => new ImputerModel(undefined, d.surrogates.map(toNumber)));
