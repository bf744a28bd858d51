import { describe, expect, it } from 'vitest';
import type { LogicalPlan } from '../logical/plan.js';
import { Int64Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { pruneColumns } from './projection-pruning.js';
import { filter, gt, lit, project, ref, scan } from './test-plans.js';

const scanOf = (p: LogicalPlan): Extract<LogicalPlan, { kind: 'scan' }> => {
  let n = p;
  while (n.kind !== 'scan') n = (n as { child: LogicalPlan }).child;
  return n;
};

describe('projection pruning', () => {
  it('narrows the scan to the columns the projection and filter read', () => {
    const p = pruneColumns(project(filter(scan(), gt(ref(1, { kind: 'float64' }), lit(0.5, { kind: 'float64' }))), [ref(2, { kind: 'utf8' })], ['c']));
    expect(scanOf(p).columns).toEqual([1, 2]);
    expect(p.schema.names).toEqual(['c']);
  });

  it('keeps one column for a count over a scan, so rows still flow', () => {
    const agg: LogicalPlan = {
      kind: 'aggregate', schema: new Schema([field('n', Int64Type)]), child: scan(), groupBy: [],
      aggregates: [{ fn: 'count', distinct: false, args: [], params: [], type: Int64Type }],
    };
    expect(scanOf(pruneColumns(agg)).columns).toEqual([0]);
  });

  it('leaves the output schema of the whole plan unchanged', () => {
    const p = pruneColumns(filter(scan(), gt(ref(0), lit(1))));
    expect(p.schema.names).toEqual(['a', 'b', 'c']);
  });
});
