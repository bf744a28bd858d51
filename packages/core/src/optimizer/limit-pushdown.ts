import type { LogicalPlan } from '../logical/plan.js';

/** Passes limits below projections and into each input of a union, so fewer rows are computed. */
export function pushDownLimits(plan: LogicalPlan): LogicalPlan {
  switch (plan.kind) {
    case 'scan': case 'local': case 'cached':
      return plan;
    case 'limit': {
      const child = pushDownLimits(plan.child);
      if (child.kind === 'limit') return { ...child, limit: Math.min(child.limit, plan.limit) };
      if (child.kind === 'project') return { ...child, child: pushDownLimits({ ...plan, schema: child.child.schema, child: child.child }) };
      if (child.kind === 'union') {
        return { ...plan, child: { ...child, inputs: child.inputs.map((i) => ({ kind: 'limit', schema: i.schema, child: i, limit: plan.limit }) as LogicalPlan) } };
      }
      return { ...plan, child };
    }
    case 'join':
      return { ...plan, left: pushDownLimits(plan.left), right: pushDownLimits(plan.right) };
    case 'union':
      return { ...plan, inputs: plan.inputs.map(pushDownLimits) };
    default:
      return { ...plan, child: pushDownLimits(plan.child) } as LogicalPlan;
  }
}
