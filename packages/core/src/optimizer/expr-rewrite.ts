import type { BoundExpr } from '../expr/bound.js';
import type { LogicalPlan } from '../logical/plan.js';

/** Rewrites every bound expression a node holds (not its children's). */
export function mapNodeExprs(p: LogicalPlan, f: (e: BoundExpr) => BoundExpr): LogicalPlan {
  switch (p.kind) {
    case 'project': return { ...p, exprs: p.exprs.map(f) };
    case 'filter': return { ...p, predicate: f(p.predicate) };
    case 'aggregate': return { ...p, groupBy: p.groupBy.map(f), aggregates: p.aggregates.map((a) => ({ ...a, args: a.args.map(f) })) };
    case 'sort': return { ...p, keys: p.keys.map(f) };
    case 'join': return { ...p, leftKeys: p.leftKeys.map(f), rightKeys: p.rightKeys.map(f), residual: p.residual ? f(p.residual) : null };
    case 'window': return { ...p, partitionBy: p.partitionBy.map(f), orderBy: p.orderBy.map(f), calls: p.calls.map((c) => ({ ...c, args: c.args.map(f) })) };
    case 'repartition': return { ...p, keys: p.keys.map(f) };
    default: return p;
  }
}

/** Replaces column references by the expressions they stand for (pushing a predicate below a projection). */
export function substitute(e: BoundExpr, exprs: readonly BoundExpr[]): BoundExpr {
  switch (e.op) {
    case 'ref': return exprs[e.index]!;
    case 'lit': return e;
    case 'call': case 'udf': return { ...e, args: e.args.map((a) => substitute(a, exprs)) };
    case 'cast': return { ...e, child: substitute(e.child, exprs) };
    case 'case': return { ...e, branches: e.branches.map(([c, v]) => [substitute(c, exprs), substitute(v, exprs)] as const), otherwise: e.otherwise ? substitute(e.otherwise, exprs) : null };
  }
}

export function splitConjuncts(e: BoundExpr): BoundExpr[] {
  return e.op === 'call' && e.fn === 'and' ? e.args.flatMap(splitConjuncts) : [e];
}

export function conjunction(es: readonly BoundExpr[]): BoundExpr | null {
  return es.length === 0 ? null : es.reduce((a, b) => ({ op: 'call', fn: 'and', args: [a, b], type: a.type }));
}
