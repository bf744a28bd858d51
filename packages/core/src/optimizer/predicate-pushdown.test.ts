import { describe, expect, it } from 'vitest';
import type { LogicalPlan } from '../logical/plan.js';
import { Schema } from '../types/schema.js';
import { pushDownPredicates } from './predicate-pushdown.js';
import { add, filter, gt, lit, project, ref, scan } from './test-plans.js';
import { Float64Type } from '../types/data-type.js';
import type { BoundExpr } from '../expr/bound.js';

describe('predicate pushdown', () => {
  it('passes a filter below a projection, rewriting it in the projection\'s terms, and hands it to the scan', () => {
    const p = pushDownPredicates(filter(project(scan(), [add(ref(0), lit(1))], ['a1']), gt(ref(0), lit(5))));
    expect(p.kind).toBe('project');
    const f = (p as Extract<LogicalPlan, { kind: 'project' }>).child;
    expect(f.kind).toBe('filter');
    expect(f.kind === 'filter' && f.predicate).toMatchObject({ fn: 'gt', args: [{ fn: 'add', args: [{ op: 'ref', index: 0 }, { value: 1 }] }, { value: 5 }] });
    const s = (f as Extract<LogicalPlan, { kind: 'filter' }>).child;
    expect(s.kind === 'scan' && s.filters.length).toBe(1);
  });

  it('merges stacked filters into one', () => {
    const p = pushDownPredicates(filter(filter(scan(), gt(ref(0), lit(1))), gt(ref(0), lit(2))));
    expect(p.kind === 'filter' && p.predicate.op === 'call' && p.predicate.fn).toBe('and');
    expect(p.kind === 'filter' && p.child.kind === 'scan' && p.child.filters.length).toBe(2);
  });

  it('sends each conjunct to the join side it reads, and only to sides that are not null-padded', () => {
    const left = scan();
    const right = scan();
    const join = (joinType: 'inner' | 'left'): LogicalPlan => ({
      kind: 'join', schema: new Schema([...left.schema.fields, ...right.schema.fields]), left, right, joinType,
      leftKeys: [ref(0)], rightKeys: [ref(0)], residual: null,
    });
    const cond = { op: 'call', fn: 'and', args: [gt(ref(0), lit(1)), gt(ref(3), lit(2))], type: { kind: 'boolean' } } as const;
    const inner = pushDownPredicates(filter(join('inner'), cond));
    expect(inner.kind).toBe('join');
    const j = inner as Extract<LogicalPlan, { kind: 'join' }>;
    expect(j.left.kind).toBe('filter');
    expect(j.right.kind).toBe('filter');
    expect(j.right.kind === 'filter' && j.right.predicate).toMatchObject({ args: [{ op: 'ref', index: 0 }, { value: 2 }] });

    const leftJoin = pushDownPredicates(filter(join('left'), cond));
    expect(leftJoin.kind).toBe('filter');
    const lj = (leftJoin as Extract<LogicalPlan, { kind: 'filter' }>).child as Extract<LogicalPlan, { kind: 'join' }>;
    expect(lj.left.kind).toBe('filter');
    expect(lj.right.kind).toBe('scan');
  });

  describe('with a nondeterministic udf', () => {
    const noise = (deterministic: boolean): BoundExpr => ({
      op: 'udf', deterministic, args: [], type: Float64Type,
      fn: { name: 'noise', source: '(\n() => Math.random()\n)', captures: [], id: 'noise' },
    });

    it('keeps a filter on its column above the projection that calls it', () => {
      const p = pushDownPredicates(filter(project(scan(), [ref(0), noise(false)], ['a', 'r']), gt(ref(1, Float64Type), lit(0.5, Float64Type))));
      expect(p.kind).toBe('filter');
      expect((p as Extract<LogicalPlan, { kind: 'filter' }>).child.kind).toBe('project');
      const pushed = pushDownPredicates(filter(project(scan(), [ref(0), noise(true)], ['a', 'r']), gt(ref(1, Float64Type), lit(0.5, Float64Type))));
      expect(pushed.kind).toBe('project');
    });

    it('leaves its conjunct in place and pushes the deterministic ones below it', () => {
      const cond = { op: 'call', fn: 'and', args: [gt(noise(false), lit(0.5, Float64Type)), gt(ref(0), lit(1))], type: { kind: 'boolean' } } as const;
      const p = pushDownPredicates(filter(filter(scan(), gt(ref(0), lit(2))), cond));
      expect(p.kind === 'filter' && p.predicate).toMatchObject({ op: 'call', fn: 'gt', args: [{ op: 'udf' }, { value: 0.5 }] });
      const below = (p as Extract<LogicalPlan, { kind: 'filter' }>).child;
      expect(below.kind === 'filter' && below.child.kind === 'scan' && below.child.filters.length).toBe(2);
    });
  });
});
