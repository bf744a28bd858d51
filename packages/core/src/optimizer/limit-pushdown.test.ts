import { describe, expect, it } from 'vitest';
import type { LogicalPlan } from '../logical/plan.js';
import { pushDownLimits } from './limit-pushdown.js';
import { project, ref, scan } from './test-plans.js';

const limit = (child: LogicalPlan, n: number): LogicalPlan => ({ kind: 'limit', schema: child.schema, child, limit: n });

describe('limit pushdown', () => {
  it('moves a limit below a projection', () => {
    const p = pushDownLimits(limit(project(scan(), [ref(0)], ['a']), 5));
    expect(p.kind).toBe('project');
    expect((p as Extract<LogicalPlan, { kind: 'project' }>).child.kind).toBe('limit');
  });

  it('keeps the smaller of two stacked limits', () => {
    const p = pushDownLimits(limit(limit(scan(), 3), 10));
    expect(p.kind === 'limit' && p.limit).toBe(3);
  });

  it('limits each input of a union and the union itself', () => {
    const u: LogicalPlan = { kind: 'union', schema: scan().schema, inputs: [scan(), scan()] };
    const p = pushDownLimits(limit(u, 4));
    expect(p.kind === 'limit' && p.limit).toBe(4);
    const inner = (p as Extract<LogicalPlan, { kind: 'limit' }>).child as Extract<LogicalPlan, { kind: 'union' }>;
    expect(inner.inputs.every((i) => i.kind === 'limit' && i.limit === 4)).toBe(true);
  });
});
