import type { BoundExpr } from '../expr/bound.js';
import type { Batch } from '../types/batch.js';
import type { DataType } from '../types/data-type.js';
import type { Schema } from '../types/schema.js';
import type { UserFunction } from '../udf/user-function.js';

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'cross';

export interface SortOrder { readonly ascending: boolean; readonly nullsFirst: boolean }

export interface FileSource {
  readonly format: 'csv' | 'json' | 'parquet' | 'arrow';
  readonly files: readonly string[];
  readonly options: Readonly<Record<string, string>>;
  /** The schema of the files, before projection. */
  readonly schema: Schema;
}

export interface AggregateCall {
  readonly fn: string;
  readonly distinct: boolean;
  readonly args: readonly BoundExpr[];
  readonly params: readonly number[];
  readonly type: DataType;
}

export interface WindowCall {
  readonly fn: string;
  readonly args: readonly BoundExpr[];
  readonly offset: number;
  readonly defaultValue: { readonly value: unknown; readonly type: DataType } | null;
  readonly frame: { readonly start: number | null; readonly end: number | null } | null;
  readonly ntile: number;
  readonly type: DataType;
}

/**
 * Logical plan nodes. Expressions are bound to the child's output positions when a node is
 * made, so every node knows its schema and analysis errors surface where the user wrote them.
 */
export type LogicalPlan =
  | { readonly kind: 'scan'; readonly schema: Schema; readonly source: FileSource; readonly columns: readonly number[]; readonly filters: readonly BoundExpr[] }
  | { readonly kind: 'local'; readonly schema: Schema; readonly batches: readonly Batch[] }
  /** `columns` picks from the cached child's columns, so reading cached data decodes only what is used. */
  | { readonly kind: 'cached'; readonly schema: Schema; readonly cacheId: number; readonly child: LogicalPlan; readonly columns: readonly number[] }
  | { readonly kind: 'project'; readonly schema: Schema; readonly child: LogicalPlan; readonly exprs: readonly BoundExpr[] }
  | { readonly kind: 'filter'; readonly schema: Schema; readonly child: LogicalPlan; readonly predicate: BoundExpr }
  | { readonly kind: 'aggregate'; readonly schema: Schema; readonly child: LogicalPlan; readonly groupBy: readonly BoundExpr[]; readonly aggregates: readonly AggregateCall[] }
  | { readonly kind: 'sort'; readonly schema: Schema; readonly child: LogicalPlan; readonly keys: readonly BoundExpr[]; readonly orders: readonly SortOrder[] }
  | { readonly kind: 'limit'; readonly schema: Schema; readonly child: LogicalPlan; readonly limit: number }
  | { readonly kind: 'join'; readonly schema: Schema; readonly left: LogicalPlan; readonly right: LogicalPlan; readonly joinType: JoinType; readonly leftKeys: readonly BoundExpr[]; readonly rightKeys: readonly BoundExpr[]; readonly residual: BoundExpr | null }
  | { readonly kind: 'union'; readonly schema: Schema; readonly inputs: readonly LogicalPlan[] }
  | { readonly kind: 'window'; readonly schema: Schema; readonly child: LogicalPlan; readonly partitionBy: readonly BoundExpr[]; readonly orderBy: readonly BoundExpr[]; readonly orders: readonly SortOrder[]; readonly calls: readonly WindowCall[] }
  | { readonly kind: 'repartition'; readonly schema: Schema; readonly child: LogicalPlan; readonly numPartitions: number; readonly keys: readonly BoundExpr[]; readonly shuffle: boolean }
  /**
   * DataFrame.mapPartitions: `fn`'s rows (of `schema`) over each partition of `child`. Only ever the child of a cached
   * node: the session computes it at the first action that reads it, as a partition-function job (map_rows).
   */
  | { readonly kind: 'map_partitions'; readonly schema: Schema; readonly child: LogicalPlan; readonly fn: UserFunction }
  | { readonly kind: 'sample'; readonly schema: Schema; readonly child: LogicalPlan; readonly lower: number; readonly upper: number; readonly seed: number; readonly withReplacement: boolean };

export function planChildren(p: LogicalPlan): readonly LogicalPlan[] {
  switch (p.kind) {
    case 'scan': case 'local': return [];
    case 'cached': return [];
    case 'join': return [p.left, p.right];
    case 'union': return p.inputs;
    default: return [p.child];
  }
}

export function withChildren(p: LogicalPlan, children: readonly LogicalPlan[]): LogicalPlan {
  switch (p.kind) {
    case 'scan': case 'local': case 'cached': return p;
    case 'join': return { ...p, left: children[0]!, right: children[1]! };
    case 'union': return { ...p, inputs: children };
    default: return { ...p, child: children[0]! } as LogicalPlan;
  }
}

/** Applies a rewrite bottom-up over the whole tree. */
export function transformUp(p: LogicalPlan, rule: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  const kids = planChildren(p);
  const next = kids.length ? withChildren(p, kids.map((c) => transformUp(c, rule))) : p;
  return rule(next);
}
