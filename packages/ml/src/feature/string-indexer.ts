import { type DataFrame, type Schema, col } from '@quiver/core';
import { Estimator, Model } from '../base/stage.js';
import { checks, ParamError } from '../param/params.js';
import { ByteWriter } from './codec.js';
import { checkOutputFree, columnPairs, inputParam, columnType, doubleField, loadAs, mapColumns, NUMBER_KINDS, partitionStats, registerFeatureLoader, withFields } from './common.js';
import { mergeLabelCounts } from './kernels.js';
import { labelOrder, type StringOrderType } from './string-order.js';

export interface StringIndexerParams {
  inputCol: string; outputCol: string; inputCols: string[]; outputCols: string[];
  handleInvalid: 'error' | 'skip' | 'keep';
  stringOrderType: StringOrderType;
}

/** Spark's StringIndexer: labels to indices by frequency (ties alphabetical); unseen and null labels per handleInvalid. */
export class StringIndexer extends Estimator<StringIndexerModel, StringIndexerParams> {
  constructor(params?: Partial<StringIndexerParams>) {
    super();
    this.declareAll();
    this.setParams(params);
  }
  declareAll(): void {
    this.declare('inputCol', 'input string column', undefined, checks.string);
    this.declare('outputCol', 'output index column', undefined, checks.string);
    this.declare('inputCols', 'input string columns', undefined, checks.stringArray);
    this.declare('outputCols', 'output index columns', undefined, checks.stringArray);
    this.declare('handleInvalid', "unseen or null labels: 'error' fails, 'skip' drops the row, 'keep' gives index numLabels", 'error', checks.oneOf('error', 'skip', 'keep'));
    this.declare('stringOrderType', 'label order: frequencyDesc, frequencyAsc, alphabetDesc, alphabetAsc', 'frequencyDesc',
      checks.oneOf('frequencyDesc', 'frequencyAsc', 'alphabetDesc', 'alphabetAsc'));
  }
  transformSchema(schema: Schema): Schema { return indexerSchema(this, schema); }
  protected async train(df: DataFrame): Promise<StringIndexerModel> {
    const pairs = columnPairs(this as never);
    const inputs = pairs.map(([i]) => i);
    // Numbers are indexed by their string form, as Spark casts them ('1.0', '2').
    const strings = df.select(...inputs.map((c) => (df.schema.field(c).type.kind === 'utf8' ? col(c) : col(c).cast('string').alias(c))));
    const counts = mergeLabelCounts(await partitionStats(strings, 'labelCounts', new ByteWriter().strs(inputs).finish()), inputs.length);
    const labels = counts.map((c) => labelOrder(c, this.get('stringOrderType')));
    const model = new StringIndexerModel(undefined, labels);
    for (const p of ['inputCol', 'outputCol', 'inputCols', 'outputCols', 'handleInvalid', 'stringOrderType'] as const) {
      const v = this.getOrUndefined(p);
      if (v !== undefined) model.set(p, v as never);
    }
    model.parent = this;
    return model;
  }
}

function indexerSchema(stage: StringIndexer | StringIndexerModel, schema: Schema): Schema {
  const pairs = columnPairs(stage as never);
  for (const [i] of pairs) columnType(stage, schema, inputParam(stage as never), i, ['utf8', ...NUMBER_KINDS], 'a string or numeric column');
  checkOutputFree(stage, schema, pairs.map(([, o]) => o));
  return withFields(schema, pairs.map(([, o]) => doubleField(o)));
}

export class StringIndexerModel extends Model<StringIndexerParams> {
  /** Labels per input column, in index order. */
  labelsArray: string[][];
  constructor(params?: Partial<StringIndexerParams>, labelsArray?: string[][]) {
    super();
    StringIndexer.prototype.declareAll.call(this as never); // a model declares its estimator's params
    this.labelsArray = labelsArray ?? [];
    this.setParams(params);
  }
  get labels(): string[] {
    if (this.labelsArray.length !== 1) throw new ParamError(`StringIndexerModel: labels is for one input column; this model has ${this.labelsArray.length}, use labelsArray`);
    return this.labelsArray[0]!;
  }
  transformSchema(schema: Schema): Schema { return indexerSchema(this, schema); }
  async transform(df: DataFrame): Promise<DataFrame> {
    const fields = this.transformSchema(df.schema).fields.slice(-this.labelsArray.length);
    const pairs = columnPairs(this as never);
    // Numeric inputs are read through a string copy, dropped after the map.
    const temps: string[] = [];
    let input = df;
    const reads = pairs.map(([i], k) => {
      if (df.schema.field(i).type.kind === 'utf8') return i;
      const t = `__quiver_string_indexer_${k}`;
      temps.push(t);
      input = input.withColumn(t, col(i).cast('string'));
      return t;
    });
    let handleInvalid = this.get('handleInvalid');
    if (handleInvalid === 'skip') {
      // Drop rows with an unseen or null label before the map (isin is false or null for them).
      reads.forEach((r, k) => { input = input.filter(col(r).isin(...this.labelsArray[k]!)); });
      handleInvalid = 'error';
    }
    const w = new ByteWriter().str(handleInvalid).u32(pairs.length);
    pairs.forEach(([, o], k) => w.str(reads[k]!).str(o).strs(this.labelsArray[k]!));
    const out = await mapColumns(input, 'indexStrings', w.finish(), fields);
    return temps.length > 0 ? out.drop(...temps) : out;
  }
  override saveData(): unknown { return { labelsArray: this.labelsArray }; }
  protected override copyState(to: this): void { to.labelsArray = this.labelsArray; }
  static load(path: string): Promise<StringIndexerModel> { return loadAs(path, StringIndexerModel); }
}
registerFeatureLoader(StringIndexerModel, (d: { labelsArray: string[][] }) => {
  if (!Array.isArray(d?.labelsArray) || !d.labelsArray.every((l) => Array.isArray(l) && l.every((s) => typeof s === 'string'))) throw new Error('labelsArray is not a list of string lists');
  return new StringIndexerModel(undefined, d.labelsArray);
});
