import { TaskDefinition, messageType } from '@quiver/proto';
import { grpc, makeClient, serviceDefinition, unary } from '@quiver/proto/grpc';
import { pino, type Logger } from 'pino';

/** Attempts per task before its job fails, as Spark's spark.task.maxFailures. */
export const MAX_TASK_ATTEMPTS = 4;
/** Speculation (see runAttempt): after this share of a stage's tasks finished... */
const SPECULATION_QUANTILE = 0.75;
/** ...a task running this many times their median duration, and at least SPECULATION_MIN_MS, gets a copy. */
const SPECULATION_MULTIPLIER = 1.5;
const SPECULATION_MIN_MS = 2_000;
const SPECULATION_CHECK_MS = 250;
const FINISHED_JOBS_KEPT = 1000;

export interface SchedulerOptions {
  host?: string;
  port?: number;
  /** A worker silent for this long is declared lost: its running tasks are rescheduled, its blocks recomputed. */
  heartbeatTimeoutMs?: number;
  /** How often workers are asked to heartbeat. */
  heartbeatIntervalMs?: number;
  logger?: Logger;
}

type Obj = Record<string, any>;

interface WorkerState {
  readonly id: string;
  readonly address: string;
  readonly cores: number;
  readonly client: grpc.Client & Record<string, any>;
  running: number;
  lastHeartbeat: number;
  alive: boolean;
  /** The worker's TaskStream (opened at the first launch) and the launches awaiting their TaskResult on it. */
  stream: grpc.ClientDuplexStream<Uint8Array, Buffer> | null;
  readonly pending: Map<number, { resolve: (r: Obj) => void; reject: (e: Error) => void }>;
}

interface StageState {
  readonly id: number;
  readonly stageBytes: Uint8Array;
  readonly fnBytes: Uint8Array;
  readonly numTasks: number;
  readonly dependsOn: readonly number[];
  readonly scanIds: readonly string[];
  readonly barrier: boolean;
  /** The last successful TaskResult per partition; null while missing (not run yet, or its worker was lost). */
  readonly outputs: (Obj | null)[];
  readonly outputWorker: (string | null)[];
  readonly pending: Map<number, Promise<void>>;
  completed: number;
  running: number;
  failedAttempts: number;
  recomputed: number;
  speculated: number;
  /** Wall times of the stage's successful attempts, for speculation. */
  readonly durations: number[];
}

enum JobState { RUNNING = 0, SUCCEEDED = 1, FAILED = 2, CANCELLED = 3 }

interface Job {
  readonly id: string;
  readonly driverAddress: string;
  readonly stages: Map<number, StageState>;
  /** Which stage and partition wrote each block, to recompute it from lineage when its worker is lost. */
  readonly producers: Map<string, { stage: number; partition: number }>;
  state: JobState;
  error: string;
  failure: Obj | null;
}

/** A task that failed for good: the job fails with its original error. */
class TaskFailure extends Error {
  constructor(readonly result: Obj) {
    super(result.error?.message ?? 'task failed');
  }
}

class JobStopped extends Error {}

interface Waiter {
  readonly job: Job;
  readonly preferred: readonly string[];
  readonly excluded: ReadonlySet<string>;
  readonly resolve: (w: WorkerState) => void;
  readonly reject: (e: Error) => void;
  /** A barrier stage's request for one slot per task at once: each task's preferred workers (those holding its input). */
  readonly gang?: readonly (readonly string[])[];
  readonly resolveGang?: (ws: WorkerState[]) => void;
}


const TaskResultType = messageType('TaskResult');

/**
 * The cluster's scheduler, as Ballista's: drivers submit a job's stages one at a time (a stage is an opaque
 * StageDefinition plus the stages and blocks it reads); the scheduler runs one task per partition on workers'
 * free slots, preferring the worker that holds most of the task's input, retries failed tasks on other
 * workers, and recomputes shuffle outputs lost with a worker from the stages that wrote them.
 */
export class Scheduler {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  private readonly workers = new Map<string, WorkerState>();
  private readonly jobs = new Map<string, Job>();
  /** Tasks waiting for a slot, per job; the map's order is the jobs' turn order. */
  private readonly queues = new Map<string, Waiter[]>();
  /** Drivers with open jobs, by the address of their block server (see checkDrivers). */
  private readonly drivers = new Map<string, { client: grpc.Client; failures: number }>();
  private launches = 0;
  private readonly finished: string[] = [];
  private readonly log: Logger;
  private readonly heartbeatTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private monitor: NodeJS.Timeout | undefined;
  address = '';

