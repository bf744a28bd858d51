import type { Expr } from '../expr/expr.js';
import { Column, type ColumnLike, col, lit, toColumnExpr, toLiteralExpr } from './column.js';
import { udf } from './udf.js';

const call = (fn: string, ...args: Expr[]): Column => new Column({ op: 'call', fn, args });
const agg = (fn: string, args: Expr[], distinct = false, params?: number[]): Column =>
  new Column({ op: 'agg', fn, args, distinct, ...(params ? { params } : {}) });
const c = toColumnExpr;
const v = toLiteralExpr;

/** Spark SQL functions (`pyspark.sql.functions`), by their Spark names. */
export const F = {
  col,
  column: col,
  lit,

  // aggregates
  count: (x: ColumnLike): Column => (x === '*' ? agg('count', []) : agg('count', [c(x)])),
  countDistinct: (...xs: ColumnLike[]): Column => agg('count', xs.map(c), true),
  count_distinct: (...xs: ColumnLike[]): Column => agg('count', xs.map(c), true),
  sum: (x: ColumnLike): Column => agg('sum', [c(x)]),
  sum_distinct: (x: ColumnLike): Column => agg('sum', [c(x)], true),
  avg: (x: ColumnLike): Column => agg('avg', [c(x)]),
  mean: (x: ColumnLike): Column => agg('avg', [c(x)]),
  min: (x: ColumnLike): Column => agg('min', [c(x)]),
  max: (x: ColumnLike): Column => agg('max', [c(x)]),
  stddev: (x: ColumnLike): Column => agg('stddev_samp', [c(x)]),
  stddev_samp: (x: ColumnLike): Column => agg('stddev_samp', [c(x)]),
  stddev_pop: (x: ColumnLike): Column => agg('stddev_pop', [c(x)]),
  variance: (x: ColumnLike): Column => agg('var_samp', [c(x)]),
  var_samp: (x: ColumnLike): Column => agg('var_samp', [c(x)]),
  var_pop: (x: ColumnLike): Column => agg('var_pop', [c(x)]),
  first: (x: ColumnLike, ignoreNulls = false): Column => agg('first', [c(x)], false, [ignoreNulls ? 1 : 0]),
  last: (x: ColumnLike, ignoreNulls = false): Column => agg('last', [c(x)], false, [ignoreNulls ? 1 : 0]),
  collect_list: (x: ColumnLike): Column => agg('collect_list', [c(x)]),
  collect_set: (x: ColumnLike): Column => agg('collect_set', [c(x)]),
  approx_count_distinct: (x: ColumnLike, rsd = 0.05): Column => agg('approx_count_distinct', [c(x)], false, [rsd]),
  percentile_approx: (x: ColumnLike, percentage: number, accuracy = 10000): Column =>
    agg('percentile_approx', [c(x)], false, [percentage, accuracy]),
  median: (x: ColumnLike): Column => agg('median', [c(x)]),
  corr: (x: ColumnLike, y: ColumnLike): Column => agg('corr', [c(x), c(y)]),
  covar_samp: (x: ColumnLike, y: ColumnLike): Column => agg('covar_samp', [c(x), c(y)]),
  covar_pop: (x: ColumnLike, y: ColumnLike): Column => agg('covar_pop', [c(x), c(y)]),

  // math
  abs: (x: ColumnLike): Column => call('abs', c(x)),
  round: (x: ColumnLike, scale = 0): Column => call('round', c(x), v(scale)),
  bround: (x: ColumnLike, scale = 0): Column => call('bround', c(x), v(scale)),
  floor: (x: ColumnLike): Column => call('floor', c(x)),
  ceil: (x: ColumnLike): Column => call('ceil', c(x)),
  sqrt: (x: ColumnLike): Column => call('sqrt', c(x)),
  exp: (x: ColumnLike): Column => call('exp', c(x)),
  /** `log(x)` is the natural logarithm; `log(base, x)` as Spark. */
  log: (a: ColumnLike | number, b?: ColumnLike): Column =>
    b === undefined ? call('log', c(a as ColumnLike)) : call('log', v(a), c(b)),
  log10: (x: ColumnLike): Column => call('log10', c(x)),
  log2: (x: ColumnLike): Column => call('log2', c(x)),
  pow: (x: ColumnLike | number, y: ColumnLike | number): Column =>
    call('pow', typeof x === 'number' ? v(x) : c(x), typeof y === 'number' ? v(y) : c(y)),
  signum: (x: ColumnLike): Column => call('signum', c(x)),

  // strings
  lower: (x: ColumnLike): Column => call('lower', c(x)),
  upper: (x: ColumnLike): Column => call('upper', c(x)),
  trim: (x: ColumnLike): Column => call('trim', c(x)),
  ltrim: (x: ColumnLike): Column => call('ltrim', c(x)),
  rtrim: (x: ColumnLike): Column => call('rtrim', c(x)),
  length: (x: ColumnLike): Column => call('length', c(x)),
  substring: (x: ColumnLike, pos: number, len: number): Column => call('substring', c(x), v(pos), v(len)),
  concat: (...xs: ColumnLike[]): Column => call('concat', ...xs.map(c)),
  concat_ws: (sep: string, ...xs: ColumnLike[]): Column => call('concat_ws', v(sep), ...xs.map(c)),
  split: (x: ColumnLike, pattern: string, limit = -1): Column => call('split', c(x), v(pattern), v(limit)),
  regexp_replace: (x: ColumnLike, pattern: string, replacement: string): Column =>
    call('regexp_replace', c(x), v(pattern), v(replacement)),
  regexp_extract: (x: ColumnLike, pattern: string, idx: number): Column => call('regexp_extract', c(x), v(pattern), v(idx)),
  instr: (x: ColumnLike, substr: string): Column => call('instr', c(x), v(substr)),
  lpad: (x: ColumnLike, len: number, pad: string): Column => call('lpad', c(x), v(len), v(pad)),
  rpad: (x: ColumnLike, len: number, pad: string): Column => call('rpad', c(x), v(len), v(pad)),
  reverse: (x: ColumnLike): Column => call('reverse', c(x)),
  initcap: (x: ColumnLike): Column => call('initcap', c(x)),

  // dates
  year: (x: ColumnLike): Column => call('year', c(x)),
  month: (x: ColumnLike): Column => call('month', c(x)),
  dayofmonth: (x: ColumnLike): Column => call('dayofmonth', c(x)),
  dayofweek: (x: ColumnLike): Column => call('dayofweek', c(x)),
  dayofyear: (x: ColumnLike): Column => call('dayofyear', c(x)),
  hour: (x: ColumnLike): Column => call('hour', c(x)),
  minute: (x: ColumnLike): Column => call('minute', c(x)),
  second: (x: ColumnLike): Column => call('second', c(x)),
  to_date: (x: ColumnLike, format?: string): Column => (format === undefined ? call('to_date', c(x)) : call('to_date', c(x), v(format))),
  to_timestamp: (x: ColumnLike, format?: string): Column =>
    format === undefined ? call('to_timestamp', c(x)) : call('to_timestamp', c(x), v(format)),
  date_add: (x: ColumnLike, days: number | Column): Column => call('date_add', c(x), v(days)),
  date_sub: (x: ColumnLike, days: number | Column): Column => call('date_sub', c(x), v(days)),
  datediff: (end: ColumnLike, start: ColumnLike): Column => call('datediff', c(end), c(start)),

  // null handling and misc
  coalesce: (...xs: ColumnLike[]): Column => call('coalesce', ...xs.map(c)),
  greatest: (...xs: ColumnLike[]): Column => call('greatest', ...xs.map(c)),
  least: (...xs: ColumnLike[]): Column => call('least', ...xs.map(c)),
  hash: (...xs: ColumnLike[]): Column => call('hash', ...xs.map(c)),
  isnull: (x: ColumnLike): Column => call('is_null', c(x)),
  isnan: (x: ColumnLike): Column => call('is_nan', c(x)),
  when: (condition: Column, value: unknown): Column => new Column({ op: 'case', branches: [[condition.expr, v(value)]], otherwise: null }),

  // window-only
  row_number: (): Column => call('row_number'),
  rank: (): Column => call('rank'),
  dense_rank: (): Column => call('dense_rank'),
  percent_rank: (): Column => call('percent_rank'),
  cume_dist: (): Column => call('cume_dist'),
  ntile: (n: number): Column => call('ntile', v(n)),
  lag: (x: ColumnLike, offset = 1, defaultValue: unknown = null): Column => call('lag', c(x), v(offset), v(defaultValue)),
  lead: (x: ColumnLike, offset = 1, defaultValue: unknown = null): Column => call('lead', c(x), v(offset), v(defaultValue)),

  /** A user-defined function over columns, shipped to workers as source (see api/udf.ts). */
  udf,

  asc: (x: string): Column => col(x).asc(),
  desc: (x: string): Column => col(x).desc(),
};
