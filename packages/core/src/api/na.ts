import { AnalysisError } from '../errors.js';
import { isNumeric } from '../types/data-type.js';
import { col, lit } from './column.js';
import type { DataFrame } from './dataframe.js';
import { F } from './functions.js';

/** df.na: dropping and filling nulls, as Spark's DataFrameNaFunctions. */
export class DataFrameNaFunctions {
  constructor(private readonly df: DataFrame) {}

  /** Drops rows with nulls (or NaN) in `subset`: 'any' null, 'all' null, or fewer than `thresh` non-null values. */
  drop(how: 'any' | 'all' = 'any', thresh?: number, subset?: string[]): DataFrame {
    const names = subset ?? this.df.columns;
    if (names.length === 0) return this.df;
    const present = names.map((n) => {
      const f = this.df.schema.field(n);
      const c = col(f.name);
      return f.type.kind === 'float64' ? c.isNotNull().and(c.isNaN().not()) : c.isNotNull();
    });
    const need = thresh ?? (how === 'all' ? 1 : names.length);
    if (how !== 'any' && how !== 'all') throw new AnalysisError(`na.drop(): how must be 'any' or 'all', got '${how}'`);
    const count = present.map((p) => F.when(p, 1).otherwise(0)).reduce((a, b) => a.plus(b));
    return this.df.filter(count.geq(need));
  }

  /** Replaces nulls: a number fills numeric columns, a string string columns, a boolean boolean columns; or a per-column map. */
  fill(value: number | string | boolean | Record<string, unknown>, subset?: string[]): DataFrame {
    const perColumn: Record<string, unknown> =
      typeof value === 'object' && value !== null ? value : Object.fromEntries((subset ?? this.df.columns).map((n) => [n, value]));
    const fields = this.df.schema.fields;
    const exprs = fields.map((f) => {
      const v = perColumn[f.name];
      if (v === undefined || v === null) return col(f.name);
      const fits =
        (typeof v === 'number' && isNumeric(f.type)) ||
        (typeof v === 'string' && f.type.kind === 'utf8') ||
        (typeof v === 'boolean' && f.type.kind === 'boolean');
      if (!fits) return col(f.name);
      const filled = f.type.kind === 'float64'
        ? F.when(col(f.name).isNull().or(col(f.name).isNaN()), lit(v)).otherwise(col(f.name))
        : F.coalesce(col(f.name), lit(v));
      return filled.cast(f.type).alias(f.name);
    });
    return this.df.select(...exprs);
  }
}