  constructor(private readonly options: SchedulerOptions = {}) {
    this.log = options.logger ?? pino({ name: 'quiver-scheduler', level: process.env.QUIVER_LOG_LEVEL ?? 'info' });
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 10_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(100, Math.floor(this.heartbeatTimeoutMs / 5));
  }

  async start(): Promise<string> {
    this.server.addService(serviceDefinition('Scheduler'), {
      RegisterWorker: this.rpc((r) => this.registerWorker(r)),
      Heartbeat: this.rpc((r) => this.heartbeat(r)),
      GetClusterInfo: this.rpc(() => this.clusterInfo()),
      RunStage: (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => this.runStageCall(call, cb),
      CloseJob: this.rpc((r) => this.closeJob(r.jobId)),
      CancelJob: this.rpc((r) => this.cancelJob(r.jobId, 'cancelled by the driver')),
      GetJobStatus: this.rpc((r) => this.jobStatus(r.jobId)),
    });
    const host = this.options.host ?? '127.0.0.1';
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${this.options.port ?? 7077}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.address = `${host}:${port}`;
    this.monitor = setInterval(() => { this.checkHeartbeats(); this.checkDrivers(); }, Math.max(50, Math.floor(this.heartbeatTimeoutMs / 4)));
    this.log.info({ address: this.address, heartbeatTimeoutMs: this.heartbeatTimeoutMs }, 'scheduler started');
    return this.address;
  }

  async stop(): Promise<void> {
    clearInterval(this.monitor);
    for (const job of this.jobs.values()) if (job.state === JobState.RUNNING) this.failJob(job, JobState.CANCELLED, 'the scheduler is shutting down');
    for (const w of this.workers.values()) { w.stream?.cancel(); w.client.close(); }
    for (const d of this.drivers.values()) d.client.close();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
    this.log.info('scheduler stopped');
  }

  /** Wraps a handler: a thrown error with a `code` becomes that gRPC status, anything else INTERNAL. */
  private rpc(fn: (req: Obj) => Obj | Promise<Obj>) {
    return async (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
      try {
        cb(null, await fn(call.request));
      } catch (e) {
        const err = e as Error & { code?: number };
        cb({ code: err.code ?? grpc.status.INTERNAL, details: err.message });
      }
    };
  }

  private registerWorker(r: Obj): Obj {
    if (!r.workerId || !r.address || !(r.cores > 0)) {
      throw Object.assign(new Error('RegisterWorker needs worker_id, address and cores > 0'), { code: grpc.status.INVALID_ARGUMENT });
    }
    const existing = this.workers.get(r.workerId);
    if (existing?.alive) {
      throw Object.assign(new Error(`Worker '${r.workerId}' is already registered (from ${existing.address}); stop it or choose another id`), { code: grpc.status.ALREADY_EXISTS });
    }
    const w: WorkerState = {
      id: r.workerId, address: r.address, cores: r.cores, client: makeClient('Worker', r.address, { rawResponses: ['TaskStream'] }),
      running: 0, lastHeartbeat: Date.now(), alive: true, stream: null, pending: new Map(),
    };
    this.workers.set(w.id, w);
    this.log.info({ worker: w.id, address: w.address, cores: w.cores, memory: r.memoryBytes }, 'worker registered');
    this.dispatch();
    return { heartbeatIntervalMs: this.heartbeatIntervalMs };
  }

  private heartbeat(r: Obj): Obj {
    const w = this.workers.get(r.workerId);
    if (!w?.alive) return { reregister: true };
    w.lastHeartbeat = Date.now();
    return { reregister: false };
  }

  private clusterInfo(): Obj {
    const alive = [...this.workers.values()].filter((w) => w.alive);
    return { workers: alive.map((w) => ({ workerId: w.id, address: w.address, cores: w.cores })), totalCores: alive.reduce((s, w) => s + w.cores, 0) };
  }

  /**
   * A driver keeps jobs open between its stages, and keeps a cache's job open until it unpersists it. One that
   * dies between calls breaks no RunStage call, so the scheduler watches the block server of every driver with
   * an open job: unreachable at two checks in a row, the driver is gone.
   */
  private checkDrivers(): void {
    const open = new Set([...this.jobs.values()].filter((j) => j.state === JobState.RUNNING).map((j) => j.driverAddress));
    for (const [address, watch] of this.drivers) if (!open.has(address)) { watch.client.close(); this.drivers.delete(address); }
    for (const address of open) {
      let watch = this.drivers.get(address);
      if (!watch) this.drivers.set(address, watch = { client: makeClient('BlockService', address), failures: 0 });
      const state = watch.client.getChannel().getConnectivityState(true);
      watch.failures = state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN ? watch.failures + 1 : 0;
      if (watch.failures >= 2) this.driverGone(address);
    }
  }

  private driverGone(address: string): void {
    for (const job of this.jobs.values()) if (job.driverAddress === address && job.state === JobState.RUNNING) this.failJob(job, JobState.CANCELLED, 'the driver disconnected');
    this.drivers.get(address)?.client.close();
    this.drivers.delete(address);
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const w of this.workers.values()) {
      if (w.alive && now - w.lastHeartbeat > this.heartbeatTimeoutMs) this.workerLost(w, `no heartbeat for ${this.heartbeatTimeoutMs} ms`);
    }
  }

