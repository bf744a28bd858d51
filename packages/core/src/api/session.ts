import * as arrow from 'apache-arrow';
import { AnalysisError } from '../errors.js';
import { BlockStore } from '../exec/block-store.js';
import { ClusterExecutor } from '../exec/cluster-executor.js';
import { type JobExecutor, type JobResult, LocalExecutor } from '../exec/local-executor.js';
import { type LogicalPlan, planChildren } from '../logical/plan.js';
import { explainLogical, explainPhysical } from '../logical/explain.js';
import { optimize } from '../optimizer/optimize.js';
import { planPhysical } from '../physical/planner.js';
import { type Stage, cutStages } from '../physical/stages.js';
import { type Batch, makeBatch, sliceBatch } from '../types/batch.js';
import { arrowTableToBatches, batchesToTable, decodeIpc, encodeIpc } from '../types/arrow.js';
import type { DataType } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { parseSchemaString } from '../types/schema-string.js';
import { inferType, vecFromValues } from '../types/vec.js';
import { DataFrame, type Row } from './dataframe.js';
import { DataFrameReader } from './reader.js';
import { createHash } from 'node:crypto';
import { PlanNode } from '@quiver/proto';
import type { MapPartitionsOptions, PartitionFunctionOptions, TaskFunction } from '../exec/partition-function.js';
import type { UserFunction } from '../udf/user-function.js';
import { mapColumnsSchema } from '../exec/task.js';
import { planToProto } from '../physical/proto-codec.js';

const DEFAULT_BROADCAST_THRESHOLD = 10 * 1024 * 1024;

/**
 * Keeps the blocks of cached DataFrames; a cached plan is computed by the first action that needs it. Its blocks
 * are in the session's store, or, on a cluster, on the workers that computed them (held by a kept job).
 */
export class CacheManager {
  private next = 1;
  readonly materialized = new Map<number, string[][]>();
  private readonly keptJobs = new Map<number, string>();
  /** Caches whose rows exist only as their blocks (mapPartitionsWith outputs): once dropped, nothing recomputes them. */
  readonly withoutLineage = new Set<number>();

  constructor(private readonly store: BlockStore, private readonly executor: JobExecutor) {}

  register(plan: LogicalPlan): LogicalPlan {
    if (plan.kind === 'cached') return plan;
    return { kind: 'cached', schema: plan.schema, cacheId: this.next++, child: plan, columns: plan.schema.fields.map((_, i) => i) };
  }

  /** Records a cache's blocks: the job's result, kept by the executor or moved into the store (other blocks of the job are dropped). */
  materialize(cacheId: number, job: JobResult): void {
    if (job.kept) this.keptJobs.set(cacheId, job.jobId);
    else this.store.dropPrefix(`${job.jobId}/`, new Set(job.partitions.flat()));
    this.materialized.set(cacheId, job.partitions);
  }

  drop(cacheId: number): void {
    const job = this.keptJobs.get(cacheId);
    if (job) this.executor.releaseJob(job).catch(() => {});
    else for (const id of this.materialized.get(cacheId)?.flat() ?? []) this.store.delete(id);
    this.keptJobs.delete(cacheId);
    this.materialized.delete(cacheId);
  }
}

export class SessionBuilder {
  private name = process.env.QUIVER_APP_NAME ?? 'quiver';
  private masterUrl = process.env.QUIVER_MASTER ?? 'local[*]';
  private readonly conf = new Map<string, string>();

  appName(name: string): SessionBuilder { this.name = name; return this; }
  /** 'local', 'local[N]', 'local[*]'; or 'quiver://host:port' for a cluster. */
  master(url: string): SessionBuilder { this.masterUrl = url; return this; }
  config(key: string, value: string | number | boolean): SessionBuilder { this.conf.set(key, String(value)); return this; }

