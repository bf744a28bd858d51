import { boundToString, isDeterministic, referencedColumns, remapRefs } from '../expr/bound.js';
import type { BoundExpr } from '../expr/bound.js';
import type { LogicalPlan } from '../logical/plan.js';
import { conjunction, splitConjuncts, substitute } from './expr-rewrite.js';

/**
 * Moves filters towards the data: merges stacked filters, passes them below projections,
 * sorts, unions and into the matching side of joins, and hands scans their conjuncts so file
 * formats can skip row groups (the filter itself stays above the scan, which skips coarsely).
 */
export function pushDownPredicates(plan: LogicalPlan): LogicalPlan {
  switch (plan.kind) {
    case 'filter':
      return pushFilter(pushDownPredicates(plan.child), splitConjuncts(plan.predicate));
    case 'scan': case 'local': case 'cached':
      return plan;
    case 'join':
      return { ...plan, left: pushDownPredicates(plan.left), right: pushDownPredicates(plan.right) };
    case 'union':
      return { ...plan, inputs: plan.inputs.map(pushDownPredicates) };
    default:
      return { ...plan, child: pushDownPredicates(plan.child) } as LogicalPlan;
  }
}

function filterOver(child: LogicalPlan, conjuncts: readonly BoundExpr[]): LogicalPlan {
  const predicate = conjunction(conjuncts);
  return predicate ? { kind: 'filter', schema: child.schema, child, predicate } : child;
}

function pushFilter(child: LogicalPlan, conjuncts: BoundExpr[]): LogicalPlan {
  // A conjunct calling a nondeterministic udf is neither moved nor merged (as Spark): it stays here, over the
  // deterministic conjuncts pushed below it.
  const fixed = conjuncts.filter((c) => !isDeterministic(c));
  if (fixed.length) return filterOver(pushFilter(child, conjuncts.filter(isDeterministic)), fixed);
  switch (child.kind) {
    case 'filter':
      return pushFilter(child.child, [...splitConjuncts(child.predicate), ...conjuncts]);
    case 'project': {
      // Nor is a conjunct that would copy a nondeterministic udf from the projection below it.
      const below: BoundExpr[] = [];
      const above: BoundExpr[] = [];
      for (const c of conjuncts) {
        const pushed = substitute(c, child.exprs);
        if (isDeterministic(pushed)) below.push(pushed); else above.push(c);
      }
      return filterOver(below.length ? { ...child, child: pushFilter(child.child, below) } : child, above);
    }
    case 'sort': case 'repartition':
      return { ...child, child: pushFilter(child.child, conjuncts) } as LogicalPlan;
    case 'union':
      return { ...child, inputs: child.inputs.map((i) => pushFilter(i, conjuncts)) };
    case 'scan': {
      // A filter pushed again after an earlier pass must not be handed to the scan twice.
      const known = new Set(child.filters.map((f) => boundToString(f)));
      const fresh = conjuncts.map((c) => remapRefs(c, (i) => child.columns[i]!)).filter((f) => !known.has(boundToString(f)));
      return filterOver({ ...child, filters: [...child.filters, ...fresh] }, conjuncts);
    }
    case 'aggregate': {
      // Conjuncts over grouping keys that are plain columns hold before aggregating too.
      const nKeys = child.groupBy.length;
      const below: BoundExpr[] = [];
      const above: BoundExpr[] = [];
      for (const c of conjuncts) {
        const refs = [...referencedColumns(c)];
        if (refs.every((i) => i < nKeys && child.groupBy[i]!.op === 'ref')) below.push(substitute(c, child.groupBy));
        else above.push(c);
      }
      return filterOver(below.length ? { ...child, child: pushFilter(child.child, below) } : child, above);
    }
    case 'join': {
      const nl = child.left.schema.fields.length;
      const toLeft: BoundExpr[] = [];
      const toRight: BoundExpr[] = [];
      const stay: BoundExpr[] = [];
      // Only the side whose rows are not padded with nulls may be filtered early.
      const leftOk = child.joinType === 'inner' || child.joinType === 'left' || child.joinType === 'semi' || child.joinType === 'anti' || child.joinType === 'cross';
      const rightOk = child.joinType === 'inner' || child.joinType === 'right' || child.joinType === 'cross';
      for (const c of conjuncts) {
        const refs = [...referencedColumns(c)];
        if (refs.length && refs.every((i) => i < nl) && leftOk) toLeft.push(c);
        else if (refs.length && refs.every((i) => i >= nl) && rightOk) toRight.push(remapRefs(c, (i) => i - nl));
        else stay.push(c);
      }
      const joined: LogicalPlan = {
        ...child,
        left: toLeft.length ? pushFilter(child.left, toLeft) : child.left,
        right: toRight.length ? pushFilter(child.right, toRight) : child.right,
      };
      return filterOver(joined, stay);
    }
    default:
      return filterOver(child, conjuncts);
  }
}
