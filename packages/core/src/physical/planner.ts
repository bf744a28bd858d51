import { statSync } from 'node:fs';
import type { BoundExpr } from '../expr/bound.js';
import { fileFormat } from '../io/index.js';
import { aggregateStateFields } from '../kernels/aggregate/index.js';
import type { LogicalPlan } from '../logical/plan.js';
import { Schema, field } from '../types/schema.js';
import { type PhysicalPlan, numPartitions } from './plan.js';
import { type GroupLimit, inferWindowGroupLimit } from './window-group-limit.js';

export interface PlannerContext {
  /** Partitions after a hash exchange (Spark's spark.sql.shuffle.partitions). */
  readonly shufflePartitions: number;
  /** Scans aim at this many partitions (the number of task slots). */
  readonly targetPartitions: number;
  /** A join side estimated below this many bytes is broadcast instead of shuffled. */
  readonly broadcastThreshold: number;
  /** Stores in-memory data as blocks and returns the block ids of each partition. */
  readonly storeLocal: (plan: Extract<LogicalPlan, { kind: 'local' }>) => string[][];
  /** Block ids of a materialized cached plan. */
  readonly cachedBlocks: (cacheId: number) => string[][];
}

/** Turns an optimized logical plan into physical operators, adding exchanges where data must move. */
export function planPhysical(p: LogicalPlan, ctx: PlannerContext): PhysicalPlan {
  const plan = (x: LogicalPlan): PhysicalPlan => planPhysical(x, ctx);
  switch (p.kind) {
    case 'scan': {
      const pushed = p.filters.flatMap((f) => toPushedFilters(f, p.source.schema));
      const partitions = fileFormat(p.source.format).planPartitions(p.source.files, p.source.schema, p.source.options, pushed, ctx.targetPartitions);
      return { kind: 'file_scan', schema: p.schema, format: p.source.format, fileSchema: p.source.schema, columns: p.columns, options: p.source.options, partitions };
    }
    case 'local':
      return { kind: 'block_scan', schema: p.schema, partitions: ctx.storeLocal(p), columns: null };
    case 'map_partitions':
      throw new Error('unreachable: mapPartitions output is computed as a cache before planning');
    case 'cached':
      return { kind: 'block_scan', schema: p.schema, partitions: ctx.cachedBlocks(p.cacheId), columns: p.columns };
    case 'project':
      return { kind: 'project', schema: p.schema, input: plan(p.child), exprs: p.exprs };
    case 'filter': {
      const limited = p.child.kind === 'window' ? inferWindowGroupLimit(p.predicate, p.child) : null;
      const input = limited ? planWindow(p.child as Extract<LogicalPlan, { kind: 'window' }>, ctx, limited) : plan(p.child);
      return { kind: 'filter', schema: p.schema, input, predicate: p.predicate };
    }
    case 'aggregate': {
      const argTypes = p.aggregates.map((a) => a.args.map((x) => x.type));
      const keyFields = p.groupBy.map((g, i) => field(p.schema.fields[i]!.name, g.type));
      const stateFields = p.aggregates.flatMap((a, i) => aggregateStateFields({ fn: a.fn, distinct: a.distinct, argTypes: argTypes[i]!, params: a.params }, `s${i}`));
      const partialSchema = new Schema([...keyFields, ...stateFields]);
      const partial: PhysicalPlan = { kind: 'hash_aggregate', schema: partialSchema, input: plan(p.child), mode: 'partial', groupExprs: p.groupBy, aggregates: p.aggregates, argTypes };
      const keyRefs: BoundExpr[] = keyFields.map((f, i) => ({ op: 'ref', index: i, type: f.type }));
      const exchange: PhysicalPlan = {
        kind: 'exchange', schema: partialSchema, input: partial,
        partitioning: keyRefs.length ? { kind: 'hash', numPartitions: ctx.shufflePartitions, keys: keyRefs } : { kind: 'single' },
      };
      return { kind: 'hash_aggregate', schema: p.schema, input: exchange, mode: 'final', groupExprs: keyRefs, aggregates: p.aggregates, argTypes };
    }
    case 'sort': {
      // As Spark: rows are range-partitioned on the sort keys, each partition sorted on its own, and
      // the partitions read in order are the sorted result.
      const input = plan(p.child);
      const exchanged: PhysicalPlan = numPartitions(input) > 1
        ? { kind: 'exchange', schema: input.schema, input, partitioning: { kind: 'range', numPartitions: ctx.shufflePartitions, keys: p.keys, orders: p.orders, bounds: null } }
        : input;
      return { kind: 'sort', schema: p.schema, input: exchanged, keys: p.keys, orders: p.orders, limit: 0 };
    }
    case 'limit': {
      // Sort + limit is a top-k: each partition keeps its best rows, one task merges them.
      if (p.child.kind === 'sort' && p.limit > 0) {
        const s = p.child;
        const local: PhysicalPlan = { kind: 'sort', schema: s.schema, input: plan(s.child), keys: s.keys, orders: s.orders, limit: p.limit };
        return { kind: 'sort', schema: s.schema, input: single(local), keys: s.keys, orders: s.orders, limit: p.limit };
      }
      const local: PhysicalPlan = { kind: 'limit', schema: p.schema, input: plan(p.child), limit: p.limit };
      return { kind: 'limit', schema: p.schema, input: single(local), limit: p.limit };
    }
    case 'join':
      return planJoin(p, ctx);
    case 'union':
      return { kind: 'union', schema: p.schema, inputs: p.inputs.map(plan) };
    case 'window':
      return planWindow(p, ctx, null);
    case 'repartition': {
      const input = plan(p.child);
      if (!p.shuffle) return { kind: 'coalesce', schema: p.schema, input, numPartitions: p.numPartitions };
      return {
        kind: 'exchange', schema: p.schema, input,
        partitioning: p.keys.length ? { kind: 'hash', numPartitions: p.numPartitions, keys: p.keys } : { kind: 'round_robin', numPartitions: p.numPartitions },
      };
    }
    case 'sample':
      return { kind: 'sample', schema: p.schema, input: plan(p.child), lower: p.lower, upper: p.upper, seed: p.seed, withReplacement: p.withReplacement };
  }
}