  async getOrCreate(): Promise<Session> {
    if (Session.active && !Session.active.stopped) return Session.active;
    const master = parseMaster(this.masterUrl);
    if (typeof master === 'number') {
      Session.active = new Session(this.name, this.masterUrl, master, this.conf);
    } else {
      const store = new BlockStore();
      const executor = await ClusterExecutor.connect(master.address, store);
      Session.active = new Session(this.name, this.masterUrl, executor.slots, this.conf, { store, executor });
    }
    return Session.active;
  }
}

/** Task slots of a local master, or the scheduler's address of a cluster one. */
function parseMaster(url: string): number | { address: string } {
  const m = /^local(?:\[(\d+|\*)\])?$/.exec(url.trim());
  if (m) {
    if (!m[1]) return 1;
    return m[1] === '*' ? LocalExecutor.defaultSlots() : Math.max(1, Number(m[1]));
  }
  const c = /^quiver:\/\/([^\s/:]+:\d{1,5})$/.exec(url.trim());
  if (c) return { address: c[1]! };
  throw new AnalysisError(`Invalid master '${url}': use local, local[N], local[*] or quiver://host:port`);
}

/** Equal Arrow types, except that dictionaries may differ in id: each worker numbers its own. */
function sameArrowType(a: arrow.DataType, b: arrow.DataType): boolean {
  return arrow.DataType.isDictionary(a) && arrow.DataType.isDictionary(b)
    ? arrow.util.compareTypes(a.dictionary, b.dictionary) && arrow.util.compareTypes(a.indices, b.indices)
    : arrow.util.compareTypes(a, b);
}

