import { evaluate } from '../kernels/evaluate.js';
import { hashPartitionIds, splitByPartition } from '../kernels/partition.js';
import type { DecodedTask } from '../physical/proto-codec.js';
import { type Batch, takeBatch } from '../types/batch.js';
import { decodeIpc, encodeIpc } from '../types/arrow.js';
import { type TaskInputs, execute } from './operators.js';

export interface OutputBlock {
  readonly blockId: string;
  readonly reducePartition: number;
  readonly rows: number;
  readonly bytes: Uint8Array;
}

/** Fetches block bytes by id: from the driver's memory locally, over the shuffle service on a cluster. */
export type BlockFetcher = (ids: readonly string[]) => Promise<Uint8Array[]>;

export const blockId = (jobId: string, stageId: number, mapPartition: number, reducePartition: number): string =>
  `${jobId}/s${stageId}/m${mapPartition}/r${reducePartition}`;

/** Runs one task: its fragment over one partition, its output split by the stage's partitioning into Arrow IPC blocks. */
export async function runTask(task: DecodedTask, fetch: BlockFetcher): Promise<OutputBlock[]> {
  const decodeAll = async (ids: readonly string[], columns: readonly number[] | null = null): Promise<Batch[]> =>
    (await fetch(ids)).flatMap((bytes) => decodeIpc(bytes, columns ?? undefined).batches);
  const io: TaskInputs = {
    shuffle: async (stageId, partition) => {
      const blocks = task.inputs.get(stageId) ?? [];
      return decodeAll(blocks.filter((b) => partition === 'all' || b.reducePartition === partition).map((b) => b.blockId));
    },
    blocks: decodeAll,
  };
  const n = task.outputPartitions;
  const parts: Batch[][] = Array.from({ length: n }, () => []);
  let roundRobin = task.partition;
  for await (const b of execute(task.plan, task.partition, io)) {
    if (b.numRows === 0) continue;
    const out = task.output;
    if (out.kind === 'hash') {
      const ids = hashPartitionIds(out.keys.map((k) => evaluate(k, b)), b.numRows, n);
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
  return parts.map((batches, r) => ({
    blockId: blockId(task.jobId, task.stageId, task.partition, r),
    reducePartition: r,
    rows: batches.reduce((s, b) => s + b.numRows, 0),
    bytes: encodeIpc(task.plan.schema, batches),
  }));
}
