import { type Column, type DataFrame, type DataType, type Schema, VectorType, col, field } from '@quiver/core';
import { Transformer } from '../base/stage.js';
import { checks } from '../param/params.js';
import { ByteWriter } from './codec.js';
import { checkOutputFree, columnType, loadAs, mapColumns, NUMBER_KINDS, registerFeatureLoader, withFields } from './common.js';

export interface VectorAssemblerParams { inputCols: string[]; outputCol: string; handleInvalid: 'error' | 'skip' | 'keep' }

/** Spark's VectorAssembler: numbers and vectors into one vector (sparse when any input is sparse). */
export class VectorAssembler extends Transformer<VectorAssemblerParams> {
  constructor(params?: Partial<VectorAssemblerParams>) {
    super();
    this.declare('inputCols', 'input numeric or vector columns', undefined, checks.stringArray);
    this.declare('outputCol', 'output vector column', undefined, checks.string);
    this.declare('handleInvalid', "null or NaN inputs: 'error' fails naming the column, 'skip' drops the row, 'keep' gives NaN", 'error', checks.oneOf('error', 'skip', 'keep'));
    this.setParams(params);
  }
  private inputTypes(schema: Schema): DataType[] {
    return this.get('inputCols').map((c) => columnType(this, schema, 'inputCols', c, [...NUMBER_KINDS, 'vector'], 'a numeric or vector column'));
  }
  transformSchema(schema: Schema): Schema {
    const types = this.inputTypes(schema);
    checkOutputFree(this, schema, [this.get('outputCol')]);
    const size = types.reduce((a, t) => a + (t.kind === 'vector' ? t.size : 1), 0);
    const sparse = types.some((t) => t.kind === 'vector' && t.sparse);
    return withFields(schema, [field(this.get('outputCol'), VectorType(size, sparse))]);
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema).field(this.get('outputCol'));
    let input = df;
    let handleInvalid = this.get('handleInvalid');
    if (handleInvalid === 'skip') {
      const types = this.inputTypes(df.schema);
      let ok: Column | null = null;
      this.get('inputCols').forEach((c, k) => {
        const cond = types[k]!.kind === 'vector' || types[k]!.kind !== 'float64' ? col(c).isNotNull() : col(c).isNotNull().and(col(c).isNaN().not());
        ok = ok ? ok.and(cond) : cond;
      });
      if (ok) input = input.filter(ok);
      handleInvalid = 'error';
    }
    const args = new ByteWriter().str(handleInvalid).str(this.get('outputCol')).strs(this.get('inputCols')).finish();
    return mapColumns(input, 'assemble', args, [out]);
  }
  static load(path: string): Promise<VectorAssembler> { return loadAs(path, VectorAssembler); }
}
registerFeatureLoader(VectorAssembler, () => new VectorAssembler(), false);
