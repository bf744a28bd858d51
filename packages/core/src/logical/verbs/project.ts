import { bind } from '../../expr/bind.js';
import { type Expr, containsOp, exprChildren, exprName, stripAlias } from '../../expr/expr.js';
import { AnalysisError } from '../../errors.js';
import { Schema, field } from '../../types/schema.js';
import type { LogicalPlan } from '../plan.js';
import { aggregate } from './aggregate.js';
import { extractWindows } from './window.js';

/** select(): window functions are computed by a Window node below; aggregates without groupBy make a global aggregate. */
export function project(child: LogicalPlan, exprs: readonly Expr[]): LogicalPlan {
  const expanded = exprs.flatMap((e) => (e.op === 'star' ? child.schema.names.map((name) => ({ op: 'col', name }) as Expr) : [e]));
  if (expanded.some((e) => containsOp(e, 'agg') && !containsOp(e, 'window'))) {
    // Beside aggregates, only constants may appear: they have one value for the one output row.
    const plain = expanded.find((e) => !containsOp(e, 'agg') && containsOp(e, 'col'));
    if (plain) {
      throw new AnalysisError(`Column '${exprName(plain)}' is neither aggregated nor grouped: use groupBy('${exprName(plain)}') or an aggregate function`);
    }
    return aggregate(child, [], expanded);
  }
  let input = child;
  let rewritten = expanded;
  if (expanded.some((e) => containsOp(e, 'window'))) {
    ({ plan: input, exprs: rewritten } = extractWindows(child, expanded));
  }
  const bound = rewritten.map((e) => bind(e, input.schema));
  const names = expanded.map(exprName);
  const schema = new Schema(bound.map((b, i) => field(names[i]!, b.type, nullableOf(stripAlias(rewritten[i]!), input.schema))));
  if (isIdentity(bound, input.schema, names)) return input;
  return { kind: 'project', schema, child: input, exprs: bound };
}

function nullableOf(e: Expr, schema: Schema): boolean {
  if (e.op === 'col') return schema.fields[e.index ?? schema.resolve(e.name)]!.nullable;
  if (e.op === 'lit') return e.value === null;
  return true;
}

function isIdentity(bound: readonly { op: string; index?: number }[], schema: Schema, names: readonly string[]): boolean {
  return bound.length === schema.fields.length && bound.every((b, i) => b.op === 'ref' && b.index === i && names[i] === schema.fields[i]!.name);
}

/** Rewrites every sub-expression that `match` selects, bottom-up, keeping the rest of the tree. */
export function replaceExprs(e: Expr, replace: (e: Expr) => Expr | null): Expr {
  const r = replace(e);
  if (r) return r;
  if (exprChildren(e).length === 0) return e;
  switch (e.op) {
    case 'call': case 'udf': return { ...e, args: e.args.map((a) => replaceExprs(a, replace)) };
    case 'agg': return { ...e, args: e.args.map((a) => replaceExprs(a, replace)) };
    case 'cast': return { ...e, child: replaceExprs(e.child, replace) };
    case 'alias': return { ...e, child: replaceExprs(e.child, replace) };
    case 'sort': return { ...e, child: replaceExprs(e.child, replace) };
    case 'case':
      return {
        ...e,
        branches: e.branches.map(([c, v]) => [replaceExprs(c, replace), replaceExprs(v, replace)] as const),
        otherwise: e.otherwise ? replaceExprs(e.otherwise, replace) : null,
      };
    default: return e;
  }
}
