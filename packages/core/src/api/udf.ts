import { AnalysisError } from '../errors.js';
import { type DataType, Utf8Type, parseTypeName } from '../types/data-type.js';
import { type UserFunction, shipFunction } from '../udf/user-function.js';
import { Column, type ColumnLike, toColumnExpr } from './column.js';

/** F.udf's options. Captured values are copied when the udf is made, as PySpark pickles a closure's values. */
export interface UdfOptions {
  /** The result type: a DataType or a type name ('double', 'int', 'bigint', 'string', 'boolean', 'date', ...); default string, as Spark. */
  readonly returnType?: DataType | string;
  /** false: may give another result for the same inputs (random, clock): the optimizer then never moves or duplicates a call. */
  readonly deterministic?: boolean;
  /** The values of the function's free variables, by name: `{ captures: { k, threshold } }`. */
  readonly captures?: Readonly<Record<string, unknown>>;
}

/** What F.udf returns: call it with columns (or column names) to get a Column, as PySpark's UserDefinedFunction. */
export interface UserDefinedFunction {
  (...cols: ColumnLike[]): Column;
  readonly func: UserFunction;
  readonly returnType: DataType;
  readonly deterministic: boolean;
  asNondeterministic(): UserDefinedFunction;
}

/**
 * Spark's `udf`: `fn` is called once per row on workers with the argument columns' values (null for null, as
 * PySpark passes None; bigint columns as bigint, dates and timestamps as Date) and returns a value of the return
 * type, or null. It travels as source: every variable it reads must be a global or passed in `captures`, and a
 * function that cannot be shipped is refused here with an AnalysisError.
 */
export function udf(fn: (...args: never[]) => unknown, returnType?: DataType | string | UdfOptions, options?: UdfOptions): UserDefinedFunction {
  const opts: UdfOptions = returnType !== undefined && typeof returnType === 'object' && !('kind' in returnType) ? returnType : { ...options, returnType: returnType as DataType | string | undefined };
  let type: DataType;
  try {
    type = typeof opts.returnType === 'string' ? parseTypeName(opts.returnType) : opts.returnType ?? Utf8Type;
  } catch (e) {
    throw new AnalysisError(`udf: ${(e as Error).message}`);
  }
  if (Object.prototype.toString.call(fn) === '[object AsyncFunction]') {
    throw new AnalysisError(`udf function '${fn.name || 'anonymous'}' is async: a udf returns its value for each row synchronously (use mapPartitions to await per partition)`);
  }
  return makeUdf(shipFunction(fn, opts.captures, 'udf'), type, opts.deterministic ?? true);
}

function makeUdf(func: UserFunction, returnType: DataType, deterministic: boolean): UserDefinedFunction {
  const call = (...cols: ColumnLike[]): Column => new Column({ op: 'udf', fn: func, returnType, deterministic, args: cols.map(toColumnExpr) });
  return Object.assign(call, { func, returnType, deterministic, asNondeterministic: () => makeUdf(func, returnType, false) });
}
