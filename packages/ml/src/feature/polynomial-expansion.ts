import { type DataFrame, type Schema, VectorType, field } from '@quiver/core';
import { Transformer } from '../base/stage.js';
import { checks } from '../param/params.js';
import { ByteWriter } from './codec.js';
import { checkOutputFree, columnType, loadAs, mapColumns, registerFeatureLoader, withFields } from './common.js';
import { polySize } from './kernels.js';

export interface PolynomialExpansionParams { inputCol: string; outputCol: string; degree: number }

/** Spark's PolynomialExpansion: every product of features up to `degree`, in Spark's term order (dense output). */
export class PolynomialExpansion extends Transformer<PolynomialExpansionParams> {
  constructor(params?: Partial<PolynomialExpansionParams>) {
    super();
    this.declare('inputCol', 'input vector column', undefined, checks.string);
    this.declare('outputCol', 'output vector column', undefined, checks.string);
    this.declare('degree', 'largest total power of a term', 2, checks.int(1));
    this.setParams(params);
  }
  transformSchema(schema: Schema): Schema {
    const t = columnType(this, schema, 'inputCol', this.get('inputCol'), ['vector'], 'a vector column') as { size: number };
    checkOutputFree(this, schema, [this.get('outputCol')]);
    return withFields(schema, [field(this.get('outputCol'), VectorType(polySize(t.size, this.get('degree')) - 1))]);
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    const out = this.transformSchema(df.schema).field(this.get('outputCol'));
    return mapColumns(df, 'polynomial', new ByteWriter().str(this.get('inputCol')).str(this.get('outputCol')).u32(this.get('degree')).finish(), [out]);
  }
  static load(path: string): Promise<PolynomialExpansion> { return loadAs(path, PolynomialExpansion); }
}
registerFeatureLoader(PolynomialExpansion, () => new PolynomialExpansion(), false);
