import type { BoundExpr } from '../expr/bound.js';
import type { AggregateCall, JoinType, SortOrder, WindowCall } from '../logical/plan.js';
import type { RankLike } from '../kernels/group-limit.js';
import type { DataType } from '../types/data-type.js';
import type { Schema } from '../types/schema.js';

export interface ScanPartition { readonly path: string; readonly rowGroups?: readonly number[]; readonly start?: number; readonly end?: number }

export type AggregateMode = 'partial' | 'final' | 'complete';

export type Partitioning =
  | { readonly kind: 'single' }
  | { readonly kind: 'hash'; readonly numPartitions: number; readonly keys: readonly BoundExpr[] }
  | { readonly kind: 'round_robin'; readonly numPartitions: number }
  /** Sorted ranges of the keys; `bounds` (Arrow IPC of the boundary key rows) is computed from a sample when the input stage has run. */
  | { readonly kind: 'range'; readonly numPartitions: number; readonly keys: readonly BoundExpr[]; readonly orders: readonly SortOrder[]; readonly bounds: Uint8Array | null }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'none' };

/**
 * Physical operators. Everything but `exchange` runs inside one task on one partition; an
 * exchange is where the plan is cut into stages (see stages.ts). Field names follow
 * proto/quiver.proto so a fragment converts to a PlanNode message directly.
 */
export type PhysicalPlan =
  | { readonly kind: 'file_scan'; readonly schema: Schema; readonly format: string; readonly fileSchema: Schema; readonly columns: readonly number[]; readonly options: Readonly<Record<string, string>>; readonly partitions: readonly ScanPartition[] }
  | { readonly kind: 'block_scan'; readonly schema: Schema; readonly partitions: readonly (readonly string[])[]; readonly columns: readonly number[] | null }
  | { readonly kind: 'shuffle_read'; readonly schema: Schema; readonly stageId: number; readonly numPartitions: number; readonly broadcast: boolean }
  | { readonly kind: 'filter'; readonly schema: Schema; readonly input: PhysicalPlan; readonly predicate: BoundExpr }
  | { readonly kind: 'project'; readonly schema: Schema; readonly input: PhysicalPlan; readonly exprs: readonly BoundExpr[] }
  | { readonly kind: 'hash_aggregate'; readonly schema: Schema; readonly input: PhysicalPlan; readonly mode: AggregateMode; readonly groupExprs: readonly BoundExpr[]; readonly aggregates: readonly AggregateCall[]; readonly argTypes: readonly (readonly DataType[])[] }
  | { readonly kind: 'hash_join'; readonly schema: Schema; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly joinType: JoinType; readonly leftKeys: readonly BoundExpr[]; readonly rightKeys: readonly BoundExpr[]; readonly residual: BoundExpr | null }
  | { readonly kind: 'cross_join'; readonly schema: Schema; readonly left: PhysicalPlan; readonly right: PhysicalPlan }
  | { readonly kind: 'sort'; readonly schema: Schema; readonly input: PhysicalPlan; readonly keys: readonly BoundExpr[]; readonly orders: readonly SortOrder[]; readonly limit: number }
  | { readonly kind: 'limit'; readonly schema: Schema; readonly input: PhysicalPlan; readonly limit: number }
  | { readonly kind: 'window'; readonly schema: Schema; readonly input: PhysicalPlan; readonly partitionBy: readonly BoundExpr[]; readonly orderBy: readonly BoundExpr[]; readonly orders: readonly SortOrder[]; readonly calls: readonly WindowCall[] }
  | { readonly kind: 'window_group_limit'; readonly schema: Schema; readonly input: PhysicalPlan; readonly partitionBy: readonly BoundExpr[]; readonly orderBy: BoundExpr; readonly order: SortOrder; readonly fn: RankLike; readonly limit: number }
  | { readonly kind: 'union'; readonly schema: Schema; readonly inputs: readonly PhysicalPlan[] }
  | { readonly kind: 'coalesce'; readonly schema: Schema; readonly input: PhysicalPlan; readonly numPartitions: number }
  | { readonly kind: 'sample'; readonly schema: Schema; readonly input: PhysicalPlan; readonly lower: number; readonly upper: number; readonly seed: number; readonly withReplacement: boolean }
  | { readonly kind: 'exchange'; readonly schema: Schema; readonly input: PhysicalPlan; readonly partitioning: Partitioning };

/** How many partitions (tasks) a fragment produces. A broadcast read takes its size from the other join side. */
export function numPartitions(p: PhysicalPlan): number {
  switch (p.kind) {
    case 'file_scan': return Math.max(1, p.partitions.length);
    case 'block_scan': return Math.max(1, p.partitions.length);
    case 'shuffle_read': return p.broadcast ? 1 : p.numPartitions;
    case 'hash_join': case 'cross_join':
      return isBroadcast(p.right) ? numPartitions(p.left) : isBroadcast(p.left) ? numPartitions(p.right) : numPartitions(p.left);
    case 'union': return p.inputs.reduce((n, i) => n + numPartitions(i), 0);
    case 'coalesce': return Math.min(p.numPartitions, numPartitions(p.input));
    case 'exchange': return exchangePartitions(p.partitioning, numPartitions(p.input));
    default: return numPartitions(p.input);
  }
}

export function exchangePartitions(p: Partitioning, inputPartitions: number): number {
  switch (p.kind) {
    case 'single': case 'broadcast': return 1;
    case 'hash': case 'round_robin': case 'range': return p.numPartitions;
    case 'none': return inputPartitions;
  }
}

const isBroadcast = (p: PhysicalPlan): boolean =>
  (p.kind === 'shuffle_read' && p.broadcast) || (p.kind === 'exchange' && p.partitioning.kind === 'broadcast');

export function physicalChildren(p: PhysicalPlan): readonly PhysicalPlan[] {
  switch (p.kind) {
    case 'file_scan': case 'block_scan': case 'shuffle_read': return [];
    case 'hash_join': case 'cross_join': return [p.left, p.right];
    case 'union': return p.inputs;
    default: return [p.input];
  }
}