/** A window over a hash exchange on its partition keys; a group limit, when a filter allows one, runs before the exchange. */
function planWindow(p: Extract<LogicalPlan, { kind: 'window' }>, ctx: PlannerContext, limit: GroupLimit | null): PhysicalPlan {
  const child = planPhysical(p.child, ctx);
  const input: PhysicalPlan = limit
    ? { kind: 'window_group_limit', schema: child.schema, input: child, partitionBy: p.partitionBy, orderBy: p.orderBy[0]!, order: p.orders[0]!, fn: limit.fn, limit: limit.limit }
    : child;
  const exchanged: PhysicalPlan = p.partitionBy.length
    ? { kind: 'exchange', schema: p.child.schema, input, partitioning: { kind: 'hash', numPartitions: ctx.shufflePartitions, keys: p.partitionBy } }
    : single(input);
  return { kind: 'window', schema: p.schema, input: exchanged, partitionBy: p.partitionBy, orderBy: p.orderBy, orders: p.orders, calls: p.calls };
}

const single = (input: PhysicalPlan): PhysicalPlan => ({ kind: 'exchange', schema: input.schema, input, partitioning: { kind: 'single' } });

function planJoin(p: Extract<LogicalPlan, { kind: 'join' }>, ctx: PlannerContext): PhysicalPlan {
  const left = planPhysical(p.left, ctx);
  const right = planPhysical(p.right, ctx);
  if (p.joinType === 'cross' || p.leftKeys.length === 0) {
    const broadcastRight: PhysicalPlan = { kind: 'exchange', schema: right.schema, input: right, partitioning: { kind: 'broadcast' } };
    const cross: PhysicalPlan = { kind: 'cross_join', schema: new Schema([...p.left.schema.fields, ...p.right.schema.fields]), left, right: broadcastRight };
    return p.residual ? { kind: 'filter', schema: cross.schema, input: cross, predicate: p.residual } : cross;
  }
  // The right side is the build side; a right outer join is planned as a left join with the sides swapped.
  if (p.joinType === 'right') {
    const nl = p.left.schema.fields.length;
    const nr = p.right.schema.fields.length;
    const swappedResidual = p.residual ? remapSides(p.residual, nl, nr) : null;
    const swapped = planJoin({ ...p, left: p.right, right: p.left, joinType: 'left', leftKeys: p.rightKeys, rightKeys: p.leftKeys, residual: swappedResidual, schema: new Schema([...p.right.schema.fields, ...p.left.schema.fields]) }, ctx);
    const exprs: BoundExpr[] = p.schema.fields.map((f, i) => ({ op: 'ref', index: i < nl ? nr + i : i - nl, type: f.type }));
    return { kind: 'project', schema: p.schema, input: swapped, exprs };
  }
  const canBroadcast = p.joinType !== 'full' && estimateBytes(p.right) <= ctx.broadcastThreshold;
  if (canBroadcast) {
    const b: PhysicalPlan = { kind: 'exchange', schema: right.schema, input: right, partitioning: { kind: 'broadcast' } };
    return { kind: 'hash_join', schema: p.schema, left, right: b, joinType: p.joinType, leftKeys: p.leftKeys, rightKeys: p.rightKeys, residual: p.residual };
  }
  const n = ctx.shufflePartitions;
  const l: PhysicalPlan = { kind: 'exchange', schema: left.schema, input: left, partitioning: { kind: 'hash', numPartitions: n, keys: p.leftKeys } };
  const r: PhysicalPlan = { kind: 'exchange', schema: right.schema, input: right, partitioning: { kind: 'hash', numPartitions: n, keys: p.rightKeys } };
  const keyRefsL = p.leftKeys;
  const keyRefsR = p.rightKeys;
  return { kind: 'hash_join', schema: p.schema, left: l, right: r, joinType: p.joinType, leftKeys: keyRefsL, rightKeys: keyRefsR, residual: p.residual };
}

