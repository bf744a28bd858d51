import { type DataFrame, type DataType, type Schema, typeToString } from '@quiver/core';
import { type MLWritable, MLWriter } from '../persistence/persistence.js';
import { ParamError, Params } from '../param/params.js';

/** A pipeline stage: typed params, a uid, a schema check run before any task, and persistence. */
export abstract class PipelineStage<P extends object = object> extends Params<P> implements MLWritable {
  /**
   * Checks input columns and types against the stage's params and returns the output schema, throwing a
   * ParamError naming the param and column when they do not fit. fit() and transform() call it first.
   */
  abstract transformSchema(schema: Schema): Schema;

  write(): MLWriter { return new MLWriter(this); }

  /** The model's learned state as JSON-able data (written under data/); stages without state return null. */
  saveData(): unknown { return null; }
}

export abstract class Transformer<P extends object = object> extends PipelineStage<P> {
  abstract transform(df: DataFrame): Promise<DataFrame>;
}

export abstract class Estimator<M extends Model<object>, P extends object = object> extends PipelineStage<P> {
  /** Validates params against the data's schema (no task runs on failure), then trains. */
  async fit(df: DataFrame, extra?: Partial<P>): Promise<M> {
    if (extra) return this.copy(extra).fit(df);
    this.transformSchema(df.schema);
    return this.train(df);
  }

  protected abstract train(df: DataFrame): Promise<M>;
}

export abstract class Model<P extends object = object> extends Transformer<P> {
  /** The estimator this model was fitted by (absent after load). */
  parent: Estimator<Model<P>, P> | null = null;
}

type Kinds = readonly DataType['kind'][];

/** The type of the column a param names, checked against the accepted kinds; errors name both. */
export function checkColumn(stage: Params<object>, schema: Schema, param: string, kinds: Kinds, what: string): DataType {
  const name = (stage as Params<Record<string, unknown>>).get(param) as string;
  const i = schema.indexOf(name);
  if (i < 0) throw new ParamError(`${stage.constructor.name}: ${param} '${name}' is not a column; the columns are ${schema.names.join(', ')}`);
  const t = schema.fields[i]!.type;
  if (!kinds.includes(t.kind)) {
    throw new ParamError(`${stage.constructor.name}: ${param} '${name}' must be ${what}, but it is ${typeToString(t)}`);
  }
  return t;
}

/** Fails when an output column a param names already exists (Spark's rule). */
export function checkNewColumn(stage: Params<object>, schema: Schema, param: string): void {
  const name = (stage as Params<Record<string, unknown>>).get(param) as string;
  if (name && schema.has(name)) throw new ParamError(`${stage.constructor.name}: output column ${param} '${name}' already exists`);
}

export const NUMERIC_KINDS: Kinds = ['int32', 'int64', 'float64', 'decimal', 'boolean'];
export const VECTOR_KINDS: Kinds = ['vector'];