/** The batch's columns relabelled with the schema's types (its dictionary ids), so one table can hold them all. */
function withTypesOf(schema: arrow.Schema, batch: arrow.RecordBatch): arrow.RecordBatch {
  if (batch.schema === schema) return batch;
  const children = batch.data.children.map((d, c) => d.clone(schema.fields[c]!.type));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/** The entry point, as Spark's SparkSession: reads data, makes DataFrames, runs their jobs. */
export class Session {
  static active: Session | undefined;
  stopped = false;
  private readonly store: BlockStore;
  readonly cacheManager: CacheManager;
  private readonly executor: JobExecutor;
  private localCounter = 0;

  /** `cluster`: a connected ClusterExecutor and the store it serves blocks from; without it, an embedded LocalExecutor. */
  constructor(readonly appName: string, readonly master: string, readonly slots: number, readonly conf: Map<string, string>,
    cluster?: { store: BlockStore; executor: JobExecutor }) {
    this.store = cluster?.store ?? new BlockStore();
    this.executor = cluster?.executor ?? new LocalExecutor(slots, this.store);
    this.cacheManager = new CacheManager(this.store, this.executor);
  }

  static builder(): SessionBuilder {
    return new SessionBuilder();
  }

  get read(): DataFrameReader {
    return new DataFrameReader(this);
  }

  /**
   * From an array of row objects (schema inferred from the values, or given as DDL or a Schema),
   * an array of value arrays with a list of column names, or an Arrow table.
   */
  createDataFrame(data: readonly Row[] | readonly unknown[][] | arrow.Table, schema?: Schema | string | string[]): DataFrame {
    if (data instanceof arrow.Table) {
      const batches = arrowTableToBatches(data);
      const s = batches[0]?.schema ?? arrowTableToBatches(data.slice(0, 0))[0]?.schema;
      return new DataFrame(this, { kind: 'local', schema: s ?? new Schema([]), batches });
    }
    const rows = data as readonly unknown[];
    let names: string[];
    let types: (DataType | null)[];
    if (schema instanceof Schema || typeof schema === 'string') {
      const s = typeof schema === 'string' ? parseSchemaString(schema) : schema;
      names = s.names;
      types = s.fields.map((f) => f.type);
    } else if (Array.isArray(schema)) {
      names = schema;
      types = schema.map(() => null);
    } else {
      const first = rows.find((r) => r !== null && typeof r === 'object' && !Array.isArray(r)) as Row | undefined;
      names = first ? Object.keys(first) : [];
      types = names.map(() => null);
    }
    const columns = names.map((n, c) => rows.map((r) => (Array.isArray(r) ? r[c] : (r as Row)[n])));
    const vecs = columns.map((values, c) => {
      const t = types[c] ?? inferType(values);
      try {
        return vecFromValues(t, values);
      } catch (e) {
        throw new AnalysisError(`createDataFrame(): column '${names[c]}': ${(e as Error).message}`);
      }
    });
    const s = new Schema(names.map((n, c) => field(n, vecs[c]!.type)));
    return new DataFrame(this, { kind: 'local', schema: s, batches: [makeBatch(s, vecs, rows.length)] });
  }

  /** Runs the plan and returns its batches in partition order. */
  async execute(plan: LogicalPlan): Promise<Batch[]> {
    return (await this.executePartitions(plan)).flat();
  }

  async executePartitions(plan: LogicalPlan): Promise<Batch[][]> {
    const { jobId, partitions } = await this.runToBlocks(plan);
    const result = partitions.map((ids) => ids.flatMap((id) => decodeIpc(this.store.get(id)).batches));
    this.store.dropPrefix(`${jobId}/`);
    return result;
  }

  /**
   * Runs the plan and returns its result as one Arrow table, read from the result blocks' IPC as it is: no
   * round trip through Quiver vectors, which for a string column of mostly distinct values means building and
   * hashing a JS string per row twice. Falls back to that round trip when the blocks disagree on a column's
   * Arrow type (one block dictionary-encoded a string column, another did not).
   */
  async executeToArrow(plan: LogicalPlan): Promise<arrow.Table> {
    const { jobId, partitions } = await this.runToBlocks(plan);
    try {
      const tables = partitions.flat().map((id) => arrow.tableFromIPC(this.store.get(id))).filter((t) => t.numRows > 0);
      const first = tables[0];
      const sameTypes = first !== undefined && tables.every((t) => t.schema.fields.every((f, c) => sameArrowType(f.type, first.schema.fields[c]!.type)));
      if (sameTypes) return new arrow.Table(first.schema, tables.flatMap((t) => t.batches.map((b) => withTypesOf(first.schema, b))));
      return batchesToTable(plan.schema, tables.flatMap(arrowTableToBatches));
    } finally {
      this.store.dropPrefix(`${jobId}/`);
    }
  }

  /** Runs the plan's job; its last stage's blocks stay in the store, one list per partition. */
  private async runToBlocks(plan: LogicalPlan): Promise<JobResult> {
    return this.executor.runJob(await this.stagesOf(plan));
  }

  /** The plan's stages, once the caches it reads are computed. */
  private async stagesOf(plan: LogicalPlan): Promise<Stage[]> {
    if (this.stopped) throw new AnalysisError('This session was stopped; create a new one with Session.builder().getOrCreate()');
    await this.materializeCaches(plan);
    return cutStages(planPhysical(optimize(plan), this.plannerContext()));
  }

  /** DataFrame.runPartitions: the function's result bytes, one per partition of the plan, in partition order. */
  async runPartitions(plan: LogicalPlan, opts: PartitionFunctionOptions): Promise<Uint8Array[]> {
    const { jobId, results } = await this.runFunctionJob(plan, moduleFunction(opts, 'result', null), false);
    this.store.dropPrefix(`${jobId}/`);
    return results!;
  }

  /**
   * Model outputs (mapPartitionsWith) are made often and rarely unpersisted (a CrossValidator transforms once per
   * fold and grid point): their blocks are freed once no plan refers to their cached node any more.
   */
  private readonly mapOutputs = new FinalizationRegistry<number>((cacheId) => this.cacheManager.drop(cacheId));

  /** DataFrame.mapPartitionsWith: runs now, and the written blocks become a cached plan (unpersist(), or garbage collection of every plan using it, frees them). */
  async mapPartitionsWith(plan: LogicalPlan, opts: MapPartitionsOptions): Promise<LogicalPlan> {
    const job = await this.runFunctionJob(plan, moduleFunction(opts, 'map_columns', opts.outputSchema), true);
    const schema = mapColumnsSchema(plan.schema, opts.outputSchema);
    const cached = this.cacheManager.register({ kind: 'local', schema, batches: [] });
    if (cached.kind !== 'cached') throw new Error('unreachable: register() returns a cached plan');
    this.cacheManager.materialize(cached.cacheId, job);
    this.cacheManager.withoutLineage.add(cached.cacheId);
    this.mapOutputs.register(cached, cached.cacheId);
    return cached;
  }

  /**
   * DataFrame.mapPartitions: nothing runs yet. The first action that reads the result runs `fn` over every partition
   * of `plan` (a map_rows partition-function job) and holds its rows like a cache, so later actions read them
   * again rather than rerun the function; unpersist(), or garbage collection of every plan using it, frees them.
   */
  mapPartitions(plan: LogicalPlan, fn: UserFunction, schema: Schema): LogicalPlan {
    const cached = this.cacheManager.register({ kind: 'map_partitions', schema, child: plan, fn });
    if (cached.kind !== 'cached') throw new Error('unreachable: register() returns a cached plan');
    this.mapOutputs.register(cached, cached.cacheId);
    return cached;
  }

  /** DataFrame.foreachPartition: runs `fn` on every partition for its side effects (a result-mode partition-function job). */
  async foreachPartition(plan: LogicalPlan, fn: UserFunction): Promise<void> {
    const { jobId } = await this.runFunctionJob(plan, userFunction(fn, 'result', null), false);
    this.store.dropPrefix(`${jobId}/`);
  }

  private async runFunctionJob(plan: LogicalPlan, fn: Omit<TaskFunction, 'cacheKey'>, keepResults: boolean): Promise<JobResult> {
    const stages = await this.stagesOf(plan);
    const last = stages[stages.length - 1]!;
    // The last stage's plan (block ids included) identifies its input rows: workers may memoize per key.
    const cacheKey = createHash('sha1').update(PlanNode.encode(PlanNode.fromObject(planToProto(last.plan))).finish()).digest('hex');
    return this.executor.runJob(stages, { ...fn, cacheKey }, { keepResults });
  }

  /** Computes each cached plan the first time an action needs it, and keeps its partitions as blocks. */
  private async materializeCaches(plan: LogicalPlan): Promise<void> {
    const pending: Extract<LogicalPlan, { kind: 'cached' }>[] = [];
    const walk = (p: LogicalPlan): void => {
      if (p.kind === 'cached') {
        if (this.cacheManager.materialized.has(p.cacheId)) return;
        if (this.cacheManager.withoutLineage.has(p.cacheId)) {
          throw new AnalysisError('This DataFrame reads the output of a mapPartitionsWith (such as an ML transform) that unpersist() freed: '
            + 'those rows have no lineage to recompute them from; unpersist it only after the DataFrames made from it are done');
        }
        pending.push(p);
        return;
      }
      for (const c of planChildren(p)) walk(c);
    };
    walk(plan);
    for (const c of pending) {
      if (c.child.kind === 'map_partitions') {
        const m = c.child;
        this.cacheManager.materialize(c.cacheId, await this.runFunctionJob(m.child, userFunction(m.fn, 'map_rows', m.schema), true));
        continue;
      }
      const stages = await this.stagesOf(c.child);
      // With a partition per slot, or the partitions the user asked for (repartition or coalesce: as in Spark, a
      // cache keeps them), the job's result blocks become the cache as they are: no decoding or copying on the
      // driver, and on a cluster they stay on the workers that computed them.
      const asComputed = stages[stages.length - 1]!.numTasks >= this.slots || c.child.kind === 'repartition';
      const job = await this.executor.runJob(stages, undefined, { keepResults: asComputed });
      const { jobId, partitions } = job;
      if (asComputed) {
        this.cacheManager.materialize(c.cacheId, job);
        continue;
      }
      // A file with one big row group would otherwise be cached as one partition and read by one thread.
      const rows = partitions.flat().flatMap((id) => decodeIpc(this.store.get(id)).batches);
      this.store.dropPrefix(`${jobId}/`);
      const ids = splitEvenly(rows, this.slots).map((batches, i) => {
        const id = `cache${c.cacheId}/p${i}`;
        this.store.put(id, encodeIpc(c.schema, batches));
        return [id];
      });
      this.cacheManager.materialized.set(c.cacheId, ids);
    }
  }

  private plannerContext() {
    const shufflePartitions = Number(this.conf.get('spark.sql.shuffle.partitions') ?? this.slots * 2);
    return {
      shufflePartitions,
      targetPartitions: this.slots,
      broadcastThreshold: Number(this.conf.get('spark.sql.autoBroadcastJoinThreshold') ?? DEFAULT_BROADCAST_THRESHOLD),
      storeLocal: (p: Extract<LogicalPlan, { kind: 'local' }>) => this.storeLocal(p),
      cachedBlocks: (id: number) => {
        const blocks = this.cacheManager.materialized.get(id);
        if (!blocks) throw new AnalysisError(`Cached data ${id} is not materialized`);
        return blocks;
      },
    };
  }

  /** Splits in-memory rows into one block per slot so local data is processed in parallel too. */
  private storeLocal(p: Extract<LogicalPlan, { kind: 'local' }>): string[][] {
    const id = ++this.localCounter;
    const total = p.batches.reduce((s, b) => s + b.numRows, 0);
    const parts = splitEvenly(p.batches, Math.max(1, Math.min(this.slots, Math.ceil(total / 1024))));
    return parts.map((batches, i) => {
      const blockId = `local${id}/p${i}`;
      this.store.put(blockId, encodeIpc(p.schema, batches));
      return [blockId];
    });
  }

  explain(plan: LogicalPlan, extended = true): string {
    const optimized = optimize(plan);
    // A cache (or mapPartitions result) no action computed yet shows as a scan of no blocks: explain runs nothing.
    const physical = planPhysical(optimized, { ...this.plannerContext(), cachedBlocks: (id: number) => this.cacheManager.materialized.get(id) ?? [] });
    const parts = extended
      ? ['== Logical Plan ==', explainLogical(plan), '', '== Optimized Logical Plan ==', explainLogical(optimized), '', '== Physical Plan ==', explainPhysical(physical)]
      : ['== Physical Plan ==', explainPhysical(physical)];
    return parts.join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.executor.close();
    if (Session.active === this) Session.active = undefined;
  }
}

/** A library partition function: a module's export, named by the caller's options. */
function moduleFunction(opts: PartitionFunctionOptions, mode: TaskFunction['mode'], outputSchema: Schema | null): Omit<TaskFunction, 'cacheKey'> {
  if (!opts || typeof opts.module !== 'string' || typeof opts.fn !== 'string') throw new AnalysisError('A partition function needs { module, fn } strings');
  return { module: opts.module, fn: opts.fn, userFunction: null, args: opts.args ?? new Uint8Array(0), barrier: opts.barrier ?? false, mode, outputSchema };
}

function userFunction(fn: UserFunction, mode: TaskFunction['mode'], outputSchema: Schema | null): Omit<TaskFunction, 'cacheKey'> {
  return { module: '', fn: '', userFunction: fn, args: new Uint8Array(0), barrier: false, mode, outputSchema };
}

/** Cuts a sequence of batches into n partitions of nearly equal row counts, keeping row order. */
function splitEvenly(batches: readonly Batch[], n: number): Batch[][] {
  const total = batches.reduce((s, b) => s + b.numRows, 0);
  const parts: Batch[][] = Array.from({ length: n }, () => []);
  let row = 0;
  for (const b of batches) {
    for (let start = 0; start < b.numRows; ) {
      const part = Math.min(n - 1, Math.floor((row * n) / Math.max(1, total)));
      const partEnd = Math.ceil(((part + 1) * total) / n);
      const take = Math.max(1, Math.min(b.numRows - start, partEnd - row));
      parts[part]!.push(sliceBatch(b, start, start + take));
      start += take;
      row += take;
    }
  }
  return parts;
}
