import { ExecutionError } from '../errors.js';
import type { BoundExpr } from '../expr/bound.js';
import { fileFormat } from '../io/index.js';
import { type AggSpec, HashAggregator, aggregateStateFields } from '../kernels/aggregate/index.js';
import { GroupTable } from '../kernels/aggregate/group-table.js';
import { evaluate, evaluatePredicate } from '../kernels/evaluate.js';
import { GroupLimiter, orderScores } from '../kernels/group-limit.js';
import { JoinHashTable } from '../kernels/join.js';
import { sortIndices } from '../kernels/sort.js';
import { type WindowFn, computeWindow } from '../kernels/window.js';
import type { WindowCall } from '../logical/plan.js';
import { type PhysicalPlan, numPartitions } from '../physical/plan.js';
import { type Batch, concatBatches, makeBatch, sliceBatch, takeBatch } from '../types/batch.js';
import { type Vec, constantVec, sliceVec, takeVec } from '../types/vec.js';

/** What a task can read besides files: shuffle outputs of earlier stages and stored blocks. */
export interface TaskInputs {
  /** The blocks an upstream stage wrote for `partition`, or all of its blocks for a broadcast. */
  shuffle(stageId: number, partition: number | 'all'): Promise<Batch[]>;
  blocks(ids: readonly string[], columns: readonly number[] | null): Promise<Batch[]>;
}

/** Runs one partition of a stage fragment as a stream of batches. */
export async function* execute(p: PhysicalPlan, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  switch (p.kind) {
    case 'file_scan': {
      const part = p.partitions[partition];
      if (!part) return;
      yield* fileFormat(p.format).read(part, p.fileSchema, p.columns, p.options);
      return;
    }
    case 'block_scan':
      yield* await io.blocks(p.partitions[partition] ?? [], p.columns);
      return;
    case 'shuffle_read':
      yield* await io.shuffle(p.stageId, p.broadcast ? 'all' : partition);
      return;
    case 'filter':
      for await (const b of execute(p.input, partition, io)) {
        const idx = evaluatePredicate(p.predicate, b);
        if (idx.length === b.numRows) yield b;
        else if (idx.length > 0) yield takeBatch(b, idx);
      }
      return;
    case 'project':
      for await (const b of execute(p.input, partition, io)) {
        yield makeBatch(p.schema, p.exprs.map((e) => evaluate(e, b)), b.numRows);
      }
      return;
    case 'hash_aggregate':
      yield* hashAggregate(p, partition, io);
      return;
    case 'hash_join':
      yield* hashJoin(p, partition, io);
      return;
    case 'cross_join':
      yield* crossJoin(p, partition, io);
      return;
    case 'sort': {
      const all = await collect(p.input, partition, io);
      const keys = p.keys.map((k) => evaluate(k, all));
      const order = sortIndices(keys, p.orders, p.limit > 0 ? p.limit : undefined);
      yield takeBatch(all, p.limit > 0 && order.length > p.limit ? order.subarray(0, p.limit) : order);
      return;
    }
    case 'limit': {
      let remaining = p.limit;
      if (remaining === 0) return;
      for await (const b of execute(p.input, partition, io)) {
        yield b.numRows <= remaining ? b : sliceBatch(b, 0, remaining);
        remaining -= Math.min(remaining, b.numRows);
        if (remaining === 0) return;
      }
      return;
    }
    case 'window':
      yield await windowed(p, partition, io);
      return;
    case 'window_group_limit':
      yield* windowGroupLimit(p, partition, io);
      return;
    case 'union': {
      let offset = partition;
      for (const input of p.inputs) {
        const n = numPartitions(input);
        if (offset < n) { yield* execute(input, offset, io); return; }
        offset -= n;
      }
      return;
    }
    case 'coalesce': {
      // Adjacent input partitions are merged, as Spark's coalesce does, so no data moves between tasks.
      const m = numPartitions(p.input);
      const n = Math.min(p.numPartitions, m);
      for (let i = Math.floor((partition * m) / n); i < Math.floor(((partition + 1) * m) / n); i++) yield* execute(p.input, i, io);
      return;
    }
    case 'sample':
      yield* sample(p, partition, io);
      return;
    case 'exchange':
      throw new ExecutionError('An exchange reached a task: the plan was not cut into stages');
  }
}

export async function collect(p: PhysicalPlan, partition: number, io: TaskInputs): Promise<Batch> {
  const batches: Batch[] = [];
  for await (const b of execute(p, partition, io)) batches.push(b);
  return concatBatches(p.schema, batches);
}

function aggSpecs(p: Extract<PhysicalPlan, { kind: 'hash_aggregate' }>): AggSpec[] {
  return p.aggregates.map((a, i) => ({ fn: a.fn, distinct: a.distinct, argTypes: p.argTypes[i] ?? a.args.map((x) => x.type), params: a.params }));
}

/** Rows a partial aggregation sees before it judges whether grouping them pays. */
const PARTIAL_PROBE_ROWS = 100_000;
/** Above this many groups per row seen, a partial aggregation stops grouping (DataFusion's default ratio). */
const PARTIAL_SKIP_RATIO = 0.8;

