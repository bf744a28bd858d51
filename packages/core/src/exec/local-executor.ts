import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AnalysisError, ExecutionError } from '../errors.js';
import type { TaskFunction } from './partition-function.js';
import { type SortKey, sortIndices } from '../kernels/sort.js';
import { concatBatches, takeBatch } from '../types/batch.js';
import { decodeIpc, encodeIpc } from '../types/arrow.js';
import { physicalChildren } from '../physical/plan.js';
import { type TaskSpec, encodeTask } from '../physical/proto-codec.js';
import type { Stage } from '../physical/stages.js';
import type { BlockStore } from './block-store.js';
import type { WorkerTaskRequest, WorkerTaskResponse } from './task-worker.js';

const MAX_ATTEMPTS = 4;

export interface JobResult {
  readonly jobId: string;
  /** Block ids of the last stage, one list per partition, in the session's block store. */
  readonly partitions: string[][];
  /** A RESULT-mode partition function's bytes, one per partition. */
  readonly results?: Uint8Array[];
  /** The blocks stayed where the tasks wrote them (a cluster's workers), not in the session's store: free them with releaseJob. */
  readonly kept?: boolean;
}

export interface RunJobOptions {
  /**
   * The result becomes a cache: an executor whose tasks run elsewhere may leave the last stage's blocks where
   * they were written, so later jobs read them there instead of through the driver.
   */
  readonly keepResults?: boolean;
}

