import { type DataFrame, type Schema, VectorType, field } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { checks } from '../param/params.js';
import { ByteReader, ByteWriter } from './codec.js';
import { checkOutputFree, columnPairs, columnType, loadAs, mapColumns, NUMBER_KINDS, partitionStats, registerFeatureLoader, withFields } from './common.js';

export interface OneHotEncoderParams {
  inputCol: string; outputCol: string; inputCols: string[]; outputCols: string[];
  dropLast: boolean;
  handleInvalid: 'error' | 'keep';
}

/**
 * Spark's OneHotEncoder: category indices to sparse vectors. Without column metadata the number of categories is
 * the largest index + 1, found by one aggregation at fit.
 */
export class OneHotEncoder extends Estimator<OneHotEncoderModel, OneHotEncoderParams> {
  constructor(params?: Partial<OneHotEncoderParams>) {
    super();
    this.declareAll();
    this.setParams(params);
  }
  declareAll(): void {
    this.declare('inputCol', 'input category index column', undefined, checks.string);
    this.declare('outputCol', 'output vector column', undefined, checks.string);
    this.declare('inputCols', 'input category index columns', undefined, checks.stringArray);
    this.declare('outputCols', 'output vector columns', undefined, checks.stringArray);
    this.declare('dropLast', 'drop the last category (its vector is all zeros)', true, checks.boolean);
    this.declare('handleInvalid', "an index not seen at fit: 'error' fails, 'keep' gives it an extra category", 'error', checks.oneOf('error', 'keep'));
  }
  transformSchema(schema: Schema): Schema {
    const pairs = columnPairs(this as never);
    for (const [i] of pairs) columnType(this, schema, 'inputCols', i, NUMBER_KINDS, 'a numeric category index column');
    checkOutputFree(this, schema, pairs.map(([, o]) => o));
    // The category count is known only after fit: before it, the outputs are sparse vectors of size 0.
    return withFields(schema, pairs.map(([, o]) => field(o, VectorType(0, true))));
  }
  protected async train(df: DataFrame): Promise<OneHotEncoderModel> {
    const pairs = columnPairs(this as never);
    const parts = await partitionStats(df, 'maxIndex', new ByteWriter().strs(pairs.map(([i]) => i)).finish());
    const max = new Float64Array(pairs.length).fill(-1);
    for (const b of parts) new ByteReader(b).f64s().forEach((x, i) => { if (x > max[i]!) max[i] = x; });
    const model = new OneHotEncoderModel(undefined, Array.from(max, (m) => m + 1));
    for (const p of ['inputCol', 'outputCol', 'inputCols', 'outputCols', 'dropLast', 'handleInvalid'] as const) {
      const v = this.getOrUndefined(p);
      if (v !== undefined) model.set(p, v as never);
    }
    model.parent = this;
    return model;
  }
}

export class OneHotEncoderModel extends Model<OneHotEncoderParams> {
  categorySizes: number[];
  constructor(params?: Partial<OneHotEncoderParams>, categorySizes?: number[]) {
    super();
    OneHotEncoder.prototype.declareAll.call(this as never); // a model declares its estimator's params
    this.categorySizes = categorySizes ?? [];
    this.setParams(params);
  }
  private vectorSize(k: number): number {
    return this.categorySizes[k]! + (this.get('handleInvalid') === 'keep' ? 1 : 0) - (this.get('dropLast') ? 1 : 0);
  }
  transformSchema(schema: Schema): Schema {
    const pairs = columnPairs(this as never);
    for (const [i] of pairs) columnType(this, schema, 'inputCols', i, NUMBER_KINDS, 'a numeric category index column');
    checkOutputFree(this, schema, pairs.map(([, o]) => o));
    return withFields(schema, pairs.map(([, o], k) => field(o, VectorType(this.vectorSize(k), true))));
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    const pairs = columnPairs(this as never);
    const fields = this.transformSchema(df.schema).fields.slice(-pairs.length);
    const w = new ByteWriter().bool(this.get('dropLast')).bool(this.get('handleInvalid') === 'keep').u32(pairs.length);
    pairs.forEach(([i, o], k) => w.str(i).str(o).u32(this.categorySizes[k]!));
    return mapColumns(df, 'oneHot', w.finish(), fields);
  }
  override saveData(): unknown { return { categorySizes: this.categorySizes }; }
  protected override copyState(to: this): void { to.categorySizes = this.categorySizes; }
  static load(path: string): Promise<OneHotEncoderModel> { return loadAs(path, OneHotEncoderModel); }
}
registerFeatureLoader(OneHotEncoderModel, (d: { categorySizes: number[] }) => {
  if (!Array.isArray(d?.categorySizes) || !d.categorySizes.every((x) => Number.isInteger(x) && x >= 0)) throw new Error('categorySizes is not a list of counts');
  return new OneHotEncoderModel(undefined, d.categorySizes);
});
