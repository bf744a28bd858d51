import { decodeTask } from '../physical/proto-codec.js';
import { ExecutionError } from '../errors.js';
import { toShared } from '../types/arrow.js';
import { runTask } from './task.js';

export interface WorkerTaskRequest {
  /** A TaskDefinition message. */
  readonly task: Uint8Array;
  /** The bytes of every block the task reads, by id (local mode ships them with the task). */
  readonly blocks: Record<string, Uint8Array>;
}

export interface WorkerTaskResponse {
  readonly outputs: { blockId: string; reducePartition: number; rows: number; bytes: Uint8Array }[];
  readonly keySample: Uint8Array | null;
  readonly functionResult?: Uint8Array;
}

/** Piscina entry point: decodes the task, runs it, and hands its output back in shared memory. */
export default async function runTaskInWorker(req: WorkerTaskRequest): Promise<unknown> {
  const task = decodeTask(req.task);
  const { blocks, keySample, functionResult } = await runTask(task, async (ids) =>
    ids.map((id) => {
      const bytes = req.blocks[id];
      if (!bytes) throw new ExecutionError(`Block ${id} was not shipped with task ${task.stageId}.${task.partition}`);
      return bytes;
    }),
  );
  // Output goes to shared memory: the driver stores it and later ships it to other tasks without copying.
  const response: WorkerTaskResponse = { outputs: blocks.map((o) => ({ ...o, bytes: toShared(o.bytes) })), keySample, ...(functionResult ? { functionResult } : {}) };
  return response;
}
