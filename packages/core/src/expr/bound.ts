import type { DataType } from '../types/data-type.js';
import type { UserFunction } from '../udf/user-function.js';

/** A resolved, typed expression over the columns of one input batch; what kernels evaluate and what crosses to workers. */
export type BoundExpr =
  | { readonly op: 'ref'; readonly index: number; readonly type: DataType }
  | { readonly op: 'lit'; readonly value: unknown; readonly type: DataType }
  | { readonly op: 'call'; readonly fn: string; readonly args: readonly BoundExpr[]; readonly type: DataType }
  | { readonly op: 'cast'; readonly child: BoundExpr; readonly type: DataType }
  | { readonly op: 'udf'; readonly fn: UserFunction; readonly deterministic: boolean; readonly args: readonly BoundExpr[]; readonly type: DataType }
  | { readonly op: 'case'; readonly branches: readonly (readonly [BoundExpr, BoundExpr])[]; readonly otherwise: BoundExpr | null; readonly type: DataType };

export function boundChildren(e: BoundExpr): readonly BoundExpr[] {
  switch (e.op) {
    case 'ref': case 'lit': return [];
    case 'call': case 'udf': return e.args;
    case 'cast': return [e.child];
    case 'case': return [...e.branches.flatMap(([c, v]) => [c, v]), ...(e.otherwise ? [e.otherwise] : [])];
  }
}

export function referencedColumns(e: BoundExpr, into = new Set<number>()): Set<number> {
  if (e.op === 'ref') into.add(e.index);
  for (const c of boundChildren(e)) referencedColumns(c, into);
  return into;
}

export function remapRefs(e: BoundExpr, map: (index: number) => number): BoundExpr {
  switch (e.op) {
    case 'ref': return { ...e, index: map(e.index) };
    case 'lit': return e;
    case 'call': case 'udf': return { ...e, args: e.args.map((a) => remapRefs(a, map)) };
    case 'cast': return { ...e, child: remapRefs(e.child, map) };
    case 'case': return { ...e, branches: e.branches.map(([c, v]) => [remapRefs(c, map), remapRefs(v, map)] as const), otherwise: e.otherwise ? remapRefs(e.otherwise, map) : null };
  }
}

export function boundToString(e: BoundExpr, names?: readonly string[]): string {
  switch (e.op) {
    case 'ref': return names?.[e.index] ?? `#${e.index}`;
    case 'lit': return typeof e.value === 'string' ? `'${e.value}'` : String(e.value);
    case 'call': return `${e.fn}(${e.args.map((a) => boundToString(a, names)).join(', ')})`;
    case 'udf': return `${e.fn.name}(${e.args.map((a) => boundToString(a, names)).join(', ')})`;
    case 'cast': return `cast(${boundToString(e.child, names)} as ${e.type.kind})`;
    case 'case': return `case(${e.branches.map(([c, v]) => `${boundToString(c, names)} -> ${boundToString(v, names)}`).join(', ')}${e.otherwise ? `, else ${boundToString(e.otherwise, names)}` : ''})`;
  }
}

/** False when the expression calls a nondeterministic udf: such an expression must run exactly where the user put it. */
export function isDeterministic(e: BoundExpr): boolean {
  return (e.op !== 'udf' || e.deterministic) && boundChildren(e).every(isDeterministic);
}
