import { randomUUID } from 'node:crypto';
import { StageDefinition, TaskDefinition, messageType } from '@quiver/proto';
import { AnalysisError, ExecutionError } from '../errors.js';
import { physicalChildren } from '../physical/plan.js';
import { encodeTask } from '../physical/proto-codec.js';
import type { Stage } from '../physical/stages.js';
import type { BlockStore } from './block-store.js';
import { type JobExecutor, type JobResult, type RunJobOptions, rangeBounds } from './local-executor.js';
import type { TaskFunction } from './partition-function.js';

/** One task's outcome as the scheduler reports it (proto TaskResult, decoded). */
export interface ClusterTaskResult {
  readonly outputs: { blockId: string; reducePartition: number; location: string; rows: number; bytes: number }[];
  readonly keySample: Uint8Array;
  readonly functionResult: Uint8Array;
  readonly error: { name: string; message: string; stack: string } | null;
}

/**
 * The driver's connection to a cluster, implemented by @quiver/scheduler's client module. Core only
 * declares it: the module is imported when a session's master is quiver://host:port, so core never
 * depends on the scheduler's code (nor on gRPC) for local[N].
 */
export interface ClusterClient {
  /** Where workers fetch the driver's blocks (in-memory tables, caches). */
  readonly driverAddress: string;
  totalCores(): Promise<number>;
  runStage(s: {
    jobId: string; stageId: number; stage: Uint8Array; numTasks: number; dependsOn: number[]; scanBlockIds: string[];
    partitionFunction?: Uint8Array; barrier?: boolean;
  }): Promise<ClusterTaskResult[]>;
  fetchBlocks(location: string, ids: readonly string[]): Promise<Uint8Array[]>;
  closeJob(jobId: string): Promise<void>;
  cancelJob(jobId: string): Promise<void>;
  close(): Promise<void>;
}

const CLIENT_MODULE = '@quiver/scheduler/client';
const PartitionFunctionType = messageType('PartitionFunction');
/** Stage ids of range exchanges' sampling passes: the split pass that follows keeps the real id, which later stages read. */
const SAMPLING_STAGE_OFFSET = 1_000_000;

/**
 * Runs jobs on a Quiver cluster: the same stages LocalExecutor runs, submitted one at a time to the scheduler,
 * which runs their tasks on workers; the last stage's blocks are then read into the driver's store, so the
 * session decodes results exactly as in local mode. A job whose result is kept (a cache, a model's output)
 * stays open instead: its blocks stay on the workers that wrote them, later jobs' tasks read them there (the
 * scheduler places them by locality and recomputes a lost worker's partitions from the job's lineage), and
 * releaseJob closes it.
 */
export class ClusterExecutor implements JobExecutor {
  private jobCounter = 0;
  private readonly driverId = randomUUID().slice(0, 8);
  private readonly keptJobs = new Set<string>();

  private constructor(readonly slots: number, private readonly client: ClusterClient, private readonly store: BlockStore) {}

  static async connect(address: string, store: BlockStore): Promise<ClusterExecutor> {
    let mod: { connectCluster(address: string, getBlock: (id: string) => Uint8Array): Promise<ClusterClient> };
    try {
      mod = await import(CLIENT_MODULE);
    } catch (e) {
      throw new AnalysisError(`master quiver://${address} needs ${CLIENT_MODULE} (build it with pnpm build): ${(e as Error).message}`);
    }
    const client = await mod.connectCluster(address, (id) => store.get(id));
    // Plans are cut for the cluster's task slots; an empty cluster still plans one partition per task.
    return new ClusterExecutor(Math.max(1, await client.totalCores()), client, store);
  }

