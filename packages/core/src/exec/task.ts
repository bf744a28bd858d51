import { evaluate } from '../kernels/evaluate.js';
import { hashPartitionIds, rangePartitionIds, splitByPartition } from '../kernels/partition.js';
import type { BoundExpr } from '../expr/bound.js';
import { Schema, field } from '../types/schema.js';
import type { DecodedTask } from '../physical/proto-codec.js';
import { type Batch, makeBatch, takeBatch } from '../types/batch.js';
import { decodeIpc, encodeIpc } from '../types/arrow.js';
import { type TaskInputs, execute } from './operators.js';
import { PartitionData, type PartitionContext, type TaskFunction, loadPartitionFunction } from './partition-function.js';
import type { Vec } from '../types/vec.js';
import { passThroughHashSplit, splitArrowBlocks } from './arrow-split.js';
import { compileUserFunction } from '../udf/compile-function.js';
import { fromPartitionColumns, toPartitionColumns } from '../udf/partition-columns.js';

export interface OutputBlock {
  readonly blockId: string;
  readonly reducePartition: number;
  readonly rows: number;
  readonly bytes: Uint8Array;
}

export interface TaskOutput {
  readonly blocks: OutputBlock[];
  /** For a range exchange's sampling pass: evenly spaced rows of the evaluated sort keys (Arrow IPC). */
  readonly keySample: Uint8Array | null;
  /** A RESULT-mode partition function's bytes. */
  readonly functionResult?: Uint8Array;
}

/** Rows of sort keys each map task contributes per output partition when range bounds are chosen. */
const SAMPLE_ROWS_PER_PARTITION = 100;

/** Fetches block bytes by id: from the driver's memory locally, over the shuffle service on a cluster. */
export type BlockFetcher = (ids: readonly string[]) => Promise<Uint8Array[]>;

export const blockId = (jobId: string, stageId: number, mapPartition: number, reducePartition: number): string =>
  `${jobId}/s${stageId}/m${mapPartition}/r${reducePartition}`;

/** Tasks nobody can kill (local mode) get a signal that never aborts. */
const NEVER_KILLED = new AbortController().signal;

/**
 * Runs one task: its fragment over one partition, its output split by the stage's partitioning into Arrow IPC
 * blocks. `signal` aborts when the task is killed; a partition function sees it as PartitionContext.signal.
 */
export async function runTask(task: DecodedTask, fetch: BlockFetcher, signal: AbortSignal = NEVER_KILLED): Promise<TaskOutput> {
  const decodeAll = async (ids: readonly string[], columns: readonly number[] | null = null): Promise<Batch[]> =>
    (await fetch(ids)).flatMap((bytes) => decodeIpc(bytes, columns ?? undefined).batches);
  const io: TaskInputs = {
    shuffle: async (stageId, partition) => {
      const blocks = task.inputs.get(stageId) ?? [];
      return decodeAll(blocks.filter((b) => partition === 'all' || b.reducePartition === partition).map((b) => b.blockId));
    },
    blocks: decodeAll,
  };
  if (task.fn) return runPartitionFunction(task, task.fn, execute(task.plan, task.partition, io), signal);
  const n = task.outputPartitions;
  const passThrough = passThroughHashSplit(task.plan, task.output);
  if (passThrough) {
    const split = splitArrowBlocks(await fetch(passThrough.scan.partitions[task.partition] ?? []), task.plan.schema, passThrough.columns, passThrough.keys, n);
    if (split) return { blocks: split.map(({ bytes, rows }, r) => ({ blockId: blockId(task.jobId, task.stageId, task.partition, r), reducePartition: r, rows, bytes })), keySample: null };
  }
  const parts: Batch[][] = Array.from({ length: n }, () => []);
  let roundRobin = task.partition;
  for await (const b of execute(task.plan, task.partition, io)) {
    if (b.numRows === 0) continue;
    const out = task.output;
    if (out.kind === 'hash') {
      const ids = hashPartitionIds(out.keys.map((k) => evaluate(k, b)), b.numRows, n);
      splitByPartition(ids, n).forEach((rows, r) => { if (rows.length) parts[r]!.push(takeBatch(b, rows)); });
    } else if (out.kind === 'range' && out.bounds) {
      const bounds = decodeIpc(out.bounds).batches[0];
      const keys = out.keys.map((k) => evaluate(k, b));
      const ids = bounds ? rangePartitionIds(keys, b.numRows, bounds.columns, out.orders) : new Int32Array(b.numRows);
      splitByPartition(ids, n).forEach((rows, r) => { if (rows.length) parts[r]!.push(takeBatch(b, rows)); });
    } else if (out.kind === 'round_robin') {
      const ids = new Int32Array(b.numRows);
      for (let i = 0; i < ids.length; i++) ids[i] = (roundRobin + i) % n;
      roundRobin = (roundRobin + b.numRows) % n;
      splitByPartition(ids, n).forEach((rows, r) => { if (rows.length) parts[r]!.push(takeBatch(b, rows)); });
    } else {
      parts[0]!.push(b);
    }
  }
  const blocks = parts.map((batches, r) => ({
    blockId: blockId(task.jobId, task.stageId, task.partition, r),
    reducePartition: r,
    rows: batches.reduce((s, b) => s + b.numRows, 0),
    bytes: encodeIpc(task.plan.schema, batches),
  }));
  const out = task.output;
  const keySample = out.kind === 'range' && !out.bounds ? sampleKeys(parts[0]!, out.keys, out.numPartitions * SAMPLE_ROWS_PER_PARTITION) : null;
  return { blocks, keySample };
}