/**
 * Groups the input and yields one row per group. A partial aggregation whose first PARTIAL_PROBE_ROWS rows hold
 * nearly as many groups (a groupBy on an almost unique key, db-benchmark's q10) yields what it has and then
 * passes each row's own state through: the final aggregation after the exchange groups them anyway, and hashing
 * every row twice was most of such a query's time.
 */
async function* hashAggregate(p: Extract<PhysicalPlan, { kind: 'hash_aggregate' }>, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  const specs = aggSpecs(p);
  const agg = new HashAggregator(p.groupExprs.map((g) => g.type), specs, p.mode);
  // A final aggregation reads each aggregate's state columns, which follow the keys in order.
  const stateWidths = specs.map((s) => aggregateStateFields(s, 's').length);
  // Judged once, on the first PARTIAL_PROBE_ROWS rows: a big batch (a whole cached partition) is pushed in two
  // parts so that the judgement comes before its bulk.
  let judged = !(p.mode === 'partial' && p.groupExprs.length > 0);
  let rowsSeen = 0;
  let passingThrough = false;
  for await (const b of execute(p.input, partition, io)) {
    const keys = p.groupExprs.map((g) => evaluate(g, b));
    let args: Vec[][];
    if (p.mode === 'final') {
      let c = p.groupExprs.length;
      args = stateWidths.map((w) => { const cols = b.columns.slice(c, c + w); c += w; return cols as Vec[]; });
    } else {
      args = p.aggregates.map((a) => a.args.map((x) => evaluate(x, b)));
    }
    let start = 0;
    while (!passingThrough && start < b.numRows) {
      const end = judged ? b.numRows : Math.min(b.numRows, start + PARTIAL_PROBE_ROWS - rowsSeen);
      const slice = (v: Vec) => sliceVec(v, start, end);
      agg.push(keys.map(slice), args.map((a) => a.map(slice)), end - start);
      rowsSeen += end - start;
      start = end;
      if (!judged && rowsSeen >= PARTIAL_PROBE_ROWS) {
        judged = true;
        passingThrough = agg.numGroups > PARTIAL_SKIP_RATIO * rowsSeen;
      }
    }
    if (start < b.numRows) {
      const slice = (v: Vec) => sliceVec(v, start, b.numRows);
      yield makeBatch(p.schema, [...keys.map(slice), ...HashAggregator.rowStates(specs, args.map((a) => a.map(slice)), b.numRows - start)], b.numRows - start);
    }
  }
  const { keys, values } = agg.finish();
  yield makeBatch(p.schema, [...keys, ...values]);
}

async function* hashJoin(p: Extract<PhysicalPlan, { kind: 'hash_join' }>, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  const buildPartition = p.right.kind === 'shuffle_read' && p.right.broadcast ? 0 : partition;
  const build = await collect(p.right, buildPartition, io);
  const buildKeys = p.rightKeys.map((k) => evaluate(k, build));
  const table = new JoinHashTable(buildKeys, build.numRows);
  const type = p.joinType;
  const leftWidth = p.left.schema.fields.length;
  const outputs = (left: Batch, probeIdx: Int32Array, buildIdx: Int32Array): Batch =>
    makeBatch(p.schema, [...left.columns.map((c) => takeVec(c, probeIdx)), ...build.columns.map((c) => takeVec(c, buildIdx))], probeIdx.length);
  const buildMatched = p.residual && type === 'full' ? new Uint8Array(build.numRows) : null;

  for await (const left of execute(p.left, partition, io)) {
    const probeKeys = p.leftKeys.map((k) => evaluate(k, left));
    if (!p.residual) {
      const { probeIdx, buildIdx } = table.probe(probeKeys, left.numRows, type);
      if (type === 'semi' || type === 'anti') yield takeBatch(left, probeIdx);
      else yield outputs(left, probeIdx, buildIdx);
      continue;
    }
    // With a residual condition, a pair matches only if the condition holds: match as an inner
    // join, filter the pairs, then add back the rows the join type preserves.
    const pairs = table.probe(probeKeys, left.numRows, 'inner');
    const joined = outputs(left, pairs.probeIdx, pairs.buildIdx);
    const keep = evaluatePredicate(p.residual, joined);
    const probeHit = new Uint8Array(left.numRows);
    for (let i = 0; i < keep.length; i++) {
      probeHit[pairs.probeIdx[keep[i]!]!] = 1;
      if (buildMatched) buildMatched[pairs.buildIdx[keep[i]!]!] = 1;
    }
    if (type === 'semi' || type === 'anti') {
      yield takeBatch(left, rowsWhere(probeHit, type === 'semi' ? 1 : 0));
      continue;
    }
    yield takeBatch(joined, keep);
    if (type === 'left' || type === 'full') {
      const missing = rowsWhere(probeHit, 0);
      yield outputs(left, missing, new Int32Array(missing.length).fill(-1));
    }
  }
  if (type === 'full') {
    const unmatched = buildMatched ? rowsWhere(buildMatched, 0) : table.unmatchedBuildRows();
    const nulls = new Int32Array(unmatched.length).fill(-1);
    const leftNulls = p.left.schema.fields.map((f) => takeVec(constantVec(f.type, null, 1), nulls));
    yield makeBatch(p.schema, [...leftNulls.slice(0, leftWidth), ...build.columns.map((c) => takeVec(c, unmatched))], unmatched.length);
  }
}