  /** Forgets a worker: its running tasks fail over (their calls are cancelled), its blocks count as missing. */
  private workerLost(w: WorkerState, reason: string): void {
    if (!w.alive) return;
    w.alive = false;
    this.workers.delete(w.id);
    let lost = 0;
    for (const job of this.jobs.values()) {
      for (const st of job.stages.values()) {
        st.outputWorker.forEach((owner, p) => {
          if (owner === w.id) { st.outputs[p] = null; st.outputWorker[p] = null; st.completed--; lost++; }
        });
      }
    }
    w.stream?.cancel();
    w.client.close();
    this.log.warn({ worker: w.id, reason, lostOutputs: lost }, 'worker lost');
  }

  private runStageCall(call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>): void {
    const r = call.request;
    let job: Job;
    try {
      job = this.acceptStage(r);
    } catch (e) {
      const err = e as Error & { code?: number };
      cb({ code: err.code ?? grpc.status.INTERNAL, details: err.message });
      return;
    }
    // The driver went away (crashed, or the connection broke): nobody will read this job's results, nor use
    // the jobs it kept open.
    const onCancel = () => this.driverGone(job.driverAddress);
    call.on('cancelled', onCancel);
    const st = job.stages.get(r.stageId)!;
    this.runStage(job, st).then(
      (results) => { call.off('cancelled', onCancel); cb(null, { results }); },
      (e) => {
        call.off('cancelled', onCancel);
        if (e instanceof TaskFailure) cb(null, { results: [e.result] });
        else cb({ code: job.state === JobState.CANCELLED ? grpc.status.CANCELLED : grpc.status.INTERNAL, details: (e as Error).message });
      },
    );
  }

  private acceptStage(r: Obj): Job {
    if (!r.jobId) throw Object.assign(new Error('RunStage needs a job_id'), { code: grpc.status.INVALID_ARGUMENT });
    const existing = this.jobs.get(r.jobId);
    if (existing && existing.state !== JobState.RUNNING) throw Object.assign(new Error(`Job '${existing.id}' is no longer running: ${existing.error}`), { code: grpc.status.FAILED_PRECONDITION });
    for (const d of r.dependsOn as number[]) {
      if (!existing?.stages.has(d)) throw Object.assign(new Error(`Stage ${r.stageId} of job '${r.jobId}' reads stage ${d}, which was never submitted`), { code: grpc.status.INVALID_ARGUMENT });
    }
    if (existing?.stages.has(r.stageId)) throw Object.assign(new Error(`Stage ${r.stageId} of job '${r.jobId}' was already submitted`), { code: grpc.status.ALREADY_EXISTS });
    if (!(r.numTasks > 0)) throw Object.assign(new Error(`Stage ${r.stageId} of job '${r.jobId}' has no tasks`), { code: grpc.status.INVALID_ARGUMENT });
    const cores = this.clusterInfo().totalCores as number;
    if (r.barrier && r.numTasks > cores) {
      throw Object.assign(new Error(`A barrier stage needs all ${r.numTasks} tasks to run at once, but the cluster has ${cores} task slots`), { code: grpc.status.FAILED_PRECONDITION });
    }
    let job = existing;
    if (!job) {
      job = { id: r.jobId, driverAddress: r.driverAddress, stages: new Map(), producers: new Map(), state: JobState.RUNNING, error: '', failure: null };
      this.jobs.set(job.id, job);
      this.log.info({ job: job.id, driver: job.driverAddress }, 'job started');
    }
    job.stages.set(r.stageId, {
      id: r.stageId, stageBytes: r.stage, fnBytes: r.partitionFunction ?? new Uint8Array(0), numTasks: r.numTasks, dependsOn: r.dependsOn,
      scanIds: r.scanBlockIds, barrier: r.barrier, outputs: new Array(r.numTasks).fill(null), outputWorker: new Array(r.numTasks).fill(null),
      pending: new Map(), completed: 0, running: 0, failedAttempts: 0, recomputed: 0, speculated: 0, durations: [],
    });
    return job;
  }

