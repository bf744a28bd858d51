import { TaskDefinition as TaskDefinitionType } from '@quiver/proto';
import type { BoundExpr } from '../expr/bound.js';
import type { RankLike } from '../kernels/group-limit.js';
import type { AggregateCall, JoinType, SortOrder, WindowCall } from '../logical/plan.js';
import type { DataType } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import type { Partitioning, PhysicalPlan } from './plan.js';
import type { Stage } from './stages.js';
import type { TaskFunction } from '../exec/partition-function.js';
import type { UserFunction } from '../udf/user-function.js';

// Plain-object shapes of the proto messages, as protobufjs fromObject/toObject see them.
type Obj = Record<string, unknown>;

const KINDS = ['null', 'boolean', 'int32', 'int64', 'float64', 'decimal', 'utf8', 'date', 'timestamp', 'list', 'vector'] as const;

export function typeToProto(t: DataType): Obj {
  const o: Obj = { kind: KINDS.indexOf(t.kind) };
  if (t.kind === 'decimal') { o.precision = t.precision; o.scale = t.scale; }
  if (t.kind === 'list') o.element = typeToProto(t.element);
  if (t.kind === 'vector') { o.size = t.size; o.sparse = t.sparse; }
  return o;
}

export function typeFromProto(o: Obj): DataType {
  const kind = KINDS[(o.kind as number | undefined) ?? 0]!;
  if (kind === 'decimal') return { kind, precision: (o.precision as number) ?? 0, scale: (o.scale as number) ?? 0 };
  if (kind === 'list') return { kind, element: typeFromProto(o.element as Obj) };
  if (kind === 'vector') return { kind, size: (o.size as number) ?? 0, sparse: Boolean(o.sparse) };
  return { kind } as DataType;
}

const schemaToProto = (s: Schema): Obj => ({ fields: s.fields.map((f) => ({ name: f.name, type: typeToProto(f.type), nullable: f.nullable })) });
const schemaFromProto = (o: Obj | undefined): Schema =>
  new Schema(((o?.fields as Obj[] | undefined) ?? []).map((f) => field(f.name as string, typeFromProto(f.type as Obj), Boolean(f.nullable))));

function literalToProto(value: unknown, type: DataType): Obj {
  const o: Obj = { type: typeToProto(type) };
  if (value === null || value === undefined) { o.isNull = true; return o; }
  if (typeof value === 'boolean') o.boolValue = value;
  else if (typeof value === 'string') o.stringValue = value;
  else if (typeof value === 'bigint') o.intValue = value.toString();
  else if (typeof value === 'number' && (type.kind === 'int32' || type.kind === 'date') && Number.isInteger(value)) o.intValue = String(value);
  else o.doubleValue = value as number;
  return o;
}

function literalFromProto(o: Obj): { value: unknown; type: DataType } {
  const type = typeFromProto(o.type as Obj);
  if (o.isNull) return { value: null, type };
  if (o.boolValue !== undefined) return { value: o.boolValue, type };
  if (o.stringValue !== undefined) return { value: o.stringValue, type };
  if (o.intValue !== undefined) {
    const big = BigInt(o.intValue as string);
    return { value: type.kind === 'int64' || type.kind === 'decimal' ? big : Number(big), type };
  }
  return { value: o.doubleValue ?? 0, type };
}

export function exprToProto(e: BoundExpr): Obj {
  const type = typeToProto(e.type);
  switch (e.op) {
    case 'ref': return { type, column: e.index };
    case 'lit': return { type, literal: literalToProto(e.value, e.type) };
    case 'call': return { type, call: { fn: e.fn, args: e.args.map(exprToProto) } };
    case 'cast': return { type, cast: exprToProto(e.child) };
    case 'udf': return { type, udf: { function: userFunctionToProto(e.fn), args: e.args.map(exprToProto), nondeterministic: !e.deterministic } };
    case 'case': return { type, case: { branches: e.branches.map(([w, t]) => ({ when: exprToProto(w), then: exprToProto(t) })), ...(e.otherwise ? { otherwise: exprToProto(e.otherwise) } : {}) } };
  }
}