/** Runs the partition function over all the fragment's rows: its bytes come back, or its columns are appended and written as the task's one block. */
async function runPartitionFunction(task: DecodedTask, f: TaskFunction, rows: AsyncIterable<Batch>, signal: AbortSignal): Promise<TaskOutput> {
  const batches: Batch[] = [];
  for await (const b of rows) if (b.numRows > 0) batches.push(b);
  const part = new PartitionData(task.plan.schema, batches);
  const ctx: PartitionContext = { partition: task.partition, numPartitions: task.numTasks, attempt: task.attempt, cacheKey: `${f.cacheKey}/p${task.partition}`, signal };
  if (f.userFunction) return runUserPartitionFunction(task, f, part, ctx);
  const call = await loadPartitionFunction(f.module, f.fn);
  const result = await call(part, f.args, ctx);
  if (f.mode === 'result') {
    if (!(result instanceof Uint8Array)) throw new TypeError(`Partition function ${f.fn} of ${f.module} must return a Uint8Array, got ${typeof result}`);
    return { blocks: [], keySample: null, functionResult: result };
  }
  const added = result as Vec[];
  const outSchema = f.outputSchema!;
  if (!Array.isArray(added) || added.length !== outSchema.fields.length || added.some((v) => v.length !== part.numRows)) {
    throw new TypeError(`Partition function ${f.fn} of ${f.module} must return ${outSchema.fields.length} columns of ${part.numRows} rows (${outSchema.names.join(', ')})`);
  }
  const schema = mapColumnsSchema(task.plan.schema, outSchema);
  const columns = [...part.batch.columns];
  outSchema.fields.forEach((fl, i) => {
    if (added[i]!.type.kind !== fl.type.kind) throw new TypeError(`Partition function ${f.fn} returned a ${added[i]!.type.kind} column for '${fl.name}', declared ${fl.type.kind}`);
    const at = task.plan.schema.indexOf(fl.name);
    if (at >= 0) columns[at] = added[i]!; else columns.push(added[i]!);
  });
  const bytes = encodeIpc(schema, [makeBatch(schema, columns, part.numRows)]);
  return { blocks: [{ blockId: blockId(task.jobId, task.stageId, task.partition, 0), reducePartition: 0, rows: part.numRows, bytes }], keySample: null };
}

/** mapPartitions (map_rows: its columns become the task's block) or foreachPartition (result: run for its side effects). */
async function runUserPartitionFunction(task: DecodedTask, f: TaskFunction, part: PartitionData, ctx: PartitionContext): Promise<TaskOutput> {
  const uf = f.userFunction!;
  const result = await compileUserFunction(uf)(toPartitionColumns(part.schema, part.batch), { ...ctx, numRows: part.numRows });
  if (f.mode !== 'map_rows') return { blocks: [], keySample: null, functionResult: new Uint8Array(0) };
  const schema = f.outputSchema!;
  const batch = fromPartitionColumns(result, schema, `mapPartitions function '${uf.name}'`);
  const bytes = encodeIpc(schema, [batch]);
  return { blocks: [{ blockId: blockId(task.jobId, task.stageId, task.partition, 0), reducePartition: 0, rows: batch.numRows, bytes }], keySample: null };
}

/** The input's columns with the function's appended, a same-named input column replaced in place (as withColumn). */
export function mapColumnsSchema(input: Schema, added: Schema): Schema {
  const fields = [...input.fields];
  for (const f of added.fields) {
    const at = input.indexOf(f.name);
    if (at >= 0) fields[at] = f; else fields.push(f);
  }
  return new Schema(fields);
}

/** Evenly spaced rows of the evaluated keys, so the driver can cut the key space into ranges of similar size. */
function sampleKeys(batches: readonly Batch[], keys: readonly BoundExpr[], want: number): Uint8Array {
  const total = batches.reduce((s, b) => s + b.numRows, 0);
  const step = Math.max(1, total / want);
  const sampled: Batch[] = [];
  let next = 0;
  let offset = 0;
  for (const b of batches) {
    const rows: number[] = [];
    for (; next < offset + b.numRows; next += step) rows.push(Math.floor(next) - offset);
    offset += b.numRows;
    if (rows.length === 0) continue;
    const picked = takeBatch(b, Int32Array.from(rows));
    const cols = keys.map((k) => evaluate(k, picked));
    sampled.push(makeBatch(keySchema(keys), cols, rows.length));
  }
  return encodeIpc(keySchema(keys), sampled);
}

const keySchema = (keys: readonly BoundExpr[]): Schema => new Schema(keys.map((k, i) => field(`k${i}`, k.type)));