  /** Runs every partition; repeats for partitions whose output was lost with a worker before the stage ended. */
  private async runStage(job: Job, st: StageState): Promise<Obj[]> {
    if (st.barrier) return this.runBarrierStage(job, st);
    for (;;) {
      const missing = st.outputs.flatMap((o, p) => (o ? [] : [p]));
      if (missing.length === 0) break;
      await Promise.all(missing.map((p) => this.ensurePartition(job, st, p)));
    }
    return st.outputs as Obj[];
  }

  /**
   * A barrier stage (collective training) runs all its tasks at once or not at all: it waits for as many
   * free slots as it has tasks, and any failure reruns the whole stage, up to MAX_TASK_ATTEMPTS times.
   */
  private async runBarrierStage(job: Job, st: StageState): Promise<Obj[]> {
    // Every rerun gets a new attempt number, whatever its cause: a collective group is per attempt.
    for (let failures = 0, round = 0; ; round++) {
      this.checkRunning(job);
      await this.ensureInputs(job, st);
      const slots = await new Promise<WorkerState[]>((resolve, reject) => {
        const preferred = Array.from({ length: st.numTasks }, (_, p) => this.preferredWorkers(job, st, p));
        this.enqueue({ job, preferred: [], excluded: new Set(), gang: preferred, resolve: () => {}, resolveGang: resolve, reject });
      });
      st.running += slots.length;
      // The order results arrive in: when one task fails, its partners fail after it (their group broke), so the
      // first failure to arrive is the cause the job reports, as Spark reports a barrier stage's first failed task.
      const arrived: number[] = [];
      // Partners of a task that failed or was lost may be waiting for it (a collective group that cannot form
      // without it): they are killed, as Spark kills a barrier stage's other tasks, instead of waiting out
      // whatever timeout they have.
      let killed = false;
      const killPartners = (reason: string) => {
        if (killed) return;
        killed = true;
        for (const w of new Set(slots)) if (w.alive) this.killTasks(w, job, st, round, reason);
      };
      const settled = await Promise.allSettled(slots.map((w, p) => this.launch(w, this.taskBytes(job, st, p, round))
        .then((r) => {
          arrived.push(p);
          if (r.error?.name || r.error?.message) killPartners(`its partner task ${st.id}.${p} failed: ${r.error.message}`);
          return r;
        }, (e: Error) => {
          killPartners(`its partner task ${st.id}.${p} was lost with worker ${w.id}: ${e.message}`);
          throw e;
        })
        .finally(() => { st.running--; this.release(w); })));
      const broken = settled.findIndex((r) => r.status === 'rejected');
      if (broken >= 0) {
        this.workerLost(slots[broken]!, `its task stream broke: ${((settled[broken] as PromiseRejectedResult).reason as Error).message}`);
        continue;
      }
      const results = settled.map((r) => (r as PromiseFulfilledResult<Obj>).value);
      const failed = arrived.find((p) => results[p]!.error?.name || results[p]!.error?.message) ?? -1;
      if (failed < 0 && job.state === JobState.RUNNING && slots.every((w) => w.alive)) {
        results.forEach((r, p) => {
          st.outputs[p] = r;
          st.outputWorker[p] = slots[p]!.id;
          for (const b of r.outputs as Obj[]) job.producers.set(b.blockId, { stage: st.id, partition: p });
        });
        st.completed = st.numTasks;
        return results;
      }
      if (failed < 0) continue;
      failures++;
      st.failedAttempts++;
      const err = results[failed]!.error as Obj;
      this.log.warn({ job: job.id, stage: st.id, partition: failed, attempt: failures - 1, worker: slots[failed]!.id, error: err.message }, 'task failed');
      if (err.name === 'AnalysisError' || err.name === 'InputError' || failures >= MAX_TASK_ATTEMPTS) {
        this.failJob(job, JobState.FAILED, `Barrier stage ${st.id} failed ${failures} time(s): ${err.message}`);
        throw new TaskFailure({ ...results[failed], jobId: job.id, stageId: st.id, partition: failed, attempts: failures });
      }
    }
  }

