import type { BoundExpr } from '../expr/bound.js';
import { boundChildren } from '../expr/bound.js';
import { evaluate } from '../kernels/evaluate.js';
import { type LogicalPlan, transformUp } from '../logical/plan.js';
import { Schema } from '../types/schema.js';
import { getValue } from '../types/vec.js';
import { mapNodeExprs } from './expr-rewrite.js';

const NO_COLUMNS = { schema: new Schema([]), columns: [], numRows: 1 };

/** Evaluates sub-expressions without column references once, at planning time; drops filters that are always true. */
export function foldConstants(plan: LogicalPlan): LogicalPlan {
  return transformUp(plan, (p) => {
    const folded = mapNodeExprs(p, foldExpr);
    if (folded.kind === 'filter' && folded.predicate.op === 'lit' && folded.predicate.value === true) return folded.child;
    return folded;
  });
}

export function foldExpr(e: BoundExpr): BoundExpr {
  if (e.op === 'ref' || e.op === 'lit') return e;
  // User code runs on workers only, never at planning time (Spark does not fold UDFs either).
  if (e.op === 'udf') return { ...e, args: e.args.map(foldExpr) };
  const kids = boundChildren(e);
  const foldedKids = kids.map(foldExpr);
  const rebuilt = rebuild(e, foldedKids);
  if (!foldedKids.every((k) => k.op === 'lit')) return rebuilt;
  try {
    const v = evaluate(rebuilt, NO_COLUMNS);
    const value = getValue(v, 0);
    // Literals keep the kernels' physical form: dates as day numbers, timestamps as microseconds.
    const physical = value === null ? null : e.type.kind === 'date' || e.type.kind === 'timestamp' ? v.values[0] : value;
    if (e.type.kind === 'list') return rebuilt;
    return { op: 'lit', value: physical, type: e.type };
  } catch {
    // An error such as a bad cast is raised when the query runs, where it names its row.
    return rebuilt;
  }
}

function rebuild(e: BoundExpr, kids: readonly BoundExpr[]): BoundExpr {
  switch (e.op) {
    case 'call': return { ...e, args: kids };
    case 'cast': return { ...e, child: kids[0]! };
    case 'case': {
      const branches = e.branches.map((_, i) => [kids[2 * i]!, kids[2 * i + 1]!] as const);
      return { ...e, branches, otherwise: e.otherwise ? kids[kids.length - 1]! : null };
    }
    default: return e;
  }
}
