import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as arrow from 'apache-arrow';
import { AnalysisError } from '../errors.js';
import { batchesToTable } from '../types/arrow.js';
import { type Batch, concatBatches } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import type { Vec } from '../types/vec.js';
import type { UserFunction } from '../udf/user-function.js';

/**
 * Partition functions: a named export of a module every worker can import, run once per partition of a
 * DataFrame with argument bytes from the driver (Spark MLlib's mapPartitions / treeAggregate over cached
 * RDDs). Library code travels by module specifier; the user functions of DataFrame.mapPartitions and
 * foreachPartition take the same path as shipped source (udf/).
 */
export interface PartitionFunctionOptions {
  /** A file URL or absolute path, or a package specifier resolvable from the process's working directory. */
  readonly module: string;
  /** The export to call. */
  readonly fn: string;
  readonly args?: Uint8Array;
  /** All tasks must run at once (collective training); local[N] needs N >= partitions. */
  readonly barrier?: boolean;
}

export interface MapPartitionsOptions extends PartitionFunctionOptions {
  /** The columns the function returns, in order; they are appended to the input's (replacing same-named ones). */
  readonly outputSchema: Schema;
}

export interface PartitionContext {
  readonly partition: number;
  readonly numPartitions: number;
  readonly attempt: number;
  /**
   * Identifies this partition's input: equal keys mean the same rows (the same plan over the same cached
   * blocks), so a worker may memoize arrays derived from them across optimizer iterations.
   */
  readonly cacheKey: string;
  /**
   * Aborted when the scheduler kills this task: a barrier stage's attempt lost or failed another task, so
   * partners blocked on it (a collective group forming, a rendezvous) should give up and fail now. Killing is
   * cooperative; a function that never looks at the signal runs to its end.
   */
  readonly signal: AbortSignal;
}

/** What a mapPartitions or foreachPartition function gets besides the partition's columns. */
export interface UserPartitionContext extends PartitionContext {
  readonly numRows: number;
}

/** One partition's rows, as one batch of typed-array columns. */
export class PartitionData {
  readonly batch: Batch;
  constructor(readonly schema: Schema, batches: readonly Batch[]) {
    this.batch = concatBatches(schema, batches);
  }
  get numRows(): number { return this.batch.numRows; }
  /** A column by name (AnalysisError naming it when absent). */
  column(name: string): Vec { return this.batch.columns[this.schema.resolve(name)]!; }
  toArrow(): arrow.Table { return batchesToTable(this.schema, [this.batch]); }
}

/** Signature of a function run by DataFrame.runPartitions. */
export type PartitionFunction = (part: PartitionData, args: Uint8Array, ctx: PartitionContext) => Uint8Array | Promise<Uint8Array>;
/** Signature of a function run by DataFrame.mapPartitionsWith: the new columns, one Vec per field of outputSchema, each of part.numRows rows. */
export type MapPartitionFunction = (part: PartitionData, args: Uint8Array, ctx: PartitionContext) => Vec[] | Promise<Vec[]>;

/**
 * What a task carries: the function (a module's export, or with `userFunction` a shipped user function, when
 * module and fn are empty), its mode, and the stage-wide part of the cache key.
 */
export interface TaskFunction {
  readonly module: string;
  readonly fn: string;
  readonly userFunction: UserFunction | null;
  readonly args: Uint8Array;
  readonly barrier: boolean;
  /** map_rows: a user function's rows replace the partition's (DataFrame.mapPartitions). */
  readonly mode: 'result' | 'map_columns' | 'map_rows';
  readonly outputSchema: Schema | null;
  readonly cacheKey: string;
}

const loaded = new Map<string, Promise<Record<string, unknown>>>();

function moduleUrl(specifier: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'noop.js')).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

/** Imports (once per thread) and returns the named export, or a clear error naming module and export. */
export async function loadPartitionFunction(module: string, fn: string): Promise<(...a: unknown[]) => unknown> {
  let m = loaded.get(module);
  if (!m) {
    m = import(moduleUrl(module)) as Promise<Record<string, unknown>>;
    loaded.set(module, m);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await m;
  } catch (e) {
    loaded.delete(module);
    throw new AnalysisError(`Partition function module '${module}' cannot be imported: ${(e as Error).message}`);
  }
  const f = mod[fn];
  if (typeof f !== 'function') throw new AnalysisError(`Partition function module '${module}' has no exported function '${fn}'`);
  return f as (...a: unknown[]) => unknown;
}