  /** Runs partition `p` of a stage unless its output exists or is being computed (lineage recompute shares this). */
  private ensurePartition(job: Job, st: StageState, p: number): Promise<void> {
    if (st.outputs[p]) return Promise.resolve();
    let pending = st.pending.get(p);
    if (!pending) {
      pending = this.runPartition(job, st, p).finally(() => st.pending.delete(p));
      st.pending.set(p, pending);
    }
    return pending;
  }

  private async ensureInputs(job: Job, st: StageState): Promise<void> {
    for (;;) {
      const needed: Promise<void>[] = [];
      for (const d of st.dependsOn) {
        const dep = job.stages.get(d)!;
        dep.outputs.forEach((o, q) => { if (!o) { dep.recomputed++; needed.push(this.ensurePartition(job, dep, q)); } });
      }
      for (const id of st.scanIds) {
        const prod = this.producerOf(job, id);
        if (prod && !prod.stage.outputs[prod.partition]) { prod.stage.recomputed++; needed.push(this.ensurePartition(prod.job, prod.stage, prod.partition)); }
      }
      if (needed.length === 0) return;
      await Promise.all(needed);
    }
  }

  private async runPartition(job: Job, st: StageState, p: number): Promise<void> {
    let failures = 0;
    const excluded = new Set<string>();
    for (;;) {
      this.checkRunning(job);
      await this.ensureInputs(job, st);
      const worker = await this.acquire(job, this.preferredWorkers(job, st, p), excluded);
      const attempt = failures;
      this.log.debug({ job: job.id, stage: st.id, partition: p, attempt, worker: worker.id }, 'task launched');
      let result: Obj;
      let winner: WorkerState;
      try {
        ({ result, worker: winner } = await this.runAttempt(job, st, p, worker, attempt));
      } catch (e) {
        // The stream broke: the worker died or was declared lost. Not the task's fault; run it elsewhere.
        this.workerLost(worker, `its task stream broke: ${(e as Error).message}`);
        continue;
      }
      const err = result.error as Obj | null;
      if (!err?.name && !err?.message) {
        if (job.state !== JobState.RUNNING) {
          // The job's blocks were dropped while this task ran; drop what it just wrote too.
          if (winner.alive) this.dropOn(winner, job);
          return;
        }
        if (!winner.alive) continue;
        st.outputs[p] = result;
        st.outputWorker[p] = winner.id;
        st.completed++;
        for (const b of result.outputs as Obj[]) job.producers.set(b.blockId, { stage: st.id, partition: p });
        return;
      }
      // For FetchFailed the worker puts the unreachable holder's address in `stack`.
      if (err.name === 'FetchFailed' && err.stack !== job.driverAddress) {
        // A block's holder is gone: forget it, so ensureInputs recomputes what it held.
        const holder = [...this.workers.values()].find((w) => w.address === err.stack);
        if (holder) this.workerLost(holder, `a task could not fetch its blocks: ${err.message}`);
        if (this.markLostLocation(err.stack) || holder) continue;
      }
      failures++;
      st.failedAttempts++;
      excluded.add(worker.id);
      this.log.warn({ job: job.id, stage: st.id, partition: p, attempt, worker: worker.id, error: err.message }, 'task failed');
      if (err.name === 'AnalysisError' || err.name === 'InputError' || failures >= MAX_TASK_ATTEMPTS) {
        const failure = new TaskFailure({ ...result, jobId: job.id, stageId: st.id, partition: p, attempts: failures });
        this.failJob(job, JobState.FAILED, `Task ${st.id}.${p} failed ${failures} time(s): ${err.message}`);
        throw failure;
      }
    }
  }

