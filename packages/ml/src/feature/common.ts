import { type DataFrame, type DataType, type Field, Schema, field, typeToString } from '@quiver/core';
import { kernelModule } from '../base/kernel-module.js';
import { ParamError, type Params } from '../param/params.js';
import { applyParams, loadStage, type Metadata, readData, readMetadata, registerLoader, type MLWritable } from '../persistence/persistence.js';

const KERNELS = kernelModule('./kernels.js', import.meta.url);

/** One distributed aggregation: the partition function's partial results, merged by the caller on the driver. */
export function partitionStats(df: DataFrame, fn: string, args: Uint8Array): Promise<Uint8Array[]> {
  return df.runPartitions({ module: KERNELS, fn, args });
}

/** A distributed map adding (or replacing) the given columns. */
export function mapColumns(df: DataFrame, fn: string, args: Uint8Array, fields: Field[]): Promise<DataFrame> {
  return df.mapPartitionsWith({ module: KERNELS, fn, args, outputSchema: new Schema(fields) });
}

/** The schema with `fields` appended, a same-named column replaced (as mapPartitionsWith does). */
export function withFields(schema: Schema, fields: Field[]): Schema {
  const names = new Set(fields.map((f) => f.name));
  return new Schema([...schema.fields.filter((f) => !names.has(f.name)), ...fields]);
}

/** Column kinds the feature stages read as doubles. */
export const NUMBER_KINDS: readonly DataType['kind'][] = ['int32', 'int64', 'float64', 'boolean'];

/** The type of a named column, or a ParamError naming the stage, param and column before any task runs. */
export function columnType(stage: object, schema: Schema, param: string, name: string, kinds: readonly DataType['kind'][], what: string): DataType {
  const i = schema.indexOf(name);
  if (i < 0) throw new ParamError(`${stage.constructor.name}: ${param} '${name}' is not a column; the columns are ${schema.names.join(', ')}`);
  const t = schema.fields[i]!.type;
  if (!kinds.includes(t.kind)) throw new ParamError(`${stage.constructor.name}: ${param} '${name}' must be ${what}, but it is ${typeToString(t)}`);
  return t;
}

/** Input/output column pairs from inputCol/outputCol or inputCols/outputCols (exactly one form, equal lengths). */
export function columnPairs(stage: Params<Record<string, unknown>>): [string, string][] {
  const single = stage.getOrUndefined('inputCol') as string | undefined;
  const multi = stage.getOrUndefined('inputCols') as string[] | undefined;
  const name = stage.constructor.name;
  if (single !== undefined && multi !== undefined) throw new ParamError(`${name}: set inputCol or inputCols, not both`);
  if (single !== undefined) {
    const out = stage.getOrUndefined('outputCol') as string | undefined;
    if (out === undefined) throw new ParamError(`${name}: outputCol is not set`);
    return [[single, out]];
  }
  if (multi === undefined) throw new ParamError(`${name}: inputCol or inputCols must be set`);
  const outs = stage.getOrUndefined('outputCols') as string[] | undefined;
  if (!outs || outs.length !== multi.length) throw new ParamError(`${name}: outputCols must name one output per input column (${multi.length})`);
  return multi.map((c, i) => [c, outs[i]!]);
}

/** The input param the user set (inputCols or inputCol), for errors that name it. */
export function inputParam(stage: Params<Record<string, unknown>>): 'inputCol' | 'inputCols' {
  return stage.getOrUndefined('inputCols') !== undefined ? 'inputCols' : 'inputCol';
}

export function checkOutputFree(stage: object, schema: Schema, outputs: readonly string[]): void {
  for (const o of outputs) if (schema.has(o)) throw new ParamError(`${stage.constructor.name}: output column '${o}' already exists`);
}

export const doubleField = (name: string): Field => field(name, { kind: 'float64' });

/** Registers a stage's loader: a new instance from saved data, then its saved params. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerFeatureLoader<S extends MLWritable>(cls: { name: string }, make: (data: any) => S, withData = true): void {
  registerLoader(cls.name, (dir: string, m: Metadata) => applyParams(make(withData ? readData(dir) : null), m, dir));
}

/** Loads a stage saved at `path`, checking it is of the expected class. */
export async function loadAs<S>(path: string, cls: { name: string }): Promise<S> {
  readMetadata(path, cls.name);
  return (await loadStage(path)) as S;
}
