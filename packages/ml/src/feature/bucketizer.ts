import { type Column, type DataFrame, type Schema, col } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { checks, ParamError } from '../param/params.js';
import { toNumber } from '../persistence/persistence.js';
import { ByteWriter } from './codec.js';
import { checkOutputFree, columnPairs, inputParam, columnType, doubleField, loadAs, mapColumns, NUMBER_KINDS, partitionStats, registerFeatureLoader, withFields } from './common.js';
import { mergeValueCounts } from './kernels.js';
import { discretizerSplits } from './quantile.js';

export interface BucketizerParams {
  inputCol: string; outputCol: string; inputCols: string[]; outputCols: string[];
  splits: number[]; splitsArray: number[][];
  handleInvalid: 'error' | 'skip' | 'keep';
}

const checkSplits = (s: number[]): string | null => {
  if (!Array.isArray(s) || s.length < 3) return 'must hold at least 3 split points';
  for (let i = 1; i < s.length; i++) if (!(s[i]! > s[i - 1]!)) return 'must be strictly increasing';
  return null;
};

/** Spark's Bucketizer: [s_i, s_i+1) buckets, the last one closed; NaN to an extra bucket with handleInvalid='keep'. */
export class Bucketizer extends Model<BucketizerParams> {
  constructor(params?: Partial<BucketizerParams>) {
    super();
    this.declare('inputCol', 'input numeric column', undefined, checks.string);
    this.declare('outputCol', 'output bucket index column', undefined, checks.string);
    this.declare('inputCols', 'input numeric columns', undefined, checks.stringArray);
    this.declare('outputCols', 'output bucket index columns', undefined, checks.stringArray);
    this.declare('splits', 'increasing split points (use -Infinity/Infinity to cover every value)', undefined, checkSplits);
    this.declare('splitsArray', 'split points per input column', undefined, (a) => (Array.isArray(a) ? a.map(checkSplits).find((e) => e) ?? null : 'must be a list of split lists'));
    this.declare('handleInvalid', "NaN or null: 'error' fails, 'skip' drops the row, 'keep' puts it in an extra bucket", 'error', checks.oneOf('error', 'skip', 'keep'));
    this.setParams(params);
  }
  private splitsPerColumn(n: number): number[][] {
    const one = this.getOrUndefined('splits'), many = this.getOrUndefined('splitsArray');
    if (n === 1 && one) return [one];
    if (many && many.length === n) return many;
    throw new ParamError(`Bucketizer: set splits for inputCol, or splitsArray with one list per input column (${n})`);
  }
  transformSchema(schema: Schema): Schema {
    const pairs = columnPairs(this as never);
    this.splitsPerColumn(pairs.length);
    for (const [i] of pairs) columnType(this, schema, inputParam(this as never), i, NUMBER_KINDS, 'a numeric column');
    checkOutputFree(this, schema, pairs.map(([, o]) => o));
    return withFields(schema, pairs.map(([, o]) => doubleField(o)));
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    const pairs = columnPairs(this as never);
    const fields = this.transformSchema(df.schema).fields.slice(-pairs.length);
    const splits = this.splitsPerColumn(pairs.length);
    let input = df;
    if (this.get('handleInvalid') === 'skip') {
      let ok: Column | null = null;
      for (const [i] of pairs) {
        const cond = df.schema.field(i).type.kind === 'float64' ? col(i).isNotNull().and(col(i).isNaN().not()) : col(i).isNotNull();
        ok = ok ? ok.and(cond) : cond;
      }
      input = input.filter(ok!);
    }
    const w = new ByteWriter().bool(this.get('handleInvalid') === 'keep').u32(pairs.length);
    pairs.forEach(([i, o], k) => w.str(i).str(o).f64s(splits[k]!));
    return mapColumns(input, 'bucketize', w.finish(), fields);
  }
  /** Splits saved as JSON hold their infinities as strings; they are numbers again here. */
  override set<K extends keyof BucketizerParams & string>(name: K, value: BucketizerParams[K]): this {
    if (name === 'splits' && Array.isArray(value)) return super.set(name, (value as unknown[]).map(toNumber) as never);
    if (name === 'splitsArray' && Array.isArray(value)) return super.set(name, (value as unknown[][]).map((s) => (Array.isArray(s) ? s.map(toNumber) : s)) as never);
    return super.set(name, value);
  }
  override paramMapJson(): { paramMap: Record<string, unknown>; defaultParamMap: Record<string, unknown> } {
    const m = super.paramMapJson();
    const text = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
    if (Array.isArray(m.paramMap.splits)) m.paramMap.splits = (m.paramMap.splits as number[]).map(text);
    if (Array.isArray(m.paramMap.splitsArray)) m.paramMap.splitsArray = (m.paramMap.splitsArray as number[][]).map((s) => s.map(text));
    return m;
  }
  static load(path: string): Promise<Bucketizer> { return loadAs(path, Bucketizer); }
}
registerFeatureLoader(Bucketizer, () => new Bucketizer(), false);