export function exprFromProto(o: Obj): BoundExpr {
  const type = typeFromProto(o.type as Obj);
  if (o.column !== undefined) return { op: 'ref', index: o.column as number, type };
  if (o.literal) { const l = literalFromProto(o.literal as Obj); return { op: 'lit', value: l.value, type }; }
  if (o.call) { const c = o.call as Obj; return { op: 'call', fn: c.fn as string, args: ((c.args as Obj[]) ?? []).map(exprFromProto), type }; }
  if (o.cast) return { op: 'cast', child: exprFromProto(o.cast as Obj), type };
  if (o.udf) { const u = o.udf as Obj; return { op: 'udf', fn: userFunctionFromProto(u.function as Obj), deterministic: !u.nondeterministic, args: ((u.args as Obj[]) ?? []).map(exprFromProto), type }; }
  const c = o.case as Obj;
  return {
    op: 'case',
    branches: ((c.branches as Obj[]) ?? []).map((b) => [exprFromProto(b.when as Obj), exprFromProto(b.then as Obj)] as const),
    otherwise: c.otherwise ? exprFromProto(c.otherwise as Obj) : null,
    type,
  };
}

const userFunctionToProto = (f: UserFunction): Obj => ({ name: f.name, source: f.source, captures: f.captures.map((c) => ({ name: c.name, value: c.value })), id: f.id });

function userFunctionFromProto(o: Obj): UserFunction {
  const captures = ((o.captures as Obj[] | undefined) ?? []).map((c) => ({ name: c.name as string, value: (c.value as Obj | undefined) ?? {} }));
  return { name: (o.name as string | undefined) ?? '', source: (o.source as string | undefined) ?? '', captures, id: (o.id as string | undefined) ?? '' };
}

const ordersToProto = (os: readonly SortOrder[]): Obj[] => os.map((o) => ({ ascending: o.ascending, nullsFirst: o.nullsFirst }));
const ordersFromProto = (os: Obj[] | undefined): SortOrder[] => (os ?? []).map((o) => ({ ascending: Boolean(o.ascending), nullsFirst: Boolean(o.nullsFirst) }));

function aggToProto(a: AggregateCall): Obj {
  return { fn: a.fn, distinct: a.distinct, args: a.args.map(exprToProto), params: [...a.params] };
}

function windowToProto(w: WindowCall): Obj {
  return {
    fn: w.fn, args: w.args.map(exprToProto), offset: w.offset, ntile: w.ntile,
    ...(w.defaultValue ? { defaultValue: literalToProto(w.defaultValue.value, w.defaultValue.type) } : {}),
    hasFrame: w.frame !== null,
    frameStartUnbounded: w.frame?.start === null, frameStart: w.frame?.start ?? 0,
    frameEndUnbounded: w.frame?.end === null, frameEnd: w.frame?.end ?? 0,
  };
}

function windowFromProto(o: Obj, type: DataType): WindowCall {
  return {
    fn: o.fn as string,
    args: ((o.args as Obj[]) ?? []).map(exprFromProto),
    offset: (o.offset as number) ?? 0,
    ntile: (o.ntile as number) ?? 0,
    defaultValue: o.defaultValue ? literalFromProto(o.defaultValue as Obj) : null,
    frame: o.hasFrame ? { start: o.frameStartUnbounded ? null : Number(o.frameStart ?? 0), end: o.frameEndUnbounded ? null : Number(o.frameEnd ?? 0) } : null,
    type,
  };
}

const AGG_MODES = ['partial', 'final', 'complete'] as const;