function rowsWhere(flags: Uint8Array, value: number): Int32Array {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) n++;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < flags.length; i++) if (flags[i] === value) out[k++] = i;
  return out;
}

async function* crossJoin(p: Extract<PhysicalPlan, { kind: 'cross_join' }>, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  const right = await collect(p.right, 0, io);
  if (right.numRows === 0) return;
  // Emit in chunks of about 64k rows so a large product never sits in memory at once.
  const leftRowsPerChunk = Math.max(1, Math.floor(65536 / right.numRows));
  for await (const left of execute(p.left, partition, io)) {
    for (let start = 0; start < left.numRows; start += leftRowsPerChunk) {
      const end = Math.min(left.numRows, start + leftRowsPerChunk);
      const n = (end - start) * right.numRows;
      const li = new Int32Array(n);
      const ri = new Int32Array(n);
      for (let i = start, k = 0; i < end; i++) for (let j = 0; j < right.numRows; j++, k++) { li[k] = i; ri[k] = j; }
      yield makeBatch(p.schema, [...left.columns.map((c) => takeVec(c, li)), ...right.columns.map((c) => takeVec(c, ri))], n);
    }
  }
}

async function windowed(p: Extract<PhysicalPlan, { kind: 'window' }>, partition: number, io: TaskInputs): Promise<Batch> {
  const all = await collect(p.input, partition, io);
  const partitionKeys = p.partitionBy.map((e) => evaluate(e, all));
  const orderKeys = p.orderBy.map((e) => evaluate(e, all));
  const fns = p.calls.map((c) => windowFn(c, all));
  const results = all.numRows === 0 ? p.calls.map((c) => constantVec(c.type, null, 0)) : computeWindow(partitionKeys, orderKeys, p.orders, all.numRows, fns);
  return makeBatch(p.schema, [...all.columns, ...results], all.numRows);
}

async function* windowGroupLimit(p: Extract<PhysicalPlan, { kind: 'window_group_limit' }>, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  const groups = new GroupTable(p.partitionBy.map((e) => e.type));
  const limiter = new GroupLimiter(p.limit, p.fn);
  for await (const b of execute(p.input, partition, io)) {
    const ids = groups.insert(p.partitionBy.map((e) => evaluate(e, b)), b.numRows);
    const keep = limiter.add(ids, orderScores(evaluate(p.orderBy, b), p.order), groups.numGroups);
    if (keep.length === b.numRows) yield b;
    else if (keep.length > 0) yield takeBatch(b, keep);
  }
}

function windowFn(c: WindowCall, b: Batch): WindowFn {
  switch (c.fn) {
    case 'row_number': case 'rank': case 'dense_rank': case 'percent_rank': case 'cume_dist':
      return { kind: c.fn };
    case 'ntile':
      return { kind: 'ntile', n: c.ntile };
    case 'lag': case 'lead':
      return { kind: c.fn, input: evaluate(c.args[0]!, b), offset: c.offset, defaultValue: c.defaultValue ? constantVec(c.type, c.defaultValue.value, 1) : null };
    default:
      return {
        kind: 'aggregate',
        fn: c.fn as 'sum',
        input: c.args.length ? evaluate(c.args[0] as BoundExpr, b) : null,
        frame: c.frame ?? 'default',
      };
  }
}

/** xorshift32 seeded per (seed, partition): the same data and seed give the same sample, and randomSplit's draws line up across splits. */
async function* sample(p: Extract<PhysicalPlan, { kind: 'sample' }>, partition: number, io: TaskInputs): AsyncGenerator<Batch> {
  let state = (Math.imul(p.seed | 0, 0x9e3779b1) ^ Math.imul(partition + 1, 0x85ebca6b)) | 0 || 1;
  const next = (): number => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for await (const b of execute(p.input, partition, io)) {
    let picked = new Int32Array(b.numRows);
    let n = 0;
    for (let i = 0; i < b.numRows; i++) {
      if (p.withReplacement) {
        // Poisson(fraction) copies of each row, by inversion.
        let k = 0, prob = Math.exp(-p.upper), cum = prob;
        const u = next();
        while (u > cum) { k++; prob *= p.upper / k; cum += prob; }
        if (n + k > picked.length) { const grown = new Int32Array(Math.max(2 * picked.length, n + k)); grown.set(picked); picked = grown; }
        picked.fill(i, n, n + k);
        n += k;
      } else {
        const u = next();
        if (u >= p.lower && u < p.upper) picked[n++] = i;
      }
    }
    if (n) yield takeBatch(b, picked.subarray(0, n));
  }
}

