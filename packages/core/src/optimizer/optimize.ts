import type { LogicalPlan } from '../logical/plan.js';
import { foldConstants } from './constant-folding.js';
import { pushDownLimits } from './limit-pushdown.js';
import { pushDownPredicates } from './predicate-pushdown.js';
import { pruneColumns } from './projection-pruning.js';

/** The rules run in this order; each is a pure function from plan to plan, tested on its own. */
const RULES: readonly ((p: LogicalPlan) => LogicalPlan)[] = [foldConstants, pushDownPredicates, pushDownLimits, pruneColumns];

export function optimize(plan: LogicalPlan): LogicalPlan {
  return RULES.reduce((p, rule) => rule(p), plan);
}