export function planToProto(p: PhysicalPlan): Obj {
  const schema = schemaToProto(p.schema);
  switch (p.kind) {
    case 'file_scan':
      return { schema, fileScan: { format: p.format, fileSchema: schemaToProto(p.fileSchema), columns: [...p.columns], options: { ...p.options }, partitions: p.partitions.map((s) => ({ path: s.path, rowGroups: [...(s.rowGroups ?? [])], hasRange: s.start !== undefined, start: s.start ?? 0, end: s.end ?? 0 })) } };
    case 'block_scan':
      return { schema, blockScan: { partitions: p.partitions.map((ids) => ({ blockIds: [...ids] })), project: p.columns !== null, columns: [...(p.columns ?? [])] } };
    case 'shuffle_read':
      return { schema, shuffleRead: { stageId: p.stageId, numPartitions: p.numPartitions, broadcast: p.broadcast } };
    case 'filter':
      return { schema, filter: { input: planToProto(p.input), predicate: exprToProto(p.predicate) } };
    case 'project':
      return { schema, project: { input: planToProto(p.input), exprs: p.exprs.map(exprToProto) } };
    case 'hash_aggregate':
      return { schema, hashAggregate: { input: planToProto(p.input), mode: AGG_MODES.indexOf(p.mode), groupExprs: p.groupExprs.map(exprToProto), aggregates: p.aggregates.map(aggToProto), argTypes: [] } };
    case 'hash_join':
      return { schema, hashJoin: { left: planToProto(p.left), right: planToProto(p.right), joinType: p.joinType, leftKeys: p.leftKeys.map(exprToProto), rightKeys: p.rightKeys.map(exprToProto), hasResidual: p.residual !== null, ...(p.residual ? { residual: exprToProto(p.residual) } : {}) } };
    case 'cross_join':
      return { schema, crossJoin: { left: planToProto(p.left), right: planToProto(p.right) } };
    case 'sort':
      return { schema, sort: { input: planToProto(p.input), keys: p.keys.map(exprToProto), orders: ordersToProto(p.orders), limit: p.limit } };
    case 'limit':
      return { schema, limit: { input: planToProto(p.input), limit: p.limit } };
    case 'window':
      return { schema, window: { input: planToProto(p.input), partitionBy: p.partitionBy.map(exprToProto), orderBy: p.orderBy.map(exprToProto), orders: ordersToProto(p.orders), calls: p.calls.map(windowToProto) } };
    case 'window_group_limit':
      return { schema, windowGroupLimit: { input: planToProto(p.input), partitionBy: p.partitionBy.map(exprToProto), orderBy: exprToProto(p.orderBy), order: ordersToProto([p.order])[0], fn: p.fn, limit: p.limit } };
    case 'union':
      return { schema, union: { inputs: p.inputs.map(planToProto) } };
    case 'coalesce':
      // A coalesce is a union of one input whose partitions are grouped: input_partitions holds the target count.
      return { schema, union: { inputs: [planToProto(p.input)], inputPartitions: [p.numPartitions] } };
    case 'sample':
      return { schema, sample: { input: planToProto(p.input), lower: p.lower, upper: p.upper, seed: p.seed, withReplacement: p.withReplacement } };
    case 'exchange':
      throw new Error('An exchange cannot be serialized inside a stage: cut the plan into stages first');
  }
}

