import type { Expr } from '../expr/expr.js';
import { aggregate } from '../logical/verbs/aggregate.js';
import { AnalysisError } from '../errors.js';
import { isNumeric } from '../types/data-type.js';
import { Column } from './column.js';
import { DataFrame } from './dataframe.js';
import { F } from './functions.js';

/** The result of groupBy(): aggregations per group, as Spark's GroupedData. */
export class GroupedData {
  constructor(private readonly df: DataFrame, private readonly keys: readonly Expr[]) {}

  agg(...exprs: (Column | Column[] | Record<string, string>)[]): DataFrame {
    const cols = exprs.flatMap((e) => (e instanceof Column ? [e] : Array.isArray(e) ? e : Object.entries(e).map(([c, fn]) => byName(fn, c))));
    if (cols.length === 0) throw new AnalysisError('agg() needs at least one aggregate expression');
    return new DataFrame(this.df.session, aggregate(this.df.plan, this.keys, cols.map((c) => c.expr)));
  }

  count(): DataFrame { return this.agg(F.count('*').alias('count')); }
  sum(...cols: string[]): DataFrame { return this.numeric('sum', cols); }
  avg(...cols: string[]): DataFrame { return this.numeric('avg', cols); }
  mean(...cols: string[]): DataFrame { return this.numeric('avg', cols); }
  min(...cols: string[]): DataFrame { return this.numeric('min', cols); }
  max(...cols: string[]): DataFrame { return this.numeric('max', cols); }

  /** Spark names the result columns `sum(x)`; with no columns it aggregates every numeric one. */
  private numeric(fn: 'sum' | 'avg' | 'min' | 'max', cols: string[]): DataFrame {
    const names = cols.length ? cols : this.df.plan.schema.fields.filter((f) => isNumeric(f.type)).map((f) => f.name);
    return this.agg(...names.map((n) => byName(fn, n)));
  }
}

function byName(fn: string, column: string): Column {
  const f = (F as unknown as Record<string, (c: string) => Column>)[fn === 'mean' ? 'avg' : fn];
  if (!f) throw new AnalysisError(`Unknown aggregate function '${fn}'`);
  return f(column);
}


