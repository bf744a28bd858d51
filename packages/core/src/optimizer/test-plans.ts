import type { BoundExpr } from '../expr/bound.js';
import type { LogicalPlan } from '../logical/plan.js';
import { Float64Type, Int32Type, Utf8Type, BooleanType, type DataType } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';

/** Small plans for optimizer rule tests: a Parquet scan of (a int, b double, c string) and helpers. */
export const fileSchema = new Schema([field('a', Int32Type), field('b', Float64Type), field('c', Utf8Type)]);

export const scan = (): LogicalPlan => ({
  kind: 'scan',
  schema: fileSchema,
  source: { format: 'parquet', files: ['/data/t.parquet'], options: {}, schema: fileSchema },
  columns: [0, 1, 2],
  filters: [],
});

export const ref = (index: number, type: DataType = Int32Type): BoundExpr => ({ op: 'ref', index, type });
export const lit = (value: unknown, type: DataType = Int32Type): BoundExpr => ({ op: 'lit', value, type });
export const gt = (a: BoundExpr, b: BoundExpr): BoundExpr => ({ op: 'call', fn: 'gt', args: [a, b], type: BooleanType });
export const add = (a: BoundExpr, b: BoundExpr): BoundExpr => ({ op: 'call', fn: 'add', args: [a, b], type: Int32Type });

export const filter = (child: LogicalPlan, predicate: BoundExpr): LogicalPlan => ({ kind: 'filter', schema: child.schema, child, predicate });
export const project = (child: LogicalPlan, exprs: BoundExpr[], names: string[]): LogicalPlan => ({
  kind: 'project', schema: new Schema(exprs.map((e, i) => field(names[i]!, e.type))), child, exprs,
});