export function planFromProto(o: Obj): PhysicalPlan {
  const schema = schemaFromProto(o.schema as Obj);
  const sub = (x: unknown): PhysicalPlan => planFromProto(x as Obj);
  const exprs = (x: unknown): BoundExpr[] => ((x as Obj[]) ?? []).map(exprFromProto);
  if (o.fileScan) {
    const f = o.fileScan as Obj;
    return {
      kind: 'file_scan', schema, format: f.format as string, fileSchema: schemaFromProto(f.fileSchema as Obj),
      columns: (f.columns as number[]) ?? [], options: (f.options as Record<string, string>) ?? {},
      partitions: ((f.partitions as Obj[]) ?? []).map((s) => ({
        path: s.path as string,
        ...((s.rowGroups as number[] | undefined)?.length ? { rowGroups: s.rowGroups as number[] } : {}),
        ...(s.hasRange ? { start: Number(s.start), end: Number(s.end) } : {}),
      })),
    };
  }
  if (o.blockScan) {
    const b = o.blockScan as Obj;
    return { kind: 'block_scan', schema, partitions: ((b.partitions as Obj[]) ?? []).map((x) => (x.blockIds as string[]) ?? []), columns: b.project ? ((b.columns as number[]) ?? []) : null };
  }
  if (o.shuffleRead) { const s = o.shuffleRead as Obj; return { kind: 'shuffle_read', schema, stageId: (s.stageId as number) ?? 0, numPartitions: (s.numPartitions as number) ?? 0, broadcast: Boolean(s.broadcast) }; }
  if (o.filter) { const f = o.filter as Obj; return { kind: 'filter', schema, input: sub(f.input), predicate: exprFromProto(f.predicate as Obj) }; }
  if (o.project) { const f = o.project as Obj; return { kind: 'project', schema, input: sub(f.input), exprs: exprs(f.exprs) }; }
  if (o.hashAggregate) {
    const a = o.hashAggregate as Obj;
    const aggregates: AggregateCall[] = ((a.aggregates as Obj[]) ?? []).map((c, i) => ({
      fn: c.fn as string, distinct: Boolean(c.distinct), args: exprs(c.args), params: (c.params as number[]) ?? [],
      type: aggregateOutputType(schema, a, i),
    }));
    return { kind: 'hash_aggregate', schema, input: sub(a.input), mode: AGG_MODES[(a.mode as number) ?? 0]!, groupExprs: exprs(a.groupExprs), aggregates, argTypes: aggregates.map((c) => c.args.map((x) => x.type)) };
  }
  if (o.hashJoin) {
    const j = o.hashJoin as Obj;
    return { kind: 'hash_join', schema, left: sub(j.left), right: sub(j.right), joinType: j.joinType as JoinType, leftKeys: exprs(j.leftKeys), rightKeys: exprs(j.rightKeys), residual: j.hasResidual ? exprFromProto(j.residual as Obj) : null };
  }
  if (o.crossJoin) { const j = o.crossJoin as Obj; return { kind: 'cross_join', schema, left: sub(j.left), right: sub(j.right) }; }
  if (o.sort) { const s = o.sort as Obj; return { kind: 'sort', schema, input: sub(s.input), keys: exprs(s.keys), orders: ordersFromProto(s.orders as Obj[]), limit: Number(s.limit ?? 0) }; }
  if (o.limit) { const l = o.limit as Obj; return { kind: 'limit', schema, input: sub(l.input), limit: Number(l.limit ?? 0) }; }
  if (o.window) {
    const w = o.window as Obj;
    const input = sub(w.input);
    const nIn = input.schema.fields.length;
    return { kind: 'window', schema, input, partitionBy: exprs(w.partitionBy), orderBy: exprs(w.orderBy), orders: ordersFromProto(w.orders as Obj[]), calls: ((w.calls as Obj[]) ?? []).map((c, i) => windowFromProto(c, schema.fields[nIn + i]!.type)) };
  }
  if (o.windowGroupLimit) {
    const w = o.windowGroupLimit as Obj;
    return { kind: 'window_group_limit', schema, input: sub(w.input), partitionBy: exprs(w.partitionBy), orderBy: exprFromProto(w.orderBy as Obj), order: ordersFromProto([w.order as Obj])[0]!, fn: w.fn as RankLike, limit: Number(w.limit ?? 0) };
  }
  if (o.union) {
    const u = o.union as Obj;
    const inputs = ((u.inputs as Obj[]) ?? []).map(planFromProto);
    const grouped = (u.inputPartitions as number[] | undefined) ?? [];
    if (grouped.length === 1 && inputs.length === 1) return { kind: 'coalesce', schema, input: inputs[0]!, numPartitions: grouped[0]! };
    return { kind: 'union', schema, inputs };
  }
  if (o.sample) { const s = o.sample as Obj; return { kind: 'sample', schema, input: sub(s.input), lower: (s.lower as number) ?? 0, upper: (s.upper as number) ?? 0, seed: Number(s.seed ?? 0), withReplacement: Boolean(s.withReplacement) }; }
  throw new Error(`Unknown plan node in task: ${Object.keys(o).join(', ')}`);
}

/** The result type of aggregate i is in the output schema for FINAL/COMPLETE; PARTIAL states do not need it. */
function aggregateOutputType(schema: Schema, a: Obj, i: number): DataType {
  const nKeys = ((a.groupExprs as Obj[]) ?? []).length;
  const mode = AGG_MODES[(a.mode as number) ?? 0];
  return mode === 'partial' ? { kind: 'null' } : schema.fields[nKeys + i]!.type;
}

const PARTITIONING = ['single', 'hash', 'round_robin', 'range', 'broadcast', 'none'] as const;

export function partitioningToProto(p: Partitioning): Obj {
  const o: Obj = { kind: PARTITIONING.indexOf(p.kind) };
  if (p.kind === 'hash') { o.numPartitions = p.numPartitions; o.keys = p.keys.map(exprToProto); }
  if (p.kind === 'round_robin') o.numPartitions = p.numPartitions;
  if (p.kind === 'range') {
    o.numPartitions = p.numPartitions;
    o.keys = p.keys.map(exprToProto);
    o.orders = ordersToProto(p.orders);
    if (p.bounds) o.rangeBounds = p.bounds;
  }
  return o;
}