  /**
   * Runs one attempt of a task on `worker` (whose slot the caller acquired). A straggler gets a speculative
   * copy on another worker with a free slot, as Spark's spark.speculation does: once SPECULATION_QUANTILE of
   * the stage's tasks finished, a task running longer than SPECULATION_MULTIPLIER x their median duration
   * (and at least SPECULATION_MIN_MS). The first successful result wins; the other attempt's output is
   * dropped with the job's blocks. Rejects when the primary's stream breaks.
   */
  private runAttempt(job: Job, st: StageState, p: number, worker: WorkerState, attempt: number): Promise<{ result: Obj; worker: WorkerState }> {
    const started = Date.now();
    const bytes = this.taskBytes(job, st, p, attempt);
    const run = (w: WorkerState) => {
      st.running++;
      return this.launch(w, bytes).finally(() => { st.running--; this.release(w); });
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      let copied = false;
      const finish = (w: WorkerState, result: Obj) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        if (!result.error?.name && !result.error?.message) st.durations.push(Date.now() - started);
        resolve({ result, worker: w });
      };
      const timer = setInterval(() => {
        if (copied || settled || job.state !== JobState.RUNNING || st.completed < Math.max(1, Math.floor(SPECULATION_QUANTILE * st.numTasks))) return;
        if (Date.now() - started < Math.max(SPECULATION_MIN_MS, SPECULATION_MULTIPLIER * median(st.durations))) return;
        const other = [...this.workers.values()].find((w) => w.alive && w !== worker && w.running < w.cores);
        if (!other) return;
        copied = true;
        other.running++;
        st.speculated++;
        this.log.info({ job: job.id, stage: st.id, partition: p, slow: worker.id, copy: other.id, runningMs: Date.now() - started }, 'speculative copy');
        run(other).then((r) => { if (!r.error?.name && !r.error?.message) finish(other, r); }, () => {});
      }, SPECULATION_CHECK_MS);
      run(worker).then((r) => finish(worker, r), (e) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        reject(e);
      });
    });
  }

  /** Outputs recorded at an address nobody serves any more (a worker lost before its registration was replaced). */
  private markLostLocation(address: string): boolean {
    let lost = false;
    for (const st of [...this.jobs.values()].filter((j) => j.state === JobState.RUNNING).flatMap((j) => [...j.stages.values()])) {
      st.outputs.forEach((o, p) => {
        if (o && (o.outputs as Obj[]).some((b) => b.location === address)) { st.outputs[p] = null; st.outputWorker[p] = null; st.completed--; lost = true; }
      });
    }
    return lost;
  }

  private checkRunning(job: Job): void {
    if (job.state !== JobState.RUNNING) throw new JobStopped(`Job '${job.id}' stopped: ${job.error}`);
  }

  /**
   * Which stage and partition wrote a block a stage scans: one of the job's own, or the last stage of another
   * running job of the same driver, such as a cache the driver keeps on the workers (see ClusterExecutor's
   * retained jobs). Null for the driver's own blocks. `ref` is the written block, while its output exists.
   */
  private producerOf(job: Job, blockId: string): { job: Job; stage: StageState; partition: number; ref: Obj | undefined } | null {
    let owner: Job | undefined = job;
    let prod = job.producers.get(blockId);
    if (!prod) {
      owner = this.jobs.get(blockId.slice(0, blockId.indexOf('/')));
      prod = owner && owner !== job && owner.state === JobState.RUNNING && owner.driverAddress === job.driverAddress ? owner.producers.get(blockId) : undefined;
    }
    const stage = prod && owner!.stages.get(prod.stage);
    if (!prod || !stage) return null;
    const ref = (stage.outputs[prod.partition]?.outputs as Obj[] | undefined)?.find((b) => b.blockId === blockId);
    return { job: owner!, stage, partition: prod.partition, ref };
  }

  /** Workers holding the task's input blocks, most bytes first. */
  private preferredWorkers(job: Job, st: StageState, p: number): string[] {
    const bytes = new Map<string, number>();
    for (const d of st.dependsOn) {
      const dep = job.stages.get(d)!;
      dep.outputs.forEach((o, q) => {
        const w = dep.outputWorker[q];
        if (!o || !w) return;
        for (const b of o.outputs as Obj[]) if (b.reducePartition === p) bytes.set(w, (bytes.get(w) ?? 0) + Number(b.bytes));
      });
    }
    for (const id of st.scanIds) {
      const prod = this.producerOf(job, id);
      const w = prod?.stage.outputWorker[prod.partition];
      if (w && prod.partition === p) bytes.set(w, (bytes.get(w) ?? 0) + Number(prod.ref?.bytes ?? 1));
    }
    return [...bytes].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  }

  /**
   * A TaskDefinition with the stage (and partition function) spliced in as the driver encoded them: the
   * scheduler never parses plans, and a stage's bytes are encoded once however many tasks it has.
   */
  private taskBytes(job: Job, st: StageState, p: number, attempt: number): Uint8Array {
    const inputs = st.dependsOn.map((d) => ({ stageId: d, blocks: job.stages.get(d)!.outputs.flatMap((o) => (o!.outputs as Obj[])) }));
    const scanBlocks = st.scanIds.map((id) => this.producerOf(job, id)?.ref ?? { blockId: id, location: job.driverAddress });
    const head = TaskDefinition.encode(TaskDefinition.fromObject({ jobId: job.id, stageId: st.id, partition: p, attempt, inputs, scanBlocks })).finish();
    return concat([head, field(5, st.stageBytes), st.fnBytes.length ? field(7, st.fnBytes) : new Uint8Array(0)]);
  }

  /** Sends a task on the worker's TaskStream; resolves with its TaskResult, rejects when the stream breaks. */
  private launch(w: WorkerState, task: Uint8Array): Promise<Obj> {
    const id = ++this.launches;
    const stream = w.stream ?? this.openTaskStream(w);
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      stream.write(concat([task, varintField(21, id)]));
    });
  }

  private openTaskStream(w: WorkerState): grpc.ClientDuplexStream<Uint8Array, Buffer> {
    const stream = w.client.TaskStream() as grpc.ClientDuplexStream<Uint8Array, Buffer>;
    stream.on('data', (bytes: Buffer) => {
      const r = TaskResultType.toObject(TaskResultType.decode(bytes), { longs: Number, defaults: true });
      const p = w.pending.get(r.launchId);
      w.pending.delete(r.launchId);
      p?.resolve(r);
    });
    const broken = (e: Error) => {
      if (w.stream === stream) w.stream = null;
      for (const p of w.pending.values()) p.reject(e);
      w.pending.clear();
    };
    stream.on('error', broken);
    stream.on('end', () => {
      // A worker ends its stream when it shuts down (SIGTERM): tasks it did not answer run elsewhere.
      broken(new Error(`worker ${w.id} closed its task stream`));
      this.workerLost(w, 'it shut down');
    });
    w.stream = stream;
    return stream;
  }

  private acquire(job: Job, preferred: readonly string[], excluded: ReadonlySet<string>): Promise<WorkerState> {
    return new Promise((resolve, reject) => {
      this.enqueue({ job, preferred, excluded, resolve, reject });
    });
  }

  private release(w: WorkerState): void {
    w.running--;
    this.dispatch();
  }

  /**
   * Hands free slots to waiting tasks: jobs take turns (each assignment moves its job to the back of the
   * rotation, so concurrent jobs of several drivers share the cluster), and within a job tasks go in arrival
   * order, each to its preferred worker when that one has a slot; a task that failed on a worker avoids it
   * while another worker is alive. A barrier stage waiting for its slots holds back everything behind it.
   */
  private dispatch(): void {
    rotation: for (;;) {
      const alive = [...this.workers.values()].filter((w) => w.alive);
      if (!alive.some((w) => w.running < w.cores) && ![...this.queues.values()].some((q) => q[0]?.job.state !== JobState.RUNNING)) return;
      for (const [jobId, queue] of this.queues) {
        const wt = queue[0];
        if (!wt) { this.queues.delete(jobId); continue rotation; }
        if (wt.job.state !== JobState.RUNNING) {
          this.queues.delete(jobId);
          for (const w of queue) w.reject(new JobStopped(`Job '${w.job.id}' stopped: ${w.job.error}`));
          continue rotation;
        }
        if (wt.gang) {
          const tasks = wt.gang.length;
          const cores = alive.reduce((n, w) => n + w.cores, 0);
          if (cores < tasks) {
            queue.shift();
            wt.reject(new Error(`A barrier stage needs all ${tasks} tasks to run at once, but the cluster has ${cores} task slots now`));
            continue rotation;
          }
          if (alive.reduce((n, w) => n + w.cores - w.running, 0) < tasks) return;
          // Tasks whose input lives on a worker with a free slot go there first; the rest fill the least loaded.
          const picked: (WorkerState | undefined)[] = new Array(tasks);
          for (let pass = 0; pass < 2; pass++) {
            wt.gang.forEach((preferred, p) => {
              if (picked[p]) return;
              const free = alive.filter((x) => x.running < x.cores);
              const w = pass === 0 ? preferred.map((id) => free.find((x) => x.id === id)).find((x) => x) : leastLoaded(free);
              if (w) { w.running++; picked[p] = w; }
            });
          }
          this.served(jobId, queue);
          wt.resolveGang!(picked as WorkerState[]);
          continue rotation;
        }
        const allowed = alive.some((w) => !wt.excluded.has(w.id)) ? alive.filter((w) => !wt.excluded.has(w.id)) : alive;
        const free = allowed.filter((w) => w.running < w.cores);
        if (free.length === 0) continue;
        const chosen = wt.preferred.map((id) => free.find((w) => w.id === id)).find((w) => w) ?? leastLoaded(free);
        chosen.running++;
        this.served(jobId, queue);
        wt.resolve(chosen);
        continue rotation;
      }
      return;
    }
  }

  /** The job's head task got its slot: the job goes to the back of the rotation. */
  private served(jobId: string, queue: Waiter[]): void {
    queue.shift();
    this.queues.delete(jobId);
    if (queue.length) this.queues.set(jobId, queue);
  }

  private enqueue(w: Waiter): void {
    const q = this.queues.get(w.job.id);
    if (q) q.push(w);
    else this.queues.set(w.job.id, [w]);
    this.dispatch();
  }

  private failJob(job: Job, state: JobState, error: string): void {
    if (job.state !== JobState.RUNNING) return;
    job.state = state;
    job.error = error;
    this.log.warn({ job: job.id, state: JobState[state] ?? state, error }, 'job stopped');
    this.dispatch();
    this.dropBlocks(job);
  }

  private cancelJob(jobId: string, reason: string): Obj {
    const job = this.requireJob(jobId);
    this.failJob(job, JobState.CANCELLED, reason);
    return {};
  }

  private closeJob(jobId: string): Obj {
    const job = this.requireJob(jobId);
    if (job.state === JobState.RUNNING) {
      job.state = JobState.SUCCEEDED;
      this.dropBlocks(job);
    }
    this.log.info({ job: job.id }, 'job closed');
    return {};
  }

  /** Frees the job's blocks on every worker and its lineage here; its status stays queryable. */
  private dropBlocks(job: Job): void {
    for (const w of this.workers.values()) if (w.alive) this.dropOn(w, job);
    job.producers.clear();
    this.finished.push(job.id);
    // A long-lived scheduler keeps the status of its last FINISHED_JOBS_KEPT jobs only.
    while (this.finished.length > FINISHED_JOBS_KEPT) this.jobs.delete(this.finished.shift()!);
  }

  private killTasks(w: WorkerState, job: Job, st: StageState, attempt: number, reason: string): void {
    this.log.info({ job: job.id, stage: st.id, attempt, worker: w.id, reason }, 'killing barrier tasks');
    unary(w.client, 'KillTasks', { jobId: job.id, stageId: st.id, attempt, reason }, 10_000)
      .catch((e) => this.log.warn({ worker: w.id, error: e.message }, 'KillTasks failed'));
  }

  private dropOn(w: WorkerState, job: Job): void {
    unary(w.client, 'DropBlocks', { prefix: `${job.id}/` }, 10_000).catch((e) => this.log.warn({ worker: w.id, error: e.message }, 'DropBlocks failed'));
  }

  private requireJob(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw Object.assign(new Error(`Unknown job id '${jobId}'`), { code: grpc.status.NOT_FOUND });
    return job;
  }

  private jobStatus(jobId: string): Obj {
    const job = this.requireJob(jobId);
    return {
      jobId: job.id, state: job.state, error: job.error,
      stages: [...job.stages.values()].map((s) => ({
        stageId: s.id, numTasks: s.numTasks, completed: s.completed, running: s.running, failedAttempts: s.failedAttempts, recomputed: s.recomputed,
        speculated: s.speculated,
      })),
    };
  }

  /** For tests: registered, live workers. */
  get liveWorkers(): number {
    return [...this.workers.values()].filter((w) => w.alive).length;
  }
}


function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function leastLoaded(ws: readonly WorkerState[]): WorkerState {
  return ws.reduce((a, b) => (a.running / a.cores <= b.running / b.cores ? a : b));
}

/** A varint protobuf field (wire type 0). */
function varintField(num: number, value: number): Uint8Array {
  const out: number[] = [];
  for (let n = num << 3; ; n >>>= 7) {
    if (n < 0x80) { out.push(n); break; }
    out.push((n & 0x7f) | 0x80);
  }
  for (; value >= 0x80; value = Math.floor(value / 128)) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return Uint8Array.from(out);
}

/** A length-delimited protobuf field (wire type 2). */
function field(num: number, bytes: Uint8Array): Uint8Array {
  const head: number[] = [(num << 3) | 2];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) { head.push(n); break; }
    head.push((n & 0x7f) | 0x80);
  }
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}