/** What a Session runs its jobs on: LocalExecutor (local[N]) or ClusterExecutor (quiver://host:port). */
export interface JobExecutor {
  /** Task slots: plans are cut into this many partitions. */
  readonly slots: number;
  runJob(stages: readonly Stage[], fn?: TaskFunction, options?: RunJobOptions): Promise<JobResult>;
  /** Frees the blocks of a job whose result was kept (JobResult.kept). */
  releaseJob(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs stages on a piscina pool of `slots` threads, the embedded local[N] mode: the driver keeps
 * the blocks, ships each task the blocks it reads, and stores what it writes. A failed task is
 * retried, then the job fails with the task's original error and stack.
 */
export class LocalExecutor implements JobExecutor {
  private readonly pool: Piscina;
  private jobCounter = 0;

  constructor(readonly slots: number, private readonly store: BlockStore) {
    this.pool = new Piscina({
      filename: new URL('./task-worker.js', import.meta.url).href,
      minThreads: slots,
      maxThreads: slots,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
  }

  static defaultSlots(): number {
    return availableParallelism();
  }

  /**
   * Runs the stages of one job; returns the block ids of the last stage, one list per partition. With `fn`, the
   * last stage's tasks run that partition function: RESULT mode returns its bytes per partition in `results`.
   */
  async runJob(stages: readonly Stage[], fn?: TaskFunction): Promise<JobResult> {
    const jobId = `job${++this.jobCounter}`;
    const outputs = new Map<number, { blockId: string; reducePartition: number }[]>();
    const last = stages[stages.length - 1]!;
    if (fn?.barrier && last.numTasks > this.slots) {
      throw new AnalysisError(`A barrier partition function needs all ${last.numTasks} partitions to run at once, but this session has ${this.slots} task slots; use local[${last.numTasks}] or repartition(${this.slots})`);
    }
    for (const stage of stages) {
      const inputs = new Map(stage.dependsOn.map((s) => [s, outputs.get(s)!]));
      const results = await this.runStage(jobId, stage, inputs, stage === last ? fn : undefined);
      if (stage === last && fn?.mode === 'result') return { jobId, partitions: [], results: results.map((r) => r.functionResult ?? new Uint8Array(0)) };
      const written = this.keep(results);
      const out = stage.output;
      if (out.kind === 'range' && !out.bounds) {
        // The stage ran as the sampling pass; now that the key ranges are known, split its output by them.
        const bounds = rangeBounds(results.flatMap((r) => (r.keySample ? [r.keySample] : [])), out.orders, out.numPartitions);
        const split: Stage = {
          id: stage.id,
          plan: { kind: 'block_scan', schema: stage.plan.schema, partitions: written.map((b) => [b.blockId]), columns: null },
          output: { ...out, bounds },
          numTasks: written.length,
          outputPartitions: out.numPartitions,
          dependsOn: [],
        };
        outputs.set(stage.id, this.keep(await this.runStage(`${jobId}/range`, split, new Map())));
        continue;
      }
      outputs.set(stage.id, written);
    }
    const finalBlocks = outputs.get(last.id)!;
    // The last stage writes one block per task, in partition order.
    return { jobId, partitions: finalBlocks.map((b) => [b.blockId]) };
  }

  /** Results always land in the session's store here, so no job is ever kept. */
  async releaseJob(): Promise<void> {}

  /**
   * A failed stage is reported once all its tasks ended: a sibling still retrying on the pool after the job's
   * promise rejected would outlive it, and Session.stop() would then destroy the pool under a running task. The
   * error is the first task's to fail, the cause; later ones may be its consequences.
   */
  private async runStage(jobId: string, stage: Stage, inputs: TaskSpec['inputs'], fn?: TaskFunction): Promise<WorkerTaskResponse[]> {
    if (fn?.barrier) return this.runBarrierStage({ jobId, stage, partition: 0, attempt: 0, inputs, fn });
    let failure: { readonly error: unknown } | null = null;
    const results = await Promise.all(Array.from({ length: stage.numTasks }, (_, partition) =>
      this.runWithRetries({ jobId, stage, partition, attempt: 0, inputs, ...(fn ? { fn } : {}) }).catch((error: unknown) => {
        failure ??= { error };
        return null;
      })));
    if (failure) throw (failure as { readonly error: unknown }).error;
    return results as WorkerTaskResponse[];
  }

  /**
   * A barrier stage runs and reruns as a whole, as on a cluster: every attempt starts all tasks with the same
   * attempt number (a collective group is per attempt), waits for all of them to end, and any failure reruns
   * them all, up to MAX_ATTEMPTS. The error reported is the first to arrive: its partners fail after it.
   */
  private async runBarrierStage(spec: TaskSpec): Promise<WorkerTaskResponse[]> {
    let first: { partition: number; error: Error } | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      first = null;
      const settled = await Promise.allSettled(Array.from({ length: spec.stage.numTasks }, (_, partition) =>
        this.runOnce({ ...spec, partition, attempt }).catch((e: Error) => {
          first ??= { partition, error: e };
          throw e;
        })));
      if (!first) return settled.map((r) => (r as PromiseFulfilledResult<WorkerTaskResponse>).value);
      if (!isRetryable((first as { error: Error }).error)) break;
    }
    const { partition, error } = first as unknown as { partition: number; error: Error };
    throw new ExecutionError(`Task ${spec.stage.id}.${partition} failed: ${error?.message ?? String(error)}`, error?.stack);
  }

  /** Stores the blocks tasks wrote and lists them for the stages that read them. */
  private keep(results: readonly WorkerTaskResponse[]): { blockId: string; reducePartition: number }[] {
    return results.flatMap((r) => r.outputs.map((o) => {
      this.store.put(o.blockId, o.bytes);
      return { blockId: o.blockId, reducePartition: o.reducePartition };
    }));
  }

  private async runWithRetries(spec: TaskSpec): Promise<WorkerTaskResponse> {
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        return await this.runOnce({ ...spec, attempt });
      } catch (e) {
        lastError = e;
        if (!isRetryable(e)) break;
      }
    }
    const err = lastError as Error;
    throw new ExecutionError(
      `Task ${spec.stage.id}.${spec.partition} failed: ${err?.message ?? String(err)}`,
      err?.stack,
    );
  }

  private async runOnce(spec: TaskSpec): Promise<WorkerTaskResponse> {
    const blocks: Record<string, Uint8Array> = {};
    for (const list of spec.inputs.values()) for (const b of list) blocks[b.blockId] = this.store.get(b.blockId);
    for (const ids of blockScanIds(spec.stage)) for (const id of ids) blocks[id] = this.store.get(id);
    const req: WorkerTaskRequest = { task: encodeTask(spec), blocks };
    return (await this.pool.run(req)) as WorkerTaskResponse;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Errors in the user's data or plan fail the same way on every attempt; retrying them only delays the report. */
function isRetryable(e: unknown): boolean {
  const name = (e as Error)?.name;
  return name !== 'AnalysisError' && name !== 'InputError';
}

function blockScanIds(stage: Stage): string[][] {
  const out: string[][] = [];
  const walk = (p: Stage['plan']): void => {
    if (p.kind === 'block_scan') out.push(...p.partitions.map((x) => [...x]));
    for (const c of physicalChildren(p)) walk(c);
  };
  walk(stage.plan);
  return out;
}

/** Boundary key rows that cut the pooled samples into `n` ranges of equal size, as Arrow IPC. */
export function rangeBounds(samples: readonly Uint8Array[], orders: readonly SortKey[], n: number): Uint8Array {
  const decoded = samples.map((s) => decodeIpc(s));
  const schema = decoded[0]!.schema;
  const all = concatBatches(schema, decoded.flatMap((d) => d.batches));
  const order = sortIndices(all.columns, orders);
  const picks: number[] = [];
  for (let i = 1; i < n && all.numRows > 0; i++) picks.push(order[Math.min(all.numRows - 1, Math.floor((i * all.numRows) / n))]!);
  return encodeIpc(schema, [takeBatch(all, Int32Array.from(picks))]);
}