  async runJob(stages: readonly Stage[], fn?: TaskFunction, options: RunJobOptions = {}): Promise<JobResult> {
    const jobId = `${this.driverId}-job${++this.jobCounter}`;
    const last = stages[stages.length - 1]!;
    const keep = options.keepResults === true && fn?.mode !== 'result';
    let outputs: ClusterTaskResult[] = [];
    let kept = false;
    try {
      for (const stage of stages) {
        const stageFn = stage === last ? fn : undefined;
        const out = stage.output;
        if (out.kind === 'range' && !out.bounds) {
          const samples = await this.submit(jobId, { ...stage, id: stage.id + SAMPLING_STAGE_OFFSET }, undefined);
          const bounds = rangeBounds(samples.flatMap((r) => (r.keySample.length ? [r.keySample] : [])), out.orders, out.numPartitions);
          const written = samples.flatMap((r) => r.outputs.map((o) => [o.blockId]));
          const split: Stage = {
            id: stage.id,
            plan: { kind: 'block_scan', schema: stage.plan.schema, partitions: written, columns: null },
            output: { ...out, bounds },
            numTasks: written.length,
            outputPartitions: out.numPartitions,
            dependsOn: [],
          };
          outputs = await this.submit(jobId, split, stageFn, [stage.id + SAMPLING_STAGE_OFFSET]);
          continue;
        }
        outputs = await this.submit(jobId, stage, stageFn);
      }
      if (fn?.mode === 'result') return { jobId, partitions: [], results: outputs.map((r) => r.functionResult) };
      if (keep) {
        kept = true;
        this.keptJobs.add(jobId);
        return { jobId, partitions: outputs.map((r) => r.outputs.map((o) => o.blockId)), kept };
      }
      return { jobId, partitions: await this.fetchResults(outputs) };
    } catch (e) {
      await this.client.cancelJob(jobId).catch(() => {});
      throw e;
    } finally {
      if (!kept) await this.client.closeJob(jobId).catch(() => {});
    }
  }

  async releaseJob(jobId: string): Promise<void> {
    if (!this.keptJobs.delete(jobId)) return;
    await this.client.closeJob(jobId);
  }

  /** Submits one stage and waits for it; a failed task fails the job with its original message and stack. */
  private async submit(jobId: string, stage: Stage, fn: TaskFunction | undefined, extraDeps: number[] = []): Promise<ClusterTaskResult[]> {
    // The task codec encodes the stage (and function) once; the scheduler splices those bytes into every task.
    const msg = TaskDefinition.decode(encodeTask({ jobId, stage, partition: 0, attempt: 0, inputs: new Map(), ...(fn ? { fn } : {}) })) as unknown as Record<string, unknown>;
    let results: ClusterTaskResult[];
    try {
      results = await this.client.runStage({
        jobId,
        stageId: stage.id,
        stage: StageDefinition.encode(msg.stage as object).finish(),
        numTasks: stage.numTasks,
        dependsOn: [...stage.dependsOn, ...extraDeps],
        scanBlockIds: blockScanIds(stage),
        ...(fn ? { partitionFunction: PartitionFunctionType.encode(msg.partitionFunction as object).finish(), barrier: fn.barrier } : {}),
      });
    } catch (e) {
      const err = e as Error;
      throw new ExecutionError(`Job ${jobId} failed at stage ${stage.id}: ${err.message}`, err.stack);
    }
    const failed = results.find((r) => r.error && (r.error.name || r.error.message)) as (ClusterTaskResult & { stageId?: number; partition?: number; attempts?: number }) | undefined;
    if (failed) {
      const where = `Task ${failed.stageId ?? stage.id}.${failed.partition ?? 0}`;
      throw new ExecutionError(`${where} failed${failed.attempts ? ` (${failed.attempts} attempts)` : ''}: ${failed.error!.message}`, failed.error!.stack);
    }
    return results;
  }

  /** Reads the last stage's blocks (one per task, in partition order) from their workers into the driver's store. */
  private async fetchResults(results: readonly ClusterTaskResult[]): Promise<string[][]> {
    const byLocation = new Map<string, string[]>();
    for (const r of results) for (const o of r.outputs) byLocation.set(o.location, [...(byLocation.get(o.location) ?? []), o.blockId]);
    await Promise.all([...byLocation].map(async ([location, ids]) => {
      const blocks = await this.client.fetchBlocks(location, ids);
      ids.forEach((id, i) => this.store.put(id, blocks[i]!));
    }));
    return results.map((r) => r.outputs.map((o) => o.blockId));
  }

  async close(): Promise<void> {
    await Promise.all([...this.keptJobs].map((id) => this.releaseJob(id).catch(() => {})));
    await this.client.close();
  }
}

function blockScanIds(stage: Stage): string[] {
  const out = new Set<string>();
  const walk = (p: Stage['plan']): void => {
    if (p.kind === 'block_scan') for (const ids of p.partitions) for (const id of ids) out.add(id);
    for (const c of physicalChildren(p)) walk(c);
  };
  walk(stage.plan);
  return [...out];
}
