import type { DataType } from '../types/data-type.js';
import type { UserFunction } from '../udf/user-function.js';

/**
 * Unresolved expressions, as the user's Column objects build them. The analyzer turns them
 * into BoundExpr (column names replaced by positions, every node typed).
 */
export type Expr =
  /**
   * `from` ties a reference to one DataFrame (df.col('x')); the DataFrame resolves it to the
   * position `index` of that DataFrame's columns, which disambiguates equal names after a join.
   */
  | { readonly op: 'col'; readonly name: string; readonly from?: number; readonly index?: number }
  | { readonly op: 'star' }
  | { readonly op: 'lit'; readonly value: unknown; readonly type?: DataType }
  | { readonly op: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  /** F.udf: a shipped user function called per row; `deterministic: false` keeps the optimizer from moving or duplicating it. */
  | { readonly op: 'udf'; readonly fn: UserFunction; readonly returnType: DataType; readonly deterministic: boolean; readonly args: readonly Expr[] }
  | { readonly op: 'cast'; readonly child: Expr; readonly to: DataType }
  | { readonly op: 'case'; readonly branches: readonly (readonly [Expr, Expr])[]; readonly otherwise: Expr | null }
  | { readonly op: 'alias'; readonly child: Expr; readonly name: string }
  | { readonly op: 'agg'; readonly fn: string; readonly args: readonly Expr[]; readonly distinct: boolean; readonly params?: readonly number[] }
  | { readonly op: 'window'; readonly fn: Expr; readonly spec: WindowSpecDef }
  | { readonly op: 'sort'; readonly child: Expr; readonly ascending: boolean; readonly nullsFirst: boolean };

export interface WindowSpecDef {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly Expr[];
  /** Row frame as offsets from the current row; null bounds mean unbounded. Absent means Spark's default frame. */
  readonly frame?: { readonly start: number | null; readonly end: number | null };
}

/** The output name Spark gives an expression that has no alias. */
export function exprName(e: Expr): string {
  switch (e.op) {
    case 'col': return e.name;
    case 'star': return '*';
    case 'lit': return e.value === null ? 'NULL' : String(e.value);
    case 'alias': return e.name;
    case 'cast': return `CAST(${exprName(e.child)} AS ${e.to.kind.toUpperCase()})`;
    case 'sort': return exprName(e.child);
    case 'call': {
      const sym = BINARY_SYMBOLS[e.fn];
      if (sym && e.args.length === 2) return `(${exprName(e.args[0]!)} ${sym} ${exprName(e.args[1]!)})`;
      return `${e.fn}(${e.args.map(exprName).join(', ')})`;
    }
    case 'udf': return `${e.fn.name}(${e.args.map(exprName).join(', ')})`;
    case 'case': return 'CASE WHEN ' + e.branches.map(([c, v]) => `${exprName(c)} THEN ${exprName(v)}`).join(' WHEN ') + (e.otherwise ? ` ELSE ${exprName(e.otherwise)}` : '') + ' END';
    case 'agg': return `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(exprName).join(', ')})`;
    case 'window': return `${exprName(e.fn)} OVER (...)`;
  }
}

const BINARY_SYMBOLS: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', mod: '%',
  eq: '=', neq: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', and: 'AND', or: 'OR', eq_null_safe: '<=>',
};

/** Calls a function on every direct child; used by analyzers and optimizer rules. */
export function exprChildren(e: Expr): readonly Expr[] {
  switch (e.op) {
    case 'col': case 'star': case 'lit': return [];
    case 'call': case 'agg': case 'udf': return e.args;
    case 'cast': case 'alias': case 'sort': return [e.child];
    case 'case': return [...e.branches.flatMap(([c, v]) => [c, v]), ...(e.otherwise ? [e.otherwise] : [])];
    case 'window': return [e.fn, ...e.spec.partitionBy, ...e.spec.orderBy];
  }
}

export function containsOp(e: Expr, op: Expr['op']): boolean {
  return e.op === op || exprChildren(e).some((c) => containsOp(c, op));
}

export function stripAlias(e: Expr): Expr {
  return e.op === 'alias' ? stripAlias(e.child) : e;
}
