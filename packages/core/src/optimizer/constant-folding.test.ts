import { describe, expect, it } from 'vitest';
import { foldConstants } from './constant-folding.js';
import { add, filter, gt, lit, project, ref, scan } from './test-plans.js';
import { BooleanType } from '../types/data-type.js';

describe('constant folding', () => {
  it('replaces an expression of literals by its value', () => {
    const p = foldConstants(project(scan(), [add(ref(0), add(lit(1), lit(2)))], ['x']));
    expect(p.kind === 'project' && p.exprs[0]).toMatchObject({ op: 'call', fn: 'add', args: [{ op: 'ref', index: 0 }, { op: 'lit', value: 3 }] });
  });

  it('drops a filter whose condition is always true', () => {
    const p = foldConstants(filter(scan(), gt(lit(2), lit(1))));
    expect(p.kind).toBe('scan');
  });

  it('keeps a filter whose condition is always false, as an empty result', () => {
    const p = foldConstants(filter(scan(), gt(lit(1), lit(2))));
    expect(p.kind === 'filter' && p.predicate).toEqual({ op: 'lit', value: false, type: BooleanType });
  });
});