export function partitioningFromProto(o: Obj): Partitioning {
  const kind = PARTITIONING[(o.kind as number) ?? 0]!;
  switch (kind) {
    case 'hash': return { kind, numPartitions: o.numPartitions as number, keys: ((o.keys as Obj[]) ?? []).map(exprFromProto) };
    case 'round_robin': return { kind, numPartitions: o.numPartitions as number };
    case 'range': {
      const bounds = o.rangeBounds as Uint8Array | undefined;
      return { kind, numPartitions: o.numPartitions as number, keys: ((o.keys as Obj[]) ?? []).map(exprFromProto), orders: ordersFromProto(o.orders as Obj[]), bounds: bounds && bounds.length ? bounds : null };
    }
    default: return { kind };
  }
}

export interface TaskSpec {
  readonly jobId: string;
  readonly stage: Stage;
  readonly partition: number;
  readonly attempt: number;
  readonly fn?: TaskFunction;
  /** Block ids this task reads, per upstream stage. */
  readonly inputs: ReadonlyMap<number, readonly { blockId: string; reducePartition: number }[]>;
}

export function encodeTask(t: TaskSpec): Uint8Array {
  const msg = TaskDefinitionType.fromObject({
    jobId: t.jobId,
    stageId: t.stage.id,
    partition: t.partition,
    attempt: t.attempt,
    stage: { stageId: t.stage.id, plan: planToProto(t.stage.plan), output: partitioningToProto(t.stage.output), numTasks: t.stage.numTasks },
    inputs: [...t.inputs].map(([stageId, blocks]) => ({ stageId, blocks: blocks.map((b) => ({ blockId: b.blockId, reducePartition: b.reducePartition })) })),
    ...(t.fn ? { partitionFunction: functionToProto(t.fn) } : {}),
  });
  return TaskDefinitionType.encode(msg).finish();
}

export interface DecodedTask {
  readonly jobId: string;
  readonly stageId: number;
  readonly partition: number;
  readonly plan: PhysicalPlan;
  readonly output: Partitioning;
  readonly outputPartitions: number;
  readonly inputs: ReadonlyMap<number, readonly { blockId: string; reducePartition: number }[]>;
  readonly attempt: number;
  readonly numTasks: number;
  readonly fn: TaskFunction | null;
}

const FN_MODES = ['result', 'map_columns', 'map_rows'] as const;

function functionToProto(f: TaskFunction): Obj {
  return {
    module: f.module, exportName: f.fn, args: f.args, barrier: f.barrier, mode: FN_MODES.indexOf(f.mode), cacheKey: f.cacheKey,
    ...(f.outputSchema ? { outputSchema: schemaToProto(f.outputSchema) } : {}),
    ...(f.userFunction ? { userFunction: userFunctionToProto(f.userFunction) } : {}),
  };
}

function functionFromProto(o: Obj): TaskFunction {
  return {
    module: o.module as string, fn: o.exportName as string, args: (o.args as Uint8Array | undefined) ?? new Uint8Array(0),
    barrier: Boolean(o.barrier), mode: FN_MODES[(o.mode as number | undefined) ?? 0]!,
    outputSchema: o.outputSchema ? schemaFromProto(o.outputSchema as Obj) : null, cacheKey: (o.cacheKey as string | undefined) ?? '',
    userFunction: o.userFunction ? userFunctionFromProto(o.userFunction as Obj) : null,
  };
}

export function decodeTask(bytes: Uint8Array): DecodedTask {
  const o = TaskDefinitionType.toObject(TaskDefinitionType.decode(bytes), { longs: String, defaults: false }) as Obj;
  const stage = o.stage as Obj;
  const output = partitioningFromProto((stage.output as Obj) ?? {});
  const plan = planFromProto(stage.plan as Obj);
  const inputs = new Map<number, { blockId: string; reducePartition: number }[]>();
  for (const i of (o.inputs as Obj[]) ?? []) {
    inputs.set((i.stageId as number) ?? 0, ((i.blocks as Obj[]) ?? []).map((b) => ({ blockId: b.blockId as string, reducePartition: (b.reducePartition as number) ?? 0 })));
  }
  // A range output without bounds is the sampling pass: everything goes to one block.
  const outputPartitions = output.kind === 'hash' || output.kind === 'round_robin' || (output.kind === 'range' && output.bounds) ? output.numPartitions : 1;
  return {
    jobId: o.jobId as string, stageId: (o.stageId as number) ?? 0, partition: (o.partition as number) ?? 0, plan, output, outputPartitions, inputs,
    attempt: (o.attempt as number | undefined) ?? 0, numTasks: (stage.numTasks as number | undefined) ?? 1,
    fn: o.partitionFunction ? functionFromProto(o.partitionFunction as Obj) : null,
  };
}