export interface QuantileDiscretizerParams {
  inputCol: string; outputCol: string; inputCols: string[]; outputCols: string[];
  numBuckets: number; relativeError: number;
  handleInvalid: 'error' | 'skip' | 'keep';
}

/**
 * Spark's QuantileDiscretizer: splits at the quantiles i / numBuckets of the non-missing values (Spark's
 * approxQuantile rank rule), outer splits widened to infinities, repeated splits merged; fits a Bucketizer.
 */
export class QuantileDiscretizer extends Estimator<Bucketizer, QuantileDiscretizerParams> {
  constructor(params?: Partial<QuantileDiscretizerParams>) {
    super();
    this.declare('inputCol', 'input numeric column', undefined, checks.string);
    this.declare('outputCol', 'output bucket index column', undefined, checks.string);
    this.declare('inputCols', 'input numeric columns', undefined, checks.stringArray);
    this.declare('outputCols', 'output bucket index columns', undefined, checks.stringArray);
    this.declare('numBuckets', 'number of buckets', 2, checks.int(2));
    this.declare('relativeError', 'relative error of the quantiles', 0.001, checks.inRange(0, 1));
    this.declare('handleInvalid', "NaN or null: 'error' fails, 'skip' drops the row, 'keep' puts it in an extra bucket", 'error', checks.oneOf('error', 'skip', 'keep'));
    this.setParams(params);
  }
  transformSchema(schema: Schema): Schema {
    const pairs = columnPairs(this as never);
    for (const [i] of pairs) columnType(this, schema, inputParam(this as never), i, NUMBER_KINDS, 'a numeric column');
    checkOutputFree(this, schema, pairs.map(([, o]) => o));
    return withFields(schema, pairs.map(([, o]) => doubleField(o)));
  }
  protected async train(df: DataFrame): Promise<Bucketizer> {
    const pairs = columnPairs(this as never);
    const vc = mergeValueCounts(await partitionStats(df, 'valueCounts', new ByteWriter().f64(NaN).strs(pairs.map(([i]) => i)).finish()), pairs.length);
    const splits = vc.map(({ values, counts }, k) => {
      if (values.length === 0) throw new Error(`QuantileDiscretizer: column '${pairs[k]![0]}' has no non-missing values`);
      return Array.from(discretizerSplits(values, counts, this.get('numBuckets'), this.get('relativeError')));
    });
    const b = new Bucketizer({ handleInvalid: this.get('handleInvalid') });
    if (pairs.length === 1 && this.isSet('inputCol')) b.setParams({ inputCol: pairs[0]![0], outputCol: pairs[0]![1], splits: splits[0]! });
    else b.setParams({ inputCols: pairs.map(([i]) => i), outputCols: pairs.map(([, o]) => o), splitsArray: splits });
    b.parent = this as never;
    return b;
  }
}