/** Moves column references of a residual over (left ++ right) to (right ++ left). */
function remapSides(e: BoundExpr, nl: number, nr: number): BoundExpr {
  const map = (i: number): number => (i < nl ? nr + i : i - nl);
  const go = (x: BoundExpr): BoundExpr => {
    switch (x.op) {
      case 'ref': return { ...x, index: map(x.index) };
      case 'lit': return x;
      case 'call': case 'udf': return { ...x, args: x.args.map(go) };
      case 'cast': return { ...x, child: go(x.child) };
      case 'case': return { ...x, branches: x.branches.map(([c, v]) => [go(c), go(v)] as const), otherwise: x.otherwise ? go(x.otherwise) : null };
    }
  };
  return go(e);
}

/** A rough size estimate, enough to decide broadcast joins (as Spark's sizeInBytes statistics). */
export function estimateBytes(p: LogicalPlan): number {
  switch (p.kind) {
    case 'scan': {
      const total = p.source.files.reduce((s, f) => s + statSync(f).size, 0);
      return (total * p.columns.length) / Math.max(1, p.source.schema.fields.length);
    }
    case 'local': return p.batches.reduce((s, b) => s + b.numRows * 8 * Math.max(1, b.columns.length), 0);
    case 'limit': return Math.min(estimateBytes(p.child), p.limit * 8 * p.schema.fields.length);
    case 'join': return estimateBytes(p.left) + estimateBytes(p.right);
    case 'union': return p.inputs.reduce((s, i) => s + estimateBytes(i), 0);
    case 'cached': return estimateBytes(p.child);
    default: return estimateBytes(p.child);
  }
}

/** Conjuncts of the form column op literal, which a file format may use to skip row groups. */
function toPushedFilters(e: BoundExpr, fileSchema: Schema): { column: string; op: 'eq' | 'neq' | 'lt' | 'le' | 'gt' | 'ge' | 'is_null' | 'is_not_null'; value?: number | bigint | string | boolean | null }[] {
  if (e.op === 'call' && e.fn === 'and') return e.args.flatMap((a) => toPushedFilters(a, fileSchema));
  if (e.op !== 'call') return [];
  const flip: Record<string, 'eq' | 'neq' | 'lt' | 'le' | 'gt' | 'ge'> = { eq: 'eq', neq: 'neq', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
  if ((e.fn === 'is_null' || e.fn === 'is_not_null') && e.args[0]!.op === 'ref') {
    return [{ column: fileSchema.fields[e.args[0]!.index]!.name, op: e.fn }];
  }
  if (!(e.fn in flip) || e.args.length !== 2) return [];
  const [a, b] = e.args as [BoundExpr, BoundExpr];
  if (a.op === 'ref' && b.op === 'lit') return [{ column: fileSchema.fields[a.index]!.name, op: e.fn as 'eq', value: b.value as number }];
  if (b.op === 'ref' && a.op === 'lit') return [{ column: fileSchema.fields[b.index]!.name, op: flip[e.fn]!, value: a.value as number }];
  return [];
}

