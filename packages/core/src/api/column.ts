import type { Expr, WindowSpecDef } from '../expr/expr.js';
import { exprName } from '../expr/expr.js';
import { type DataType, parseTypeName } from '../types/data-type.js';
import { AnalysisError } from '../errors.js';
import type { WindowSpec } from './window.js';

export type ColumnLike = Column | string;
export type ValueLike = Column | string | number | bigint | boolean | Date | null;

/** A column expression, as Spark's `Column`: immutable, composed with methods that read aloud. */
export class Column {
  constructor(readonly expr: Expr) {}

  toString(): string {
    return exprName(this.expr);
  }

  private call(fn: string, ...others: unknown[]): Column {
    return new Column({ op: 'call', fn, args: [this.expr, ...others.map(toLiteralExpr)] });
  }

  // arithmetic
  plus(o: unknown): Column { return this.call('add', o); }
  minus(o: unknown): Column { return this.call('subtract', o); }
  multiply(o: unknown): Column { return this.call('multiply', o); }
  divide(o: unknown): Column { return this.call('divide', o); }
  mod(o: unknown): Column { return this.call('mod', o); }
  negate(): Column { return new Column({ op: 'call', fn: 'negate', args: [this.expr] }); }

  // comparison
  eq(o: unknown): Column { return this.call('eq', o); }
  equalTo(o: unknown): Column { return this.eq(o); }
  neq(o: unknown): Column { return this.call('neq', o); }
  notEqual(o: unknown): Column { return this.neq(o); }
  gt(o: unknown): Column { return this.call('gt', o); }
  geq(o: unknown): Column { return this.call('ge', o); }
  ge(o: unknown): Column { return this.geq(o); }
  lt(o: unknown): Column { return this.call('lt', o); }
  leq(o: unknown): Column { return this.call('le', o); }
  le(o: unknown): Column { return this.leq(o); }
  eqNullSafe(o: unknown): Column { return this.call('eq_null_safe', o); }

  // logic
  and(o: Column): Column { return this.call('and', o); }
  or(o: Column): Column { return this.call('or', o); }
  not(): Column { return new Column({ op: 'call', fn: 'not', args: [this.expr] }); }

  // predicates
  isNull(): Column { return new Column({ op: 'call', fn: 'is_null', args: [this.expr] }); }
  isNotNull(): Column { return new Column({ op: 'call', fn: 'is_not_null', args: [this.expr] }); }
  isNaN(): Column { return new Column({ op: 'call', fn: 'is_nan', args: [this.expr] }); }
  isin(...values: unknown[]): Column {
    const flat = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
    return this.call('isin', ...flat);
  }
  between(lower: unknown, upper: unknown): Column { return this.geq(lower).and(this.leq(upper)); }
  like(pattern: string): Column { return this.call('like', pattern); }
  rlike(pattern: string): Column { return this.call('rlike', pattern); }
  startsWith(prefix: unknown): Column { return this.call('startswith', prefix); }
  endsWith(suffix: unknown): Column { return this.call('endswith', suffix); }
  contains(s: unknown): Column { return this.call('contains', s); }
  substr(pos: number, len: number): Column { return this.call('substring', pos, len); }

  cast(to: DataType | string): Column {
    return new Column({ op: 'cast', child: this.expr, to: typeof to === 'string' ? parseTypeName(to) : to });
  }
  astype(to: DataType | string): Column { return this.cast(to); }

  alias(name: string): Column { return new Column({ op: 'alias', child: this.expr, name }); }
  as(name: string): Column { return this.alias(name); }
  name(name: string): Column { return this.alias(name); }

  /** Adds a branch to a CASE built by `F.when(...)`. */
  when(condition: Column, value: unknown): Column {
    const e = this.expr;
    if (e.op !== 'case' || e.otherwise !== null) throw new AnalysisError('when() can only follow F.when(...) or another when()');
    return new Column({ ...e, branches: [...e.branches, [condition.expr, toLiteralExpr(value)]] });
  }
  otherwise(value: unknown): Column {
    const e = this.expr;
    if (e.op !== 'case' || e.otherwise !== null) throw new AnalysisError('otherwise() can only follow F.when(...)');
    return new Column({ ...e, otherwise: toLiteralExpr(value) });
  }

  // ordering: Spark puts nulls first when ascending and last when descending
  asc(): Column { return this.sort(true, true); }
  desc(): Column { return this.sort(false, false); }
  asc_nulls_first(): Column { return this.sort(true, true); }
  asc_nulls_last(): Column { return this.sort(true, false); }
  desc_nulls_first(): Column { return this.sort(false, true); }
  desc_nulls_last(): Column { return this.sort(false, false); }
  private sort(ascending: boolean, nullsFirst: boolean): Column {
    const child = this.expr.op === 'sort' ? this.expr.child : this.expr;
    return new Column({ op: 'sort', child, ascending, nullsFirst });
  }

  over(window?: WindowSpec): Column {
    const spec: WindowSpecDef = window?.def ?? { partitionBy: [], orderBy: [] };
    if (this.expr.op !== 'agg' && !(this.expr.op === 'call' && WINDOW_ONLY.has(this.expr.fn))) {
      throw new AnalysisError(`over() needs an aggregate or ranking function, got ${exprName(this.expr)}`);
    }
    return new Column({ op: 'window', fn: this.expr, spec });
  }
}

/** Ranking and offset functions that exist only inside over(). */
export const WINDOW_ONLY = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead']);

export function col(name: string): Column {
  if (name === '*') return new Column({ op: 'star' });
  return new Column({ op: 'col', name });
}

export function lit(value: unknown): Column {
  if (value instanceof Column) return value;
  return new Column({ op: 'lit', value: value === undefined ? null : value });
}

/** Strings name columns where Spark's functions take column names; everything else becomes a literal. */
export function toColumnExpr(c: ColumnLike): Expr {
  return typeof c === 'string' ? col(c).expr : c.expr;
}

export function toLiteralExpr(v: unknown): Expr {
  return v instanceof Column ? v.expr : lit(v).expr;
}
